"""Telephone numbers.

Catches, with libphonenumber's validity rules (``phonenumbers``) for every region it
knows:

* numbers written with "+" or "(+", for any country calling code;
* numbers written after an international dialling prefix ("00", "0011", "010", "011"
  and every other prefix in libphonenumber's metadata);
* nationally written numbers after a trunk "0": for the Bali Process states
  unconditionally (``BALI_REGIONS``), for every other region whose trunk prefix is "0"
  only after a word for a phone or a messaging app (``data/contact_words.json``), since
  over a hundred national numbering plans together accept too many serials and amounts;
* Chinese and Nepali mobiles, written without a trunk prefix, in their exact grouping;
* international numbers written without "+" ("WhatsApp 6281234567890",
  "wa.me/61412345678") after a phone or messaging word, in many languages.

Numbers typed with dots, commas or underscores between groups, with "O" for zero, or
spelled out in words ("zero eight one two ...", "nol delapan satu ..."), are caught
because this detector also runs on ``normalise.digit_view``; fullwidth and other
non-ASCII digits, zero-width characters and escapes reach it decoded by ``normalise``.

* numbers of regions without a trunk prefix (Singapore "9123 4567", Brunei, Timor-Leste,
  Hong Kong, Spain...) straight after a word that can only mean a phone or an app
  ("WhatsApp", "tel", "mobile", "HP", "Signal"...: ``strict`` in the data file).

Misses: numbers of regions without a trunk prefix with no such word right before them,
old 8-digit Yangon landlines, and bare national numbers of regions outside the Bali
Process with no phone word nearby: they are indistinguishable from amounts and
serials. A text stuffed with
hundreds of number-like runs exhausts the validation budget; past it, candidates that
look like numbers are reported unconfirmed (never let through).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator

import phonenumbers

from reporting.reports.guard.base import (
    NON_DIGIT_RE,
    NOT_NUMBER_WINDOW,
    Span,
    WordFinder,
    load_data,
)
from reporting.reports.guard.dates import DATE_RE, DAY, MON_NUM, YEAR4

kind = "phone_number"

# Candidate runs of digits and phone punctuation. Commas are deliberately not
# phone punctuation, so "IDR 15,000,000" never becomes a candidate.
_PHONE_RUN_RE = re.compile(r"(?:\+|\(\+?)?[0-9][0-9 \t\u00a0().\-/\u2010-\u2015]{5,}[0-9]\)?")
_TIME_RANGE_RE = re.compile(
    r"[0-2][0-9][.:]?[0-5][0-9]\s*[-\u2010-\u2015/]\s*[0-2][0-9][.:]?[0-5][0-9]"
)
SPACED_DATE_RE = re.compile(rf"{DAY}\s{MON_NUM}\s{YEAR4}")
# Where a nationally written number can start inside a run: a trunk "0" that
# opens a digit group ("0812 ...", "(02) ...", "0011 61 ..." for IDD). A "0"
# after "." or "," is part of an amount ("15.000.000"), and "000" opens nothing.
_NATIONAL_START_RE = re.compile(r"(?:^|(?<=[\s(\[]))0(?!00)(?=[0-9 ()\-])")
_DIGIT_GROUP_RE = re.compile(r"[0-9]+")
_PLUS_RE = re.compile(r"\(?\+")
# Phone validation work allowed per text, in units of one validity check (~50-150 us);
# a PhoneNumberMatcher call (~200-500 us) costs more. About 30 ms at most; a genuine
# report uses a small fraction.
PHONE_WORK_UNITS = 300
_VALIDATION_COST = 1
_MATCHER_COST = 10
# Longest formatted number looked at ("+880 (0) 1812-345678 ext. 123" fits);
# bounding the window keeps a hostile run of digits from costing O(n^2).
MAX_PHONE_CHARS = 32
# Every mobile number in the Bali Process regions has at least 9 digits with its
# trunk "0"; 8-digit landlines (old Yangon numbers, "01 234567") are given up
# because grid references and serials like "0123 4567" look the same.
MIN_NATIONAL_DIGITS = 9
# "025.000.000": dot-grouped thousands are amounts, not phone numbers.
_DOTTED_AMOUNT_RE = re.compile(r"[0-9]{1,3}(?:\.[0-9]{3}){2,}(?![0-9])")
# Bali Process states whose numbers are written nationally after a trunk "0". Regions
# without a trunk prefix (SG, BN, ...) are left out on purpose: their national forms are
# bare 7-8 digit numbers, indistinguishable from amounts.
BALI_REGIONS = (
    "ID", "AU", "MY", "TH", "LK", "PH", "VN", "BD", "PK", "AF", "IR", "MM",
    "NZ", "IN", "CN", "NP", "KH", "LA",
)  # fmt: skip
# Every other region with a trunk "0", considered only next to a phone word.
OTHER_TRUNK_REGIONS = tuple(
    region for region in sorted(phonenumbers.SUPPORTED_REGIONS)
    if region not in BALI_REGIONS
    and (phonenumbers.PhoneMetadata.metadata_for_region(region).national_prefix or "") == "0"
)
_BALI = frozenset(BALI_REGIONS)
_COUNTRY_CODES = {
    region: phonenumbers.country_code_for_region(region)
    for region in (*BALI_REGIONS, *OTHER_TRUNK_REGIONS)
}
_POSSIBLE_LENGTHS = {
    region: frozenset(
        phonenumbers.PhoneMetadata.metadata_for_region(region).general_desc.possible_length
    )
    for region in _COUNTRY_CODES
}
_PHONE_LENIENCY = phonenumbers.Leniency.VALID


def _idd_prefixes() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """Every international dialling prefix in libphonenumber's metadata, one region each.

    AU comes first so that its "0011" wins over the bare "00" most others use.
    """
    by_pattern: dict[str, str] = {}
    for region in ("AU", *BALI_REGIONS, *sorted(phonenumbers.SUPPORTED_REGIONS)):
        prefix = phonenumbers.PhoneMetadata.metadata_for_region(region).international_prefix
        if prefix and prefix.startswith("0") and prefix not in by_pattern:
            by_pattern[prefix] = region
    return tuple((region, re.compile(prefix)) for prefix, region in by_pattern.items())


_IDD_PREFIXES = _idd_prefixes()

_CONTACT_WORDS = WordFinder(
    [w for words in load_data("contact_words.json")["words"].values() for w in words]
)
# How far before a number a phone or app word counts.
CONTACT_WINDOW = 40


def _phone_matches(window: str, region: str | None) -> list[tuple[int, int]]:
    matcher = phonenumbers.PhoneNumberMatcher(window, region, leniency=_PHONE_LENIENCY)
    return [(m.start, m.end) for m in matcher]


def is_valid_international(digits: str) -> bool:
    """Whether "+" + digits is a valid number, without parsing text.

    Country calling codes are prefix-free, so the first known one decides;
    building the PhoneNumber directly is ~10x cheaper than phonenumbers.parse.
    """
    for size in (1, 2, 3):
        code = int(digits[:size] or 0)
        if code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
            # "+62 (0) 812 ...": the trunk "0" some people keep after the code.
            national = digits[size:].removeprefix("0")
            if not national or national.startswith("0"):
                return False
            number = phonenumbers.PhoneNumber(country_code=code, national_number=int(national))
            return phonenumbers.is_valid_number(number)
    return False


class Budget:
    """Work allowed on phone validation for one text.

    A genuine report never comes close; a field stuffed with hundreds of
    number-like runs would otherwise cost seconds. Once spent, candidates that
    look like phone numbers are reported without further confirmation.
    """

    __slots__ = ("left",)

    def __init__(self, units: int) -> None:
        self.left = units

    def spend(self, units: int) -> bool:
        self.left -= units
        return self.left >= 0


def _idd_region(digits: str, budget: Budget) -> str | None:
    """Region whose international prefix ("00", "0011", ...) opens digits and
    leaves a valid international number behind it."""
    tried: set[int] = set()
    for region, prefix in _IDD_PREFIXES:
        m = prefix.match(digits)
        if m and m.end() not in tried and m.end() < len(digits):
            tried.add(m.end())
            if not budget.spend(_VALIDATION_COST) or is_valid_international(digits[m.end():]):
                return region
    return None


def _valid_prefixes(
    candidate: str, budget: Budget, regions: tuple[str, ...]
) -> Iterator[tuple[str | None, int]]:
    """(region, end) pairs where candidate[:end] holds a valid number for region.

    PhoneNumberMatcher costs 150-500 us a call, so trying it for every region
    on every candidate would blow the time budget. This generator applies the
    same libphonenumber validity rules to whole digit groups without parsing
    text (a few us per region) and lazily, so the caller runs the matcher only
    for regions that can succeed and stops at the first hit. None as region
    means a number written with "+".
    """
    prefixes: list[tuple[str, int]] = []
    digits = ""
    for group in _DIGIT_GROUP_RE.finditer(candidate):
        digits += group.group()
        prefixes.append((digits, group.end()))
    prefixes.reverse()  # longest first
    if candidate.startswith(("+", "(+")):
        for number, end in prefixes:
            if 7 <= len(number) <= 15 and (
                not budget.spend(_VALIDATION_COST) or is_valid_international(number)
            ):
                yield None, end
                return
        return
    if digits.startswith("00"):
        for number, end in prefixes:
            if 9 <= len(number) <= 19:
                region = _idd_region(number, budget)
                if region:
                    yield region, end
                    return
        return
    national = [
        (number[1:], end) for number, end in prefixes if MIN_NATIONAL_DIGITS <= len(number) <= 13
    ]
    for region in regions:
        code = _COUNTRY_CODES[region]
        lengths = _POSSIBLE_LENGTHS[region]
        for nsn, end in national:
            if len(nsn) not in lengths:
                continue
            # The Bali Process regions are always tried (a few us each); the others only
            # while the budget lasts.
            if region not in _BALI and not budget.spend(_VALIDATION_COST):
                break
            number = phonenumbers.PhoneNumber(country_code=code, national_number=int(nsn))
            if phonenumbers.is_valid_number_for_region(number, region):
                yield region, end
                break
    if digits.startswith("01"):  # "011 ..." (North America), "010 ..." (Japan)
        for number, end in prefixes:
            if 10 <= len(number) <= 19:
                region = _idd_region(number, budget)
                if region:
                    yield region, end
                    return


def _phone_starts(chunk: str) -> list[int]:
    """Offsets in a digit run where a phone number may begin."""
    starts = {m.start() for m in _PLUS_RE.finditer(chunk)}
    for m in _NATIONAL_START_RE.finditer(chunk):
        sub = chunk[m.start() : m.start() + MAX_PHONE_CHARS].rstrip(" \t\u00a0().-/")
        if (
            DATE_RE.fullmatch(sub)
            or SPACED_DATE_RE.fullmatch(sub)
            or _TIME_RANGE_RE.fullmatch(sub)
            or _DOTTED_AMOUNT_RE.match(sub)
        ):
            continue
        if sum(c.isdigit() for c in sub) >= MIN_NATIONAL_DIGITS:
            starts.add(m.start())
    return sorted(starts)


def _contact_word_before(text: str, start: int, contacts: list[int]) -> bool:
    """Whether a phone word ends within CONTACT_WINDOW characters before start.

    contacts holds the sorted end offsets of every phone word in the text; a binary
    search keeps this logarithmic, so a text of many numbers and words stays linear.
    """
    i = bisect.bisect_right(contacts, start)
    return i > 0 and contacts[i - 1] >= start - CONTACT_WINDOW


def _find_formatted(text: str) -> Iterator[Span]:
    covered = 0
    budget = Budget(PHONE_WORK_UNITS)
    contacts: list[int] | None = None
    for run in _PHONE_RUN_RE.finditer(text):
        chunk = run.group()
        if sum(c.isdigit() for c in chunk) < 7:
            continue
        for offset in _phone_starts(chunk):
            begin = run.start() + offset
            if begin < covered:
                continue
            candidate = chunk[offset : offset + MAX_PHONE_CHARS]
            # The matcher rejects numbers glued to letters by looking at the
            # neighbouring characters, so the window keeps some on each side.
            lo = max(0, begin - 2)
            window = text[lo : min(run.end(), begin + MAX_PHONE_CHARS) + 1]
            regions = BALI_REGIONS
            if not candidate.startswith(("+", "(+")) and not candidate.startswith("00"):
                if contacts is None:
                    contacts = [m.end() for m in _CONTACT_WORDS.finditer(text)]
                if _contact_word_before(text, begin, contacts):
                    regions = (*BALI_REGIONS, *OTHER_TRUNK_REGIONS)
            for region, end in _valid_prefixes(candidate, budget, regions):
                if not budget.spend(_MATCHER_COST):
                    # Number-dense (or hostile) text: past the budget the
                    # validity check above stands on its own.
                    stop = begin + end
                    if not (text[begin - 1 : begin].isalpha() or text[stop : stop + 1].isalpha()):
                        covered = stop
                        yield begin, stop
                    break
                found = _phone_matches(window, region)
                for start, stop in found:
                    covered = max(covered, lo + stop)
                    yield lo + start, lo + stop
                if found:
                    break


# Mobile numbers of states that write them without a trunk "0": China
# ("131 2345 6789") and Nepal ("984-1234567"). Only the exact national
# grouping and a MOBILE verdict from libphonenumber count, since bare 10-11
# digit numbers are otherwise too close to amounts.
_TRUNKLESS_MOBILES = (
    (
        "CN",
        re.compile(r"1(?<![0-9A-Za-z+][0-9])[3-9][0-9]([ -]?)[0-9]{4}\1[0-9]{4}(?![0-9A-Za-z])"),
    ),
    ("NP", re.compile(r"9(?<![0-9A-Za-z+][0-9])[78][0-9]-?[0-9]{7}(?![0-9A-Za-z])")),
)
NOT_NUMBER_BEFORE_RE = re.compile(
    r"(?i:\b(?:flight|flt|vessel|boat|km|mv|kmp|road|highway|route|section|art|article|law"
    r"|regulation|case|file|ref|reference|operation|op|imo|mmsi|hull|usd|aud|idr|rp|rm|myr|thb"
    r"|lkr|php|vnd|bdt|pkr|afn|irr|nzd|eur|gbp|inr|cny|rmb|us\$|a\$)\.?|[$€£¥฿₱₹₨])\s*[:#]?\s*$"
)
NOT_NUMBER_AFTER_RE = re.compile(
    r"\s*(?i:rupiah|ringgit|baht|dollars?|rupees?|usd|aud|idr|myr|thb|km|kg|nm|nmi|m|metres?"
    r"|meters?|litres?|liters?|hp|tonnes?|tons?|gt|people|persons?|migrants?|passengers?"
    r"|pax|views?|times|dong|kyat|taka|afghanis?|rials?|yuan)\b"
)


def _find_trunkless_mobiles(text: str) -> Iterator[Span]:
    for region, pattern in _TRUNKLESS_MOBILES:
        for m in pattern.finditer(text):
            digits = NON_DIGIT_RE.sub("", m.group())
            # "IDR 15000000000", "15000000000 rupiah": round amounts, not numbers.
            if (
                digits.endswith("00000")
                or NOT_NUMBER_BEFORE_RE.search(text, max(0, m.start() - NOT_NUMBER_WINDOW),
                                               m.start())
                or NOT_NUMBER_AFTER_RE.match(text, m.end())
            ):
                continue
            number = phonenumbers.PhoneNumber(
                country_code=_COUNTRY_CODES[region], national_number=int(digits)
            )
            if phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE:
                yield m.span()


# International numbers written without their "+", as messaging apps show and link
# them. A bare run of 10-15 digits is too often an amount or a serial to be taken alone,
# so it counts only a few words after a word for a phone or a messaging app (or after
# "wa.me/"), and only if "+" + its digits is a valid number.
_BARE_INTERNATIONAL_RE = re.compile(
    r"[1-9](?<![0-9A-Za-z+\-][1-9])(?:[ \-]?[0-9]){9,14}(?![0-9A-Za-z])")
_LINK_BEFORE_RE = re.compile(r"(?i:wa\.me/|whatsapp\.com/send\?phone=|viber://chat\?number=)$")


def _find_bare_internationals(text: str) -> Iterator[Span]:
    budget = Budget(PHONE_WORK_UNITS)
    contacts: list[int] | None = None
    for m in _BARE_INTERNATIONAL_RE.finditer(text):
        digits = NON_DIGIT_RE.sub("", m.group())
        if digits.endswith("00000") or NOT_NUMBER_AFTER_RE.match(text, m.end()):
            continue
        if not _LINK_BEFORE_RE.search(text, max(0, m.start() - CONTACT_WINDOW), m.start()):
            if contacts is None:
                contacts = [w.end() for w in _CONTACT_WORDS.finditer(text)]
            if not _contact_word_before(text, m.start(), contacts):
                continue
            if NOT_NUMBER_BEFORE_RE.search(text, max(0, m.start() - NOT_NUMBER_WINDOW), m.start()):
                continue
        # Past the budget (a text stuffed with such runs) a candidate counts unchecked.
        if not budget.spend(_VALIDATION_COST) or is_valid_international(digits):
            yield m.span()


# Regions whose national numbers have no trunk prefix (Singapore, Brunei, Timor-Leste,
# Hong Kong, Spain, Italy...): a bare 7-12 digit number is one of theirs only straight
# after a word that means a phone or a messaging app, never after "number" or "call".
TRUNKLESS_REGIONS = tuple(
    region for region in sorted(phonenumbers.SUPPORTED_REGIONS)
    if not phonenumbers.PhoneMetadata.metadata_for_region(region).national_prefix
)
_TRUNKLESS_FIRST = ("SG", "BN", "TL", "MV", "HK", "MO", "FJ", "PG")
_TRUNKLESS_ORDER = (*_TRUNKLESS_FIRST,
                    *(r for r in TRUNKLESS_REGIONS if r not in _TRUNKLESS_FIRST))
_STRICT_PHONE_WORDS = WordFinder(load_data("contact_words.json")["strict"])
# Between the word and the number: a colon, "no.", "number" or blanks.
_STRICT_GAP_RE = re.compile(r"(?i:[\s:#.\-]{0,3}(?:no\.?|nr\.?|number|num)?[\s:#.\-]{0,3})")
_BARE_NATIONAL_RE = re.compile(r"[1-9](?:[ \-]?[0-9]){6,11}(?![0-9A-Za-z])")


def _find_trunkless_nationals(text: str) -> Iterator[Span]:
    budget = Budget(PHONE_WORK_UNITS)
    for word in _STRICT_PHONE_WORDS.finditer(text):
        gap = _STRICT_GAP_RE.match(text, word.end())
        start = gap.end() if gap else word.end()
        m = _BARE_NATIONAL_RE.match(text, start)
        if not m or NOT_NUMBER_AFTER_RE.match(text, m.end()):
            continue
        digits = NON_DIGIT_RE.sub("", m.group())
        for region in _TRUNKLESS_ORDER:
            if len(digits) not in _TRUNKLESS_LENGTHS[region]:
                continue
            if not budget.spend(_VALIDATION_COST):
                return
            number = phonenumbers.PhoneNumber(
                country_code=phonenumbers.country_code_for_region(region),
                national_number=int(digits))
            if phonenumbers.is_valid_number_for_region(number, region):
                yield m.span()
                break


_TRUNKLESS_LENGTHS = {
    region: frozenset(
        phonenumbers.PhoneMetadata.metadata_for_region(region).general_desc.possible_length
    )
    for region in TRUNKLESS_REGIONS
}


class PhoneDetector:
    kind = kind

    def find(self, text: str) -> Iterator[Span]:
        if not any(c.isdigit() for c in text):
            return
        yield from _find_formatted(text)
        yield from _find_trunkless_mobiles(text)
        yield from _find_bare_internationals(text)
        yield from _find_trunkless_nationals(text)
