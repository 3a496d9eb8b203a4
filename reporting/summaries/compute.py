"""The content of a regional summary: every SPEC §4 measure of a cell, disclosure-controlled.

:func:`summarise` is a pure function of two :class:`~reporting.summaries.tallies.Tallies`
(the cell's period and the period before it). The worker (SQL aggregates) and a member's
recompute (bodies checked against their receipts) both fill a ``Tallies`` and call it, so
equal tallies give byte-identical content on both paths.

Observations are keyed ``(measure, breakdown, code, currency)``: breakdown and code ``_T``
for a total, currency ``_Z`` where none applies. The names are in :data:`MEASURES` and
:data:`BREAKDOWNS` (the SDMX code lists are built from them). See ``docs/summaries.md``,
"How a summary is computed", for the rules and why they suffice.
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from reporting.reports import facts
from reporting.summaries.disclosure import (
    DEFAULT_K,
    FREE,
    MIN_STATES,
    PRIMARY,
    Group,
    protect,
)
from reporting.summaries.tallies import INCIDENT_MIX, Tallies

__all__ = ["BREAKDOWNS", "MEASURES", "MIN_STATES", "RULES_VERSION", "Protected", "RateTable",
           "content", "protected", "quantile", "summarise"]

RULES_VERSION: int = 1
"""Bumped whenever a measure or a disclosure rule changes; every summary records it."""

TOTAL = "_T"
NOT_APPLICABLE = "_Z"
OTHERS = "_O"          # the nationalities after the top ten, together
UNKNOWN = "_U"         # a mix figure a report left empty
TOP_NATIONALITIES = 10

MEASURES: dict[str, str] = {
    "contributing_states": "Contributing states",
    "incidents": "Incidents",
    "migrants": "Smuggled migrants",
    "unaccompanied_minors": "Unaccompanied minors",
    "deaths": "Deaths",
    "missing": "Missing persons",
    "injured": "Injured persons",
    "smugglers": "Smugglers",
    "smugglers_arrested": "Smugglers arrested",
    "documents": "Fraudulent documents",
    "investigations": "Incidents with an investigation opened",
    "persons_prosecuted": "Persons prosecuted",
    "persons_convicted": "Persons convicted",
    "financial_investigations": "Incidents with a financial investigation",
    "fee_reports": "Reports stating a fee",
    "fee_median": "Fee per person, median",
    "fee_q1": "Fee per person, first quartile",
    "fee_q3": "Fee per person, third quartile",
    "fee_reports_converted": "Reports stating a fee, converted to the base currency",
    "fee_median_converted": "Fee per person in the base currency, median",
    "fee_q1_converted": "Fee per person in the base currency, first quartile",
    "fee_q3_converted": "Fee per person in the base currency, third quartile",
}

BREAKDOWNS: dict[str, str] = {
    TOTAL: "Total",
    "sex_age": "Sex and age",
    "smuggler_sex": "Sex",
    "transport_mode": "Transport mode",
    "conveyance": "Conveyance",
    "detection_stage": "Detection stage",
    "location_type": "Location type",
    "detecting_agency": "Detecting agency",
    "financial_benefit_established": "Financial benefit established",
    facts.ORIGIN: "Origin country",
    facts.TRANSIT: "Transit country",
    facts.DESTINATION: "Intended destination",
    facts.ROUTE: "Route (origin>destination)",
    facts.MIGRANT_NATIONALITY: "Migrant nationality",
    facts.CRIME: "Crime against migrants",
    facts.AGGRAVATING: "Aggravating circumstance",
    facts.SMUGGLER_ROLE: "Smuggler role",
    facts.SMUGGLER_NATIONALITY: "Smuggler nationality",
    facts.DOCUMENT: "Document type/fraud type",
    facts.DOCUMENT_ISSUER: "Document issuing country",
    facts.MODUS_OPERANDI: "Modus operandi",
    facts.RELATED_CONDUCT: "Related conduct",
}

# Sums of Tallies.sums published as a plain total each: measure -> SUMMED name.
_TOTALS = {
    "migrants": "migrants_total",
    "unaccompanied_minors": "unaccompanied_minors",
    "deaths": "deaths",
    "missing": "missing",
    "injured": "injured",
    "smugglers": "smugglers_total",
    "smugglers_arrested": "smugglers_arrested",
    "investigations": "investigation_opened",
    "persons_prosecuted": "persons_prosecuted",
    "persons_convicted": "persons_convicted",
    "financial_investigations": "financial_investigation",
}
# Breakdowns made of SUMMED figures: (measure, breakdown) -> code -> SUMMED name.
_SPLITS = {
    ("migrants", "sex_age"): {"men": "migrants_men", "women": "migrants_women",
                              "boys": "migrants_boys", "girls": "migrants_girls",
                              "sex_age_unknown": "migrants_sex_age_unknown"},
    ("smugglers", "smuggler_sex"): {"men": "smugglers_men", "women": "smugglers_women",
                                    "sex_unknown": "smugglers_sex_unknown"},
}
# Fact dimensions published whole: dimension -> the measure its counts are of.
_FACT_MEASURES = {
    facts.ORIGIN: "incidents", facts.TRANSIT: "incidents", facts.DESTINATION: "incidents",
    facts.ROUTE: "incidents", facts.CRIME: "incidents", facts.AGGRAVATING: "incidents",
    facts.MODUS_OPERANDI: "incidents", facts.RELATED_CONDUCT: "incidents",
    facts.SMUGGLER_ROLE: "smugglers", facts.SMUGGLER_NATIONALITY: "smugglers",
    facts.DOCUMENT: "documents", facts.DOCUMENT_ISSUER: "documents",
}
# Breakdowns whose codes add up to their measure's total (exactly, or up to a remainder
# an attacker is assumed to know): they form disclosure groups. Codes of the other fact
# breakdowns overlap (a report names several crimes, or two origins) and add up to nothing
# published, except routes, which add up to their origin (grouped below).
_ADDITIVE = (
    *(("incidents", column) for column in INCIDENT_MIX),
    ("incidents", facts.DESTINATION),
    ("migrants", "sex_age"), ("migrants", facts.MIGRANT_NATIONALITY),
    ("smugglers", "smuggler_sex"), ("smugglers", facts.SMUGGLER_ROLE),
    ("smugglers", facts.SMUGGLER_NATIONALITY),
    ("documents", facts.DOCUMENT), ("documents", facts.DOCUMENT_ISSUER),
)
_FEE_STATS = (("fee_q1", 0.25), ("fee_median", 0.5), ("fee_q3", 0.75))

Key = tuple[str, str, str, str]


@dataclass(frozen=True)
class RateTable:
    """Exchange rates for converted fee figures: ``rates[currency]`` is how many units of
    ``base`` one unit of ``currency`` is worth. ``name`` says which table it is (source and
    date) and is published with every summary that uses it."""

    name: str
    base: str
    rates: dict[str, float]

    def rate(self, currency: str) -> float | None:
        """Units of ``base`` per unit of ``currency``; 1 for the base itself, else None
        when the table has no rate for it."""
        return 1.0 if currency == self.base else self.rates.get(currency)


class SortedAmounts(Sequence[float]):
    """A multiset of amounts as a sorted sequence, stored as distinct amounts with
    cumulative counts: ``amounts[i]`` is the i-th smallest stated amount (0-based), found
    by bisection, so quantiles of 10⁵ fees need no list of 10⁵ floats."""

    def __init__(self, counted: Mapping[float, int]) -> None:
        merged: dict[float, int] = {}
        for amount, times in counted.items():
            merged[float(amount)] = merged.get(float(amount), 0) + times
        self.values = sorted(merged)
        self.ends = list(itertools.accumulate(merged[value] for value in self.values))

    def __len__(self) -> int:
        return self.ends[-1] if self.ends else 0

    def __getitem__(self, rank: int) -> float:  # type: ignore[override] - ranks only
        if not 0 <= rank < len(self):
            raise IndexError(rank)
        return self.values[bisect.bisect_right(self.ends, rank)]


def quantile(values: Sequence[float], p: float) -> float:
    """The ``p``-quantile of sorted ``values`` by linear interpolation between the closest
    ranks: position ``p × (n − 1)`` (0-based), interpolated between its two neighbours.

    This is PostgreSQL's ``percentile_cont`` (and numpy's default, R's type 7,
    ``statistics.quantiles(method="inclusive")``), written out because
    ``statistics.quantiles`` wants two values or more on Python 3.11 and interpolates in a
    different order of operations; here it is ``lo + (hi − lo) × frac``, as PostgreSQL
    does, so the two agree to the last bit. Raises ``ValueError`` on an empty list.
    """
    if not values:
        raise ValueError("no values")
    position = p * (len(values) - 1)
    below = math.floor(position)
    above = math.ceil(position)
    low, high = values[below], values[above]
    return low + (high - low) * (position - below)


def _round(value: float) -> float:
    """Fee figures to 6 decimal places: far below a cent, far above float noise."""
    return round(float(value), 6)


def _key(measure: str, breakdown: str = TOTAL, code: str = TOTAL,
         currency: str = NOT_APPLICABLE) -> Key:
    return (measure, breakdown, code, currency)


def _counts(tallies: Tallies, totals_only: bool) -> tuple[dict[Key, int], list[Group]]:
    """Every count observation of ``tallies`` and the groups that add up."""
    counts: dict[Key, int] = {_key("incidents"): int(tallies.incidents)}
    counts[_key("documents")] = int(sum(v for (dim, _), v in tallies.facts.items()
                                        if dim == facts.DOCUMENT))
    for measure, name in _TOTALS.items():
        counts[_key(measure)] = int(tallies.sums[name])
    if totals_only:
        return counts, []
    for (measure, breakdown), codes in _SPLITS.items():
        for code, name in codes.items():
            counts[_key(measure, breakdown, code)] = int(tallies.sums[name])
    for (column, code), value in tallies.mix.items():
        counts[_key("incidents", column, UNKNOWN if code is None else str(code))] = int(value)
    by_dimension: dict[str, dict[str, int]] = {}
    for (dimension, code), value in tallies.facts.items():
        by_dimension.setdefault(dimension, {})[code] = int(value)
    for dimension, measure in _FACT_MEASURES.items():
        for code, value in by_dimension.get(dimension, {}).items():
            counts[_key(measure, dimension, code)] = value
    nationalities = sorted(by_dimension.get(facts.MIGRANT_NATIONALITY, {}).items(),
                           key=lambda item: (-item[1], item[0]))
    for code, value in nationalities[:TOP_NATIONALITIES]:
        counts[_key("migrants", facts.MIGRANT_NATIONALITY, code)] = value
    if len(nationalities) > TOP_NATIONALITIES:
        counts[_key("migrants", facts.MIGRANT_NATIONALITY, OTHERS)] = sum(
            value for _, value in nationalities[TOP_NATIONALITIES:])

    groups = [Group(_key(measure), tuple(sorted(k for k in counts
                                                 if k[0] == measure and k[1] == breakdown)))
              for measure, breakdown in _ADDITIVE]
    # A route is one origin and one destination, and a report has one destination, so an
    # origin's count is the sum of its routes' counts.
    routes: dict[str, list[Key]] = {}
    for key in counts:
        if key[:2] == ("incidents", facts.ROUTE):
            routes.setdefault(key[2].split(">", 1)[0], []).append(key)
    groups += [Group(_key("incidents", facts.ORIGIN, origin), tuple(sorted(parts)))
               for origin, parts in routes.items()]
    return counts, groups


def _fees(tallies: Tallies, k: int, rates: RateTable | None
          ) -> list[tuple[Key, int | float, str]]:
    """Fee observations ``(key, value, status)``: per route × currency, and converted per
    route when ``rates`` is given. Fee figures of fewer than k reports are suppressed (C)."""
    out: list[tuple[Key, int | float, str]] = []
    converted: dict[str, Counter[float]] = {}
    by_route: dict[tuple[str, str], dict[float, int]] = {}
    for (route, currency, amount), times in tallies.fees.items():
        if times:
            by_route.setdefault((route, currency), {})[amount] = times
    for (route, currency), stated in sorted(by_route.items()):
        amounts = SortedAmounts(stated)
        free = len(amounts) >= k
        status = FREE if free else PRIMARY
        out.append((_key("fee_reports", facts.ROUTE, route, currency), len(amounts), status))
        for measure, p in _FEE_STATS:
            out.append((_key(measure, facts.ROUTE, route, currency),
                        _round(quantile(amounts, p)), status))
        rate = rates.rate(currency) if rates else None
        # Only currencies whose own figures are published are pooled, so the converted
        # figures cannot be compared with them to learn about a suppressed group.
        if free and rate is not None:
            pooled = converted.setdefault(route, Counter())
            for amount, times in zip(amounts.values, _counts_of(amounts.ends), strict=True):
                pooled[amount * rate] += times
    if rates is None:
        return out
    base = rates.base
    for route, stated in sorted(converted.items()):
        amounts = SortedAmounts(stated)
        out.append((_key("fee_reports_converted", facts.ROUTE, route, base), len(amounts),
                    FREE))
        for measure, p in _FEE_STATS:
            out.append((_key(f"{measure}_converted", facts.ROUTE, route, base),
                        _round(quantile(amounts, p)), FREE))
    return out


def _counts_of(ends: list[int]) -> list[int]:
    """The counts behind cumulative counts ``ends``."""
    return [end - before for before, end in zip([0, *ends], ends, strict=False)]


@dataclass(frozen=True)
class Protected:
    """One period's figures after disclosure control: whether it had too few states, and
    every observation's value and status. What :func:`summarise` needs of a period, so a
    caller summarising consecutive periods computes each period's once (the previous
    period of one cell is the current period of another)."""

    states: int
    too_few: bool
    cells: dict[Key, tuple[int | float, str]]


def protected(tallies: Tallies, *, k: int = DEFAULT_K, rates: RateTable | None = None
              ) -> Protected:
    """Every observation of ``tallies`` with its value and status (no change yet)."""
    too_few = len(tallies.states) < MIN_STATES
    counts, groups = _counts(tallies, too_few)
    status = protect(counts, groups, k)
    cells: dict[Key, tuple[int | float, str]] = {
        key: (value, status[key]) for key, value in counts.items()}
    cells[_key("contributing_states")] = (len(tallies.states), FREE)
    if not too_few:
        cells.update({key: (value, st) for key, value, st in _fees(tallies, k, rates)})
    return Protected(len(tallies.states), too_few, cells)


def published(document: dict[str, Any]) -> Protected:
    """What :func:`content` reads of a period, from the period's stored summary (same k,
    rules and rates): every observation's status, the value of each published one, the
    contributing states. ``content`` reads no suppressed value (of the current period nor
    of the previous one), so the result is the same as from the period's tallies."""
    cells: dict[Key, tuple[int | float, str]] = {
        (o["measure"], o["breakdown"], o["code"], o["currency"]): (o["value"], o["status"])
        for o in document["observations"]}
    return Protected(document["contributing_states"], document["too_few_states"], cells)


def _change(value: int | float, previous: int | float) -> int | float:
    if isinstance(value, int) and isinstance(previous, int):
        return value - previous
    return _round(value - previous)


def summarise(current: Tallies, previous: Tallies | None, *, k: int = DEFAULT_K,
              rates: RateTable | None = None) -> dict[str, Any]:
    """The content of a summary of ``current``, with the change against ``previous``.

    Returns ``contributing_states``, ``too_few_states``, ``observations`` (sorted by
    measure, breakdown, code, currency) and ``rates`` (the table, when given), as
    summary-format.md fixes them. A suppressed observation keeps its place with status
    ``C`` or ``D`` and null ``value``, ``previous`` and ``change``. ``previous`` of an
    observation is its value in the previous period's own summary (same k and rates),
    null where that summary did not publish it; ``change`` is published only when both
    values are, so it never reveals a suppressed figure of either period.
    """
    return content(protected(current, k=k, rates=rates),
                   protected(previous, k=k, rates=rates) if previous is not None else None,
                   rates=rates)


def content(current: Protected, previous: Protected | None, *,
            rates: RateTable | None) -> dict[str, Any]:
    """:func:`summarise` from the periods' :func:`protected` figures (same k and rates)."""
    too_few, cells = current.too_few, current.cells
    before: dict[Hashable, int | float] = {}
    if previous is not None:
        before = {key: value for key, (value, st) in previous.cells.items() if st == FREE}
    observations = []
    for key in sorted(cells):
        value, status = cells[key]
        free = status == FREE
        was = before.get(key) if free else None
        measure, breakdown, code, currency = key
        observations.append({
            "measure": measure, "breakdown": breakdown, "code": code, "currency": currency,
            "value": value if free else None,
            "status": status,
            "previous": was,
            "change": _change(value, was) if was is not None else None,
        })
    return {
        "contributing_states": current.states,
        "too_few_states": too_few,
        "observations": observations,
        "rates": rates_content(rates),
    }


def rates_content(rates: RateTable | None) -> dict[str, Any] | None:
    """The ``rates`` member of a summary's content."""
    if rates is None:
        return None
    return {"name": rates.name, "base": rates.base,
            "rates": {currency: float(rate) for currency, rate in sorted(rates.rates.items())}}

