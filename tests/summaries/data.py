"""A small fixed data set for the summary computation, with its figures worked out by hand.

Each report is a body from ``tests.factories`` loaded and normalised as the service stores
it, then turned into ``facts.figures_row`` / ``facts.fact_rows`` and added to a
``Tallies`` exactly as a member's recompute does.

``CURRENT`` (four reports, states IDN, MYS, IDN, THA), the figures with no suppression:

* incidents 4; migrants 72 = men 48 + women 16 + boys 5 + girls 3 + unknown 0;
  unaccompanied minors 3; nationalities AFG 52, MMR 12, IRN 6 (two of R3's ten unstated)
* deaths 2, missing 1, injured 1; crimes extortion 2, abandonment 1
* smugglers 10 = men 9 + women 1 + unknown 0, arrested 7; roles transporter 7, guide 2,
  organiser 1; nationalities IDN 4, MYS 4, THA 2
* documents 3: passport/counterfeit 2, visa/forged 1; issuers MYS 2, IDN 1
* routes AFG>AUS 3, IRN>AUS 1, MMR>MYS 1; origins AFG 3, IRN 1, MMR 1
* transport sea 3, land 1; conveyance fishing_vessel 2, small_boat 1, truck 1
* investigations 3, prosecuted 8, convicted 3, financial investigations 1
* fees AFG>AUS USD 4000, 4500, 5000; IRN>AUS USD 4500; MMR>MYS THB 30000
"""

from __future__ import annotations

import json
from typing import Any

from reporting.ledger.canonical import canonical_bytes
from reporting.reports.facts import fact_rows, figures_row
from reporting.reports.schemas import REPORT_SCHEMA, normalise
from reporting.summaries.tallies import Tallies
from tests.factories import report


def stored(body: dict[str, Any]) -> dict[str, Any]:
    """The body as the service stores it: loaded, normalised, canonical JSON, parsed."""
    return json.loads(canonical_bytes(normalise(REPORT_SCHEMA.load(body))))


# R1: the factory report as it is (IDN).
R1 = report()

# R2 (MYS): one origin, a small boat at sea, deaths, no documents.
R2 = report(**{
    "route.origin_countries": ["AFG"], "route.transit_countries": [],
    "incident.country": "MYS", "incident.transport_mode": "sea",
    "incident.conveyance": "small_boat", "incident.detection_stage": "at_sea",
    "incident.location_type": "at_sea", "incident.detecting_agency": "coast_guard",
    "smuggled_migrants.total": 30, "smuggled_migrants.men": 20, "smuggled_migrants.women": 6,
    "smuggled_migrants.boys": 2, "smuggled_migrants.girls": 2,
    "smuggled_migrants.unaccompanied_minors": 1,
    "smuggled_migrants.nationalities": [{"country": "AFG", "count": 30}],
    "smuggled_migrants.fee_per_person": {"amount": 5000, "currency": "USD"},
    "harm.deaths": 2, "harm.missing": 1, "harm.injured": 0,
    "harm.crimes_against_migrants": ["extortion", "abandonment"],
    "harm.aggravating_circumstances": [],
    "smugglers.total": 4, "smugglers.arrested": 4, "smugglers.men": 3, "smugglers.women": 1,
    "smugglers.nationalities": [{"country": "MYS", "count": 4}],
    "smugglers.roles": [{"role": "transporter", "count": 4}],
    "documents": [], "related_conduct": ["corruption"],
    "financial_benefit_established": "unknown",
    "criminal_justice": {"investigation_opened": True, "persons_prosecuted": 4,
                         "persons_convicted": 1, "financial_investigation": True},
})

# R3 (IDN): ten men, eight nationalities stated, one forged visa.
R3 = report(**{
    "route.origin_countries": ["AFG"], "route.transit_countries": ["MYS"],
    "smuggled_migrants.total": 10, "smuggled_migrants.men": 10, "smuggled_migrants.women": 0,
    "smuggled_migrants.boys": 0, "smuggled_migrants.girls": 0,
    "smuggled_migrants.unaccompanied_minors": 0,
    "smuggled_migrants.nationalities": [{"country": "AFG", "count": 8}],
    "smuggled_migrants.fee_per_person": {"amount": 4000, "currency": "USD"},
    "harm.injured": 0, "harm.crimes_against_migrants": [], "harm.aggravating_circumstances": [],
    "smugglers.total": 1, "smugglers.arrested": 1, "smugglers.men": 1,
    "smugglers.nationalities": [{"country": "IDN", "count": 1}],
    "smugglers.roles": [{"role": "transporter", "count": 1}],
    "documents": [{"document_type": "visa", "fraud_type": "forged", "issuing_country": "IDN",
                   "count": 1}],
    "modus_operandi": [], "financial_benefit_established": "no",
    "criminal_justice": {"investigation_opened": False, "persons_prosecuted": 0,
                         "persons_convicted": 0, "financial_investigation": False},
})

# R4 (THA): overland from Myanmar to Malaysia, fee in baht.
R4 = report(**{
    "incident.date": "2024-02-10", "incident.country": "THA", "incident.admin_area": "Songkhla",
    "incident.location_type": "inland", "incident.detection_stage": "within_country",
    "incident.transport_mode": "land", "incident.conveyance": "truck",
    "route.origin_countries": ["MMR"], "route.transit_countries": [],
    "route.intended_destination": "MYS",
    "smuggled_migrants.total": 12, "smuggled_migrants.men": 6, "smuggled_migrants.women": 6,
    "smuggled_migrants.boys": 0, "smuggled_migrants.girls": 0,
    "smuggled_migrants.unaccompanied_minors": 0,
    "smuggled_migrants.nationalities": [{"country": "MMR", "count": 12}],
    "smuggled_migrants.fee_per_person": {"amount": 30000, "currency": "THB"},
    "harm.injured": 0, "harm.crimes_against_migrants": [], "harm.aggravating_circumstances": [],
    "smugglers.total": 2, "smugglers.arrested": 0, "smugglers.men": 2,
    "smugglers.nationalities": [{"country": "THA", "count": 2}],
    "smugglers.roles": [{"role": "guide", "count": 2}],
    "documents": [], "modus_operandi": [],
    "criminal_justice": {"investigation_opened": True, "persons_prosecuted": 2,
                         "persons_convicted": 2, "financial_investigation": False},
    "narrative": "Truck stopped at a checkpoint.",
})

CURRENT = (("IDN", R1), ("MYS", R2), ("IDN", R3), ("THA", R4))
# The period before: R1 and R4 only (incidents 2, migrants 32, girls 1).
PREVIOUS = (("IDN", R1), ("THA", R4))


def tallies(reports: tuple[tuple[str, dict[str, Any]], ...] | list) -> Tallies:
    """A ``Tallies`` of ``(state, body)`` pairs, each counted as an approved version."""
    result = Tallies()
    for number, (state, body) in enumerate(reports):
        version = stored(body)
        report_id = f"r-{number}"
        result.add_version(figures_row(report_id, 1, state, "region", version),
                           fact_rows(report_id, 1, version))
    return result
