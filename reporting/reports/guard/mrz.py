"""Machine-readable zones of passports, ID cards and visas (ICAO 9303).

Catches: whole zones and single lines (TD1 30, TD2/MRV-B 36, TD3/MRV-A 44 characters),
lines pasted without their line breaks, partial name lines ("P<IDNSANTOSO<<BUDI"), and
zones typed loosely: in lower case, with "«" or "‹" for "<" (OCR and keyboards), or split
into space-separated groups ("P<IDN SANTOSO<<BUDI", "L898902C3 6 UTO 740812..."). A
line with "<" filler is personal data by shape alone (a mistyped zone is still one); a
line without filler counts only if its ICAO check digits agree (the ``mrz`` package's
routine), which happens by chance about once in a thousand.

Misses: a filler-free line whose check digits are wrong, and fragments shorter than a
document-type head plus "<<".
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from mrz.base.functions import hash_is_ok

from reporting.reports.guard.base import Span
from reporting.reports.guard.normalise import View

kind = "mrz"

# Groups of MRZ characters separated by single spaces, and at least one "<" or a run of
# ten or more characters somewhere (checked after the match). Bounded by the text.
_GROUPS_RE = re.compile(r"[A-Z0-9<](?<![A-Z0-9<][A-Z0-9<])[A-Z0-9<]*(?: [A-Z0-9<]+)*")
_LONG_CAPS_RE = re.compile(r"[A-Z0-9]{30}")
_MRZ_HEAD_RE = re.compile(r"[PIACV][A-Z<][A-Z<]{3}")
_PLAIN_WORD_RE = re.compile(r"[A-Z]+")
_SINGLE_RE = re.compile(r"[^ ]{10,}")
_FILLERS = {"\u00ab": "<<", "\u2039": "<", "\uff1c": "<", "\u02c2": "<"}


def _check(field: str, digit: str) -> bool:
    try:
        return hash_is_ok(field, digit)
    except ValueError:
        return False


def _mrz_dates_ok(line: str, birth: int, expiry: int) -> bool:
    return (
        line[birth : birth + 6].isdigit()
        and _check(line[birth : birth + 6], line[birth + 6])
        and line[expiry : expiry + 6].isdigit()
        and _check(line[expiry : expiry + 6], line[expiry + 6])
    )


def _is_filler_free_mrz_line(token: str) -> bool:
    """A line without '<' is only MRZ if its check digits agree (about 1 in 1000 by chance)."""
    n = len(token)
    if n in (36, 44):  # second line of TD2, TD3, MRV-A, MRV-B
        return (_check(token[0:9], token[9]) and _mrz_dates_ok(token, 13, 21)
                and token[20] in "MFX<")
    if n == 30:  # TD1 line 1 (document number) or line 2 (dates)
        if _MRZ_HEAD_RE.match(token) and _check(token[5:14], token[14]):
            return True
        return _mrz_dates_ok(token, 0, 8) and token[7] in "MFX<"
    return False


def _mrz_view(text: str) -> View:
    """Upper case, with filler look-alikes made "<"; offsets map back to text."""
    chars: list[str] = []
    starts: list[int] = []
    for i, c in enumerate(text):
        out = _FILLERS.get(c) or c.upper()
        if len(out) != 1 and c not in _FILLERS:
            out = c  # "ß".upper() grows; keep the character as it was
        for o in out:
            chars.append(o)
            starts.append(i)
    return View("".join(chars), starts, [s + 1 for s in starts])


def _is_zone(token: str) -> bool:
    if "<" in token:
        # A mistyped MRZ is still personal data, so shape alone is enough:
        # nothing in an operational narrative produces long '<'-filled runs.
        return len(token) >= 28 or (_MRZ_HEAD_RE.match(token) is not None and "<<" in token)
    return len(token) >= 30 and _is_filler_free_mrz_line(token)


def _trimmed(view: str, start: int, end: int) -> tuple[int, int]:
    """Drop whole words of letters at either end of a run of groups ("PASSPORT P<...")."""
    groups = [(m.start(), m.end()) for m in re.finditer(r"[^ ]+", view[start:end])]
    lo, hi = 0, len(groups)
    while lo < hi - 1 and _PLAIN_WORD_RE.fullmatch(view, start + groups[lo][0],
                                                   start + groups[lo][1]):
        lo += 1
    while hi - 1 > lo and _PLAIN_WORD_RE.fullmatch(view, start + groups[hi - 1][0],
                                                   start + groups[hi - 1][1]):
        hi -= 1
    return start + groups[lo][0], start + groups[hi - 1][1]


class MrzDetector:
    kind = kind

    def find(self, text: str) -> Iterator[Span]:
        if not any(c in text for c in "<\u00ab\u2039\uff1c\u02c2") \
                and not _LONG_CAPS_RE.search(text.upper()):
            return
        view = _mrz_view(text)
        upper = view.text
        spans: list[list[int]] = []
        for m in _GROUPS_RE.finditer(upper):
            if m.end() - m.start() < 10:
                continue
            hits = [
                (m.start() + g.start(), m.start() + g.end())
                for g in _SINGLE_RE.finditer(m.group()) if _is_zone(g.group())
            ]
            if not hits and " " in m.group():
                start, end = _trimmed(upper, m.start(), m.end())
                groups = upper[start:end].split(" ")
                marked = sum(1 for g in groups if "<" in g or any(c.isdigit() for c in g))
                if marked * 2 >= len(groups) and _is_zone("".join(groups)):
                    hits = [(start, end)]
            if hits and " " in m.group():
                # "P<IDN SANTOSO<<BUDI...": a zone typed in groups is one finding.
                start, end = _trimmed(upper, m.start(), m.end())
                if start < hits[0][0] and _is_zone(upper[start:end].replace(" ", "")):
                    hits = [(start, max(end, hits[-1][1]))]
            for start, end in hits:
                # Lines of one zone (separated only by whitespace) form one finding.
                if spans and not upper[spans[-1][1] : start].strip():
                    spans[-1][1] = max(spans[-1][1], end)
                else:
                    spans.append([start, end])
        for start, end in spans:
            yield view.original(start, end)
