"""The figures and facts rows of a version, against expectations computed by hand."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from reporting.ledger.canonical import canonical_bytes
from reporting.reports.facts import fact_rows, figures_row
from reporting.reports.schemas import REPORT_SCHEMA, normalise
from tests.factories import DELETE, report


def stored(body: dict[str, Any]) -> dict[str, Any]:
    """The body as the service stores it: loaded, normalised, canonical JSON, parsed."""
    return json.loads(canonical_bytes(normalise(REPORT_SCHEMA.load(body))))


def facts_of(body: dict[str, Any]) -> set[tuple[str, str, int]]:
    return {(row["dimension"], row["code"], row["count"])
            for row in fact_rows("r-1", 1, stored(body))}


FACTORY_FACTS = {
    ("origin", "AFG", 1), ("origin", "IRN", 1),
    ("transit", "IDN", 1), ("transit", "MYS", 1),
    ("destination", "AUS", 1),
    ("route", "AFG>AUS", 1), ("route", "IRN>AUS", 1),
    ("migrant_nationality", "AFG", 14), ("migrant_nationality", "IRN", 6),
    ("crime", "extortion", 1),
    ("aggravating", "endangered_life_or_safety", 1),
    ("smuggler_role", "organiser", 1), ("smuggler_role", "transporter", 2),
    ("smuggler_nationality", "IDN", 3),
    ("document", "passport/counterfeit", 2),
    ("document_issuer", "MYS", 2),
    ("modus_operandi", "maritime_transfer", 1),
}


def test_figures_of_the_factory_report():
    assert figures_row("r-1", 2, "IDN", "region", stored(report())) == {
        "report_id": "r-1", "version": 2, "state_iso3": "IDN", "sharing": "region",
        "incident_date": date(2024, 3, 15), "date_precision": "day",
        "incident_year": 2024, "incident_quarter": 1, "incident_month": 3,
        "incident_country": "IDN", "location_type": "sea_border",
        "detection_stage": "departure", "detecting_agency": "police",
        "transport_mode": "sea", "conveyance": "fishing_vessel",
        "intended_destination": "AUS",
        "migrants_total": 20, "migrants_men": 12, "migrants_women": 4, "migrants_boys": 3,
        "migrants_girls": 1, "migrants_sex_age_unknown": 0, "unaccompanied_minors": 2,
        "deaths": 0, "missing": 0, "injured": 1,
        "smugglers_total": 3, "smugglers_arrested": 2, "smugglers_men": 3,
        "smugglers_women": 0, "smugglers_sex_unknown": 0,
        "fee_amount": 4500.0, "fee_currency": "USD",
        "financial_benefit_established": "yes",
        "investigation_opened": True, "persons_prosecuted": 2, "persons_convicted": 0,
        "financial_investigation": False, "assets_frozen_usd": None,
    }


def test_facts_of_the_factory_report():
    rows = fact_rows("r-1", 1, stored(report()))
    assert {(r["dimension"], r["code"], r["count"]) for r in rows} == FACTORY_FACTS
    assert len(rows) == len(FACTORY_FACTS)
    assert all(r["report_id"] == "r-1" and r["version"] == 1 for r in rows)


def test_a_report_without_a_fee_has_no_fee_figures():
    figures = figures_row("r-1", 1, "IDN", "national",
                          stored(report(**{"smuggled_migrants.fee_per_person": DELETE})))
    assert (figures["fee_amount"], figures["fee_currency"]) == (None, None)


def test_a_null_fee_is_no_fee():
    figures = figures_row("r-1", 1, "IDN", "national",
                          stored(report(**{"smuggled_migrants.fee_per_person": None})))
    assert (figures["fee_amount"], figures["fee_currency"]) == (None, None)


def test_an_unknown_destination_makes_open_routes_and_no_destination():
    body = report(**{"route.intended_destination": None})
    assert figures_row("r-1", 1, "IDN", "national", stored(body))["intended_destination"] \
        is None
    facts = facts_of(body)
    assert {f for f in facts if f[0] in ("route", "destination")} == {
        ("route", "AFG>?", 1), ("route", "IRN>?", 1)}
    assert facts - FACTORY_FACTS == {("route", "AFG>?", 1), ("route", "IRN>?", 1)}


def test_documents_of_one_type_and_fraud_are_summed_over_issuing_countries():
    body = report(documents=[
        {"document_type": "passport", "fraud_type": "counterfeit", "issuing_country": "MYS",
         "count": 2},
        {"document_type": "passport", "fraud_type": "counterfeit", "issuing_country": "SGP",
         "count": 3},
        {"document_type": "visa", "fraud_type": "forged", "issuing_country": "MYS",
         "count": 1},
    ])
    facts = facts_of(body)
    assert {f for f in facts if f[0].startswith("document")} == {
        ("document", "passport/counterfeit", 5), ("document", "visa/forged", 1),
        ("document_issuer", "MYS", 3), ("document_issuer", "SGP", 3)}


def test_a_report_without_documents_or_lists_has_only_route_facts():
    body = report(**{
        "documents": [], "modus_operandi": [], "related_conduct": [],
        "harm.crimes_against_migrants": [], "harm.aggravating_circumstances": [],
        "route.transit_countries": [], "route.origin_countries": ["LKA"],
        "smuggled_migrants.nationalities": [], "smugglers.nationalities": [],
        "smugglers.roles": []})
    assert facts_of(body) == {("origin", "LKA", 1), ("destination", "AUS", 1),
                              ("route", "LKA>AUS", 1)}


def test_set_valued_codes_count_once_each():
    body = report(**{"related_conduct": ["document_fraud", "corruption"],
                     "harm.crimes_against_migrants": ["robbery", "extortion"]})
    facts = facts_of(body)
    assert {f for f in facts if f[0] in ("related_conduct", "crime")} == {
        ("related_conduct", "corruption", 1), ("related_conduct", "document_fraud", 1),
        ("crime", "extortion", 1), ("crime", "robbery", 1)}


def test_a_quarter_precision_date_counts_in_its_quarter_and_no_month():
    body = report(**{"incident.date": "2024-04-01", "incident.date_precision": "quarter"})
    figures = figures_row("r-1", 1, "IDN", "national", stored(body))
    assert (figures["incident_year"], figures["incident_quarter"],
            figures["incident_month"], figures["date_precision"]) == (2024, 2, None, "quarter")


def test_a_month_precision_date_keeps_its_month():
    body = report(**{"incident.date": "2023-11-01", "incident.date_precision": "month"})
    figures = figures_row("r-1", 1, "IDN", "national", stored(body))
    assert (figures["incident_year"], figures["incident_quarter"],
            figures["incident_month"]) == (2023, 4, 11)


def test_frozen_assets_and_a_fractional_fee_are_floats():
    body = report(**{"criminal_justice.assets_frozen_usd": 12500,
                     "smuggled_migrants.fee_per_person": {"amount": 850.5, "currency": "EUR"}})
    figures = figures_row("r-1", 1, "IDN", "national", stored(body))
    assert (figures["assets_frozen_usd"], figures["fee_amount"], figures["fee_currency"]) \
        == (12500.0, 850.5, "EUR")
    assert isinstance(figures["assets_frozen_usd"], float)


def test_fact_keys_are_unique_as_the_primary_key_requires():
    body = report(documents=[
        {"document_type": t, "fraud_type": "forged", "issuing_country": c, "count": 1}
        for t in ("passport", "visa") for c in ("MYS", "SGP", "THA")])
    rows = fact_rows("r-1", 1, stored(body))
    keys = [(r["dimension"], r["code"]) for r in rows]
    assert len(keys) == len(set(keys))
