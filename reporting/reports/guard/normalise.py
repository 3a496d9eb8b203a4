"""Normalised views of a text, each with a map from its offsets back to the original.

Obfuscation defeats detectors that look at the text as typed: "0812\u200b3456\u200b7890"
(zero-width spaces), "budi&#64;gmail.com", "\uff10\uff18\uff11\uff12..." (fullwidth
digits), "\u0968\u0966..." (Devanagari digits), "\u0410\u04121234567" (Cyrillic letters
that look Latin). The guard therefore screens the original text *and* a normalised view:

1. URL escapes (``%40``) and HTML character references (``&#64;``, ``&commat;``) are
   decoded;
2. every character is put in NFKC form (fullwidth, superscript, circled forms);
3. invisible format characters (Unicode category Cf: zero-width space and joiners, soft
   hyphen, bidi marks, BOM) are removed;
4. every Unicode decimal digit becomes its ASCII digit (``unicodedata.decimal``);
5. letters that Unicode's confusables table (confusables.txt, as shipped and maintained
   in the ``confusable_homoglyphs`` package) lists as look-alikes of an ASCII character
   are folded to it, inside words that also hold ASCII letters or digits (so that a
   Russian or Greek word stays itself and its own context words still match); look-alike
   punctuation is folded everywhere;
6. words typed with a space between every character ("p a s s p o r t",
   "b u d i @ g m a i l . c o m") are joined.

``digit_view`` goes further for the detectors of phone and card numbers only: digits
spelled out in words ("zero eight one two ...", "nol delapan satu ..."), the letters O
and l/I typed for 0 and 1 inside numbers, and dots, commas and underscores between
digits (read as spaces).

Case is folded by the detectors whose kind is case-insensitive (MRZ, IBAN).
Every step is one pass over the text: linear time.
"""

from __future__ import annotations

import html.entities
import json
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources

from reporting.reports.guard.base import load_data

__all__ = ["View", "digit_view", "identity", "normalise"]


@dataclass(frozen=True)
class View:
    """A text derived from the original, and where each of its characters came from.

    ``starts[i]``/``ends[i]`` are the original offsets of the characters that produced
    character i (several when an escape or a spelled-out digit was decoded). None means
    the view is the original text itself.
    """

    text: str
    starts: list[int] | None = None
    ends: list[int] | None = None

    def original(self, start: int, end: int) -> tuple[int, int]:
        """Offsets into the original text of the view's characters start..end."""
        if self.starts is None or self.ends is None:
            return start, end
        return self.starts[start], self.ends[end - 1]


def identity(text: str) -> View:
    return View(text)


class _Builder:
    __slots__ = ("chars", "ends", "starts")

    def __init__(self) -> None:
        self.chars: list[str] = []
        self.starts: list[int] = []
        self.ends: list[int] = []

    def add(self, chars: str, start: int, end: int) -> None:
        for c in chars:
            self.chars.append(c)
            self.starts.append(start)
            self.ends.append(end)

    def copy(self, text: str, start: int, end: int) -> None:
        """Characters start..end of text, unchanged, each from its own offset."""
        self.chars.append(text[start:end])
        self.starts.extend(range(start, end))
        self.ends.extend(range(start + 1, end + 1))

    def view(self) -> View:
        return View("".join(self.chars), self.starts, self.ends)


# ---------------------------------------------------------------------------
# Escapes
# ---------------------------------------------------------------------------

_PERCENT_RUN_RE = re.compile(r"(?:%[0-9A-Fa-f]{2})+")
_ENTITY_RE = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});?")
_NON_ASCII_RE = re.compile(r"[^\x00-\x7f]+")
_ESCAPE_RE = re.compile(rf"{_PERCENT_RUN_RE.pattern}|{_ENTITY_RE.pattern}")
_HTML5 = html.entities.html5


def _decode_escape(escape: str) -> str | None:
    if escape.startswith("%"):
        try:
            return bytes.fromhex(escape.replace("%", "")).decode("utf-8")
        except UnicodeDecodeError:
            return None
    body = escape[1:].rstrip(";")
    if body.startswith("#"):
        try:
            code = int(body[2:], 16) if body[1:2] in "xX" and len(body) > 2 else int(body[1:])
            return chr(code) if 0 < code < 0x110000 else None
        except ValueError:
            return None
    return _HTML5.get(body + ";") or _HTML5.get(body)


# ---------------------------------------------------------------------------
# Confusables
# ---------------------------------------------------------------------------


@cache
def _confusables() -> dict[str, str]:
    """Non-ASCII character -> the ASCII character Unicode says it is confusable with.

    Built from the ``confusable_homoglyphs`` package's copy of Unicode's confusables
    table (its ``confusables.json``), not from a hand-made list.
    """
    raw = resources.files("confusable_homoglyphs").joinpath("confusables.json")
    table = json.loads(raw.read_text(encoding="utf-8"))
    folded: dict[str, str] = {}
    for char, lookalikes in table.items():
        if len(char) != 1 or char.isascii():
            continue
        ascii_forms = [
            item["c"] for item in lookalikes
            if len(item["c"]) == 1 and item["c"].isascii() and item["c"].isprintable()
        ]
        if ascii_forms:
            # A letter or digit look-alike before punctuation ("\u0131" -> "i").
            ascii_forms.sort(key=lambda c: (not c.isalnum(), c))
            folded[char] = ascii_forms[0]
    return folded


_WORD_RE = re.compile(r"[^\W_]+")


def _fold_confusables(view: View) -> View:
    table = _confusables()
    text = view.text
    if text.isascii():
        return view
    out = list(text)
    # Look-alike punctuation ("․" one-dot leader, "։" Armenian colon) becomes
    # its ASCII twin everywhere; symbols that merely resemble a letter ("°" and "o")
    # stay, or "12°34'S" would turn into a token.
    for m in _NON_ASCII_RE.finditer(text):
        for i in range(m.start(), m.end()):
            c = text[i]
            if not c.isalnum() and c in table and not table[c].isalnum():
                out[i] = table[c]
    for m in _WORD_RE.finditer(text):
        word = m.group()
        if word.isascii() or not any(c.isascii() for c in word):
            continue
        for i in range(m.start(), m.end()):
            if not text[i].isascii() and text[i] in table:
                out[i] = table[text[i]]
    folded = "".join(out)
    return view if folded == text else View(folded, view.starts, view.ends)


# ---------------------------------------------------------------------------


def _char_forms(c: str) -> str:
    """NFKC, format characters dropped, decimal digits made ASCII."""
    if c.isascii():
        return c
    if unicodedata.category(c) == "Cf":
        return ""
    out = []
    for form in unicodedata.normalize("NFKC", c):
        if unicodedata.category(form) == "Cf":
            continue
        digit = None if form.isascii() else unicodedata.decimal(form, None)
        out.append(form if digit is None else str(digit))
    return "".join(out)


# "b u d i @ g m a i l . c o m", "p a s s p o r t": five or more single characters
# separated by single spaces are one word typed apart.
_LETTER_SPACED_RE = re.compile(r"(?<!\S)(?:\S ){4,}\S(?!\S)")


def _despaced(view: View) -> View:
    text = view.text
    runs = list(_LETTER_SPACED_RE.finditer(text))
    if not runs:
        return view
    starts = view.starts or list(range(len(text)))
    ends = view.ends or list(range(1, len(text) + 1))
    builder = _Builder()
    pos = 0
    for m in runs:
        for i in range(pos, m.start()):
            builder.add(text[i], starts[i], ends[i])
        for i in range(m.start(), m.end(), 2):
            builder.add(text[i], starts[i], ends[i])
        pos = m.end()
    for i in range(pos, len(text)):
        builder.add(text[i], starts[i], ends[i])
    return builder.view()


def normalise(text: str) -> View:
    """The normalised view of text (see the module's docstring)."""
    if text.isascii() and ("%" not in text and "&" not in text or not _ESCAPE_RE.search(text)):
        return _despaced(identity(text))
    builder = _Builder()

    def plain(lo: int, hi: int) -> None:
        pos = lo
        for m in _NON_ASCII_RE.finditer(text, lo, hi):
            builder.copy(text, pos, m.start())
            for i in range(m.start(), m.end()):
                builder.add(_char_forms(text[i]), i, i + 1)
            pos = m.end()
        builder.copy(text, pos, hi)

    pos = 0
    for m in _ESCAPE_RE.finditer(text):
        decoded = _decode_escape(m.group())
        if decoded is None:
            continue
        plain(pos, m.start())
        for c in decoded:
            builder.add(_char_forms(c), m.start(), m.end())
        pos = m.end()
    plain(pos, len(text))
    return _despaced(_fold_confusables(builder.view()))


# ---------------------------------------------------------------------------
# Digit view (phone and card numbers)
# ---------------------------------------------------------------------------


@cache
def _digit_words() -> dict[str, str]:
    table: dict[str, str] = {}
    for words in load_data("digit_words.json")["languages"].values():
        for digit, spellings in words.items():
            for spelling in spellings:
                table[spelling.casefold()] = digit
    return table


_TOKEN_RE = re.compile(r"[^\W_]+")
# Between two spelled-out digits: blanks, hyphens, commas, dots, slashes.
_WORD_GAP_RE = re.compile(r"[\s,.\-/]{0,3}")
_MIN_SPELLED_DIGITS = 7
# "0812.3456.7890", "4111_1111_1111_1111", "0812,3456,7890": one separator between digits.
_DIGIT_SEPARATOR_RE = re.compile(r"(?<=[0-9])[.,_](?=[0-9])")
# O for 0 and l/I for 1 in a token that is mostly digits ("O812-345-678O").
_LETTER_DIGITS = str.maketrans({"O": "0", "o": "0", "l": "1", "I": "1"})


def _digit_token(token: str) -> str | None:
    """The digits a token stands for, or None."""
    if token.isascii():
        if token.isdigit():
            return token
        if token.isalpha():
            return None  # an ordinary word (digit words were looked up before)
    elif len(token) > 1:
        # Scripts written without spaces: "零八一二..." is one token of one-character words.
        spelled = [_digit_words().get(c, "") for c in token]
        if all(len(d) == 1 for d in spelled):
            return "".join(spelled)
    digits = sum(c.isdigit() for c in token)
    if digits and digits * 2 >= len(token):
        swapped = token.translate(_LETTER_DIGITS)
        if swapped.isdigit():
            return swapped
    return None


def _spelled_runs(text: str) -> list[tuple[list[tuple[int, int, str]], int, int]]:
    """Runs of tokens standing for at least _MIN_SPELLED_DIGITS digits, at least one of
    them spelled out or typed with letters: (tokens as (start, end, digits), start, end)."""
    words = _digit_words()
    runs = []
    run: list[tuple[int, int, str]] = []
    spelled = False

    def close() -> None:
        if spelled and sum(len(d) for _, _, d in run) >= _MIN_SPELLED_DIGITS:
            runs.append((list(run), run[0][0], run[-1][1]))

    for tok in _TOKEN_RE.finditer(text):
        word = words.get(tok.group().casefold())
        digits = word if word is not None else _digit_token(tok.group())
        joined = bool(run) and _WORD_GAP_RE.fullmatch(text, run[-1][1], tok.start()) is not None
        if digits is None or not joined:
            close()
            run, spelled = [], False
        if digits is not None:
            run.append((tok.start(), tok.end(), digits))
            spelled = spelled or word is not None or digits != tok.group()
    close()
    return runs


def digit_view(view: View) -> View:
    """The normalised view with numbers typed to dodge a filter written as digits.

    Separators between digits become spaces in place (same length, same offsets); only
    a text with a spelled-out run is rebuilt character by character.
    """
    text = _DIGIT_SEPARATOR_RE.sub(" ", view.text)
    runs = _spelled_runs(text)
    if not runs:
        return view if text == view.text else View(text, view.starts, view.ends)
    src_start = view.starts or list(range(len(text)))
    src_end = view.ends or list(range(1, len(text) + 1))
    builder = _Builder()
    pos = 0
    for tokens, start, end in runs:
        for i in range(pos, start):
            builder.add(text[i], src_start[i], src_end[i])
        for tok_start, tok_end, digits in tokens:
            builder.add(digits, src_start[tok_start], src_end[tok_end - 1])
        pos = end
    for i in range(pos, len(text)):
        builder.add(text[i], src_start[i], src_end[i])
    return builder.view()
