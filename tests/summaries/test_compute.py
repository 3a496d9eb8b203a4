"""Every SPEC §4 measure of a summary, against the figures of tests/summaries/data.py.

The measure tests use k=1 (nothing is below the threshold) so that each figure can be
compared with its hand-computed value; disclosure has its own tests.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reporting.summaries.compute import (
    BREAKDOWNS,
    MEASURES,
    RateTable,
    SortedAmounts,
    quantile,
    summarise,
)
from tests.factories import report
from tests.summaries.data import CURRENT, PREVIOUS, R1, tallies


def table(content: dict[str, Any]) -> dict[tuple[str, str, str, str], dict[str, Any]]:
    return {(o["measure"], o["breakdown"], o["code"], o["currency"]): o
            for o in content["observations"]}


def values(content: dict[str, Any], measure: str, breakdown: str = "_T",
           currency: str = "_Z") -> dict[str, Any]:
    """code -> value of one measure × breakdown."""
    return {o["code"]: o["value"] for o in content["observations"]
            if (o["measure"], o["breakdown"], o["currency"]) == (measure, breakdown, currency)}


@pytest.fixture(scope="module")
def plain() -> dict[str, Any]:
    return summarise(tallies(CURRENT), None, k=1)


def test_incidents_count_each_report_once_in_every_mix(plain):
    assert values(plain, "incidents") == {"_T": 4}
    assert values(plain, "incidents", "transport_mode") == {"sea": 3, "land": 1}
    assert values(plain, "incidents", "conveyance") == {
        "fishing_vessel": 2, "small_boat": 1, "truck": 1}
    assert values(plain, "incidents", "detection_stage") == {
        "departure": 2, "at_sea": 1, "within_country": 1}
    assert values(plain, "incidents", "location_type") == {
        "sea_border": 2, "at_sea": 1, "inland": 1}
    assert values(plain, "incidents", "detecting_agency") == {"police": 3, "coast_guard": 1}
    assert values(plain, "incidents", "financial_benefit_established") == {
        "yes": 2, "no": 1, "unknown": 1}


def test_migrants_by_sex_and_age_and_unaccompanied_minors(plain):
    assert values(plain, "migrants") == {"_T": 72}
    assert values(plain, "migrants", "sex_age") == {
        "men": 48, "women": 16, "boys": 5, "girls": 3, "sex_age_unknown": 0}
    assert values(plain, "unaccompanied_minors") == {"_T": 3}


def test_migrant_nationalities_are_counted_in_people(plain):
    assert values(plain, "migrants", "migrant_nationality") == {"AFG": 52, "MMR": 12, "IRN": 6}


def test_nationalities_beyond_the_top_ten_are_published_together_as_others():
    countries = ["AFG", "BGD", "CHN", "IND", "IRN", "IRQ", "LKA", "MMR", "NPL", "PAK", "SOM",
                 "SYR"]
    counts = [20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 3, 2]       # 160 in all
    body = report(**{
        "smuggled_migrants.total": 160, "smuggled_migrants.men": 160,
        "smuggled_migrants.women": 0, "smuggled_migrants.boys": 0, "smuggled_migrants.girls": 0,
        "smuggled_migrants.unaccompanied_minors": 0,
        "smuggled_migrants.nationalities": [{"country": c, "count": n}
                                            for c, n in zip(countries, counts, strict=True)]})
    content = summarise(tallies([("IDN", body), ("MYS", R1)]), None, k=1)
    published = values(content, "migrants", "migrant_nationality")
    assert published == {**dict(zip(countries[:10], [34, 19, 18, 17, 22, 15, 14, 13, 12, 11],
                                     strict=True)), "_O": 5}


def test_routes_and_countries_count_incidents(plain):
    assert values(plain, "incidents", "route") == {"AFG>AUS": 3, "IRN>AUS": 1, "MMR>MYS": 1}
    assert values(plain, "incidents", "origin") == {"AFG": 3, "IRN": 1, "MMR": 1}
    assert values(plain, "incidents", "transit") == {"MYS": 2, "IDN": 1}
    assert values(plain, "incidents", "destination") == {"AUS": 3, "MYS": 1}


def test_harm_and_crimes_against_migrants(plain):
    assert values(plain, "deaths") == {"_T": 2}
    assert values(plain, "missing") == {"_T": 1}
    assert values(plain, "injured") == {"_T": 1}
    assert values(plain, "incidents", "crime") == {"extortion": 2, "abandonment": 1}
    assert values(plain, "incidents", "aggravating") == {"endangered_life_or_safety": 1}


def test_smugglers_total_arrested_sex_roles_and_nationalities(plain):
    assert values(plain, "smugglers") == {"_T": 10}
    assert values(plain, "smugglers_arrested") == {"_T": 7}
    assert values(plain, "smugglers", "smuggler_sex") == {"men": 9, "women": 1, "sex_unknown": 0}
    assert values(plain, "smugglers", "smuggler_role") == {
        "transporter": 7, "guide": 2, "organiser": 1}
    assert values(plain, "smugglers", "smuggler_nationality") == {"IDN": 4, "MYS": 4, "THA": 2}


def test_document_fraud_by_type_and_fraud_type_and_issuer(plain):
    assert values(plain, "documents") == {"_T": 3}
    assert values(plain, "documents", "document") == {"passport/counterfeit": 2, "visa/forged": 1}
    assert values(plain, "documents", "document_issuer") == {"MYS": 2, "IDN": 1}


def test_modus_operandi_and_related_conduct(plain):
    assert values(plain, "incidents", "modus_operandi") == {"maritime_transfer": 2}
    assert values(plain, "incidents", "related_conduct") == {"corruption": 1}


def test_criminal_justice_outcomes(plain):
    assert values(plain, "investigations") == {"_T": 3}
    assert values(plain, "persons_prosecuted") == {"_T": 8}
    assert values(plain, "persons_convicted") == {"_T": 3}
    assert values(plain, "financial_investigations") == {"_T": 1}


def test_contributing_states_are_counted_and_always_published():
    content = summarise(tallies(CURRENT), None, k=50)
    assert content["contributing_states"] == 3
    assert values(content, "contributing_states") == {"_T": 3}
    assert table(content)[("contributing_states", "_T", "_T", "_Z")]["status"] == "F"


def test_every_observation_uses_a_published_measure_and_breakdown(plain):
    for observation in plain["observations"]:
        assert observation["measure"] in MEASURES
        assert observation["breakdown"] in BREAKDOWNS


def test_quantiles_interpolate_linearly_like_percentile_cont():
    assert [quantile([1.0, 2.0, 3.0, 4.0], p) for p in (0.25, 0.5, 0.75)] == [1.75, 2.5, 3.25]
    assert quantile([7.0], 0.25) == 7.0
    assert quantile([4000.0, 4500.0, 5000.0], 0.25) == 4250.0


@given(st.lists(st.sampled_from([0.5, 100.0, 4500.0, 4500.5, 9000.0, 1e7]), min_size=1,
                max_size=60),
       st.sampled_from([0.0, 0.25, 0.5, 0.75, 1.0]))
def test_quantiles_of_counted_amounts_equal_those_of_the_expanded_list(stated, p):
    # Cells keep fee amounts as amount -> count; their quantiles must be those of the
    # sorted list of every stated amount, to the last bit (recompute compares them).
    counted: dict[float, int] = {}
    for amount in stated:
        counted[amount] = counted.get(amount, 0) + 1
    amounts = SortedAmounts(counted)
    assert len(amounts) == len(stated)
    assert [amounts[rank] for rank in range(len(stated))] == sorted(stated)
    assert quantile(amounts, p) == quantile(sorted(stated), p)


def test_fee_median_and_quartiles_per_route_and_currency(plain):
    route = "AFG>AUS"
    got = {m: values(plain, m, "route", "USD")[route]
           for m in ("fee_reports", "fee_q1", "fee_median", "fee_q3")}
    assert got == {"fee_reports": 3, "fee_q1": 4250.0, "fee_median": 4500.0, "fee_q3": 4750.0}
    assert values(plain, "fee_median", "route", "THB") == {"MMR>MYS": 30000.0}


def test_fees_in_different_currencies_are_never_pooled():
    euro = report(**{"route.origin_countries": ["AFG"],
                     "smuggled_migrants.fee_per_person": {"amount": 100, "currency": "EUR"}})
    content = summarise(tallies([*CURRENT, ("MYS", euro)]), None, k=1)
    assert values(content, "fee_median", "route", "USD")["AFG>AUS"] == 4500.0
    assert values(content, "fee_reports", "route", "USD")["AFG>AUS"] == 3
    assert values(content, "fee_median", "route", "EUR") == {"AFG>AUS": 100.0}
    assert content["rates"] is None
    assert not [o for o in content["observations"] if o["measure"].endswith("_converted")]


RATES = RateTable(name="test rates 2024-01-31", base="USD", rates={"EUR": 1.1, "THB": 0.028})


def test_converted_fees_use_the_named_rates_in_the_base_currency():
    euro = report(**{"route.origin_countries": ["AFG"],
                     "smuggled_migrants.fee_per_person": {"amount": 4000, "currency": "EUR"}})
    content = summarise(tallies([*CURRENT, ("MYS", euro)]), None, k=1, rates=RATES)
    # 4000 EUR = 4400 USD: AFG>AUS pools 4000, 4400, 4500, 5000.
    assert {m: values(content, m, "route", "USD")["AFG>AUS"]
            for m in ("fee_reports_converted", "fee_q1_converted", "fee_median_converted",
                      "fee_q3_converted")} == {
        "fee_reports_converted": 4, "fee_q1_converted": 4300.0,
        "fee_median_converted": 4450.0, "fee_q3_converted": 4625.0}
    assert values(content, "fee_median_converted", "route", "USD")["MMR>MYS"] == 840.0
    # The unconverted figures stay as they were.
    assert values(content, "fee_median", "route", "EUR") == {"AFG>AUS": 4000.0}
    assert content["rates"] == {"name": "test rates 2024-01-31", "base": "USD",
                                "rates": {"EUR": 1.1, "THB": 0.028}}


def test_a_currency_without_a_rate_is_not_converted():
    content = summarise(tallies(CURRENT), None, k=1,
                        rates=RateTable(name="no baht", base="USD", rates={"EUR": 1.1}))
    assert "MMR>MYS" not in values(content, "fee_median_converted", "route", "USD")
    assert values(content, "fee_median_converted", "route", "USD")["AFG>AUS"] == 4500.0


def test_fee_figures_of_fewer_than_k_reports_are_suppressed():
    content = table(summarise(tallies(CURRENT), None, k=3))
    for measure in ("fee_reports", "fee_q1", "fee_median", "fee_q3"):
        small = content[(measure, "route", "IRN>AUS", "USD")]
        assert (small["status"], small["value"]) == ("C", None)
        assert content[(measure, "route", "AFG>AUS", "USD")]["status"] == "F"


def test_suppressed_currencies_are_not_pooled_into_converted_fees():
    content = summarise(tallies(CURRENT), None, k=3, rates=RATES)
    # THB (one report) and IRN>AUS (one report) are suppressed: only AFG>AUS's USD remains.
    assert values(content, "fee_reports_converted", "route", "USD") == {"AFG>AUS": 3}


def test_change_against_the_previous_period(plain):
    content = table(summarise(tallies(CURRENT), tallies(PREVIOUS), k=1))
    migrants = content[("migrants", "_T", "_T", "_Z")]
    assert (migrants["value"], migrants["previous"], migrants["change"]) == (72, 32, 40)
    girls = content[("migrants", "sex_age", "girls", "_Z")]
    assert (girls["previous"], girls["change"]) == (1, 2)
    fee = content[("fee_median", "route", "MMR>MYS", "THB")]
    assert (fee["previous"], fee["change"]) == (30000.0, 0.0)
    new = content[("incidents", "route", "AFG>AUS", "_Z")]     # R2 and R3 are new: 1 -> 3
    assert (new["previous"], new["change"]) == (1, 2)
    absent = content[("documents", "document", "visa/forged", "_Z")]
    assert (absent["previous"], absent["change"]) == (None, None)


def test_content_is_json_ready_and_sorted(plain):
    assert json.loads(json.dumps(plain)) == plain
    keys = [(o["measure"], o["breakdown"], o["code"], o["currency"])
            for o in plain["observations"]]
    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys)


def test_same_tallies_give_identical_content_whatever_the_order_of_reports():
    first = summarise(tallies(CURRENT), tallies(PREVIOUS), rates=RATES)
    again = summarise(tallies(CURRENT), tallies(PREVIOUS), rates=RATES)
    reordered = summarise(tallies(tuple(reversed(CURRENT))), tallies(PREVIOUS), rates=RATES)
    assert json.dumps(first) == json.dumps(again) == json.dumps(reordered)

