"""Tallies: what one region × period × audience cell aggregates, before disclosure control.

The two paths that build a summary meet here. The worker fills a ``Tallies`` with SQL
aggregates over ``version_figures`` and ``version_facts`` (``summaries.queries``); a
member recomputing a summary (``vrs recompute``) fills one in Python from the report
bodies it fetched and checked (:func:`add_version`, over the same ``figures_row`` and
``fact_rows`` the approval writes). ``summaries.compute`` turns a ``Tallies`` (and the
previous period's) into the published observations. Equal tallies give equal summaries,
so both paths are tested for equal tallies on the same reports.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

# The version_figures columns summed over a cell, by the name the summary uses.
# Booleans sum as the number of reports where they are true.
SUMMED = (
    "migrants_total", "migrants_men", "migrants_women", "migrants_boys", "migrants_girls",
    "migrants_sex_age_unknown", "unaccompanied_minors", "deaths", "missing", "injured",
    "smugglers_total", "smugglers_arrested", "smugglers_men", "smugglers_women",
    "smugglers_sex_unknown", "persons_prosecuted", "persons_convicted",
    "investigation_opened", "financial_investigation", "assets_frozen_usd",
)

# version_figures columns whose codes are counted as incidents (one per report).
INCIDENT_MIX = ("transport_mode", "conveyance", "detection_stage", "location_type",
                "detecting_agency", "financial_benefit_established")


@dataclass
class Tallies:
    """The raw aggregates of one cell: only counted versions (approved, newest, not
    withdrawn, shared with the audience, reporting state in the region, incident in the
    period).

    * ``states``: the reporting states that contributed at least one report.
    * ``incidents``: the number of counted reports.
    * ``sums``: each ``SUMMED`` figure's sum (every name present, 0 when nothing counts;
      ``assets_frozen_usd`` sums only the reports that state it).
    * ``mix``: (figures column of ``INCIDENT_MIX``, code) → incidents.
    * ``facts``: (version_facts dimension, code) → summed ``count`` (facts.DIMENSIONS).
    * ``fees``: (route code, currency, fee amount) → how many counted reports stated that
      amount on that route (a report with two origins has two routes and counts on
      each). Amounts repeat (round figures), so a year cell of 10⁵ reports keeps a few
      hundred entries, not 10⁵; one flat counter, so adding tallies is one update.
    """

    states: set[str] = field(default_factory=set)
    incidents: int = 0
    sums: dict[str, float] = field(default_factory=lambda: dict.fromkeys(SUMMED, 0))
    mix: Counter[tuple[str, str]] = field(default_factory=Counter)
    facts: Counter[tuple[str, str]] = field(default_factory=Counter)
    fees: Counter[tuple[str, str, float]] = field(default_factory=Counter)

    def add_version(self, figures: dict[str, Any], fact_rows: list[dict[str, Any]]) -> None:
        """Count one version, given its ``facts.figures_row`` and ``facts.fact_rows``."""
        self.states.add(figures["state_iso3"])
        self.incidents += 1
        for name in SUMMED:
            value = figures[name]
            if value is not None:
                self.sums[name] += value
        for column in INCIDENT_MIX:
            self.mix[(column, figures[column])] += 1
        for row in fact_rows:
            self.facts[(row["dimension"], row["code"])] += row["count"]
        if figures["fee_amount"] is not None:
            for row in fact_rows:
                if row["dimension"] == "route":
                    self.fees[(row["code"], figures["fee_currency"],
                               figures["fee_amount"])] += 1

    def add(self, other: Tallies) -> None:
        """Add another set of tallies (a group's into the cell it falls in)."""
        self.states |= other.states
        self.incidents += other.incidents
        for name, value in other.sums.items():
            self.sums[name] += value
        self.mix.update(other.mix)
        self.facts.update(other.facts)
        self.fees.update(other.fees)

    def to_json(self) -> str:
        """The tallies as JSON text, the same text for equal tallies (entries sorted), so
        a stored copy is compared as text."""
        return json.dumps({
            "states": sorted(self.states), "incidents": self.incidents, "sums": self.sums,
            "mix": sorted(([*key, n] for key, n in self.mix.items() if n), key=_order),
            "facts": sorted(([*key, n] for key, n in self.facts.items() if n), key=_order),
            "fees": sorted(([*key, n] for key, n in self.fees.items() if n), key=_order),
        }, sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Tallies:
        data = json.loads(text)
        tallies = cls(states=set(data["states"]), incidents=data["incidents"])
        tallies.sums.update(data["sums"])
        tallies.mix = Counter({(name, code): n for name, code, n in data["mix"]})
        tallies.facts = Counter({(dimension, code): n for dimension, code, n in data["facts"]})
        tallies.fees = Counter({(route, currency, amount): n
                                for route, currency, amount, n in data["fees"]})
        return tallies


def _order(entry: list[Any]) -> list[tuple[bool, Any]]:
    """Sort key of a serialised entry: its key parts, a missing code (None) first."""
    return [(part is not None, part) for part in entry[:-1]]
