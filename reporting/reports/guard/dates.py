"""Calendar dates in running text, shared by the date-of-birth and document detectors.

Numeric dates (2024-03-15, 15/03/2024, 15.03.90), month names in the languages of
``data/months.json`` (15 Jan 1990, 15 Jan 90, January 15, 1990, 15 de enero de 1990,
15 января 1990), Roman-numeral months (15.I.1990, 15-XII-1990), CJK dates
(1990年1月15日) and English dates in words (the fifteenth of January nineteen ninety).
Every alternative is a bounded pattern, so a scan is linear in the text.
"""

from __future__ import annotations

import re

from reporting.reports.guard.base import DATE_WINDOW, load_data


def _month_names() -> list[str]:
    names: list[str] = []
    for language, months in load_data("months.json")["months"].items():
        if language == "roman":
            continue
        for spellings in months:
            names.extend(spellings)
    return names


_MONTH_NAMES = sorted(set(_month_names()), key=len, reverse=True)
MONTH = (
    "(?i:" + "|".join(re.escape(n).replace(r"\ ", r"\s") for n in _MONTH_NAMES) + r")\.?"
    r"(?![^\W\d_])"
)
ROMAN_MONTH = r"(?:XII|XI|X|IX|VIII|VII|VI|V|IV|III|II|I|xii|xi|x|ix|viii|vii|vi|v|iv|iii|ii|i)"
DAY = r"(?:0?[1-9]|[12][0-9]|3[01])"
MON_NUM = r"(?:0?[1-9]|1[0-2])"
YEAR4 = r"(?:19|20)[0-9]{2}"
YEAR2 = r"'?[0-9]{2}"
_ORD = r"(?i:st|nd|rd|th|er|e|º|°)?"
_SEP = r"[-/.]"
_ORDINAL_WORDS = (
    "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
    "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth",
    "seventeenth", "eighteenth", "nineteenth", "twentieth", "thirtieth",
)
_UNITS = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
_DAY_WORD = (
    r"(?i:(?:twenty|thirty)[-\s](?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth)"
    rf"|{'|'.join(sorted(_ORDINAL_WORDS, key=len, reverse=True))})"
)
_TENS = r"(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)"
_TEENS = (r"(?:ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen"
          r"|nineteen)")
_YEAR_WORDS = (
    rf"(?i:nineteen[-\s]{_TENS}(?:[-\s](?:{'|'.join(_UNITS)}))?"
    rf"|nineteen[-\s]{_TEENS}"
    rf"|two\s+thousand(?:\s+and)?(?:\s+(?:{_TEENS}|{'|'.join(_UNITS)}))?)"
)

DATE = (
    r"(?:"
    rf"{YEAR4}{_SEP}{MON_NUM}{_SEP}{DAY}"
    rf"|{DAY}{_SEP}{DAY}{_SEP}(?:{YEAR4}|[0-9]{{2}})"
    rf"|{DAY}{_ORD}(?:\s{{1,3}}(?i:of|de))?[\s\-/.]{{0,3}}{MONTH},?(?:\s(?i:de))?"
    rf"[\s\-/.]{{0,3}}(?:{YEAR4}|{YEAR2})"
    rf"|{MONTH}\s{{1,3}}{DAY}{_ORD},?\s{{1,3}}{YEAR4}"
    rf"|{DAY}[-/.\s]{ROMAN_MONTH}[-/.\s]{YEAR4}"
    rf"|{YEAR4}\s?年\s?{MON_NUM}\s?月(?:\s?{DAY}\s?日)?"
    rf"|(?i:the\s)?{_DAY_WORD}\s(?i:of\s)?{MONTH},?\s(?:{YEAR4}|{_YEAR_WORDS})"
    rf"|{DAY}{_ORD}\s(?i:of\s)?{MONTH},?\s{_YEAR_WORDS}"
    r")"
)
DATE_RE = re.compile(rf"(?<![0-9A-Za-z/]){DATE}(?![0-9])")


def inside_date(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] overlaps a date; only the neighbourhood is scanned."""
    lo, hi = max(0, start - DATE_WINDOW), min(len(text), end + DATE_WINDOW)
    return any(m.start() < end and start < m.end() for m in DATE_RE.finditer(text, lo, hi))
