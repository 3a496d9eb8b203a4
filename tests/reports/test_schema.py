"""The report schema (SPEC §2) on its own: no HTTP, no database.

``ReportSchema().load(body)`` either returns the loaded report or raises a
``ValidationError``; ``flatten_errors`` turns its messages into field paths such as
``smuggled_migrants.total`` or ``route.origin_countries.1`` (root-level errors: ``body``).
Every rejection below asserts the exact set of paths blamed, so a rule that blames the
wrong field, or a second rule that fires by accident, fails the test.

Code lists are iterated from ``reporting.reports.vocabulary``, so adding a code adds tests.
Free text used here holds letters only, so that the non-nominal guard (tested elsewhere)
has nothing to find.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from itertools import product
from typing import Any

import pytest
import rfc8785
from marshmallow import ValidationError

from reporting.directory.models import SHARING_LEVELS
from reporting.errors import flatten_errors
from reporting.reports import vocabulary as v
from reporting.reports.schemas import ReportSchema, normalise
from tests.factories import DELETE, VALID_REPORT

# ---- the valid body and helpers --------------------------------------------------------

NARRATIVE = ("Vessel intercepted off Rote Island before dawn; each migrant paid an organiser "
             "in Kupang.")

BASE: dict[str, Any] = copy.deepcopy(VALID_REPORT)
BASE["narrative"] = NARRATIVE  # the factory's narrative has digits: keep the guard out of it
BASE["related_conduct"] = ["money_laundering"]  # every set field has an item 0
BASE["criminal_justice"]["assets_frozen_usd"] = 12500.5  # every optional key is present

MISSING = "Missing data for required field."
NOT_NULL = "Field may not be null."
UNKNOWN = "Unknown field."


def body(changes: dict[str, Any] | None = None) -> dict[str, Any]:
    """A copy of BASE with dotted-path changes applied in order.

    The last part may be a list index ("route.origin_countries.1"); DELETE removes the key
    or the list item.
    """
    result = copy.deepcopy(BASE)
    for path, value in (changes or {}).items():
        *parents, leaf = path.split(".")
        target: Any = result
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        key: Any = int(leaf) if isinstance(target, list) else leaf
        if value is DELETE:
            del target[key]
        else:
            target[key] = value
    return result


def get(data: Any, path: str) -> Any:
    for part in path.split("."):
        data = data[int(part)] if isinstance(data, list) else data[part]
    return data


def has(data: Any, path: str) -> bool:
    try:
        get(data, path)
    except (KeyError, IndexError):
        return False
    return True


def load(changes: dict[str, Any] | None = None) -> dict[str, Any]:
    return ReportSchema().load(body(changes))


def errors_of(data: Any) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as info:
        ReportSchema().load(data)
    return flatten_errors(info.value.messages)


def assert_rejected(changes: dict[str, Any], path: str, message: str | None = None) -> None:
    """The body with these changes is rejected, blaming exactly ``path``."""
    errors = errors_of(body(changes))
    assert set(errors) == {path}, errors
    if message is not None:
        assert message in errors[path], errors


def key_paths(node: Any, prefix: str = "") -> Iterator[str]:
    """Every key of the body, depth first, list items included (dotted paths)."""
    if isinstance(node, dict):
        for key, value in node.items():
            path = f"{prefix}.{key}" if prefix else key
            yield path
            yield from key_paths(value, path)
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from key_paths(item, f"{prefix}.{index}")


def today() -> date:
    return datetime.now(UTC).date()


def test_base_body_is_valid() -> None:
    loaded = load()
    assert loaded["incident"]["date"] == date(2024, 3, 15)
    assert loaded["narrative"] == NARRATIVE
    assert loaded["criminal_justice"]["assets_frozen_usd"] == 12500.5


# ---- 1. code lists ---------------------------------------------------------------------


def fitting_conveyance(mode: str) -> str:
    fits = [c for c in v.CONVEYANCES if c in v.CONVEYANCES_BY_MODE[mode] and c != "other"]
    return (fits or ["other"])[0]


def fitting_mode(conveyance: str) -> str:
    return next(m for m in v.TRANSPORT_MODES if conveyance in v.CONVEYANCES_BY_MODE[m])


def _no_context(_code: str) -> dict[str, Any]:
    return {}


# (name, codes, path of the code in the body and in the errors, context for a valid body)
CODE_LISTS: list[tuple[str, tuple[str, ...], str, Callable[[str], dict[str, Any]]]] = [
    ("date_precision", v.DATE_PRECISIONS, "incident.date_precision",
     lambda _code: {"incident.date": "2024-01-01"}),
    ("location_type", v.LOCATION_TYPES, "incident.location_type", _no_context),
    ("detection_stage", v.DETECTION_STAGES, "incident.detection_stage", _no_context),
    ("detecting_agency", v.DETECTING_AGENCIES, "incident.detecting_agency", _no_context),
    ("transport_mode", v.TRANSPORT_MODES, "incident.transport_mode",
     lambda code: {"incident.conveyance": fitting_conveyance(code)}),
    ("conveyance", v.CONVEYANCES, "incident.conveyance",
     lambda code: {"incident.transport_mode": fitting_mode(code)}),
    ("crimes_against_migrants", v.CRIMES_AGAINST_MIGRANTS, "harm.crimes_against_migrants.0",
     _no_context),
    ("aggravating_circumstances", v.AGGRAVATING_CIRCUMSTANCES,
     "harm.aggravating_circumstances.0", _no_context),
    ("smuggler_role", v.SMUGGLER_ROLES, "smugglers.roles.0.role",
     lambda _code: {"smugglers.roles": [{"role": "other", "count": 1}]}),
    ("document_type", v.DOCUMENT_TYPES, "documents.0.document_type", _no_context),
    ("fraud_type", v.FRAUD_TYPES, "documents.0.fraud_type", _no_context),
    ("modus_operandi", v.MODUS_OPERANDI, "modus_operandi.0", _no_context),
    ("related_conduct", v.RELATED_CONDUCT, "related_conduct.0", _no_context),
    ("financial_benefit_established", v.FINANCIAL_BENEFIT, "financial_benefit_established",
     _no_context),
    ("sharing", SHARING_LEVELS, "sharing", _no_context),
]

EVERY_CODE = [
    pytest.param(path, code, context, id=f"{name}={code}")
    for name, codes, path, context in CODE_LISTS
    for code in codes
]


def _bad_codes(codes: tuple[str, ...]) -> list[tuple[str, Any]]:
    first = codes[0]
    return [
        ("unknown", "unknown_value"),
        ("capitalised", first.capitalize()),
        ("upper_case", first.upper()),
        ("empty", ""),
        ("padded", f" {first}"),
        ("null", None),
        ("number", 1),
    ]


UNKNOWN_CODES = [
    pytest.param(path, bad, id=f"{name}-{label}")
    for name, codes, path, _context in CODE_LISTS
    for label, bad in _bad_codes(codes)
]


@pytest.mark.parametrize(("path", "code", "context"), EVERY_CODE)
def test_every_code_of_every_code_list_is_accepted(path: str, code: str,
                                                   context: Callable[[str], dict]) -> None:
    loaded = load({**context(code), path: code})
    assert get(loaded, path) == code


@pytest.mark.parametrize(("path", "bad"), UNKNOWN_CODES)
def test_a_value_outside_the_code_list_is_rejected(path: str, bad: Any) -> None:
    assert_rejected({path: bad}, path)


SET_FIELDS = [
    pytest.param("harm.crimes_against_migrants", v.CRIMES_AGAINST_MIGRANTS,
                 id="crimes_against_migrants"),
    pytest.param("harm.aggravating_circumstances", v.AGGRAVATING_CIRCUMSTANCES,
                 id="aggravating_circumstances"),
    pytest.param("modus_operandi", v.MODUS_OPERANDI, id="modus_operandi"),
    pytest.param("related_conduct", v.RELATED_CONDUCT, id="related_conduct"),
]


@pytest.mark.parametrize(("path", "codes"), SET_FIELDS)
def test_a_set_field_takes_every_code_at_once(path: str, codes: tuple[str, ...]) -> None:
    assert get(load({path: list(codes)}), path) == list(codes)


@pytest.mark.parametrize(("path", "codes"), SET_FIELDS)
def test_a_set_field_may_be_empty(path: str, codes: tuple[str, ...]) -> None:
    assert get(load({path: []}), path) == []


def test_every_smuggler_role_may_be_listed_at_once() -> None:
    roles = [{"role": role, "count": 1} for role in v.SMUGGLER_ROLES]
    assert load({"smugglers.roles": roles})["smugglers"]["roles"] == roles


SPEC_CODE_LISTS = {
    "DATE_PRECISIONS": ("day", "month", "quarter"),
    "LOCATION_TYPES": ("land_border", "sea_border", "airport", "seaport", "inland", "at_sea",
                       "other"),
    "DETECTION_STAGES": ("departure", "transit", "entry", "exit", "within_country", "at_sea"),
    "DETECTING_AGENCIES": ("police", "immigration", "border_guard", "coast_guard", "customs",
                           "military", "prosecution", "other"),
    "TRANSPORT_MODES": ("land", "sea", "air", "mixed"),
    "CONVEYANCES": ("car", "van", "truck", "bus", "train", "on_foot", "small_boat",
                    "fishing_vessel", "ship", "commercial_flight", "private_aircraft", "other"),
    "CRIMES_AGAINST_MIGRANTS": ("assault", "sexual_violence", "robbery", "fraud", "extortion",
                                "kidnapping", "deprivation_of_liberty", "abandonment",
                                "inhuman_degrading_treatment", "homicide"),
    "AGGRAVATING_CIRCUMSTANCES": ("endangered_life_or_safety", "inhuman_degrading_treatment",
                                  "exploitation"),
    "SMUGGLER_ROLES": ("organiser", "recruiter", "transporter", "guide", "document_provider",
                       "financier", "accommodation_provider", "corrupt_official", "other"),
    "DOCUMENT_TYPES": ("passport", "visa", "id_card", "residence_permit",
                       "travel_document_other"),
    "FRAUD_TYPES": ("counterfeit", "forged", "fraudulently_obtained", "impostor",
                    "stolen_blank", "other"),
    "MODUS_OPERANDI": ("concealment_in_vehicle", "concealment_in_container",
                       "fraudulent_documents", "visa_abuse", "corruption_of_officials",
                       "online_recruitment", "sham_marriage", "student_or_tourist_cover",
                       "maritime_transfer", "other"),
    "RELATED_CONDUCT": ("trafficking_in_persons_indicators", "money_laundering", "corruption",
                        "document_fraud", "firearms", "drugs"),
    "FINANCIAL_BENEFIT": ("yes", "no", "unknown"),
}


@pytest.mark.parametrize("name", sorted(SPEC_CODE_LISTS))
def test_code_list_is_the_one_in_the_spec(name: str) -> None:
    assert getattr(v, name) == SPEC_CODE_LISTS[name]


def test_sharing_levels_are_the_ones_in_the_spec() -> None:
    assert tuple(SHARING_LEVELS) == ("national", "region", "all_members")


# ---- 2. countries and currencies -------------------------------------------------------

COUNTRY_SLOTS = [
    "incident.country",
    "route.origin_countries.1",
    "route.transit_countries.1",
    "route.intended_destination",
    "smuggled_migrants.nationalities.1.country",
    "smugglers.nationalities.0.country",
    "documents.0.issuing_country",
]
# None of these is already in the base body, so no duplicate rule can fire.
GOOD_COUNTRIES = ["PAK", "LKA", "NZL"]
BAD_COUNTRIES = [
    pytest.param("pak", id="lower_case"),
    pytest.param("Pak", id="mixed_case"),
    pytest.param("PK", id="alpha_2"),
    pytest.param("XXX", id="XXX"),
    pytest.param("ZZZ", id="ZZZ"),
    pytest.param("586", id="numeric_string"),
    pytest.param(586, id="number"),
    pytest.param("", id="empty"),
    pytest.param(" PAK", id="padded"),
    pytest.param("PAKI", id="four_letters"),
    pytest.param("Pakistan", id="name"),
    pytest.param("\uff30\uff21\uff2b", id="full_width"),
    pytest.param(["PAK"], id="list"),
]


@pytest.mark.parametrize("code", GOOD_COUNTRIES)
@pytest.mark.parametrize("path", COUNTRY_SLOTS)
def test_an_alpha_3_upper_case_country_is_accepted(path: str, code: str) -> None:
    assert get(load({path: code}), path) == code


@pytest.mark.parametrize("bad", BAD_COUNTRIES)
@pytest.mark.parametrize("path", COUNTRY_SLOTS)
def test_a_country_that_is_not_alpha_3_upper_case_is_rejected(path: str, bad: Any) -> None:
    assert_rejected({path: bad}, path)


def test_intended_destination_may_be_null_when_unknown() -> None:
    assert load({"route.intended_destination": None})["route"]["intended_destination"] is None


@pytest.mark.parametrize("path", [p for p in COUNTRY_SLOTS if p != "route.intended_destination"])
def test_a_country_other_than_the_destination_may_not_be_null(path: str) -> None:
    assert_rejected({path: None}, path, NOT_NULL)


CURRENCY = "smuggled_migrants.fee_per_person.currency"


@pytest.mark.parametrize("code", ["USD", "IDR", "AUD", "MYR", "EUR"])
def test_an_iso_4217_currency_is_accepted(code: str) -> None:
    assert get(load({CURRENCY: code}), CURRENCY) == code


@pytest.mark.parametrize("bad", [
    pytest.param("usd", id="lower_case"),
    pytest.param("Usd", id="mixed_case"),
    pytest.param("XYZ", id="XYZ"),
    pytest.param("", id="empty"),
    pytest.param("US", id="two_letters"),
    pytest.param("USDT", id="four_letters"),
    pytest.param(" USD", id="padded"),
    pytest.param("840", id="numeric_string"),
    pytest.param(840, id="number"),
    pytest.param(None, id="null"),
    pytest.param("\uff35\uff33\uff24", id="full_width"),
])
def test_a_currency_that_is_not_iso_4217_upper_case_is_rejected(bad: Any) -> None:
    assert_rejected({CURRENCY: bad}, CURRENCY)


# ---- 3. cross-field rules --------------------------------------------------------------

DATE = "incident.date"


@pytest.mark.parametrize("when", ["2000-01-01", "2000-01-02", "2024-02-29", "2024-12-31"])
def test_incident_date_from_2000_on_is_accepted(when: str) -> None:
    assert load({DATE: when})["incident"]["date"] == date.fromisoformat(when)


def test_incident_date_today_is_accepted() -> None:
    when = today()
    assert load({DATE: when.isoformat()})["incident"]["date"] == when


@pytest.mark.parametrize("when", ["1999-12-31", "1990-06-15", "1970-01-01", "0001-01-01"])
def test_incident_date_cannot_be_before_2000(when: str) -> None:
    assert_rejected({DATE: when}, DATE)


@pytest.mark.parametrize("days_ahead", [5, 30, 366, 3650])
def test_incident_date_cannot_be_in_the_future(days_ahead: int) -> None:
    when = today() + timedelta(days=days_ahead)
    assert_rejected({DATE: when.isoformat()}, DATE)


def test_incident_date_far_in_the_future_is_rejected() -> None:
    assert_rejected({DATE: "9999-12-31"}, DATE)


@pytest.mark.parametrize("bad", [
    pytest.param("15/03/2024", id="day_first"),
    pytest.param("2024-3-15", id="no_zero_padding"),
    pytest.param("2024-02-30", id="no_such_day"),
    pytest.param("2024-13-01", id="no_such_month"),
    pytest.param("2024-03-15T00:00:00", id="date_time"),
    pytest.param("2024-03-15 ", id="trailing_space"),
    pytest.param("", id="empty"),
    pytest.param(20240315, id="number"),
    pytest.param(["2024-03-15"], id="list"),
])
def test_incident_date_must_be_a_valid_iso_date(bad: Any) -> None:
    assert_rejected({DATE: bad}, DATE)


@pytest.mark.parametrize("bad", [
    pytest.param("20240315", id="basic_format"),
    pytest.param("2024-W11-5", id="week_date"),
])
def test_incident_date_must_be_written_yyyy_mm_dd(bad: str) -> None:
    # The OpenAPI contract documents `format: date` (RFC 3339 full-date, YYYY-MM-DD);
    # other ISO 8601 spellings must not be guessed into a date.
    assert_rejected({DATE: bad}, DATE)


@pytest.mark.parametrize("when", ["2024-02-29", "2024-03-31", "2024-03-01"])
def test_day_precision_takes_any_day(when: str) -> None:
    loaded = load({"incident.date_precision": "day", DATE: when})
    assert loaded["incident"]["date"] == date.fromisoformat(when)


@pytest.mark.parametrize("when", ["2024-03-01", "2000-01-01", "2023-12-01"])
def test_month_precision_takes_the_first_day_of_a_month(when: str) -> None:
    loaded = load({"incident.date_precision": "month", DATE: when})
    assert loaded["incident"]["date_precision"] == "month"


@pytest.mark.parametrize("when", ["2024-03-15", "2024-03-02", "2024-03-31", "2024-02-29"])
def test_month_precision_needs_the_first_day_of_the_month(when: str) -> None:
    assert_rejected({"incident.date_precision": "month", DATE: when}, DATE)


@pytest.mark.parametrize("when", ["2024-01-01", "2024-04-01", "2024-07-01", "2023-10-01"])
def test_quarter_precision_takes_the_first_day_of_a_quarter(when: str) -> None:
    loaded = load({"incident.date_precision": "quarter", DATE: when})
    assert loaded["incident"]["date_precision"] == "quarter"


@pytest.mark.parametrize("when", ["2024-02-01", "2024-03-01", "2024-05-01", "2024-12-01",
                                  "2024-04-02", "2024-10-15", "2024-01-31"])
def test_quarter_precision_needs_the_first_day_of_a_quarter(when: str) -> None:
    assert_rejected({"incident.date_precision": "quarter", DATE: when}, DATE)


def test_date_precision_defaults_to_day() -> None:
    loaded = load({"incident.date_precision": DELETE})
    assert loaded["incident"]["date_precision"] == "day"


MODE_CONVEYANCE = [
    pytest.param(mode, conveyance, conveyance in v.CONVEYANCES_BY_MODE[mode],
                 id=f"{mode}-{conveyance}")
    for mode, conveyance in product(v.TRANSPORT_MODES, v.CONVEYANCES)
]


@pytest.mark.parametrize(("mode", "conveyance", "fits"), MODE_CONVEYANCE)
def test_conveyance_must_fit_the_transport_mode(mode: str, conveyance: str, fits: bool) -> None:
    changes = {"incident.transport_mode": mode, "incident.conveyance": conveyance}
    if fits:
        loaded = load(changes)
        assert loaded["incident"]["transport_mode"] == mode
        assert loaded["incident"]["conveyance"] == conveyance
    else:
        assert_rejected(changes, "incident.conveyance")


@pytest.mark.parametrize("mode", v.TRANSPORT_MODES)
def test_other_conveyance_fits_every_transport_mode(mode: str) -> None:
    changes = {"incident.transport_mode": mode, "incident.conveyance": "other"}
    assert load(changes)["incident"]["conveyance"] == "other"


@pytest.mark.parametrize("conveyance", v.CONVEYANCES)
def test_mixed_transport_mode_takes_every_conveyance(conveyance: str) -> None:
    changes = {"incident.transport_mode": "mixed", "incident.conveyance": conveyance}
    assert load(changes)["incident"]["conveyance"] == conveyance


@pytest.mark.parametrize("conveyance", v.CONVEYANCES)
def test_every_conveyance_fits_some_single_transport_mode(conveyance: str) -> None:
    assert any(conveyance in v.CONVEYANCES_BY_MODE[mode] for mode in ("land", "sea", "air"))


@pytest.mark.parametrize(("mode", "conveyance"), [
    ("sea", "commercial_flight"), ("sea", "truck"), ("sea", "on_foot"),
    ("air", "small_boat"), ("air", "on_foot"), ("air", "bus"),
    ("land", "ship"), ("land", "fishing_vessel"), ("land", "private_aircraft"),
])
def test_an_obviously_wrong_conveyance_is_rejected(mode: str, conveyance: str) -> None:
    changes = {"incident.transport_mode": mode, "incident.conveyance": conveyance}
    assert_rejected(changes, "incident.conveyance")


COUNTRIES = ["AFG", "IRN", "PAK", "LKA", "BGD", "MMR", "IRQ", "SYR", "SOM", "ERI", "SDN",
             "NPL"]


@pytest.mark.parametrize("n", [1, 2, 5])
def test_one_to_five_origin_countries_are_accepted(n: int) -> None:
    origins = COUNTRIES[:n]
    assert load({"route.origin_countries": origins})["route"]["origin_countries"] == origins


@pytest.mark.parametrize("n", [0, 6])
def test_origin_countries_are_one_to_five(n: int) -> None:
    assert_rejected({"route.origin_countries": COUNTRIES[:n]}, "route.origin_countries")


@pytest.mark.parametrize("origins", [["AFG", "AFG"], ["AFG", "IRN", "AFG"]])
def test_origin_countries_cannot_repeat(origins: list[str]) -> None:
    assert_rejected({"route.origin_countries": origins}, "route.origin_countries")


@pytest.mark.parametrize("n", [0, 1, 10])
def test_zero_to_ten_transit_countries_are_accepted_in_order(n: int) -> None:
    transit = list(reversed(COUNTRIES[:n]))
    assert load({"route.transit_countries": transit})["route"]["transit_countries"] == transit


def test_transit_countries_are_at_most_ten() -> None:
    assert_rejected({"route.transit_countries": COUNTRIES[:11]}, "route.transit_countries")


@pytest.mark.parametrize("transit", [["MYS", "MYS"], ["MYS", "IDN", "THA", "IDN"]])
def test_transit_countries_cannot_repeat(transit: list[str]) -> None:
    assert_rejected({"route.transit_countries": transit}, "route.transit_countries")


SM = "smuggled_migrants"


@pytest.mark.parametrize("changes", [
    pytest.param({}, id="base"),
    pytest.param({f"{SM}.total": 21, f"{SM}.sex_age_unknown": 1}, id="with_unknown_sex_age"),
    pytest.param({f"{SM}.men": 0, f"{SM}.women": 0, f"{SM}.boys": 0, f"{SM}.girls": 0,
                  f"{SM}.sex_age_unknown": 20, f"{SM}.unaccompanied_minors": 0},
                 id="all_sex_age_unknown"),
])
def test_migrant_breakdown_adding_up_to_total_is_accepted(changes: dict[str, Any]) -> None:
    loaded = load(changes)[SM]
    parts = ("men", "women", "boys", "girls", "sex_age_unknown")
    assert sum(loaded[p] for p in parts) == loaded["total"]


@pytest.mark.parametrize("changes", [
    pytest.param({f"{SM}.men": 13}, id="men_one_too_many"),
    pytest.param({f"{SM}.men": 11}, id="men_one_too_few"),
    pytest.param({f"{SM}.women": 5}, id="women_one_too_many"),
    pytest.param({f"{SM}.boys": 4}, id="boys_one_too_many"),
    pytest.param({f"{SM}.girls": 2}, id="girls_one_too_many"),
    pytest.param({f"{SM}.sex_age_unknown": 1}, id="sex_age_unknown_one_too_many"),
    pytest.param({f"{SM}.total": 21}, id="total_one_too_many"),
])
def test_men_women_boys_girls_and_sex_age_unknown_must_add_up_to_total(
        changes: dict[str, Any]) -> None:
    assert_rejected(changes, f"{SM}.total")


@pytest.mark.parametrize("changes", [
    pytest.param({f"{SM}.unaccompanied_minors": 4}, id="equal_to_boys_plus_girls"),
    pytest.param({f"{SM}.unaccompanied_minors": 0}, id="none"),
    pytest.param({f"{SM}.boys": 0, f"{SM}.girls": 0, f"{SM}.men": 16,
                  f"{SM}.unaccompanied_minors": 0}, id="no_minors"),
])
def test_unaccompanied_minors_up_to_boys_plus_girls_are_accepted(
        changes: dict[str, Any]) -> None:
    loaded = load(changes)[SM]
    assert loaded["unaccompanied_minors"] <= loaded["boys"] + loaded["girls"]


@pytest.mark.parametrize("changes", [
    pytest.param({f"{SM}.unaccompanied_minors": 5}, id="one_more_than_boys_plus_girls"),
    pytest.param({f"{SM}.unaccompanied_minors": 20}, id="all_migrants"),
    pytest.param({f"{SM}.boys": 0, f"{SM}.girls": 0, f"{SM}.men": 16,
                  f"{SM}.unaccompanied_minors": 1}, id="no_minors_at_all"),
])
def test_unaccompanied_minors_cannot_exceed_boys_plus_girls(changes: dict[str, Any]) -> None:
    assert_rejected(changes, f"{SM}.unaccompanied_minors")


# group: (nationalities within the total, over the total, with a country twice)
NATIONALITY_CASES = {
    SM: (
        [{"country": "AFG", "count": 13}, {"country": "IRN", "count": 6}],
        [{"country": "AFG", "count": 15}, {"country": "IRN", "count": 6}],
        [{"country": "AFG", "count": 10}, {"country": "AFG", "count": 4}],
    ),
    "smugglers": (
        [{"country": "IDN", "count": 2}, {"country": "MYS", "count": 1}],
        [{"country": "IDN", "count": 4}],
        [{"country": "IDN", "count": 1}, {"country": "IDN", "count": 1}],
    ),
}


@pytest.mark.parametrize("group", sorted(NATIONALITY_CASES))
def test_nationality_counts_up_to_total_are_accepted(group: str) -> None:
    within = NATIONALITY_CASES[group][0]
    assert load({f"{group}.nationalities": within})[group]["nationalities"] == within


@pytest.mark.parametrize("group", sorted(NATIONALITY_CASES))
def test_nationalities_may_be_empty(group: str) -> None:
    assert load({f"{group}.nationalities": []})[group]["nationalities"] == []


@pytest.mark.parametrize("group", sorted(NATIONALITY_CASES))
def test_nationality_counts_cannot_add_up_to_more_than_total(group: str) -> None:
    over = NATIONALITY_CASES[group][1]
    assert_rejected({f"{group}.nationalities": over}, f"{group}.nationalities")


@pytest.mark.parametrize("group", sorted(NATIONALITY_CASES))
def test_a_nationality_cannot_be_listed_twice(group: str) -> None:
    twice = NATIONALITY_CASES[group][2]
    assert_rejected({f"{group}.nationalities": twice}, f"{group}.nationalities")


@pytest.mark.parametrize("count", [0, -1])
@pytest.mark.parametrize("group", sorted(NATIONALITY_CASES))
def test_a_nationality_count_is_at_least_one(group: str, count: int) -> None:
    path = f"{group}.nationalities.0.count"
    assert_rejected({path: count}, path)


FEE = f"{SM}.fee_per_person"


@pytest.mark.parametrize("amount", [0.01, 1, 4500, 4500.5])
def test_a_positive_fee_amount_is_accepted(amount: float) -> None:
    assert load({f"{FEE}.amount": amount})[SM]["fee_per_person"]["amount"] == amount


@pytest.mark.parametrize("amount", [0, 0.0, -0.01, -1, -4500])
def test_fee_amount_must_be_greater_than_zero(amount: float) -> None:
    assert_rejected({f"{FEE}.amount": amount}, f"{FEE}.amount")


def test_fee_per_person_may_be_omitted() -> None:
    assert "fee_per_person" not in load({FEE: DELETE})[SM]


def test_fee_per_person_may_be_null() -> None:
    assert load({FEE: None})[SM]["fee_per_person"] is None


SG = "smugglers"


@pytest.mark.parametrize("arrested", [0, 2, 3])
def test_arrested_up_to_total_smugglers_are_accepted(arrested: int) -> None:
    assert load({f"{SG}.arrested": arrested})[SG]["arrested"] == arrested


@pytest.mark.parametrize("arrested", [4, 100])
def test_arrested_smugglers_cannot_exceed_total(arrested: int) -> None:
    assert_rejected({f"{SG}.arrested": arrested}, f"{SG}.arrested")


@pytest.mark.parametrize("changes", [
    pytest.param({}, id="base"),
    pytest.param({f"{SG}.men": 1, f"{SG}.women": 1, f"{SG}.sex_unknown": 1}, id="mixed"),
    pytest.param({f"{SG}.men": 0, f"{SG}.sex_unknown": 3}, id="all_sex_unknown"),
])
def test_smuggler_breakdown_adding_up_to_total_is_accepted(changes: dict[str, Any]) -> None:
    loaded = load(changes)[SG]
    assert loaded["men"] + loaded["women"] + loaded["sex_unknown"] == loaded["total"]


@pytest.mark.parametrize("changes", [
    pytest.param({f"{SG}.men": 2}, id="men_one_too_few"),
    pytest.param({f"{SG}.women": 1}, id="women_one_too_many"),
    pytest.param({f"{SG}.sex_unknown": 1}, id="sex_unknown_one_too_many"),
    pytest.param({f"{SG}.total": 4}, id="total_one_too_many"),
])
def test_smuggler_men_women_and_sex_unknown_must_add_up_to_total(
        changes: dict[str, Any]) -> None:
    assert_rejected(changes, f"{SG}.total")


@pytest.mark.parametrize("roles", [
    pytest.param([{"role": "organiser", "count": 3}], id="count_equal_to_total"),
    pytest.param([{"role": "transporter", "count": 3}, {"role": "organiser", "count": 3},
                  {"role": "guide", "count": 3}], id="one_smuggler_several_roles"),
    pytest.param([], id="none"),
])
def test_smuggler_roles_within_total_are_accepted(roles: list[dict[str, Any]]) -> None:
    assert load({f"{SG}.roles": roles})[SG]["roles"] == roles


@pytest.mark.parametrize("roles", [
    pytest.param([{"role": "guide", "count": 1}, {"role": "guide", "count": 1}], id="twice"),
    pytest.param([{"role": "guide", "count": 1}, {"role": "other", "count": 1},
                  {"role": "guide", "count": 2}], id="twice_apart"),
])
def test_a_smuggler_role_cannot_be_listed_twice(roles: list[dict[str, Any]]) -> None:
    assert_rejected({f"{SG}.roles": roles}, f"{SG}.roles")


@pytest.mark.parametrize("roles", [
    pytest.param([{"role": "organiser", "count": 4}], id="one_over"),
    pytest.param([{"role": "guide", "count": 1}, {"role": "transporter", "count": 9}],
                 id="second_role_over"),
])
def test_a_smuggler_role_count_cannot_exceed_total(roles: list[dict[str, Any]]) -> None:
    assert_rejected({f"{SG}.roles": roles}, f"{SG}.roles")


@pytest.mark.parametrize("count", [0, -1])
def test_a_smuggler_role_count_is_at_least_one(count: int) -> None:
    assert_rejected({f"{SG}.roles.0.count": count}, f"{SG}.roles.0.count")


@pytest.mark.parametrize("count", [0, -1])
def test_a_document_count_is_at_least_one(count: int) -> None:
    assert_rejected({"documents.0.count": count}, "documents.0.count")


def test_documents_may_be_empty() -> None:
    assert load({"documents": []})["documents"] == []


PASSPORT = {"document_type": "passport", "fraud_type": "counterfeit", "issuing_country": "MYS",
            "count": 2}


@pytest.mark.parametrize(("key", "other"), [
    ("document_type", "visa"), ("fraud_type", "forged"), ("issuing_country", "THA"),
])
def test_documents_differing_in_type_fraud_or_country_are_accepted(key: str,
                                                                   other: str) -> None:
    documents = [PASSPORT, {**PASSPORT, key: other}]
    assert load({"documents": documents})["documents"] == documents


@pytest.mark.parametrize("second_count", [2, 5])
def test_documents_with_the_same_type_fraud_and_country_are_rejected(
        second_count: int) -> None:
    documents = [PASSPORT, {**PASSPORT, "count": second_count}]
    assert_rejected({"documents": documents}, "documents")


def test_a_duplicate_document_is_found_among_others() -> None:
    documents = [PASSPORT, {**PASSPORT, "document_type": "visa"}, {**PASSPORT, "count": 1}]
    assert_rejected({"documents": documents}, "documents")


@pytest.mark.parametrize(("path", "codes"), SET_FIELDS)
def test_a_set_field_cannot_repeat_a_code(path: str, codes: tuple[str, ...]) -> None:
    assert_rejected({path: [codes[0], codes[0]]}, path)


@pytest.mark.parametrize(("path", "codes"), SET_FIELDS)
def test_a_set_field_cannot_repeat_a_code_among_others(path: str,
                                                      codes: tuple[str, ...]) -> None:
    assert_rejected({path: [codes[1], codes[0], codes[1]]}, path)


CJ = "criminal_justice"


@pytest.mark.parametrize(("prosecuted", "convicted"), [(2, 0), (2, 2), (0, 0), (5, 3)])
def test_persons_convicted_up_to_persons_prosecuted_are_accepted(prosecuted: int,
                                                                 convicted: int) -> None:
    loaded = load({f"{CJ}.persons_prosecuted": prosecuted,
                   f"{CJ}.persons_convicted": convicted})[CJ]
    assert (loaded["persons_prosecuted"], loaded["persons_convicted"]) == (prosecuted,
                                                                           convicted)


@pytest.mark.parametrize(("prosecuted", "convicted"), [(2, 3), (0, 1)])
def test_persons_convicted_cannot_exceed_persons_prosecuted(prosecuted: int,
                                                             convicted: int) -> None:
    assert_rejected({f"{CJ}.persons_prosecuted": prosecuted,
                     f"{CJ}.persons_convicted": convicted}, f"{CJ}.persons_convicted")


@pytest.mark.parametrize("amount", [0, 0.0, 0.5, 12500, 1e9])
def test_assets_frozen_usd_of_zero_or_more_is_accepted(amount: float) -> None:
    assert load({f"{CJ}.assets_frozen_usd": amount})[CJ]["assets_frozen_usd"] == amount


def test_assets_frozen_usd_may_be_omitted() -> None:
    assert "assets_frozen_usd" not in load({f"{CJ}.assets_frozen_usd": DELETE})[CJ]


def test_assets_frozen_usd_may_be_null() -> None:
    assert load({f"{CJ}.assets_frozen_usd": None})[CJ]["assets_frozen_usd"] is None


@pytest.mark.parametrize("amount", [-0.01, -1, -12500])
def test_assets_frozen_usd_cannot_be_negative(amount: float) -> None:
    assert_rejected({f"{CJ}.assets_frozen_usd": amount}, f"{CJ}.assets_frozen_usd")


NO_MIGRANTS: dict[str, Any] = {
    **{f"{SM}.{key}": 0 for key in ("total", "men", "women", "boys", "girls",
                                    "sex_age_unknown", "unaccompanied_minors")},
    f"{SM}.nationalities": [],
}
NO_SMUGGLERS: dict[str, Any] = {
    **{f"{SG}.{key}": 0 for key in ("total", "arrested", "men", "women", "sex_unknown")},
    f"{SG}.nationalities": [],
    f"{SG}.roles": [],
}


def test_a_report_needs_at_least_one_migrant_or_smuggler() -> None:
    assert_rejected({**NO_MIGRANTS, **NO_SMUGGLERS}, "body")


def test_a_report_with_smugglers_only_is_accepted() -> None:
    assert load(NO_MIGRANTS)[SM]["total"] == 0


def test_a_report_with_migrants_only_is_accepted() -> None:
    assert load(NO_SMUGGLERS)[SG]["total"] == 0


def letters(n: int) -> str:
    """n characters of letters and spaces, no digits: nothing for the non-nominal guard."""
    return ("Kupang harbour " * (n // 15 + 1))[:n].rstrip().ljust(n, "a")


@pytest.mark.parametrize("n", [1, 100, 4000])
def test_narrative_up_to_4000_characters_is_accepted(n: int) -> None:
    text = letters(n)
    assert len(text) == n
    assert load({"narrative": text})["narrative"] == text


@pytest.mark.parametrize("n", [4001, 10000])
def test_narrative_cannot_exceed_4000_characters(n: int) -> None:
    assert_rejected({"narrative": letters(n)}, "narrative")


@pytest.mark.parametrize("n", [1, 50, 100])
def test_admin_area_of_1_to_100_characters_is_accepted(n: int) -> None:
    text = letters(n)
    assert len(text) == n
    assert load({"incident.admin_area": text})["incident"]["admin_area"] == text


@pytest.mark.parametrize("n", [0, 101, 500])
def test_admin_area_is_1_to_100_characters(n: int) -> None:
    assert_rejected({"incident.admin_area": letters(n)}, "incident.admin_area")


# ---- 4. strict types -------------------------------------------------------------------

WRONG_TYPES = [
    # counts
    pytest.param(f"{SM}.total", "20", id="count_as_string"),
    pytest.param(f"{SM}.total", 20.0, id="count_as_float"),
    pytest.param(f"{SM}.total", True, id="count_as_true"),
    pytest.param(f"{SM}.sex_age_unknown", False, id="count_as_false"),
    pytest.param(f"{SM}.men", [12], id="count_as_list"),
    pytest.param(f"{SM}.men", {"value": 12}, id="count_as_object"),
    pytest.param(f"{SM}.total", 10 ** 400, id="count_far_too_large"),
    pytest.param("harm.deaths", 0.0, id="deaths_as_float"),
    pytest.param(f"{SG}.arrested", "2", id="arrested_as_string"),
    pytest.param(f"{SM}.nationalities.0.count", 14.0, id="nationality_count_as_float"),
    pytest.param(f"{SG}.roles.0.count", "2", id="role_count_as_string"),
    pytest.param(f"{SG}.roles.0.count", True, id="role_count_as_true"),
    pytest.param("documents.0.count", 2.0, id="document_count_as_float"),
    pytest.param("documents.0.count", "2", id="document_count_as_string"),
    pytest.param(f"{CJ}.persons_prosecuted", "2", id="prosecuted_as_string"),
    # booleans
    pytest.param(f"{CJ}.investigation_opened", "true", id="boolean_as_string_true"),
    pytest.param(f"{CJ}.investigation_opened", "yes", id="boolean_as_yes"),
    pytest.param(f"{CJ}.investigation_opened", 1, id="boolean_as_one"),
    pytest.param(f"{CJ}.financial_investigation", 0, id="boolean_as_zero"),
    pytest.param(f"{CJ}.financial_investigation", "false", id="boolean_as_string_false"),
    pytest.param(f"{CJ}.financial_investigation", [False], id="boolean_as_list"),
    # amounts
    pytest.param(f"{FEE}.amount", "4500", id="fee_as_string"),
    pytest.param(f"{FEE}.amount", True, id="fee_as_true"),
    pytest.param(f"{FEE}.amount", float("nan"), id="fee_nan"),
    pytest.param(f"{FEE}.amount", float("inf"), id="fee_infinity"),
    pytest.param(f"{FEE}.amount", "NaN", id="fee_nan_string"),
    pytest.param(f"{FEE}.amount", [4500], id="fee_as_list"),
    pytest.param(f"{FEE}.amount", 10 ** 400, id="fee_far_too_large"),
    pytest.param(f"{CJ}.assets_frozen_usd", "0", id="assets_as_string"),
    pytest.param(f"{CJ}.assets_frozen_usd", True, id="assets_as_true"),
    pytest.param(f"{CJ}.assets_frozen_usd", float("nan"), id="assets_nan"),
    pytest.param(f"{CJ}.assets_frozen_usd", float("inf"), id="assets_infinity"),
    pytest.param(f"{CJ}.assets_frozen_usd", float("-inf"), id="assets_minus_infinity"),
    # text and codes
    pytest.param("narrative", 5, id="narrative_as_number"),
    pytest.param("narrative", ["Kupang"], id="narrative_as_list"),
    pytest.param("incident.admin_area", {"name": "Kupang"}, id="admin_area_as_object"),
    pytest.param("incident.location_type", ["sea_border"], id="code_as_list"),
    # an object or a string where a list is expected
    pytest.param("route.origin_countries", {"0": "AFG"}, id="origin_countries_as_object"),
    pytest.param("route.origin_countries", "AFG", id="origin_countries_as_string"),
    pytest.param("route.transit_countries", {}, id="transit_countries_as_object"),
    pytest.param(f"{SM}.nationalities", {"AFG": 20}, id="nationalities_as_object"),
    pytest.param(f"{SG}.roles", {"organiser": 1}, id="roles_as_object"),
    pytest.param("documents", dict(PASSPORT), id="documents_as_object"),
    pytest.param("harm.crimes_against_migrants", "extortion", id="set_as_string"),
    pytest.param("modus_operandi", {"maritime_transfer": True}, id="set_as_object"),
    # a list or a string where an object is expected
    pytest.param("incident", [], id="incident_as_list"),
    pytest.param("route", ["AFG"], id="route_as_list"),
    pytest.param(SM, [20], id="smuggled_migrants_as_list"),
    pytest.param(FEE, [4500, "USD"], id="fee_per_person_as_list"),
    pytest.param("harm", [], id="harm_as_list"),
    pytest.param(SG, [], id="smugglers_as_list"),
    pytest.param(CJ, [True, 2, 0, False], id="criminal_justice_as_list"),
    pytest.param(f"{SM}.nationalities.0", ["AFG", 14], id="nationality_item_as_list"),
    pytest.param(f"{SG}.roles.0", ["organiser", 1], id="role_item_as_list"),
    pytest.param("documents.0", list(PASSPORT.values()), id="document_item_as_list"),
    pytest.param("incident", "IDN", id="incident_as_string"),
    pytest.param("documents.0", "passport", id="document_item_as_string"),
]


@pytest.mark.parametrize(("path", "value"), WRONG_TYPES)
def test_a_value_of_the_wrong_type_is_rejected(path: str, value: Any) -> None:
    assert_rejected({path: value}, path)


@pytest.mark.parametrize("value", [
    pytest.param([], id="list"),
    pytest.param("report", id="string"),
    pytest.param(None, id="null"),
    pytest.param(42, id="number"),
])
def test_a_body_that_is_not_an_object_is_rejected(value: Any) -> None:
    assert set(errors_of(value)) == {"body"}


COUNT_PATHS = [
    *(f"{SM}.{k}" for k in ("total", "men", "women", "boys", "girls", "sex_age_unknown",
                            "unaccompanied_minors")),
    "harm.deaths", "harm.missing", "harm.injured",
    *(f"{SG}.{k}" for k in ("total", "arrested", "men", "women", "sex_unknown")),
    f"{CJ}.persons_prosecuted", f"{CJ}.persons_convicted",
]


@pytest.mark.parametrize("path", COUNT_PATHS)
def test_a_count_cannot_be_negative(path: str) -> None:
    assert_rejected({path: -1}, path)


@pytest.mark.parametrize("path", ["harm.deaths", "harm.missing", "harm.injured"])
def test_a_harm_count_of_zero_or_more_is_accepted(path: str) -> None:
    assert get(load({path: 7}), path) == 7


@pytest.mark.parametrize("value", [True, False])
@pytest.mark.parametrize("path", [f"{CJ}.investigation_opened", f"{CJ}.financial_investigation"])
def test_a_json_boolean_is_accepted(path: str, value: bool) -> None:
    assert get(load({path: value}), path) is value


# ---- 5. unknown fields -----------------------------------------------------------------

OBJECTS = ["", "incident", "route", SM, FEE, "harm", SG, f"{SM}.nationalities.0",
           f"{SG}.nationalities.0", f"{SG}.roles.0", "documents.0", CJ]


@pytest.mark.parametrize("key", ["unexpected", "passport_number"])
@pytest.mark.parametrize("where", OBJECTS, ids=lambda where: where or "top_level")
def test_an_unknown_field_is_rejected_at_every_level(where: str, key: str) -> None:
    path = f"{where}.{key}" if where else key
    assert_rejected({path: "anything"}, path, UNKNOWN)


def test_every_unknown_field_is_reported() -> None:
    errors = errors_of(body({"extra": 1, "incident.extra": 1, "documents.0.extra": 1}))
    assert errors == {"extra": [UNKNOWN], "incident.extra": [UNKNOWN],
                      "documents.0.extra": [UNKNOWN]}


# ---- 6. required and optional fields ---------------------------------------------------

OPTIONAL: dict[str, Any] = {
    # key: what loading puts in its place when it is left out (DELETE: nothing)
    "incident.admin_area": DELETE,
    "incident.date_precision": "day",
    "route.transit_countries": [],
    f"{SM}.nationalities": [],
    FEE: DELETE,
    "harm.crimes_against_migrants": [],
    "harm.aggravating_circumstances": [],
    f"{SG}.nationalities": [],
    f"{SG}.roles": [],
    "documents": [],
    "modus_operandi": [],
    "related_conduct": [],
    f"{CJ}.assets_frozen_usd": DELETE,
    "narrative": DELETE,
    "sharing": DELETE,
}
ALL_KEYS = list(key_paths(BASE))
REQUIRED = [path for path in ALL_KEYS if path not in OPTIONAL]
NULLABLE = {"route.intended_destination", FEE, f"{CJ}.assets_frozen_usd"}


def test_the_base_body_holds_every_optional_key() -> None:
    assert set(OPTIONAL) <= set(ALL_KEYS)


@pytest.mark.parametrize("path", REQUIRED)
def test_a_required_key_cannot_be_left_out(path: str) -> None:
    assert_rejected({path: DELETE}, path, MISSING)


@pytest.mark.parametrize("path", sorted(OPTIONAL))
def test_an_optional_key_may_be_left_out(path: str) -> None:
    loaded = load({path: DELETE})
    if OPTIONAL[path] is DELETE:
        assert not has(loaded, path)
    else:
        assert get(loaded, path) == OPTIONAL[path]


@pytest.mark.parametrize("path", [p for p in ALL_KEYS if p not in NULLABLE])
def test_null_is_rejected_where_a_value_is_expected(path: str) -> None:
    assert_rejected({path: None}, path, NOT_NULL)


@pytest.mark.parametrize("path", sorted(NULLABLE))
def test_null_is_accepted_where_unknown_is_allowed(path: str) -> None:
    assert get(load({path: None}), path) is None


# ---- 7. control characters and lone surrogates -----------------------------------------

TEXT_FIELDS = ["narrative", "incident.admin_area"]
BAD_CHARACTERS = [
    pytest.param("\x00", id="NUL"),
    pytest.param("\x01", id="SOH"),
    pytest.param("\x07", id="BEL"),
    pytest.param("\x08", id="BS"),
    pytest.param("\x0b", id="VT"),
    pytest.param("\x0c", id="FF"),
    pytest.param("\x1b", id="ESC"),
    pytest.param("\x1f", id="US"),
    pytest.param("\x7f", id="DEL"),
    pytest.param("\ud800", id="lone_high_surrogate"),
    pytest.param("\udfff", id="lone_low_surrogate"),
]


@pytest.mark.parametrize("char", BAD_CHARACTERS)
@pytest.mark.parametrize("path", TEXT_FIELDS)
def test_free_text_cannot_hold_control_characters_or_lone_surrogates(path: str,
                                                                     char: str) -> None:
    assert_rejected({path: f"Kupang{char}harbour"}, path)


@pytest.mark.parametrize("char", BAD_CHARACTERS)
@pytest.mark.parametrize("path", TEXT_FIELDS)
def test_a_control_character_alone_is_rejected(path: str, char: str) -> None:
    assert_rejected({path: char}, path)


@pytest.mark.parametrize("text", [
    pytest.param("Kupang\nharbour", id="line_feed"),
    pytest.param("Kupang\tharbour", id="tab"),
    pytest.param("Kupang\r\nharbour", id="crlf"),
    pytest.param("Nusa Tenggara Timur \u2014 Kupang", id="em_dash"),
    pytest.param("Sulawesi Selatan, Makassar", id="comma"),
    pytest.param("\u0e2a\u0e07\u0e02\u0e25\u0e32", id="thai_letters"),
    pytest.param("Kupang \U0001f6a2 harbour", id="astral_plane"),
])
@pytest.mark.parametrize("path", TEXT_FIELDS)
def test_ordinary_text_with_newlines_tabs_and_unicode_is_accepted(path: str,
                                                                  text: str) -> None:
    assert get(load({path: text}), path) == text


# ---- 8. normalise ----------------------------------------------------------------------

UNSORTED = {
    "harm.crimes_against_migrants": ["robbery", "assault", "extortion"],
    "harm.aggravating_circumstances": ["exploitation", "endangered_life_or_safety"],
    "modus_operandi": ["other", "concealment_in_vehicle", "maritime_transfer"],
    "related_conduct": ["money_laundering", "corruption", "drugs"],
}


@pytest.mark.parametrize("path", sorted(UNSORTED))
def test_normalise_sorts_set_fields(path: str) -> None:
    normalised = normalise(load(UNSORTED))
    assert get(normalised, path) == sorted(UNSORTED[path])
    assert get(normalised, path) != UNSORTED[path]


@pytest.mark.parametrize(("path", "value"), [
    pytest.param("route.origin_countries", ["IRN", "AFG", "PAK"], id="origin_countries"),
    pytest.param("route.transit_countries", ["THA", "MYS", "IDN"], id="transit_countries"),
    pytest.param(f"{SM}.nationalities", [{"country": "IRN", "count": 6},
                                         {"country": "AFG", "count": 14}],
                 id="migrant_nationalities"),
    pytest.param(f"{SG}.roles", [{"role": "transporter", "count": 2},
                                 {"role": "guide", "count": 1}], id="roles"),
    pytest.param("documents", [{**PASSPORT, "document_type": "visa"}, PASSPORT],
                 id="documents"),
])
def test_normalise_keeps_the_order_of_lists_that_are_not_sets(path: str, value: Any) -> None:
    assert get(normalise(load({path: value})), path) == value


@pytest.mark.parametrize("when", ["2024-03-15", "2000-01-01", "2019-11-05"])
def test_normalise_writes_the_date_as_yyyy_mm_dd(when: str) -> None:
    assert normalise(load({DATE: when}))["incident"]["date"] == when


def _assert_plain_json(node: Any, path: str = "body") -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            assert isinstance(key, str), path
            _assert_plain_json(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            _assert_plain_json(value, f"{path}.{index}")
    else:
        assert node is None or isinstance(node, str | int | float | bool), (path, node)


@pytest.mark.parametrize("changes", [
    pytest.param({}, id="full"),
    pytest.param(dict.fromkeys(OPTIONAL, DELETE), id="minimal"),
    pytest.param({FEE: None, "route.intended_destination": None,
                  f"{CJ}.assets_frozen_usd": None}, id="with_nulls"),
])
def test_normalise_produces_plain_json_values(changes: dict[str, Any]) -> None:
    normalised = normalise(load(changes))
    _assert_plain_json(normalised)
    assert json.loads(json.dumps(normalised, allow_nan=False)) == normalised
    assert json.loads(rfc8785.dumps(normalised)) == normalised


def test_normalise_keeps_counts_as_integers() -> None:
    normalised = normalise(load())
    for path in COUNT_PATHS:
        assert type(get(normalised, path)) is int, path


def test_normalise_fills_in_the_defaults() -> None:
    normalised = normalise(load(dict.fromkeys(OPTIONAL, DELETE)))
    assert normalised["incident"]["date_precision"] == "day"
    for path, default in OPTIONAL.items():
        if default is DELETE:
            assert not has(normalised, path), path
        else:
            assert get(normalised, path) == default, path


def test_normalise_does_not_change_the_loaded_data() -> None:
    loaded = load(UNSORTED)
    before = copy.deepcopy(loaded)
    normalise(loaded)
    assert loaded == before


def test_normalised_body_loads_back_to_the_same_normal_form() -> None:
    normalised = normalise(load(UNSORTED))
    assert normalise(ReportSchema().load(copy.deepcopy(normalised))) == normalised


def test_set_order_does_not_change_the_canonical_form() -> None:
    reordered = {path: list(reversed(codes)) for path, codes in UNSORTED.items()}
    assert rfc8785.dumps(normalise(load(UNSORTED))) == rfc8785.dumps(normalise(load(reordered)))
