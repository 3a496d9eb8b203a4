"""Non-nominal guard: finds personal identifiers in free text before it is stored.

Reports submitted by states must stay non-nominal, so every free-text field is
screened here. The guard only reports *where* something was found and *what
kind* of identifier it looks like; it never returns the matched text, so a
rejection message built from its findings cannot leak the data back.

Maintained detectors are preferred over home-made expressions where they exist:
``phonenumbers`` for telephone numbers, ``python-stdnum`` for IBANs, the Luhn
check and national identity numbers, and the ``mrz`` package's ICAO 9303
check-digit routine for machine-readable zones. Regular expressions are only
used to find candidates cheaply and for the things no library covers (e-mail
addresses in running text, dates of birth, context-dependent document numbers).
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import phonenumbers
from mrz.base.functions import hash_is_ok
from stdnum import iban as _iban
from stdnum import luhn as _luhn
from stdnum.cn import ric as _cn_ric
from stdnum.id import nik as _id_nik
from stdnum.in_ import aadhaar as _in_aadhaar
from stdnum.my import nric as _my_nric
from stdnum.pk import cnic as _pk_cnic
from stdnum.th import pin as _th_pin

__all__ = ["Finding", "find_personal_data"]


@dataclass(frozen=True)
class Finding:
    """Where personal data was found and what kind; never the matched text.

    kind is one of "email", "phone_number", "mrz", "document_number", "iban",
    "payment_card", "date_of_birth".
    """

    kind: str
    start: int  # character offset into the text (inclusive)
    end: int  # character offset (exclusive)


# When two detectors claim overlapping text, the more specific (checksum- or
# structure-confirmed) one names the finding, so a field is reported once.
_PRIORITY = {
    "mrz": 0,
    "email": 1,
    "iban": 2,
    "payment_card": 3,
    "document_number": 4,
    "date_of_birth": 5,
    "phone_number": 6,
}

_Span = tuple[int, int, str]
_HAS_DIGIT_RE = re.compile(r"[0-9]")
_NON_DIGIT_RE = re.compile(r"[^0-9]")
_GROUP_SEPARATOR_RE = re.compile(r"[ -]")
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def _lowered(text: str) -> str:
    """Lower-case text whose offsets still match the original.

    str.lower() can lengthen a string ("\u0130" becomes two characters), which
    would shift every offset after it; then only A-Z are folded.
    """
    lowered = text.lower()
    return lowered if len(lowered) == len(text) else text.translate(_ASCII_LOWER)


def _stem_positions(haystack: str, stems: tuple[str, ...]) -> list[int]:
    found: set[int] = set()
    for stem in stems:
        pos = haystack.find(stem)
        while pos != -1:
            found.add(pos)
            pos = haystack.find(stem, pos + 1)
    return sorted(found)


# ---------------------------------------------------------------------------
# Dates (shared by the date-of-birth detector and by the document-number
# detector, which must not mistake "visa issued 2024-03-15" for a number).
# ---------------------------------------------------------------------------

_MONTH = (
    r"(?i:jan(?:uary|uari)?|feb(?:ruary|ruari)?|mar(?:ch|et)?|apr(?:il)?|may|mei"
    r"|june?|juni|july?|juli|aug(?:ust)?|agu(?:stus)?|agt|sep(?:t(?:ember)?)?"
    r"|o[ck]t(?:ober)?|nov(?:ember)?|de[cs](?:ember)?)(?![A-Za-z])"
)
_DAY = r"(?:0?[1-9]|[12][0-9]|3[01])"
_MON_NUM = r"(?:0?[1-9]|1[0-2])"
_YEAR4 = r"(?:19|20)[0-9]{2}"
_ORD = r"(?i:st|nd|rd|th)?"
_DATE = (
    r"(?:"
    rf"{_YEAR4}[-/.]{_MON_NUM}[-/.]{_DAY}"
    rf"|{_DAY}[-/.]{_DAY}[-/.](?:{_YEAR4}|[0-9]{{2}})"
    rf"|{_DAY}{_ORD}(?:\s+of)?[\s\-/.]*{_MONTH}\.?,?[\s\-/.]*{_YEAR4}"
    rf"|{_MONTH}\.?\s+{_DAY}{_ORD},?\s+{_YEAR4}"
    r")"
)
_DATE_RE = re.compile(rf"(?<![0-9A-Za-z]){_DATE}(?![0-9])")

# ---------------------------------------------------------------------------
# E-mail. No maintained library finds addresses inside running text (the
# validators only judge a whole string), so a conservative pattern is used.
# ---------------------------------------------------------------------------

_EMAIL_RE = re.compile(
    r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]{1,64}@[A-Za-z0-9\-]{1,63}"
    r"(?:\.[A-Za-z0-9\-]{1,63}){0,8}\.[A-Za-z]{2,24}(?![A-Za-z0-9\-])"
)

# Addresses spelled out to dodge filters ("nimal dot perera at gmail dot com",
# "x[at]y[dot]lk"). At least one "dot" and a real top-level domain are required
# so that "arrived at Darwin" never qualifies.
_AT = r"(?:\s*[\[({]\s*(?:at|@)\s*[\])}]\s*|\s+at\s+)"
_DOT = r"(?:\s*[\[({]\s*dot\s*[\])}]\s*|\s+dot\s+)"
_OBFUSCATED_EMAIL_RE = re.compile(
    rf"(?i:(?<![A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]+(?:{_DOT}[A-Za-z0-9_%+\-]+)*{_AT}"
    rf"[A-Za-z0-9\-]+(?:(?:{_DOT}|\.)[A-Za-z0-9\-]+)*(?:{_DOT}|\.)"
    r"(?:com|net|org|edu|gov|info|biz|co|id|au|my|th|lk|nz|ph|vn|bd|pk|af|ir|mm|in|cn|np|kh|la|sg"
    r"|uk|us|fr|de|ae|ru|tr|io|me)(?![A-Za-z0-9]))"
)
_OBFUSCATION_HINTS = (" dot ", "[dot]", "(dot)", "{dot}", "[at]", "(at)", "{at}", "[@]", "(@)")


# "ahmad at gmail.com", "ahmad @ gmail . com": a plain " at " (or an "@" set apart by
# spaces) is too common in narrative to count with any domain, but not before the name
# of a webmail provider.
_PROVIDERS = ("gmail", "googlemail", "yahoo", "ymail", "hotmail", "outlook", "icloud",
              "protonmail", "proton", "aol", "gmx", "yandex", "qq", "163", "126")
_PROVIDER_EMAIL_RE = re.compile(
    r"(?i:(?<![A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]{1,64}\s*(?:@|\bat\b)\s*(?:"
    + "|".join(_PROVIDERS)
    + r")\s*(?:\.|\bdot\b)\s*(?:com|net|co|me|ru|cn|fr|de|id|au|my|lk|uk|in|sg)"
    r"(?:\s*(?:\.|\bdot\b)\s*[a-z]{2})?(?![A-Za-z0-9]))"
)


def _find_emails(text: str) -> Iterator[_Span]:
    if "@" in text:
        for m in _EMAIL_RE.finditer(text):
            yield m.start(), m.end(), "email"
    lowered = _lowered(text)
    if any(hint in lowered for hint in _OBFUSCATION_HINTS):
        for m in _OBFUSCATED_EMAIL_RE.finditer(text):
            yield m.start(), m.end(), "email"
    if any(provider in lowered for provider in _PROVIDERS):
        for m in _PROVIDER_EMAIL_RE.finditer(text):
            yield m.start(), m.end(), "email"


# ---------------------------------------------------------------------------
# Phone numbers
# ---------------------------------------------------------------------------

# Candidate runs of digits and phone punctuation. Commas are deliberately not
# phone punctuation, so "IDR 15,000,000" never becomes a candidate.
_PHONE_RUN_RE = re.compile(r"(?:\+|\(\+?)?[0-9][0-9 \t\u00a0().\-/\u2010-\u2015]{5,}[0-9]\)?")
_TIME_RANGE_RE = re.compile(
    r"[0-2][0-9][.:]?[0-5][0-9]\s*[-\u2010-\u2015/]\s*[0-2][0-9][.:]?[0-5][0-9]"
)
_SPACED_DATE_RE = re.compile(rf"{_DAY}\s{_MON_NUM}\s{_YEAR4}")
# Where a nationally written number can start inside a run: a trunk "0" that
# opens a digit group ("0812 ...", "(02) ...", "0011 61 ..." for IDD). A "0"
# after "." or "," is part of an amount ("15.000.000"), and "000" opens nothing.
_NATIONAL_START_RE = re.compile(r"(?:^|(?<=[\s(\[]))0(?!00)(?=[0-9 ()\-])")
_DIGIT_GROUP_RE = re.compile(r"[0-9]+")
_PLUS_RE = re.compile(r"\(?\+")
# Phone validation work allowed per text, in units of one international
# validity check (~50-150 us); a PhoneNumberMatcher call (~200-500 us) costs
# more. About 30 ms at most; a genuine report uses a small fraction.
_PHONE_WORK_UNITS = 300
_VALIDATION_COST = 1
_MATCHER_COST = 10
# Longest formatted number looked at ("+880 (0) 1812-345678 ext. 123" fits);
# bounding the window keeps a hostile run of digits from costing O(n^2).
_MAX_PHONE_CHARS = 32
# Every mobile number in the regions below has at least 9 digits with its
# trunk "0"; 8-digit landlines (old Yangon numbers, "01 234567") are given up
# because grid references and serials like "0123 4567" look the same.
_MIN_NATIONAL_DIGITS = 9
# "025.000.000": dot-grouped thousands are amounts, not phone numbers.
_DOTTED_AMOUNT_RE = re.compile(r"[0-9]{1,3}(?:\.[0-9]{3}){2,}(?![0-9])")
# Bali Process states whose numbers are written nationally after a trunk "0".
# Regions without a trunk prefix (SG, BN, ...) are left out on purpose: their
# national forms are bare 7-8 digit numbers, indistinguishable from amounts.
_NATIONAL_REGIONS = (
    "ID", "AU", "MY", "TH", "LK", "PH", "VN", "BD", "PK", "AF", "IR", "MM",
    "NZ", "IN", "CN", "NP", "KH", "LA",
)  # fmt: skip
_COUNTRY_CODES = {
    region: phonenumbers.country_code_for_region(region) for region in _NATIONAL_REGIONS
}
_PHONE_LENIENCY = phonenumbers.Leniency.VALID
# International dialling prefixes; AU comes first so that its "0011" wins over
# the bare "00" that most of the others use.
_IDD_REGIONS = (
    "AU", "ID", "TH", "KH", "NZ", "MY", "LK", "PH", "VN", "BD", "PK", "AF", "IR", "MM", "IN",
)  # fmt: skip
_IDD_PREFIXES = tuple(
    (
        region,
        re.compile(phonenumbers.PhoneMetadata.metadata_for_region(region).international_prefix),
    )
    for region in _IDD_REGIONS
)


def _phone_matches(window: str, region: str | None) -> list[tuple[int, int]]:
    matcher = phonenumbers.PhoneNumberMatcher(window, region, leniency=_PHONE_LENIENCY)
    return [(m.start, m.end) for m in matcher]


def _is_valid_international(digits: str) -> bool:
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


class _Budget:
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


def _idd_region(digits: str, budget: _Budget) -> str | None:
    """Region whose international prefix ("00", "0011", ...) opens digits and
    leaves a valid international number behind it."""
    tried: set[int] = set()
    for region, prefix in _IDD_PREFIXES:
        m = prefix.match(digits)
        if m and m.end() not in tried:
            tried.add(m.end())
            if not budget.spend(_VALIDATION_COST) or _is_valid_international(digits[m.end() :]):
                return region
    return None


def _valid_prefixes(candidate: str, budget: _Budget) -> Iterator[tuple[str | None, int]]:
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
                not budget.spend(_VALIDATION_COST) or _is_valid_international(number)
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
        (number[1:], end) for number, end in prefixes if _MIN_NATIONAL_DIGITS <= len(number) <= 13
    ]
    for region in _NATIONAL_REGIONS:
        code = _COUNTRY_CODES[region]
        for nsn, end in national:
            number = phonenumbers.PhoneNumber(country_code=code, national_number=int(nsn))
            if phonenumbers.is_valid_number_for_region(number, region):
                yield region, end
                break


def _phone_starts(chunk: str) -> list[int]:
    """Offsets in a digit run where a phone number may begin."""
    starts = {m.start() for m in _PLUS_RE.finditer(chunk)}
    for m in _NATIONAL_START_RE.finditer(chunk):
        sub = chunk[m.start() : m.start() + _MAX_PHONE_CHARS].rstrip(" \t\u00a0().-/")
        if (
            _DATE_RE.fullmatch(sub)
            or _SPACED_DATE_RE.fullmatch(sub)
            or _TIME_RANGE_RE.fullmatch(sub)
            or _DOTTED_AMOUNT_RE.match(sub)
        ):
            continue
        if sum(c.isdigit() for c in sub) >= _MIN_NATIONAL_DIGITS:
            starts.add(m.start())
    return sorted(starts)


def _find_phones(text: str) -> Iterator[_Span]:
    covered = 0
    budget = _Budget(_PHONE_WORK_UNITS)
    for run in _PHONE_RUN_RE.finditer(text):
        chunk = run.group()
        if sum(c.isdigit() for c in chunk) < 7:
            continue
        for offset in _phone_starts(chunk):
            begin = run.start() + offset
            if begin < covered:
                continue
            candidate = chunk[offset : offset + _MAX_PHONE_CHARS]
            # The matcher rejects numbers glued to letters by looking at the
            # neighbouring characters, so the window keeps some on each side.
            lo = max(0, begin - 2)
            window = text[lo : min(run.end(), begin + _MAX_PHONE_CHARS) + 1]
            for region, end in _valid_prefixes(candidate, budget):
                if not budget.spend(_MATCHER_COST):
                    # Number-dense (or hostile) text: past the budget the
                    # validity check above stands on its own.
                    stop = begin + end
                    if not (text[begin - 1 : begin].isalpha() or text[stop : stop + 1].isalpha()):
                        covered = stop
                        yield begin, stop, "phone_number"
                    break
                found = _phone_matches(window, region)
                for start, stop in found:
                    covered = max(covered, lo + stop)
                    yield lo + start, lo + stop, "phone_number"
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


def _find_trunkless_mobiles(text: str) -> Iterator[_Span]:
    for region, pattern in _TRUNKLESS_MOBILES:
        for m in pattern.finditer(text):
            digits = _NON_DIGIT_RE.sub("", m.group())
            # "IDR 15000000000", "15000000000 rupiah": round amounts, not numbers.
            if (
                digits.endswith("00000")
                or _NOT_DOC_BEFORE_RE.search(text, max(0, m.start() - 12), m.start())
                or _NOT_DOC_AFTER_RE.match(text, m.end())
            ):
                continue
            number = phonenumbers.PhoneNumber(
                country_code=_COUNTRY_CODES[region], national_number=int(digits)
            )
            if phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE:
                yield m.start(), m.end(), "phone_number"


# International numbers written without their "+", as messaging apps show and link
# them ("WhatsApp 6281234567890", "wa.me/61412345678"). A bare run of 10-15 digits is
# too often an amount or a serial to be taken alone, so it counts only a few words after
# a word for a phone or a messaging app, and only if "+" + its digits is a valid number.
_BARE_INTERNATIONAL_RE = re.compile(
    r"[1-9](?<![0-9A-Za-z+\-][1-9])(?:[ \-]?[0-9]){9,14}(?![0-9A-Za-z])")
_CONTACT_BEFORE_RE = re.compile(
    r"(?:(?i:\b(?:whats\s?app|wa|telegram|signal|viber|phones?|tel|telp|telephone|mobile"
    r"|cell|hp|handphone|contacts?|sms|call(?:ed)?)\b)(?:\W+[A-Za-z]+){0,2}[\s:#]*"
    r"|wa\.me/)$"
)
_CONTACT_BEFORE = 40


def _find_bare_internationals(text: str) -> Iterator[_Span]:
    budget = _Budget(_PHONE_WORK_UNITS)
    for m in _BARE_INTERNATIONAL_RE.finditer(text):
        digits = _NON_DIGIT_RE.sub("", m.group())
        if (
            digits.endswith("00000")
            or not _CONTACT_BEFORE_RE.search(text, max(0, m.start() - _CONTACT_BEFORE),
                                             m.start())
            or _NOT_DOC_AFTER_RE.match(text, m.end())
        ):
            continue
        # Past the budget (a text stuffed with such runs) a candidate counts unchecked.
        if not budget.spend(_VALIDATION_COST) or _is_valid_international(digits):
            yield m.start(), m.end(), "phone_number"


# ---------------------------------------------------------------------------
# Machine-readable zones (ICAO 9303: TD1 30, TD2/MRV-B 36, TD3/MRV-A 44 chars)
# ---------------------------------------------------------------------------

# Unbounded length: lines pasted without their line breaks (88 or 90
# characters in one run) are still a zone.
_MRZ_TOKEN_RE = re.compile(r"[A-Z0-9<](?<![A-Za-z0-9<][A-Z0-9<])[A-Z0-9<]{9,}(?![A-Za-z0-9<])")
_LONG_CAPS_RE = re.compile(r"[A-Z0-9]{30}")
_MRZ_HEAD_RE = re.compile(r"[PIACV][A-Z<][A-Z<]{3}")


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
        return _check(token[0:9], token[9]) and _mrz_dates_ok(token, 13, 21) and token[20] in "MFX<"
    if n == 30:  # TD1 line 1 (document number) or line 2 (dates)
        if _MRZ_HEAD_RE.match(token) and _check(token[5:14], token[14]):
            return True
        return _mrz_dates_ok(token, 0, 8) and token[7] in "MFX<"
    return False


def _find_mrz(text: str) -> Iterator[_Span]:
    # Without a '<' only a filler-free line of 30+ characters can be MRZ.
    if "<" not in text and not _LONG_CAPS_RE.search(text):
        return
    spans: list[list[int]] = []
    for m in _MRZ_TOKEN_RE.finditer(text):
        token = m.group()
        if "<" in token:
            # A mistyped MRZ is still personal data, so shape alone is enough:
            # nothing in an operational narrative produces long '<'-filled runs.
            hit = len(token) >= 28 or (_MRZ_HEAD_RE.match(token) is not None and "<<" in token)
        else:
            hit = _is_filler_free_mrz_line(token)
        if not hit:
            continue
        # Lines of one zone (separated only by whitespace) form one finding.
        if spans and not text[spans[-1][1] : m.start()].strip():
            spans[-1][1] = m.end()
        else:
            spans.append([m.start(), m.end()])
    for start, end in spans:
        yield start, end, "mrz"


# ---------------------------------------------------------------------------
# IBAN and payment cards
# ---------------------------------------------------------------------------

# Like the national-ID patterns below, candidate patterns open with a plain
# character class and check the preceding character in a look-behind, which
# lets the regex engine jump between candidate characters.
_IBAN_RE = re.compile(r"[A-Z](?<![A-Za-z0-9][A-Z])[A-Z][0-9]{2}(?: ?[A-Z0-9]){11,32}")


def _find_ibans(text: str) -> Iterator[_Span]:
    for m in _IBAN_RE.finditer(text):
        # The candidate may run into following upper-case words; take the
        # longest prefix ending at a token boundary that stdnum accepts.
        chunk = m.group()
        end = m.end()
        for cut in range(len(chunk), 14, -1):
            if cut < len(chunk) and chunk[cut] != " ":
                continue
            if cut == len(chunk) and end < len(text) and text[end].isalnum():
                continue
            if _iban.is_valid(chunk[:cut]):
                yield m.start(), m.start() + cut, "iban"
                break


# Cards are written contiguously or in their issuers' groupings (4-4-4-4[-3],
# Amex 4-6-5, Diners 4-6-4); thousand-grouped money never has those shapes.
_CARD_RE = re.compile(
    r"[0-9](?<![0-9A-Za-z][0-9])(?:"
    r"[0-9]{12,18}"
    r"|[0-9]{3}([ -])[0-9]{4}\1[0-9]{4}\1[0-9]{1,4}(?:\1[0-9]{3})?"
    r"|[0-9]{3}([ -])[0-9]{6}\2[0-9]{4,5}"
    r")(?![0-9A-Za-z])"
)
# Issuer identification numbers of the networks used for payments in the
# region; an unknown prefix that happens to satisfy Luhn (1 in 10) is ignored.
_CARD_IIN_RE = re.compile(
    r"4|5[1-5]|2(?:2[2-9]|[3-6][0-9]|7[01]|720)|3[47]|3(?:0[0-5]|[689])|35(?:2[89]|[3-8][0-9])"
    r"|6(?:011|4[4-9]|5|2)|5[06-9]|6[0-9]"
)


def _find_cards(text: str) -> Iterator[_Span]:
    for m in _CARD_RE.finditer(text):
        digits = _GROUP_SEPARATOR_RE.sub("", m.group())
        if 13 <= len(digits) <= 19 and _CARD_IIN_RE.match(digits) and _luhn.is_valid(digits):
            yield m.start(), m.end(), "payment_card"


# ---------------------------------------------------------------------------
# National identity numbers (python-stdnum where a module exists)
# ---------------------------------------------------------------------------


_LK_OLD_NIC_RE = re.compile(r"[0-9]{9}[VvXx]")
_LK_NEW_NIC_RE = re.compile(r"(?:19|20)[0-9]{10}")


def _lk_nic_ok(number: str) -> bool:
    """Sri Lanka NIC. python-stdnum 2.2 has no Sri Lankan module, so the
    structure is checked here: old 9 digits + V/X, new 12 digits starting with
    the birth year; both carry the day of the year (+500 for women)."""
    if _LK_OLD_NIC_RE.fullmatch(number):
        day = int(number[2:5])
    elif _LK_NEW_NIC_RE.fullmatch(number):
        day = int(number[4:7])
    else:
        return False
    return 1 <= day <= 366 or 501 <= day <= 866


_FIVE_DIGITS_RE = re.compile(r"[0-9]{5}")
# Validators strict enough (format + check digit or embedded date/place) to
# flag a number with no document word nearby. Each pattern opens with a plain
# digit class (the boundary check follows as a look-behind) so that the regex
# engine can skip straight to digits instead of testing every position.
_STANDALONE_IDS: tuple[tuple[re.Pattern[str], Callable[[str], bool]], ...] = (
    (
        re.compile(r"[0-9](?<![0-9A-Za-z-][0-9])[0-9]{5}-[0-9]{2}-[0-9]{4}(?![0-9A-Za-z-])"),
        _my_nric.is_valid,
    ),
    (
        re.compile(r"[0-9](?<![0-9A-Za-z-][0-9])-[0-9]{4}-[0-9]{5}-[0-9]{2}-[0-9](?![0-9A-Za-z-])"),
        _th_pin.is_valid,
    ),
    (
        re.compile(r"[0-9](?<![0-9A-Za-z-][0-9])[0-9]{4}-[0-9]{7}-[0-9](?![0-9A-Za-z-])"),
        _pk_cnic.is_valid,
    ),
    (re.compile(r"[0-9](?<![0-9A-Za-z][0-9])[0-9]{16}[0-9Xx](?![0-9A-Za-z])"), _cn_ric.is_valid),
    (re.compile(r"[0-9](?<![0-9A-Za-z][0-9])[0-9]{8}[VvXx](?![0-9A-Za-z])"), _lk_nic_ok),
)


_NATIONAL_ID_SHAPE_RE = re.compile(r"[0-9]{9,17}[0-9VvXx]")


def _national_id_ok(compact: str) -> bool:
    """Weak schemes too (NIK: ~3% of random 16-digit strings pass; Aadhaar,
    unhyphenated Thai PIN: 1 in 10), which is why this only runs next to a
    document word."""
    # Every supported scheme is 10-18 digits (the last may be a letter); the
    # stdnum calls are comparatively slow, so other tokens stop here.
    if not _NATIONAL_ID_SHAPE_RE.fullmatch(compact):
        return False
    return any(
        check(compact)
        for check in (
            _id_nik.is_valid,
            _my_nric.is_valid,
            _th_pin.is_valid,
            _pk_cnic.is_valid,
            _cn_ric.is_valid,
            _in_aadhaar.is_valid,
            _lk_nic_ok,
        )
    )


def _find_standalone_ids(text: str) -> Iterator[_Span]:
    # Every standalone format has a group of at least five digits.
    if not _FIVE_DIGITS_RE.search(text):
        return
    for pattern, is_valid in _STANDALONE_IDS:
        for m in pattern.finditer(text):
            # "Incident ref. 240315-01-0042" has the shape of a Malaysian NRIC.
            if _RECORD_QUALIFIER_RE.search(text, max(0, m.start() - 30), m.start()):
                continue
            if is_valid(m.group()):
                yield m.start(), m.end(), "document_number"


# ---------------------------------------------------------------------------
# Document numbers next to a document word
# ---------------------------------------------------------------------------

_DOC_WORD_RE = re.compile(
    r"\b(?<![A-Za-z])(?:"
    r"(?i:passports?|paspor|pasaportes?|passeports?|pasaport|passaporto|reisepass"
    r"|visas?|visto|identity\s+(?:cards?|documents?|numbers?)|national\s+id(?:entity)?(?:\s+cards?)?"
    r"|id\s+cards?|i\.d\.|residen(?:ce|t)\s+(?:permits?|cards?)|work\s+permits?|permits?"
    r"|travel\s+documents?|documents?|driv(?:er|ing)'?s?\s+licen[cs]es?|licen[cs]es?"
    r"|seaman'?s\s+book|laissez-passer|ta[sz]kira|tazkera|kartu\s+tanda\s+penduduk|e-?ktp|mykad|aadhaar"
    r"|c[ée]dula|carte\s+d'identit[ée]|unhcr\s+(?:cards?|registration|case|certificate))"
    r"|ID|IC|NIK|KTP|NIC|CNIC|NRIC"
    r")(?![A-Za-z])"
    # The "no." / "#" that usually follows is consumed so the sentence-end
    # check below does not stop at its full stop.
    # Whole words before their abbreviations, or "number" would stop at "num"; only an
    # abbreviation takes a full stop, so "... passport number. 12 ..." still ends there.
    r"(?P<marker>(?:[\s,]*(?:(?i:numbers|number|nomor)|(?i:nos|num|no|nr|n\.?\s?[°º])\.?|#|:))*)"
)
# "Report ID", "case document": the identifier belongs to a record, not a person.
_RECORD_QUALIFIER_RE = re.compile(
    r"(?i:\b(?:report|case|incident|reference|ref|file|submission|record|event|operation|transaction"
    r"|batch|message|request|ticket|task|form|vessel|boat|ship|flight|system|user|session|tracking)"
    r"(?:\s*(?:no|nr|number|id|#)\.?)?)[\s.:#-]*$"
)
# First letters of every _DOC_WORD_RE alternative, lower-cased. Scanning with
# str.find and matching the regex only there is ~10x faster than finditer,
# which has to try the long case-insensitive alternation at every word.
_DOC_STEMS = (
    "passport", "paspor", "pasaport", "passeport", "passaporto", "reisepass", "visa", "visto",
    "identity", "national", "id", "i.d.", "ic", "residen", "work", "permit", "travel", "document",
    "licen", "driv", "seaman", "laissez", "taskira", "tazkira", "tazkera", "kartu", "ktp", "e-ktp",
    "ektp", "mykad", "aadhaar", "cedula", "c\u00e9dula", "carte", "unhcr", "nik", "nic", "cnic",
    "nric",
)  # fmt: skip
_DOC_AFTER = 40
# A bare number (no letters) is only taken this close to a document word that
# carries no "no."/"#" marker: "passport 123456789" but not "visa application
# centre ... processed 120000".
_BARE_NUMBER_AFTER = 15
_DOC_BEFORE = 15
_SENTENCE_END_RE = re.compile(r"[.;!?](?:\s|$)|\n")
# Tokens include , . / so that money ("1,500"), decimals and legal references
# ("6/2011") arrive whole and can be rejected whole.
_TOKEN_RE = re.compile(r"(?<![A-Za-z0-9])[A-Za-z0-9]+(?:[-/.,][A-Za-z0-9]+)*")
_DIGIT_GROUPS_RE = re.compile(r"(?<![A-Za-z0-9])[0-9]+(?:[ -][0-9]+)+(?![A-Za-z0-9])")
# A number written in spaced groups straight after "passport no.", "visa number:"
# ("AB 123 4567", "123 456 789"): digit groups after an optional short capital prefix,
# so that neither a word in capitals ("3 SEIZED") nor a currency after it joins one.
_SPACED_DOC_RE = re.compile(
    r"\s*((?:[A-Z]{1,3}[ -])?[0-9]{1,8}(?:[ -][0-9]{1,8}){0,4})(?![A-Za-z0-9])"
)
_YEAR_GROUP_RE = re.compile(r"(?:19|20)[0-9]{2}")
_MIN_SPACED_DOC_DIGITS = 5
# Words that make the following token something other than a document number.
_NOT_DOC_BEFORE_RE = re.compile(
    r"(?i:\b(?:flight|flt|vessel|boat|km|mv|kmp|road|highway|route|section|art|article|law|regulation"
    r"|case|file|ref|reference|operation|op|imo|mmsi|hull|usd|aud|idr|rp|rm|myr|thb|lkr|php|vnd|bdt|pkr"
    r"|afn|irr|nzd|eur|gbp|inr|us\$|a\$)\.?|[$€£¥฿₱₹₨])\s*[:#]?\s*$"
)
_NOT_DOC_AFTER_RE = re.compile(
    r"\s*(?i:rupiah|ringgit|baht|dollars?|rupees?|usd|aud|idr|myr|thb|km|kg|nm|nmi|m|metres?|meters?"
    r"|litres?|liters?|hp|tonnes?|tons?|gt|people|persons?|migrants?|passengers?|pax)\b"
)
# A token ending just before the document word ("A1234567 (passport)"); the
# look-behind keeps a token cut by the window start from being taken whole.
_PREV_TOKEN_RE = re.compile(r"(?<![A-Za-z0-9\-])([A-Za-z0-9]+(?:-[A-Za-z0-9]+)*)\s*[(\[,:]?\s*$")
_YEAR_RANGE_RE = re.compile(r"(?:19|20)[0-9]{2}(?:-(?:19|20)?[0-9]{2})+")


def _looks_like_document_number(token: str) -> bool:
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


def _inside_date(text: str, start: int, end: int) -> bool:
    # Dates are at most ~20 characters, so only the neighbourhood is scanned.
    lo, hi = max(0, start - 20), min(len(text), end + 20)
    return any(m.start() < end and start < m.end() for m in _DATE_RE.finditer(text, lo, hi))


def _doc_token_ok(text: str, start: int, end: int) -> bool:
    if _inside_date(text, start, end):
        return False
    if _NOT_DOC_BEFORE_RE.search(text, max(0, start - 12), start):
        return False
    return not _NOT_DOC_AFTER_RE.match(text, end)


def _doc_words(text: str) -> Iterator[re.Match[str]]:
    """Like _DOC_WORD_RE.finditer, but only tries the places where a stem occurs."""
    last_end = 0
    for pos in _stem_positions(_lowered(text), _DOC_STEMS):
        if pos < last_end:
            continue
        word = _DOC_WORD_RE.match(text, pos)
        if word:
            last_end = word.end()
            yield word


def _find_document_numbers(text: str) -> Iterator[_Span]:
    for word in _doc_words(text):
        if _RECORD_QUALIFIER_RE.search(text, max(0, word.start() - 20), word.start()):
            continue
        bare_limit = word.end() + (
            _DOC_AFTER if word.group("marker").strip() else _BARE_NUMBER_AFTER
        )
        limit = min(len(text), word.end() + _DOC_AFTER)
        stop = _SENTENCE_END_RE.search(text, word.end(), limit)
        if stop:
            limit = stop.start()
        # Slack past the limit lets a token that starts inside it finish.
        for tok in _TOKEN_RE.finditer(text, word.end(), limit + 30):
            if tok.start() >= limit:
                break
            token = tok.group().rstrip(".")
            if not _HAS_DIGIT_RE.search(token):
                continue
            end = tok.start() + len(token)
            compact = token.replace("-", "")
            if compact.isdigit() and tok.start() >= bare_limit:
                continue
            if (_looks_like_document_number(token) or _national_id_ok(compact)) and _doc_token_ok(
                text, tok.start(), end
            ):
                yield tok.start(), end, "document_number"
        # National numbers are often written in spaced groups ("3171 0117 ...").
        for grp in _DIGIT_GROUPS_RE.finditer(text, word.end(), limit + 30):
            if grp.start() >= min(limit, bare_limit):
                break
            if _national_id_ok(_GROUP_SEPARATOR_RE.sub("", grp.group())) and _doc_token_ok(
                text, grp.start(), grp.end()
            ):
                yield grp.start(), grp.end(), "document_number"
        spaced = _SPACED_DOC_RE.match(text, word.end()) if word.group("marker").strip() else None
        if spaced:
            start, end = spaced.span(1)
            compact = _GROUP_SEPARATOR_RE.sub("", spaced.group(1))
            groups = _GROUP_SEPARATOR_RE.split(spaced.group(1))
            if (
                len(groups) > 1  # one group: a plain token, taken by the loop above
                and sum(c.isdigit() for c in compact) >= _MIN_SPACED_DOC_DIGITS
                and not all(_YEAR_GROUP_RE.fullmatch(group) for group in groups)
                # "passport no.: USD 1500": a currency, not a document prefix.
                and not (groups[0].isalpha() and _NOT_DOC_BEFORE_RE.search(groups[0]))
                and _looks_like_document_number(compact)
                and not _SPACED_DATE_RE.fullmatch(spaced.group(1))
                and _doc_token_ok(text, start, end)
            ):
                yield start, end, "document_number"
        # "A1234567 (passport)": a token just before the word. Bare numbers
        # there are counts ("120000 visas were issued"), so letters are required.
        lo = max(0, word.start() - _DOC_BEFORE)
        prev = _PREV_TOKEN_RE.search(text, lo, word.start())
        if prev:
            start = prev.start(1)
            end = start + len(prev.group(1))
            token = prev.group(1)
            if (
                not token.replace("-", "").isdigit()
                and _looks_like_document_number(token)
                and _doc_token_ok(text, start, end)
            ):
                yield start, end, "document_number"


# ---------------------------------------------------------------------------
# Dates of birth
# ---------------------------------------------------------------------------

_DOB_WORD = (
    r"(?:(?i:born|date\s+of\s+birth|birth\s*date|birthday|d\.\s?o\.\s?b\.?|dob|year\s+of\s+birth|yob"
    r"|tgl\.?\s+lahir|tanggal\s+lahir|lahir|fecha\s+de\s+nacimiento|date\s+de\s+naissance|n[ée]e?\s+le)"
    r"|(?<=[\s(\[])b\.)"
)
# Between the word and the date: punctuation, filler words and an optional
# place of birth ("born in Kabul on 12 May 1990", "tgl lahir: Jakarta, ...").
# No full stop or semicolon, so "...were born. On 12 May 2024 the boat left"
# does not join a birth to the next sentence's incident date.
_DOB_GAP = (
    r"(?:[\s:,()\[\]=\-\u2013\u2014]|(?i:on|the|in|at|di|is|was|about|around|circa|c\.)(?![A-Za-z]))*"
    r"(?:[A-Z][A-Za-z'\-]+(?:\s+[A-Z][A-Za-z'\-]+){0,2}\s*[,/]?\s*(?:(?i:on|the)\s+)*)?"
)
# "born in the 1990s" is a decade, not a date of birth.
# The leading \b lets the engine drop mid-word positions before trying the
# long case-insensitive alternation (about 3x faster on long narratives).
_DOB_AFTER_RE = re.compile(
    rf"\b(?<![A-Za-z]){_DOB_WORD}(?![A-Za-z]){_DOB_GAP}({_DATE}|{_YEAR4})(?![0-9A-Za-z]|'s)"
)
# "12/05/1990 (DOB)": the rare word is found first, then a date just before it,
# rather than scanning every date in the text.
_DOB_TRAILING_WORD_RE = re.compile(
    r"\b(?i:date\s+of\s+birth|d\.\s?o\.\s?b\b\.?|dob|birth\s*date)(?![A-Za-z])"
)
_DATE_BEFORE_WORD_RE = re.compile(rf"(?<![0-9A-Za-z])({_DATE})\s*[(\[,:\-\u2013]?\s*$")


# Every date-of-birth word contains one of these; the expressions only run
# around them, because most narratives have none and a substring search is far
# cheaper than a case-insensitive regex scan of the whole text.
_DOB_HINTS = (
    "born", "birth", "dob", "d.o.b", "d. o. b", "yob", "lahir", "nacimiento", "naissance",
    "n\u00e9", "ne le", "nee le", "b.",
)  # fmt: skip
# The hint may sit inside its phrase ("date of birth"), and a place name and
# filler words may come between the phrase and the date.
_DOB_WINDOW_BEFORE = 20
_DOB_WINDOW_AFTER = 160


def _find_dates_of_birth(text: str) -> Iterator[_Span]:
    for pos in _stem_positions(_lowered(text), _DOB_HINTS):
        lo = max(0, pos - _DOB_WINDOW_BEFORE)
        for m in _DOB_AFTER_RE.finditer(text, lo, min(len(text), pos + _DOB_WINDOW_AFTER)):
            yield m.start(1), m.end(1), "date_of_birth"
        for word in _DOB_TRAILING_WORD_RE.finditer(text, lo, min(len(text), pos + 30)):
            m = _DATE_BEFORE_WORD_RE.search(text, max(0, word.start() - 40), word.start())
            if m:
                yield m.start(1), m.end(1), "date_of_birth"


# ---------------------------------------------------------------------------


def find_personal_data(text: str) -> list[Finding]:
    """All personal identifiers in text, sorted by start.

    Empty list when the text is non-nominal. Overlapping claims are resolved
    so that each character belongs to at most one finding.
    """
    if not text:
        return []
    spans: list[_Span] = []
    spans.extend(_find_emails(text))
    spans.extend(_find_mrz(text))
    # Every remaining kind needs digits; most narrative fields have few.
    if _HAS_DIGIT_RE.search(text):
        spans.extend(_find_ibans(text))
        spans.extend(_find_cards(text))
        spans.extend(_find_standalone_ids(text))
        spans.extend(_find_document_numbers(text))
        spans.extend(_find_dates_of_birth(text))
        spans.extend(_find_phones(text))
        spans.extend(_find_trunkless_mobiles(text))
        spans.extend(_find_bare_internationals(text))

    accepted: list[_Span] = []
    for start, end, kind in sorted(set(spans), key=lambda s: (_PRIORITY[s[2]], s[0], -s[1])):
        if all(end <= a_start or start >= a_end for a_start, a_end, _ in accepted):
            accepted.append((start, end, kind))
    return [Finding(kind, start, end) for start, end, kind in sorted(accepted)]
