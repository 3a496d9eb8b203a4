"""Synthetic incident reports on Bali Process routes, for the demo and benchmarks.

Every value is invented. The routes, conveyances, fees and agencies follow patterns that
are publicly described for the region (sea crossings towards Australia, Rohingya
movements through the Andaman Sea, land routes into Thailand, air routes with fraudulent
documents), so that the figures a demo produces look like something an analyst knows.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any


@dataclass(frozen=True)
class Route:
    reporter: str                     # the member state that detects and reports
    origins: tuple[str, ...]
    transits: tuple[str, ...]
    destination: str | None
    mode: str
    conveyances: tuple[str, ...]
    location_types: tuple[str, ...]
    stages: tuple[str, ...]
    agencies: tuple[str, ...]
    fee: tuple[int, int, str]         # low, high, currency
    places: tuple[str, ...]
    weight: int = 1


ROUTES = (
    Route("IDN", ("AFG", "IRN", "IRQ"), ("MYS", "IDN"), "AUS", "sea",
          ("fishing_vessel", "small_boat"), ("sea_border", "seaport"), ("departure", "exit"),
          ("police", "coast_guard", "immigration"), (3000, 8000, "USD"),
          ("Rote Island", "Kupang", "Pelabuhan Ratu", "Cilacap"), 3),
    Route("AUS", ("AFG", "IRN", "IRQ", "LKA"), ("IDN",), "AUS", "sea",
          ("fishing_vessel",), ("at_sea",), ("at_sea",), ("border_guard", "military"),
          (4000, 10000, "USD"), ("Christmas Island", "Ashmore Reef", "Cocos Islands"), 2),
    Route("LKA", ("LKA",), (), "AUS", "sea", ("fishing_vessel", "ship"),
          ("seaport", "sea_border"), ("departure",), ("coast_guard", "military", "police"),
          (500_000, 1_500_000, "LKR"), ("Negombo", "Batticaloa", "Chilaw", "Trincomalee"), 2),
    Route("THA", ("MMR", "BGD"), ("THA",), "MYS", "mixed", ("truck", "van", "small_boat"),
          ("inland", "land_border", "sea_border"), ("transit", "within_country"),
          ("police", "immigration", "military"), (40_000, 90_000, "THB"),
          ("Ranong", "Satun", "Songkhla", "Phang Nga"), 3),
    Route("THA", ("KHM", "LAO", "MMR"), (), "THA", "land", ("van", "car", "truck", "on_foot"),
          ("land_border", "inland"), ("entry", "within_country"),
          ("immigration", "police", "border_guard"), (8_000, 30_000, "THB"),
          ("Sa Kaeo", "Mae Sot", "Nong Khai", "Kanchanaburi"), 3),
    Route("MYS", ("MMR", "BGD"), ("THA",), "MYS", "land", ("van", "truck", "on_foot"),
          ("land_border",), ("entry",), ("immigration", "police", "border_guard"),
          (8_000, 20_000, "MYR"), ("Bukit Kayu Hitam", "Padang Besar", "Rantau Panjang"), 2),
    Route("MYS", ("IDN",), (), "MYS", "sea", ("small_boat",), ("sea_border", "at_sea"),
          ("entry", "at_sea"), ("coast_guard", "police"), (1_000, 3_000, "MYR"),
          ("Port Dickson", "Pengerang", "Tawau", "Banting"), 2),
    Route("AUS", ("VNM", "CHN", "MYS"), ("MYS", "SGP"), "AUS", "air", ("commercial_flight",),
          ("airport",), ("entry",), ("immigration", "customs"), (10_000, 25_000, "USD"),
          ("Sydney Airport", "Melbourne Airport", "Perth Airport", "Brisbane Airport"), 2),
    Route("IDN", ("MMR", "BGD"), ("MYS",), "IDN", "sea", ("fishing_vessel", "small_boat"),
          ("sea_border", "at_sea"), ("entry", "at_sea"), ("coast_guard", "police"),
          (1_500, 4_000, "USD"), ("Aceh", "Lhokseumawe", "Sabang"), 1),
)

AGENCY_NAMES = {
    "IDN": "Indonesian National Police", "AUS": "Australian Border Force",
    "LKA": "Sri Lanka Navy", "THA": "Royal Thai Police", "MYS": "Royal Malaysia Police",
}
CRIMES = ("extortion", "abandonment", "robbery", "fraud", "assault",
          "deprivation_of_liberty", "inhuman_degrading_treatment")


def _split(rng: random.Random, total: int, parts: int) -> list[int]:
    cuts = sorted(rng.randint(0, total) for _ in range(parts - 1))
    return [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]


def synthetic_report(rng: random.Random, *, latest: date) -> tuple[str, dict[str, Any]]:
    """One plausible report and the member state that submits it."""
    route = rng.choices(ROUTES, weights=[r.weight for r in ROUTES])[0]
    start = date(2023, 1, 1)
    when = start + timedelta(days=rng.randrange((latest - start).days + 1))
    precision = "month" if rng.random() < 0.1 else "day"
    if precision == "month":
        when = when.replace(day=1)
    origins = rng.sample(route.origins, k=rng.randint(1, min(2, len(route.origins))))
    sea = route.mode in ("sea", "mixed")
    total = rng.randint(3, 90 if sea else 25)
    men, women, boys, girls, unknown = _split(rng, total, 5) if rng.random() < 0.8 \
        else (total, 0, 0, 0, 0)
    nationalities = [{"country": c, "count": n}
                     for c, n in zip(origins, _split(rng, total, len(origins)), strict=True)
                     if n > 0]
    low, high, currency = route.fee
    smugglers_total = rng.randint(0, 5)
    arrested = rng.randint(0, smugglers_total)
    s_men, s_women, s_unknown = _split(rng, smugglers_total, 3)
    roles = []
    if smugglers_total:
        for role in rng.sample(("organiser", "transporter", "guide", "recruiter"),
                               k=rng.randint(1, 2)):
            roles.append({"role": role, "count": rng.randint(1, smugglers_total)})
    deaths = rng.choice((0, 0, 0, 0, 0, 1, 2)) if sea else 0
    missing = rng.choice((0, 0, 0, 0, 0, 0, 3)) if sea else 0
    documents = []
    if route.mode == "air":
        documents.append({"document_type": rng.choice(("passport", "visa")),
                          "fraud_type": rng.choice(("counterfeit", "forged", "impostor")),
                          "issuing_country": rng.choice(("MYS", "SGP", "JPN", "KOR")),
                          "count": rng.randint(1, max(1, total))})
    modus = {"air": ["fraudulent_documents", "student_or_tourist_cover"],
             "sea": ["maritime_transfer"], "land": ["concealment_in_vehicle"],
             "mixed": ["concealment_in_vehicle", "maritime_transfer"]}[route.mode]
    conveyance = rng.choice(route.conveyances)
    place = rng.choice(route.places)
    fee = round(rng.uniform(low, high), -2)
    prosecuted = rng.randint(0, arrested)
    body: dict[str, Any] = {
        "incident": {
            "date": when.isoformat(), "date_precision": precision,
            "country": route.reporter, "admin_area": place,
            "location_type": rng.choice(route.location_types),
            "detection_stage": rng.choice(route.stages),
            "detecting_agency": rng.choice(route.agencies),
            "transport_mode": route.mode, "conveyance": conveyance,
        },
        "route": {"origin_countries": origins,
                  "transit_countries": [t for t in route.transits if t not in origins],
                  "intended_destination": route.destination if rng.random() < 0.9 else None},
        "smuggled_migrants": {
            "total": total, "men": men, "women": women, "boys": boys, "girls": girls,
            "sex_age_unknown": unknown,
            "unaccompanied_minors": rng.randint(0, boys + girls),
            "nationalities": nationalities,
            **({"fee_per_person": {"amount": fee, "currency": currency}}
               if rng.random() < 0.75 else {}),
        },
        "harm": {"deaths": deaths, "missing": missing, "injured": rng.choice((0, 0, 0, 1, 2)),
                 "crimes_against_migrants": sorted(rng.sample(CRIMES, k=rng.randint(0, 2))),
                 "aggravating_circumstances": ["endangered_life_or_safety"]
                 if deaths or missing else []},
        "smugglers": {"total": smugglers_total, "arrested": arrested, "men": s_men,
                      "women": s_women, "sex_unknown": s_unknown,
                      "nationalities": [{"country": route.reporter, "count": smugglers_total}]
                      if smugglers_total else [],
                      "roles": roles},
        "documents": documents,
        "modus_operandi": modus,
        "related_conduct": ["document_fraud"] if documents else [],
        "financial_benefit_established": rng.choice(("yes", "yes", "yes", "unknown")),
        "criminal_justice": {"investigation_opened": arrested > 0,
                             "persons_prosecuted": prosecuted,
                             "persons_convicted": rng.randint(0, prosecuted),
                             "financial_investigation": rng.random() < 0.2},
        "narrative": (f"Group detected near {place} by the {AGENCY_NAMES[route.reporter]} "
                      f"({conveyance.replace('_', ' ')}). Migrants stated that they paid "
                      f"about {currency} {fee:,.0f} each to an organiser before departure."),
        "sharing": rng.choices(("national", "region", "all_members"), weights=(3, 4, 3))[0],
    }
    return route.reporter, body


def synthetic_reports(count: int, seed: int = 2026,
                      latest: date | None = None) -> list[tuple[str, dict[str, Any]]]:
    """``count`` reports, the same for the same seed and latest date."""
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not secrets
    latest = latest or date(2025, 10, 31)
    return [synthetic_report(rng, latest=latest) for _ in range(count)]


REPORTING_STATES = tuple(sorted({route.reporter for route in ROUTES}))
