"""Bank and money-transfer account numbers next to a bank word.

Catches: a run of 8-20 digits (contiguous or grouped with spaces or hyphens, as banks
print them: "123-456-7890", "0123 4567 8901") within ``BANK_AFTER`` characters after a
word for an account or a bank/e-wallet name from ``data/bank_words.json`` ("rekening BCA
1234567890", "a/c no. 0012-3456-789", "số tài khoản 0123456789", "bKash 01812345678"),
in the same sentence.

Misses: account numbers with letters (most IBAN-less domestic numbers are digits only;
IBANs are their own kind), numbers far from any bank word, and amounts written as long
digit runs directly after a currency (deliberately let through: "IDR 15000000000").
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from reporting.reports.guard.base import (
    HAS_DIGIT_RE,
    NOT_NUMBER_WINDOW,
    TOKEN_SLACK,
    Span,
    WordFinder,
    load_data,
)
from reporting.reports.guard.dates import inside_date
from reporting.reports.guard.phone import NOT_NUMBER_AFTER_RE, NOT_NUMBER_BEFORE_RE

kind = "bank_account"

BANK_WORDS = WordFinder([w for words in load_data("bank_words.json")["words"].values()
                         for w in words])
BANK_AFTER = 40
_ACCOUNT_RE = re.compile(r"(?<![0-9A-Za-z.,])[0-9]{2,}(?:[ \-][0-9]{1,}){0,5}(?![0-9A-Za-z])")
# "account no. 123...": the marker's full stop is not the end of the sentence.
_MARKER_RE = re.compile(r"(?i:(?:\s{0,3}(?:no|nr|number|num|nomor|nombor|số|#|:)\.?){0,2})")
_SENTENCE_END_RE = re.compile(r"[.;!?](?:\s|$)|\n")
_MIN_DIGITS, _MAX_DIGITS = 8, 20


class BankAccountDetector:
    kind = kind

    def find(self, text: str) -> Iterator[Span]:
        if not HAS_DIGIT_RE.search(text):
            return
        for word in BANK_WORDS.finditer(text):
            after = _MARKER_RE.match(text, word.end())
            begin = after.end() if after else word.end()
            limit = min(len(text), begin + BANK_AFTER)
            stop = _SENTENCE_END_RE.search(text, begin, limit)
            if stop:
                limit = stop.start()
            for m in _ACCOUNT_RE.finditer(text, begin, min(len(text), limit + TOKEN_SLACK)):
                if m.start() >= limit:
                    break
                digits = sum(c.isdigit() for c in m.group())
                if not _MIN_DIGITS <= digits <= _MAX_DIGITS:
                    continue
                if (
                    m.group().replace(" ", "").replace("-", "").endswith("00000")
                    or inside_date(text, m.start(), m.end())
                    or NOT_NUMBER_BEFORE_RE.search(text, max(0, m.start() - NOT_NUMBER_WINDOW),
                                                   m.start())
                    or NOT_NUMBER_AFTER_RE.match(text, m.end())
                ):
                    continue
                yield m.span()
