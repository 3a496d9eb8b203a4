"""What every detector shares: the span type, the detector interface, small helpers.

A detector is any object with a ``kind`` (one of ``KINDS``) and a ``find(text)`` that
yields ``(start, end)`` spans of that kind. Detectors see one *view* of the text at a
time (the original, or a normalised form); the pipeline in ``__init__`` maps spans found
in a normalised view back to offsets into the original text.
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any, Protocol, runtime_checkable

Span = tuple[int, int]

# Kinds in the order that decides which name an overlapping finding gets: the more
# specific (checksum- or structure-confirmed) kind wins, so a field is reported once.
KINDS: tuple[str, ...] = (
    "mrz",
    "email",
    "iban",
    "crypto_wallet",
    "payment_card",
    "document_number",
    "date_of_birth",
    "phone_number",
    "messaging_handle",
    "bank_account",
    "vehicle_plate",
    "street_address",
    "person_name",
)
PRIORITY = {kind: rank for rank, kind in enumerate(KINDS)}


@dataclass(frozen=True)
class Finding:
    """Where personal data was found and what kind; never the matched text.

    kind is one of ``KINDS``; start and end are character offsets into the text as
    submitted (start inclusive, end exclusive).
    """

    kind: str
    start: int
    end: int


@runtime_checkable
class Detector(Protocol):
    """One kind of personal data.

    ``find`` must run in time linear in ``len(text)``: candidates are found with
    regular expressions that cannot backtrack without bound, and any confirmation step
    looks only at a window of fixed size around a candidate.
    """

    kind: str

    def find(self, text: str) -> Iterator[Span]: ...


# Windows, in characters, that the detectors share.
# Before a number, where a word makes it something else ("flight", "USD", "IMO").
NOT_NUMBER_WINDOW = 12
# Slack past a window's end that lets a token starting inside it finish.
TOKEN_SLACK = 30
# Around a token, where a date that contains it is looked for.
DATE_WINDOW = 30

HAS_DIGIT_RE = re.compile(r"[0-9]")
# Combining marks of the region's scripts (Thai and Burmese vowels, Arabic harakat,
# Indic matras...). They belong to words but are not letters to Python's \w.
MARKS = ("\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0900-\u0903"
         "\u093a-\u094f\u0981-\u0983\u09bc-\u09d7\u0b82\u0bbe-\u0bcd\u0d81-\u0d83"
         "\u0dca-\u0ddf\u0e31\u0e34-\u0e3a\u0e47-\u0e4e\u0eb1\u0eb4-\u0ebc\u0ec8-\u0ecd"
         "\u102b-\u103e\u17b4-\u17d3")
NON_DIGIT_RE = re.compile(r"[^0-9]")
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
_ASCII_UPPER = str.maketrans(string.ascii_lowercase, string.ascii_uppercase)


def lowered(text: str) -> str:
    """Lower-case text whose offsets still match the original.

    str.lower() can lengthen a string ("\u0130" becomes two characters), which would
    shift every offset after it; then only A-Z are folded.
    """
    low = text.lower()
    return low if len(low) == len(text) else text.translate(_ASCII_LOWER)


def uppered(text: str) -> str:
    """Upper-case text whose offsets still match the original ("ß" would grow)."""
    up = text.upper()
    return up if len(up) == len(text) else text.translate(_ASCII_UPPER)


def stem_positions(haystack: str, stems: tuple[str, ...] | frozenset[str]) -> list[int]:
    """Sorted offsets where any stem occurs (str.find per stem: linear per stem)."""
    found: set[int] = set()
    for stem in stems:
        pos = haystack.find(stem)
        while pos != -1:
            found.add(pos)
            pos = haystack.find(stem, pos + 1)
    return sorted(found)


@cache
def load_data(name: str) -> Any:
    """One of the JSON data files shipped in ``guard/data`` (see data/SOURCES.md)."""
    raw = (resources.files(__package__) / "data" / name).read_text(encoding="utf-8")
    return json.loads(raw)


_UNSPACED_SCRIPTS = ("THAI", "LAO", "KHMER", "MYANMAR", "CJK", "HIRAGANA", "KATAKANA", "HANGUL")


def _unspaced(word: str) -> bool:
    """Whether word belongs to a script written without spaces between words."""
    import unicodedata

    return unicodedata.name(word[0], "").startswith(_UNSPACED_SCRIPTS)


def _alternation(words: list[str]) -> str:
    """Longest first; a word of a spaced script that ends in a letter or digit may not
    run on into a letter, so "passport num" fails on "passport number" and the engine
    falls back to "passport"."""
    ordered = sorted({w.strip() for w in words if w.strip()}, key=len, reverse=True)
    return "|".join(
        re.escape(w).replace(r"\ ", r"\s{1,3}")
        + (r"(?![^\W\d_])" if w[-1].isalnum() and not _unspaced(w[-1]) else "")
        for w in ordered
    )


_WORD_START_RE = re.compile(r"(?<!\w)\w")


@lru_cache(maxsize=8)
def _prefix_index(text: str) -> dict[str, list[int]]:
    """Where words start, keyed by their first one, two and three lower-case characters.

    Built once per text (every finder of one screening shares it), so a finder looks its
    stems up instead of scanning the text once per stem.
    """
    low = lowered(text)
    index: dict[str, list[int]] = {}
    for m in _WORD_START_RE.finditer(low):
        pos = m.start()
        for size in (1, 2, 3):
            index.setdefault(low[pos : pos + size], []).append(pos)
    return index


class WordFinder:
    """Finds any of a list of words or phrases in text, in linear time.

    Words of scripts written with spaces must stand alone (no letter or digit just
    before, no letter just after): their first three characters are looked up in an
    index of the text's word starts, built once per text, and the compiled alternation
    is tried only there, which is far cheaper than letting the regex engine try a long
    case-insensitive alternation at every position. Thai, Lao, Khmer, Burmese and CJK
    words (and words opening with punctuation) are located with ``str.find`` and
    matched anywhere.
    """

    _STEM = 3

    def __init__(self, words: list[str], case_sensitive: list[str] | None = None) -> None:
        self._parts: list[tuple[re.Pattern[str], frozenset[str], frozenset[str], bool]] = []
        for group, fold in ((words, True), (case_sensitive or [], False)):
            kept = [w.strip() for w in group if w.strip()]
            if not kept:
                continue
            stems = {w[: self._STEM] for w in kept}
            anywhere = frozenset(
                (s.lower() if fold else s) for s in stems if _unspaced(s) or not s[0].isalnum()
            )
            indexed = frozenset(s.lower() for s in stems if not _unspaced(s) and s[0].isalnum())
            self._parts.append((
                re.compile(f"(?:{_alternation(kept)})", re.IGNORECASE if fold else 0),
                indexed,
                anywhere,
                fold,
            ))

    def finditer(self, text: str) -> list[re.Match[str]]:
        """Non-overlapping matches, sorted by start."""
        found: list[re.Match[str]] = []
        index = _prefix_index(text)
        low: str | None = None
        for pattern, indexed, anywhere, fold in self._parts:
            positions: set[int] = set()
            for stem in indexed:
                positions.update(index.get(stem, ()))
            if anywhere:
                if low is None:
                    low = lowered(text)
                positions.update(stem_positions(low if fold else text, anywhere))
            last = 0
            for pos in sorted(positions):
                if pos < last:
                    continue
                m = pattern.match(text, pos)
                if m is None or not self._alone(text, m):
                    continue
                last = m.end()
                found.append(m)
        found.sort(key=lambda m: m.start())
        return found

    @staticmethod
    def _alone(text: str, m: re.Match[str]) -> bool:
        """No letter or digit just before a word of a spaced script (the end is checked
        by the pattern itself)."""
        if _unspaced(m.group()):
            return True
        before = text[m.start() - 1 : m.start()]
        return not (before and (before.isalnum() or before == "_"))
