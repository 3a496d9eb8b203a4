"""Payment card numbers.

Catches: 13-19 digit numbers of the card networks used in the region (Visa, Mastercard,
Amex, Diners, JCB, Discover, UnionPay, RuPay and other IINs) that pass the Luhn check
(``python-stdnum``), written contiguously or in the issuers' groupings (4-4-4-4[-3],
Amex 4-6-5, Diners 4-6-4) with spaces or hyphens. Through ``normalise`` and its digit
view, also cards written with dots, commas or underscores between groups, with
fullwidth or other non-ASCII digits, or spelled out in words.

Misses: card numbers with a typo (Luhn fails), partial or masked numbers
("4111 **** **** 1111"), and networks outside the IIN list.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from stdnum import luhn as _luhn

from reporting.reports.guard.base import Span

kind = "payment_card"

# Thousand-grouped money never has the card groupings.
_CARD_RE = re.compile(
    r"[0-9](?<![0-9A-Za-z][0-9])(?:"
    r"[0-9]{12,18}"
    r"|[0-9]{3}([ -])[0-9]{4}\1[0-9]{4}\1[0-9]{1,4}(?:\1[0-9]{3})?"
    r"|[0-9]{3}([ -])[0-9]{6}\2[0-9]{4,5}"
    r")(?![0-9A-Za-z])"
)
# Issuer identification numbers of the networks used for payments in the
# region; an unknown prefix that happens to satisfy Luhn (1 in 10) is ignored.
_CARD_IIN_RE = re.compile(
    r"4|5[1-5]|2(?:2[2-9]|[3-6][0-9]|7[01]|720)|3[47]|3(?:0[0-5]|[689])|35(?:2[89]|[3-8][0-9])"
    r"|6(?:011|4[4-9]|5|2)|5[06-9]|6[0-9]"
)
_SEPARATORS = re.compile(r"[ -]")


class CardDetector:
    kind = kind

    def find(self, text: str) -> Iterator[Span]:
        for m in _CARD_RE.finditer(text):
            digits = _SEPARATORS.sub("", m.group())
            if 13 <= len(digits) <= 19 and _CARD_IIN_RE.match(digits) and _luhn.is_valid(digits):
                yield m.span()
