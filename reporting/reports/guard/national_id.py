"""National identity numbers that identify a person without any word next to them.

Catches (``python-stdnum`` validators, which check the embedded birth date, place code
or check digit): hyphenated Malaysian NRIC (770305-02-1234, also with spaces), Thai PIN
(1-2345-45678-78-1), Pakistani CNIC (34201-0891231-8), Chinese resident ID (18
characters), old Sri Lankan NIC (853400937V), and the Indonesian NIK written with dots
(31.71.01.170845.0001). Context-free only where the format is specific enough; the weak
schemes (bare 16-digit NIK or KK, unhyphenated NRIC, Aadhaar, new Sri Lankan NIC) are
caught next to a document word by ``document``, which uses ``national_id_ok`` below.

Misses: numbers of states python-stdnum has no module for (apart from Sri Lanka's, whose
structure is checked here), and mistyped numbers that fail their check.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from stdnum.cn import ric as _cn_ric
from stdnum.id import nik as _id_nik
from stdnum.in_ import aadhaar as _in_aadhaar
from stdnum.my import nric as _my_nric
from stdnum.pk import cnic as _pk_cnic
from stdnum.th import pin as _th_pin

from reporting.reports.guard.base import Span

kind = "document_number"

_LK_OLD_NIC_RE = re.compile(r"[0-9]{9}[VvXx]")
_LK_NEW_NIC_RE = re.compile(r"(?:19|20)[0-9]{10}")


def lk_nic_ok(number: str) -> bool:
    """Sri Lanka NIC. python-stdnum 2.2 has no Sri Lankan module, so the
    structure is checked here: old 9 digits + V/X, new 12 digits starting with
    the birth year; both carry the day of the year (+500 for women)."""
    if _LK_OLD_NIC_RE.fullmatch(number):
        day = int(number[2:5])
    elif _LK_NEW_NIC_RE.fullmatch(number):
        day = int(number[4:7])
    else:
        return False
    return 1 <= day <= 366 or 501 <= day <= 866


def _dotted_nik_ok(number: str) -> bool:
    return _id_nik.is_valid(number.replace(".", ""))


def _spaced_nric_ok(number: str) -> bool:
    return _my_nric.is_valid(number.replace(" ", "-"))


_FIVE_DIGITS_RE = re.compile(r"[0-9]{5}")
# Each pattern opens with a plain digit class (the boundary check follows as a
# look-behind) so that the regex engine can skip straight to digits.
_STANDALONE_IDS: tuple[tuple[re.Pattern[str], Callable[[str], bool]], ...] = (
    (
        re.compile(r"[0-9](?<![0-9A-Za-z-][0-9])[0-9]{5}-[0-9]{2}-[0-9]{4}(?![0-9A-Za-z-])"),
        _my_nric.is_valid,
    ),
    (
        re.compile(r"[0-9](?<![0-9A-Za-z][0-9])[0-9]{5} [0-9]{2} [0-9]{4}(?![0-9A-Za-z])"),
        _spaced_nric_ok,
    ),
    (
        re.compile(r"[0-9](?<![0-9A-Za-z-][0-9])-[0-9]{4}-[0-9]{5}-[0-9]{2}-[0-9](?![0-9A-Za-z-])"),
        _th_pin.is_valid,
    ),
    (
        re.compile(r"[0-9](?<![0-9A-Za-z-][0-9])[0-9]{4}-[0-9]{7}-[0-9](?![0-9A-Za-z-])"),
        _pk_cnic.is_valid,
    ),
    (re.compile(r"[0-9](?<![0-9A-Za-z][0-9])[0-9]{16}[0-9Xx](?![0-9A-Za-z])"), _cn_ric.is_valid),
    (re.compile(r"[0-9](?<![0-9A-Za-z][0-9])[0-9]{8}[VvXx](?![0-9A-Za-z])"), lk_nic_ok),
    (
        re.compile(
            r"[0-9](?<![0-9A-Za-z.][0-9])[0-9]\.[0-9]{2}\.[0-9]{2}\.[0-9]{6}\.[0-9]{4}(?![0-9A-Za-z])"
        ),
        _dotted_nik_ok,
    ),
)

_NATIONAL_ID_SHAPE_RE = re.compile(r"[0-9]{9,17}[0-9VvXx]")


def national_id_ok(compact: str) -> bool:
    """Weak schemes too (NIK and KK: ~3% of random 16-digit strings pass; Aadhaar,
    unhyphenated Thai PIN: 1 in 10), which is why this only runs next to a
    document word."""
    # Every supported scheme is 10-18 digits (the last may be a letter); the
    # stdnum calls are comparatively slow, so other tokens stop here.
    if not _NATIONAL_ID_SHAPE_RE.fullmatch(compact):
        return False
    return any(
        check(compact)
        for check in (
            _id_nik.is_valid,
            _my_nric.is_valid,
            _th_pin.is_valid,
            _pk_cnic.is_valid,
            _cn_ric.is_valid,
            _in_aadhaar.is_valid,
            lk_nic_ok,
        )
    )


# "Report ID", "case document": the identifier belongs to a record, not a person.
RECORD_QUALIFIER_RE = re.compile(
    r"(?i:\b(?:report|case|incident|reference|ref|file|submission|record|event|operation"
    r"|transaction|batch|message|request|ticket|task|form|vessel|boat|ship|flight|system|user"
    r"|session|tracking|police|laporan|polisi|perkara)"
    r"(?:\s*(?:no|nr|number|id|#)\.?)?)[\s.:#-]*$"
)
RECORD_WINDOW = 30


class NationalIdDetector:
    kind = kind

    def find(self, text: str) -> Iterator[Span]:
        # Every standalone format has a group of at least five digits (or 6 with dots).
        if not _FIVE_DIGITS_RE.search(text):
            return
        for pattern, is_valid in _STANDALONE_IDS:
            for m in pattern.finditer(text):
                # "Incident ref. 240315-01-0042" has the shape of a Malaysian NRIC.
                if RECORD_QUALIFIER_RE.search(text, max(0, m.start() - RECORD_WINDOW),
                                              m.start()):
                    continue
                if is_valid(m.group()):
                    yield m.span()
