"""Street addresses: a street word with a house number.

Catches, with the words of ``data/address_words.json``:

* a street word before the street's name and a house number after it, optionally after
  a house marker ("Jl. Merdeka No. 12", "Jalan Sudirman 45", "Jln Ampang, No 8",
  "Calle Mayor 5", "ул. Ленина, д. 5", "đường Lê Lợi số 12", "ถนนสุขุมวิท 55",
  "شارع الملك فهد 12", "Gang Mawar RT 03/RW 05");
* a house number before a street word ("12 rue de la Paix", "số 12 đường Lê Lợi",
  "No. 8 Jalan Ampang");
* a house number before a street's name ending in a street suffix ("45 Station Road",
  "12 Galle Rd", "7/3 Smith St");
* a house marker on its own with a number ("house no. 12", "rumah no. 7",
  "บ้านเลขที่ 99/1", "RT 03/RW 05");
* CJK addresses: a road name ending in 路/街/道/巷 with a number and 号.

Highways and national roads ("Highway 1", "AH2", "Jalan Tol") are not addresses.

Misses: addresses without a house number (a street name alone is not an address of a
person), addresses whose street word is in a language not listed, and rural addresses
made only of village and district names.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from reporting.reports.guard.base import MARKS, Span, WordFinder, load_data

kind = "street_address"

_DATA = load_data("address_words.json")
STREET_WORDS = WordFinder([w for words in _DATA["before_name"].values() for w in words])
_SUFFIXES = sorted(_DATA["after_name"], key=len, reverse=True)
_MARKERS = sorted(_DATA["house_markers"], key=len, reverse=True)
_NOT_STREETS = WordFinder(_DATA["not_streets"])
_MARKER_ALT = "|".join(re.escape(m) for m in _MARKERS)
# "12", "12A", "99/1", "7-3", and Indonesian neighbourhood units "03/RW 05".
_HOUSE_NUMBER = r"[0-9]{1,5}[A-Za-z]?(?:\s?[/\-]\s?(?:RW\.?\s?)?[0-9]{1,4}[A-Za-z]?)?"
# A street's name: one to five words of letters (any script), bounded.
_UNITS = (r"km|m|kg|nm|persons?|people|migrants?|hours?|hrs|days?|minutes?|times|hari|jam"
          r"|orang|kali|menit|minggu|bulan|tahun|%")
# Particles a street's name may open with in lower case ("rue de la Paix").
_PARTICLES = frozenset({"de", "del", "la", "le", "du", "des", "di", "da", "van", "al"})
_NAME = rf"[^\W\d_][\w{MARKS}'.\-]{{0,30}}(?:\s{{1,2}}[^\W\d_][\w{MARKS}'.\-]{{0,30}}){{0,4}}"
_AFTER_STREET_WORD_RE = re.compile(
    rf"\s{{0,2}}(?P<name>{_NAME})?[\s,]{{0,3}}(?:(?i:{_MARKER_ALT})\.?\s{{0,2}})?"
    rf"(?P<house>{_HOUSE_NUMBER}(?:[\s,]{{1,3}}(?i:{_MARKER_ALT})\.?\s{{0,2}}{_HOUSE_NUMBER}){{0,2}})"
    rf"(?![0-9])(?!\s?(?i:{_UNITS})\b)"
)
_NUMBER_BEFORE_RE = re.compile(
    rf"(?:(?i:{_MARKER_ALT})\.?\s{{0,2}})?(?<![0-9.,])({_HOUSE_NUMBER})[\s,]{{1,3}}$"
)
_SUFFIX_RE = re.compile(
    r"(?<![0-9A-Za-z.,:])([0-9]{1,5}[A-Za-z]?(?:/[0-9]{1,4})?)\s{1,2}"
    r"(?:[A-Z][a-z'\-]{1,25}\s{1,2}){1,3}"
    rf"(?:{'|'.join(re.escape(s.capitalize()) for s in _SUFFIXES)})\.?(?![A-Za-z])"
)
_HOUSE_RE = re.compile(
    r"(?i:(?<![A-Za-z])(?:house\s{1,2}(?:no\.?|number)|rumah\s{1,2}(?:no\.?|nomor)"
    r"|số\s{1,2}nhà|บ้านเลขที่|nhà\s{1,2}số|منزل\s{1,2}رقم|মকান\s{1,2}নম্বর|مکان\s{1,2}نمبر)"
    rf"\s{{0,2}}[:#]?\s{{0,2}}({_HOUSE_NUMBER}))"
    r"|(?<![A-Za-z])RT\.?\s{0,2}[0-9]{1,3}\s{0,2}/\s{0,2}RW\.?\s{0,2}[0-9]{1,3}"
)
_CJK_RE = re.compile(r"[\u4e00-\u9fff]{1,10}[路街道巷]\s?[0-9]{1,5}\s?[号號]")
STREET_BEFORE = 12
# "Jalan Trans Timor km 12": a kilometre post on a road, not a house number.
_KILOMETRE_RE = re.compile(r"(?i:\b(?:km|kilomet(?:er|re)s?)\.?\s{0,2})$")


class StreetAddressDetector:
    kind = kind

    def find(self, text: str) -> Iterator[Span]:
        if not any(c.isdigit() for c in text):
            return
        excluded = [m.span() for m in _NOT_STREETS.finditer(text)]
        for word in STREET_WORDS.finditer(text):
            if any(a <= word.start() < b for a, b in excluded):
                continue
            m = _AFTER_STREET_WORD_RE.match(text, word.end())
            if m and self._name_ok(m.group("name")) and not _KILOMETRE_RE.search(
                    text, word.end(), m.start("house")):
                yield word.start(), m.end("house")
                continue
            before = _NUMBER_BEFORE_RE.search(text, max(0, word.start() - STREET_BEFORE),
                                              word.start())
            if before:
                end = self._name_end(text, word.end())
                yield before.start(), end
        for m in _SUFFIX_RE.finditer(text):
            yield m.span()
        for m in _HOUSE_RE.finditer(text):
            yield m.span()
        for m in _CJK_RE.finditer(text):
            yield m.span()

    @staticmethod
    def _name_ok(name: str | None) -> bool:
        """A street's name in a cased script starts with a capital ("jalan kaki" is a
        walk, "Jalan Merdeka" a street), unless it opens with a particle."""
        if not name:
            return True
        first = name.split()[0]
        return not first[0].islower() or first.lower() in _PARTICLES

    @staticmethod
    def _name_end(text: str, pos: int) -> int:
        m = re.compile(rf"\s{{0,2}}{_NAME}").match(text, pos)
        return m.end() if m else pos
