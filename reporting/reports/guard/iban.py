"""International bank account numbers (IBAN).

Catches: IBANs in capitals or lower case, contiguous or grouped with spaces or hyphens
("DE89 3704 0044 0532 0130 00", "gb82-west-1234-5698-7654-32"), validated by
``python-stdnum`` (country, length and the ISO 7064 mod-97 check). Fullwidth and other
look-alike characters reach this detector decoded by ``normalise``.

Misses: an IBAN with a typo (it fails mod 97; a bank-account word nearby may still make
it a ``bank_account`` finding), and domestic account numbers (see ``bank_account``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from stdnum import iban as _iban

from reporting.reports.guard.base import Span, uppered

kind = "iban"

# The candidate pattern opens with a plain character class and checks the preceding
# character in a look-behind, which lets the regex engine jump between candidates.
_IBAN_RE = re.compile(r"[A-Z](?<![A-Za-z0-9][A-Z])[A-Z][0-9]{2}(?:[ \-]?[A-Z0-9]){11,32}")
_SEPARATORS = re.compile(r"[ \-]")
_MIN_IBAN = 15


class IbanDetector:
    kind = kind

    def find(self, text: str) -> Iterator[Span]:
        upper = uppered(text)
        for m in _IBAN_RE.finditer(upper):
            # The candidate may run into following words; take the longest prefix
            # ending at a token boundary that stdnum accepts (bounded: <= 66 tries).
            chunk = m.group()
            end = m.end()
            for cut in range(len(chunk), _MIN_IBAN - 1, -1):
                if cut < len(chunk) and chunk[cut] not in " -":
                    continue
                if cut == len(chunk) and end < len(upper) and upper[end].isalnum():
                    continue
                if _iban.is_valid(_SEPARATORS.sub("", chunk[:cut])):
                    yield m.start(), m.start() + cut
                    break
