"""Vehicle registration plates next to a plate word.

Catches: a plate-shaped token (letters and digits, 4-10 of them, at least one digit and
one letter, in up to four groups of capitals, digits, Thai or CJK characters: "B 1234
XYZ", "WXY 1234", "51F-123.45", "กข 1234", "1ABC234") within ``PLATE_AFTER`` characters
after a plate word from ``data/plate_words.json`` ("plate", "number plate", "plat nomor",
"nopol", "biển số", "ทะเบียน", "matrícula", "госномер", "车牌"...), in the same sentence.

Misses: plates without a plate word nearby (a plate alone looks like a flight number or
a vessel call sign), plates of digits only, and vessel registrations (which are not a
person's data and are let through on purpose).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from reporting.reports.guard.base import NOT_NUMBER_WINDOW, Span, WordFinder, load_data
from reporting.reports.guard.national_id import RECORD_QUALIFIER_RE, RECORD_WINDOW

kind = "vehicle_plate"

PLATE_WORDS = WordFinder([w for words in load_data("plate_words.json")["words"].values()
                          for w in words])
PLATE_AFTER = 30
_GAP_RE = re.compile(r"(?i:\s{0,3}(?:no\.?|nomor|number|num|#|:|số|เลขที่)?\s{0,3}[:#]?\s{0,3})")
# Groups of capitals, digits, Thai or CJK characters: a lower-case word ends the plate.
# Thai plates open with one to three consonants ("กข 1234"), which must not run on into
# a Thai word.
_GROUP = r"(?:[0-9A-Z]{1,5}|[\u0E01-\u0E2E]{1,3}(?![\u0E01-\u0E4E])|[\u4e00-\u9fff])"
_PLATE_RE = re.compile(rf"{_GROUP}(?:[\s\-.]?{_GROUP}){{0,3}}(?![0-9A-Za-z])")
_VESSEL_RE = re.compile(r"(?i:\b(?:vessel|boat|ship|kapal|imo|hull|aircraft|flight)\W{0,3}$)")


class VehiclePlateDetector:
    kind = kind

    def find(self, text: str) -> Iterator[Span]:
        if not any(c.isdigit() for c in text):
            return
        for word in PLATE_WORDS.finditer(text):
            if _VESSEL_RE.search(text, max(0, word.start() - NOT_NUMBER_WINDOW), word.start()) or \
                    RECORD_QUALIFIER_RE.search(text, max(0, word.start() - RECORD_WINDOW),
                                               word.start()):
                continue
            gap = _GAP_RE.match(text, word.end())
            start = gap.end() if gap else word.end()
            if start - word.end() > PLATE_AFTER:
                continue
            m = _PLATE_RE.match(text, start)
            if not m:
                continue
            plate = m.group().rstrip(".")
            compact = re.sub(r"[\s\-.]", "", plate)
            digits = sum(c.isdigit() for c in compact)
            if 4 <= len(compact) <= 10 and digits >= 1 and digits < len(compact) \
                    and not compact.isdigit():
                yield start, start + len(plate)
