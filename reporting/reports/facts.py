"""The structured content of a report version, as rows the summaries aggregate in SQL.

A version's body is stored once as canonical JSON (the signed bytes). Regional summaries
(SPEC §4) need its numbers and codes in a form both SQLite and PostgreSQL can group and
count without parsing JSON, so each version is also written as:

* one ``version_figures`` row (:func:`figures_row`): the scalar fields, the incident
  period split into year / quarter / month, and every count;
* many ``version_facts`` rows (:func:`fact_rows`): one per (dimension, code) of the
  list- and set-valued fields, with a count.

Both functions are pure: they read the normalised body (the dict that was canonicalised,
see ``reporting.reports.schemas.normalise``; parsing the stored canonical JSON gives the
same dict) and return plain dicts whose keys are the column names, ready for a Core
``insert()``. They never add anything a report does not say: optional fields that are
absent or null come out as ``None``.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

# The dimensions of version_facts; the code of each is in the comment.
ORIGIN = "origin"                              # origin country, count 1
TRANSIT = "transit"                            # transit country, count 1
DESTINATION = "destination"                    # intended destination, count 1 (if known)
ROUTE = "route"                                # "AFG>AUS" per origin; "AFG>?" no destination
MIGRANT_NATIONALITY = "migrant_nationality"    # country, count of migrants
CRIME = "crime"                                # crime against migrants, count 1
AGGRAVATING = "aggravating"                    # aggravating circumstance, count 1
SMUGGLER_ROLE = "smuggler_role"                # role, count of smugglers
SMUGGLER_NATIONALITY = "smuggler_nationality"  # country, count of smugglers
DOCUMENT = "document"                          # "passport/counterfeit", documents summed
DOCUMENT_ISSUER = "document_issuer"            # issuing country, documents summed
MODUS_OPERANDI = "modus_operandi"              # code, count 1
RELATED_CONDUCT = "related_conduct"            # code, count 1

DIMENSIONS = (ORIGIN, TRANSIT, DESTINATION, ROUTE, MIGRANT_NATIONALITY, CRIME, AGGRAVATING,
              SMUGGLER_ROLE, SMUGGLER_NATIONALITY, DOCUMENT, DOCUMENT_ISSUER, MODUS_OPERANDI,
              RELATED_CONDUCT)

# Written in a route code when the intended destination is unknown (null).
UNKNOWN_DESTINATION = "?"


def route_code(origin: str, destination: str | None) -> str:
    """The code of a route fact: ``"AFG>AUS"``, or ``"AFG>?"`` without a destination."""
    return f"{origin}>{destination or UNKNOWN_DESTINATION}"


def figures_row(report_id: str, version: int, state_iso3: str, sharing: str,
                body: dict[str, Any]) -> dict[str, Any]:
    """The ``version_figures`` row of one version.

    ``state_iso3`` is the reporting member state and ``sharing`` the version's sharing
    level (both live outside the body's content proper, so the caller passes them).
    ``incident_month`` is None when the date is only known to the quarter
    (``date_precision`` "quarter"): such a report counts in its year and quarter but in
    no month, rather than in the quarter's first month.
    """
    incident = body["incident"]
    route = body["route"]
    migrants = body["smuggled_migrants"]
    harm = body["harm"]
    smugglers = body["smugglers"]
    justice = body["criminal_justice"]
    when = date.fromisoformat(incident["date"])
    precision = incident.get("date_precision", "day")
    fee = migrants.get("fee_per_person")
    return {
        "report_id": report_id,
        "version": version,
        "state_iso3": state_iso3,
        "sharing": sharing,
        "incident_date": when,
        "date_precision": precision,
        "incident_year": when.year,
        "incident_quarter": (when.month - 1) // 3 + 1,
        "incident_month": None if precision == "quarter" else when.month,
        "incident_country": incident["country"],
        "location_type": incident["location_type"],
        "detection_stage": incident["detection_stage"],
        "detecting_agency": incident["detecting_agency"],
        "transport_mode": incident["transport_mode"],
        "conveyance": incident["conveyance"],
        "intended_destination": route.get("intended_destination"),
        "migrants_total": migrants["total"],
        "migrants_men": migrants["men"],
        "migrants_women": migrants["women"],
        "migrants_boys": migrants["boys"],
        "migrants_girls": migrants["girls"],
        "migrants_sex_age_unknown": migrants["sex_age_unknown"],
        "unaccompanied_minors": migrants["unaccompanied_minors"],
        "deaths": harm["deaths"],
        "missing": harm["missing"],
        "injured": harm["injured"],
        "smugglers_total": smugglers["total"],
        "smugglers_arrested": smugglers["arrested"],
        "smugglers_men": smugglers["men"],
        "smugglers_women": smugglers["women"],
        "smugglers_sex_unknown": smugglers["sex_unknown"],
        "fee_amount": float(fee["amount"]) if fee else None,
        "fee_currency": fee["currency"] if fee else None,
        "financial_benefit_established": body["financial_benefit_established"],
        "investigation_opened": justice["investigation_opened"],
        "persons_prosecuted": justice["persons_prosecuted"],
        "persons_convicted": justice["persons_convicted"],
        "financial_investigation": justice["financial_investigation"],
        "assets_frozen_usd": (float(justice["assets_frozen_usd"])
                              if justice.get("assets_frozen_usd") is not None else None),
    }


def _counted(report_id: str, version: int, dimension: str,
             counts: Counter[str]) -> list[dict[str, Any]]:
    return [{"report_id": report_id, "version": version, "dimension": dimension,
             "code": code, "count": count}
            for code, count in sorted(counts.items())]


def fact_rows(report_id: str, version: int, body: dict[str, Any]) -> list[dict[str, Any]]:
    """The ``version_facts`` rows of one version, sorted by dimension order then code.

    Set-valued fields give count 1 per code; counted lists (nationalities, roles,
    documents) give their count, summed where several entries share a code (documents of
    one type and fraud type issued by several countries). Codes are unique per
    dimension, as the primary key (report_id, version, dimension, code) requires.
    """
    route = body["route"]
    destination = route.get("intended_destination")
    migrants = body["smuggled_migrants"]
    smugglers = body["smugglers"]
    documents = body.get("documents", [])

    def once(codes: list[str]) -> Counter[str]:
        return Counter(dict.fromkeys(codes, 1))

    def summed(pairs: list[tuple[str, int]]) -> Counter[str]:
        counts: Counter[str] = Counter()
        for code, count in pairs:
            counts[code] += count
        return counts

    by_dimension: dict[str, Counter[str]] = {
        ORIGIN: once(route["origin_countries"]),
        TRANSIT: once(route.get("transit_countries", [])),
        DESTINATION: once([destination] if destination else []),
        ROUTE: once([route_code(o, destination) for o in route["origin_countries"]]),
        MIGRANT_NATIONALITY: summed([(n["country"], n["count"])
                                     for n in migrants.get("nationalities", [])]),
        CRIME: once(body["harm"].get("crimes_against_migrants", [])),
        AGGRAVATING: once(body["harm"].get("aggravating_circumstances", [])),
        SMUGGLER_ROLE: summed([(r["role"], r["count"]) for r in smugglers.get("roles", [])]),
        SMUGGLER_NATIONALITY: summed([(n["country"], n["count"])
                                      for n in smugglers.get("nationalities", [])]),
        DOCUMENT: summed([(f"{d['document_type']}/{d['fraud_type']}", d["count"])
                          for d in documents]),
        DOCUMENT_ISSUER: summed([(d["issuing_country"], d["count"]) for d in documents]),
        MODUS_OPERANDI: once(body.get("modus_operandi", [])),
        RELATED_CONDUCT: once(body.get("related_conduct", [])),
    }
    rows: list[dict[str, Any]] = []
    for dimension in DIMENSIONS:
        rows.extend(_counted(report_id, version, dimension, by_dimension[dimension]))
    return rows
