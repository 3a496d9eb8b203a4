"""E-mail addresses.

Catches: plain addresses (``budi@gmail.com``); addresses whose "@" and dots are spelled
out or bracketed to dodge filters, in several languages (``budi at gmail dot com``,
``agen[at]yahoo[dot]co[dot]id``, ``budi arroba gmail punto com``) when they end in a real
top-level domain (every ISO 3166 country code from pycountry and the common generic
ones); ``name at gmail.com`` / ``name @ yahoo . co . id`` before a webmail provider.
Escaped forms (``budi%40gmail.com``, ``budi&#64;gmail.com``), fullwidth "＠" and
look-alike letters reach this detector already decoded by ``normalise``.

Misses: an address written as prose with no recognisable top-level domain ("budi at
the gmail"), or split across several sentences; addresses in scripts other than Latin
(internationalised local parts are rare in practice).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pycountry

from reporting.reports.guard.base import Span, load_data, lowered

kind = "email"

# No maintained library finds addresses inside running text (the validators only
# judge a whole string), so a conservative bounded pattern is used.
_EMAIL_RE = re.compile(
    r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]{1,64}@[A-Za-z0-9\-]{1,63}"
    r"(?:\.[A-Za-z0-9\-]{1,63}){0,8}\.[A-Za-z]{2,24}(?![A-Za-z0-9\-])"
)

_GENERIC_TLDS = ("com", "net", "org", "edu", "gov", "info", "biz", "io", "me", "co", "mobi",
                 "online", "xyz", "site", "app", "asia", "int", "mil")
_TLDS = sorted({*_GENERIC_TLDS, *(c.alpha_2.lower() for c in pycountry.countries)},
               key=len, reverse=True)
_WORDS = load_data("email_words.json")
_AT_WORDS = "|".join(re.escape(w) for w in _WORDS["at"])
_DOT_WORDS = "|".join(re.escape(w) for w in _WORDS["dot"])
# Every repetition is bounded: an unbounded "(word dot)*" scanned from every start is
# what made the previous detector quadratic ("a at b dot " * n).
_OPEN, _CLOSE = r"\s{0,3}[\[({<]\s{0,3}", r"\s{0,3}[\])}>]\s{0,3}"
_AT = rf"(?:{_OPEN}(?:{_AT_WORDS}|@){_CLOSE}|\s{{1,3}}(?:{_AT_WORDS})\s{{1,3}})"
_DOT = rf"(?:{_OPEN}(?:{_DOT_WORDS}|\.){_CLOSE}|\s{{1,3}}(?:{_DOT_WORDS})\s{{1,3}})"
_PART = r"[A-Za-z0-9_%+\-]{1,64}"
_OBFUSCATED_EMAIL_RE = re.compile(
    rf"(?i:(?<![A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]{{1,64}}(?:{_DOT}{_PART}){{0,4}}{_AT}"
    rf"[A-Za-z0-9\-]{{1,63}}(?:(?:{_DOT}|\.){_PART}){{0,4}}(?:{_DOT}|\.)"
    rf"(?:{'|'.join(_TLDS)})(?![A-Za-z0-9]))"
)
_HINTS = tuple(f" {w} " for w in _WORDS["dot"]) + tuple(
    f"{o}{w}{c}" for w in (*_WORDS["at"], *_WORDS["dot"], "@") for o, c in ("[]", "()", "{}", "<>")
)

# "ahmad at gmail.com", "ahmad @ gmail . com": a plain " at " (or an "@" set apart by
# spaces) is too common in narrative to count with any domain, but not before the name
# of a webmail provider.
_PROVIDERS = ("gmail", "googlemail", "yahoo", "ymail", "hotmail", "outlook", "icloud",
              "protonmail", "proton", "aol", "gmx", "yandex", "mail.ru", "qq", "163", "126",
              "rocketmail", "live", "zoho", "rediffmail")
_PROVIDER_EMAIL_RE = re.compile(
    r"(?i:(?<![A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]{1,64}\s{0,3}(?:@|\bat\b)\s{0,3}(?:"
    + "|".join(re.escape(p) for p in _PROVIDERS)
    + r")\s{0,3}(?:\.|\bdot\b)\s{0,3}(?:com|net|co|me|ru|cn|fr|de|id|au|my|lk|uk|in|sg)"
    r"(?:\s{0,3}(?:\.|\bdot\b)\s{0,3}[a-z]{2})?(?![A-Za-z0-9]))"
)


class EmailDetector:
    kind = kind

    def find(self, text: str) -> Iterator[Span]:
        if "@" in text:
            for m in _EMAIL_RE.finditer(text):
                yield m.span()
        low = lowered(text)
        if any(hint in low for hint in _HINTS):
            for m in _OBFUSCATED_EMAIL_RE.finditer(text):
                yield m.span()
        if any(provider in low for provider in _PROVIDERS):
            for m in _PROVIDER_EMAIL_RE.finditer(text):
                yield m.span()
