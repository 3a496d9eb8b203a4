"""Document numbers next to a word for an identity or travel document.

Catches: a document-number-like token (6-12 letters and digits with at least two
digits, or a national number that passes its python-stdnum check: NIK and the family
card KK, unhyphenated NRIC, Aadhaar, Thai PIN, CNIC, Chinese RIC, Sri Lankan NIC) after
a document word from ``data/doc_words.json`` (the six UN languages and the main
languages of the Bali Process members, plus abbreviations: PP#, ppt no., travel doc,
KTP, NIK, KK, CNIC, ...), optionally after a number marker ("no.", "n°", "№", "nomor",
"số", "เลขที่", "رقم", "号码", ...), within the same sentence (``DOC_AFTER`` characters);
numbers written in spaced groups after a marker ("AB 123 4567"); and a document-shaped
token (letters and digits) before the word in the same sentence ("B1234567 was the
number on his passport", "A7654321 (passport)").

Misses: bare digit runs far after a word without a marker ("visa ... 120000" is a count
as often as a number); document numbers of fewer than 6 characters; a number in another
sentence than its document word; record numbers qualified as such ("report ID",
"case no.", police report numbers) are deliberately let through.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from reporting.reports.guard.base import (
    HAS_DIGIT_RE,
    NOT_NUMBER_WINDOW,
    TOKEN_SLACK,
    Span,
    WordFinder,
    load_data,
)
from reporting.reports.guard.dates import inside_date
from reporting.reports.guard.national_id import RECORD_QUALIFIER_RE, national_id_ok
from reporting.reports.guard.phone import (
    NOT_NUMBER_AFTER_RE,
    NOT_NUMBER_BEFORE_RE,
    SPACED_DATE_RE,
)

kind = "document_number"

_DATA = load_data("doc_words.json")
DOC_WORDS = WordFinder(
    [w for words in _DATA["words"].values() for w in words], _DATA["case_sensitive"]
)
_MARKERS = sorted(_DATA["markers"], key=len, reverse=True)
# The "no." / "#" that usually follows is consumed so the sentence-end check does not
# stop at its full stop. Whole words come before their abbreviations.
_MARKER_RE = re.compile(
    r"(?:[\s,]{0,3}(?:"
    + "|".join(
        re.escape(m) + (r"(?![^\W\d_])" if m[-1].isalpha() and m.isascii() else "")
        for m in _MARKERS
    )
    + r")\.?){1,3}[\s:]{0,3}",
    re.IGNORECASE,
)
# How far after the word a number is looked for (within the sentence).
DOC_AFTER = 40
# A bare number (no letters) is only taken this close to a document word that
# carries no marker: "passport 123456789" but not "visa application centre ...
# processed 120000".
BARE_NUMBER_AFTER = 15
# How far before the word a document-shaped token is looked for (within the sentence).
DOC_BEFORE = 60
_RECORD_WINDOW = 20
_SENTENCE_END_RE = re.compile(r"[.;!?。](?:\s|$)|\n")
# Tokens include , . / so that money ("1,500"), decimals and legal references
# ("6/2011") arrive whole and can be rejected whole.
_TOKEN_RE = re.compile(r"(?<![A-Za-z0-9])[A-Za-z0-9]+(?:[-/.,][A-Za-z0-9]+)*")
_DIGIT_GROUPS_RE = re.compile(r"(?<![A-Za-z0-9])[0-9]+(?:[ -][0-9]+)+(?![A-Za-z0-9])")
_GROUP_SEPARATOR_RE = re.compile(r"[ -]")
# A number written in spaced groups straight after "passport no.", "visa number:"
# ("AB 123 4567", "123 456 789"): digit groups after an optional short capital prefix,
# so that neither a word in capitals ("3 SEIZED") nor a currency after it joins one.
_SPACED_DOC_RE = re.compile(
    r"\s{0,3}((?:[A-Z]{1,3}[ -])?[0-9]{1,8}(?:[ -][0-9]{1,8}){0,4})(?![A-Za-z0-9])"
)
# "KTP atas nama tersangka bernomor 5171...": a marker later in the phrase.
_INNER_MARKER_RE = re.compile(
    r"(?i:\b(?:bernomor|bernombor|nomor|nombor|number(?:ed)?|no\.|numéro|número|номер)\s{0,3}:?"
    r"\s{0,3}$|[#№]\s{0,3}$)")
_PLATE_AFTER_RE = re.compile(r"\s{1,3}(?i:plates?|number\s+plates?)\b")
# Straight after the word without a marker, spaced groups count with this many digits.
_MIN_UNMARKED_SPACED_DIGITS = 7
_YEAR_GROUP_RE = re.compile(r"(?:19|20)[0-9]{2}")
_MIN_SPACED_DOC_DIGITS = 5
_YEAR_RANGE_RE = re.compile(r"(?:19|20)[0-9]{2}(?:-(?:19|20)?[0-9]{2})+")
_LAW_WINDOW = 15
_LAW_RE = re.compile(r"(?i:\b(?:law|uu|undang-undang|act|regulation|perpres|pp)\s{0,3}$)")


def looks_like_document_number(token: str) -> bool:
    if "," in token or "/" in token:
        return False
    if "." in token and token.replace(".", "").isdigit():
        return False
    alnum = token.replace("-", "").replace(".", "")
    if not 6 <= len(alnum) <= 12 or sum(c.isdigit() for c in alnum) < 2:
        return False
    if _YEAR_RANGE_RE.fullmatch(token):
        return False
    # Times and short numeric ranges ("0230-0445") are not identifiers.
    return not ("-" in token and alnum.isdigit() and max(len(g) for g in token.split("-")) < 5)


def doc_token_ok(text: str, start: int, end: int) -> bool:
    """Whether the token at start..end is not a date, an amount, a flight or a count."""
    if inside_date(text, start, end):
        return False
    if NOT_NUMBER_BEFORE_RE.search(text, max(0, start - NOT_NUMBER_WINDOW), start):
        return False
    return not NOT_NUMBER_AFTER_RE.match(text, end)


def _sentence_start(text: str, pos: int, window: int) -> int:
    lo = max(0, pos - window)
    start = lo
    for m in _SENTENCE_END_RE.finditer(text, lo, pos):
        start = m.end()
    return start


class DocumentNumberDetector:
    kind = kind

    def find(self, text: str) -> Iterator[Span]:
        if not HAS_DIGIT_RE.search(text):
            return
        for word in DOC_WORDS.finditer(text):
            if RECORD_QUALIFIER_RE.search(text, max(0, word.start() - _RECORD_WINDOW),
                                          word.start()):
                continue
            if _PLATE_AFTER_RE.match(text, word.end()):
                continue  # "licence plate": a vehicle's, not a person's document
            marker = _MARKER_RE.match(text, word.end())
            has_marker = bool(marker and marker.group().strip(" ,"))
            after = marker.end() if has_marker and marker else word.end()
            yield from self._after(text, word.end(), after, has_marker)
            yield from self._before(text, word.start())

    def _after(self, text: str, word_end: int, after: int, has_marker: bool) -> Iterator[Span]:
        bare_limit = word_end + (DOC_AFTER if has_marker else BARE_NUMBER_AFTER)
        limit = min(len(text), after + DOC_AFTER)
        stop = _SENTENCE_END_RE.search(text, after, limit)
        if stop:
            limit = stop.start()
        # Slack past the limit lets a token that starts inside it finish.
        for tok in _TOKEN_RE.finditer(text, after, limit + TOKEN_SLACK):
            if tok.start() >= limit:
                break
            token = tok.group().rstrip(".")
            if not HAS_DIGIT_RE.search(token):
                continue
            end = tok.start() + len(token)
            compact = token.replace("-", "")
            if compact.isdigit() and tok.start() >= bare_limit and not _INNER_MARKER_RE.search(
                    text, word_end, tok.start()):
                continue
            if (looks_like_document_number(token) or national_id_ok(compact)) and doc_token_ok(
                text, tok.start(), end
            ):
                yield tok.start(), end
        # National numbers are often written in spaced groups ("3171 0117 ...").
        for grp in _DIGIT_GROUPS_RE.finditer(text, after, limit + TOKEN_SLACK):
            if grp.start() >= min(limit, bare_limit):
                break
            if national_id_ok(_GROUP_SEPARATOR_RE.sub("", grp.group())) and doc_token_ok(
                text, grp.start(), grp.end()
            ):
                yield grp.span()
        spaced = _SPACED_DOC_RE.match(text, after)
        if spaced and not has_marker and (
            text[word_end:spaced.start(1)].strip(" :") or
            sum(c.isdigit() for c in spaced.group(1)) < _MIN_UNMARKED_SPACED_DIGITS
        ):
            spaced = None
        if spaced:
            start, end = spaced.span(1)
            compact = _GROUP_SEPARATOR_RE.sub("", spaced.group(1))
            groups = _GROUP_SEPARATOR_RE.split(spaced.group(1))
            if (
                len(groups) > 1  # one group: a plain token, taken by the loop above
                and sum(c.isdigit() for c in compact) >= _MIN_SPACED_DOC_DIGITS
                and not all(_YEAR_GROUP_RE.fullmatch(group) for group in groups)
                # "passport no.: USD 1500": a currency, not a document prefix.
                and not (groups[0].isalpha() and NOT_NUMBER_BEFORE_RE.search(groups[0]))
                and looks_like_document_number(compact)
                and not SPACED_DATE_RE.fullmatch(spaced.group(1))
                and doc_token_ok(text, start, end)
            ):
                yield start, end

    def _before(self, text: str, word_start: int) -> Iterator[Span]:
        """Document-shaped tokens earlier in the word's sentence. Bare numbers there are
        counts ("120000 visas were issued"), so letters are required, unless the number
        passes a national-ID check."""
        lo = _sentence_start(text, word_start, DOC_BEFORE)
        for tok in _TOKEN_RE.finditer(text, lo, word_start):
            token = tok.group().rstrip(".")
            end = tok.start() + len(token)
            compact = token.replace("-", "")
            if not HAS_DIGIT_RE.search(token) or tok.start() == lo and lo > 0 and \
                    text[lo - 1].isalnum():
                continue
            shaped = not compact.isdigit() and looks_like_document_number(token)
            if (shaped or (compact.isdigit() and national_id_ok(compact))) and doc_token_ok(
                text, tok.start(), end
            ) and not _LAW_RE.search(text, max(0, tok.start() - _LAW_WINDOW), tok.start()):
                yield tok.start(), end
