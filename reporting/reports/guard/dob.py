"""Dates of birth.

Catches: a date (or a birth year) after a birth word from ``data/dob_words.json`` in
the six UN languages and the region's main languages ("DOB: 15 Jan 90", "d/o/b
15.I.1990", "born on the fifteenth of January nineteen ninety", "tgl lahir: Jakarta,
12-05-1990", "né le 12/05/1990", "تاريخ الميلاد: ١٥/٠١/١٩٩٠", "出生日期：1990年1月15日",
"sinh ngày 15/01/1990", "дата рождения 15.01.1990", Thai Buddhist-era and Iranian solar
years), with an optional place of birth in between; a date just before a birth word
("12-May-1990 (DOB)"); and a person's age next to a full date ("(34 y/o, 15-01-1990)",
"umur 34 tahun, 15/01/1990", "34 tuổi, 15/01/1990"). Month names come from
``data/months.json``; Roman-numeral months and English dates in words are understood.

Misses: a date of birth with no birth or age word near it (it cannot be told from an
incident date), dates in words in languages other than English, and lunar calendars.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from reporting.reports.guard.base import Span, WordFinder, load_data
from reporting.reports.guard.dates import DATE, DAY, MONTH, YEAR4

kind = "date_of_birth"

_DATA = load_data("dob_words.json")
_BEFORE_WORDS = WordFinder([w for words in _DATA["before"].values() for w in words])
_AFTER_WORDS = WordFinder(_DATA["after_date"])
_AGE_WORDS = sorted({w for words in _DATA["age"].values() for w in words}, key=len, reverse=True)
_AGE_ALT = "|".join(re.escape(w).replace(r"\ ", r"\s") for w in _AGE_WORDS)

# Years of other calendars, for dates of birth only: Thai Buddhist era, Iranian solar.
_OTHER_YEAR = r"(?:25[0-9]{2}|13[0-9]{2})"
_DOB_DATE = rf"(?:{DATE}|{DAY}\s{{0,2}}{MONTH}\s{{0,2}}{_OTHER_YEAR}|{YEAR4}|{_OTHER_YEAR})"
# Between the word and the date: punctuation, filler words and an optional place of
# birth ("born in Kabul on 12 May 1990", "tgl lahir: Jakarta, ..."). No full stop or
# semicolon, so "...were born. On 12 May 2024 the boat left" does not join a birth to
# the next sentence's incident date. Every repetition is bounded.
_FILLER = (r"(?i:on|the|in|at|di|is|was|about|around|circa|c\.|el|le|en|ngày|vào|pada"
           r"|tanggal|tgl|year|tahun|năm|noong|nung|sa|于|在|في|فی|در)")
_DOB_GAP = (
    rf"(?:[\s:,()\[\]=\-\u2013\u2014]|{_FILLER}(?![^\W\d_])){{0,12}}"
    r"(?:[A-Z][A-Za-z'\-]{1,30}(?:\s{1,3}[A-Z][A-Za-z'\-]{1,30}){0,2}\s{0,3}[,/]?\s{0,3}"
    rf"(?:{_FILLER}\s{{1,3}}){{0,2}})?"
)
_DOB_AFTER_RE = re.compile(rf"{_DOB_GAP}({_DOB_DATE})(?![0-9A-Za-z]|'s)")
_DATE_BEFORE_WORD_RE = re.compile(
    rf"(?<![0-9A-Za-z])({DATE})\s{{0,3}}[(\[,:\-\u2013]?\s{{0,3}}$")
_AGE_THEN_DATE_RE = re.compile(
    rf"(?:(?<![0-9])[0-9]{{1,3}}\s{{0,2}}-?\s{{0,2}}(?:{_AGE_ALT})|(?i:aged|age|umur|usia"
    rf"|berumur|berusia|edad|возраст|อายุ|العمر|عمر)\s{{0,3}}:?\s{{0,3}}[0-9]{{1,3}}"
    rf"(?:\s{{0,2}}(?:{_AGE_ALT}))?)"
    rf"[\s,()\[\]/:;\-]{{1,5}}(?:(?i:born|lahir|dob|d\.o\.b\.?)[\s:,]{{0,3}})?({DATE})(?![0-9])",
    re.IGNORECASE,
)
_AGE_START_RE = re.compile(r"[0-9]{1,3}(?![0-9])")
_AGE_LEAD_RE = re.compile(r"(?i:aged|age|umur|usia|berumur|berusia|edad|возраст|อายุ|العمر|عمر)")
# How far before a date a trailing birth word may stand, and how far back an age is read.
AFTER_WORD_WINDOW = 40
AGE_WINDOW = 40


class DateOfBirthDetector:
    kind = kind

    def find(self, text: str) -> Iterator[Span]:
        for word in _BEFORE_WORDS.finditer(text):
            m = _DOB_AFTER_RE.match(text, word.end())
            if m:
                yield m.span(1)
        for word in _AFTER_WORDS.finditer(text):
            m = _DATE_BEFORE_WORD_RE.search(text, max(0, word.start() - AFTER_WORD_WINDOW),
                                            word.start())
            if m:
                yield m.span(1)
        last = -1
        for start in self._age_starts(text):
            if start <= last:
                continue
            m = _AGE_THEN_DATE_RE.match(text, start)
            if m:
                last = m.end()
                yield m.span(1)

    @staticmethod
    def _age_starts(text: str) -> Iterator[int]:
        """Where an age may begin: a short number, or an age word before one."""
        starts = {m.start() for m in _AGE_START_RE.finditer(text)
                  if not text[m.start() - 1 : m.start()].isdigit()}
        starts.update(m.start() for m in _AGE_LEAD_RE.finditer(text))
        yield from sorted(starts)
