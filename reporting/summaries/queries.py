"""SQL aggregates that fill the ``Tallies`` of many cells at once.

One query per kind of figure, in two stages inside the database: the counted versions
grouped by reporting state × incident year, quarter and month × current sharing level,
then those groups rolled up into cells (region × period × audience: every region the
state belongs to, the month, quarter and year, every audience the sharing level
reaches; ``_per_cell``). A rebuild of every cell costs four statements, not four per
cell, and Python reads each cell's figures once: merging the groups into cells in
Python took about half of a million-report rebuild (bench/README.md).

What counts (SPEC §2, §4; docs/data-model.md): the version ``reports.approved_version``
points at, of a report that is not withdrawn, shared at ``region`` or ``all_members``
(``reports.sharing``, which the owning state may lower at once; never the version's copy).

Fee quantiles need the amounts themselves (SQLite has no ``percentile_cont``), so the
amounts are fetched per route × currency and ``compute`` takes the quantiles, as the
recompute path does over the same rows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    BigInteger,
    CompoundSelect,
    Integer,
    Select,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import Session

from reporting.directory.models import RegionMembership
from reporting.reports.facts import ROUTE
from reporting.reports.lifecycle import WITHDRAWN
from reporting.reports.models import Report, ReportVersion, VersionFact, VersionFigures
from reporting.summaries import periods
from reporting.summaries.cells import AUDIENCE_LEVELS, Cell
from reporting.summaries.tallies import INCIDENT_MIX, SUMMED, Tallies

# Booleans are summed as the number of reports where they hold (Tallies.sums).
_BOOLEANS = {"investigation_opened", "financial_investigation"}
_SHARED = tuple(sorted({level for levels in AUDIENCE_LEVELS.values() for level in levels}))
# The columns of a group, labelled: (state, year, quarter, month or None, sharing level).
_GROUP_COLUMNS = (VersionFigures.state_iso3.label("state"),
                  VersionFigures.incident_year.label("year"),
                  VersionFigures.incident_quarter.label("quarter"),
                  VersionFigures.incident_month.label("month"),
                  Report.sharing.label("sharing"))
_GROUP_NAMES = tuple(column.name for column in _GROUP_COLUMNS)
# The kinds of period a group rolls up into: its month (when known), quarter and year.
_KINDS = ("M", "Q", "Y")
# Per-cell rows start with (region, year, kind, number, audience).
CellKey = tuple[str, int, str, int, str]


@dataclass
class Aggregates:
    """The tallies of each requested cell (empty ones included) and, per cell, the
    highest log index of a counted version's receipt (-1 when nothing counts): a stored
    summary whose basis is not beyond it cannot be recomputed from its basis."""

    tallies: dict[Cell, Tallies] = field(default_factory=dict)
    newest_receipt: dict[Cell, int] = field(default_factory=dict)


def _counted(query: Select[Any], states: list[str] | None, years: list[int] | None
             ) -> Select[Any]:
    """``query`` over version_figures restricted to the counted versions."""
    query = (query.join(Report, and_(Report.id == VersionFigures.report_id,
                                     Report.approved_version == VersionFigures.version))
             .where(Report.status != WITHDRAWN, Report.sharing.in_(_SHARED)))
    if states is not None:
        query = query.where(VersionFigures.state_iso3.in_(states))
    if years is not None:
        query = query.where(VersionFigures.incident_year.in_(years))
    return query


def _constant(value: str, name: str) -> Any:
    return literal(value, type_=String).label(name)


def _per_cell(grouped: Select[Any] | CompoundSelect, regions: list[str],
              keys: tuple[str, ...], sums: tuple[str, ...], maxes: tuple[str, ...] = ()
              ) -> Select[Any]:
    """Roll ``grouped`` (rows per state × year × quarter × month × sharing level, then
    ``keys``, with partial ``sums`` and ``maxes``) up into cells, in SQL: each group row
    joins every region of ``regions`` its state belongs to, every audience its sharing
    level reaches and the month (when known), quarter and year it falls in. Rows come
    out per (region, year, kind, number, audience, *keys), so Python touches each cell's
    figures once instead of merging every group into some 18 cells."""
    group = grouped.subquery("grouped")
    kinds = union_all(*(select(_constant(kind, "kind")) for kind in _KINDS)).subquery("kinds")
    reach = union_all(*(select(_constant(level, "sharing"), _constant(audience, "audience"))
                        for audience, levels in AUDIENCE_LEVELS.items() for level in levels)
                      ).subquery("reach")
    number = case((kinds.c.kind == "M", group.c.month), (kinds.c.kind == "Q", group.c.quarter),
                  else_=0).label("number")
    cell = (RegionMembership.region_code, group.c.year, kinds.c.kind, number, reach.c.audience)
    return (select(*cell, *(group.c[key] for key in keys),
                   *(_sum(group.c[name]) for name in sums),
                   *(func.max(group.c[name]) for name in maxes))
            .select_from(group)
            .join(RegionMembership, RegionMembership.country_iso3 == group.c.state)
            .join(reach, reach.c.sharing == group.c.sharing)
            .join(kinds, true())
            .where(RegionMembership.region_code.in_(regions),
                   or_(kinds.c.kind != "M", group.c.month.is_not(None)))
            .group_by(*cell, *(group.c[key] for key in keys)))


def _sum(column: Any) -> Any:
    """Sum of a partial sum: PostgreSQL sums bigints as numeric (Decimal in Python), so
    whole numbers are cast back to bigint; doubles stay doubles."""
    total = func.sum(column)
    return cast(total, BigInteger) if isinstance(column.type, Integer) else total


class _Cells:
    """The requested cell a per-cell row is about, or None (memoised: few distinct)."""

    def __init__(self, wanted: set[Cell]) -> None:
        self.wanted = wanted
        self._memo: dict[CellKey, Cell | None] = {}

    def __call__(self, key: CellKey) -> Cell | None:
        if key in self._memo:
            return self._memo[key]
        region, year, kind, number, audience = key
        period = (periods.Period(year, (number - 1) // 3 + 1, number) if kind == "M"
                  else periods.Period(year, number) if kind == "Q" else periods.Period(year))
        cell = Cell(region, str(period), audience)
        found = self._memo[key] = cell if cell in self.wanted else None
        return found


def aggregate(session: Session, cells: Iterable[Cell], *, everything: bool = False
              ) -> Aggregates:
    """The tallies of ``cells``. ``everything``: the cells are (nearly) all cells, so the
    queries scan all counted versions rather than filter by state and year."""
    wanted = set(cells)
    result = Aggregates(tallies={cell: Tallies() for cell in wanted},
                        newest_receipt=dict.fromkeys(wanted, -1))
    if not wanted:
        return result
    regions = sorted({c.region for c in wanted})
    states = sorted(set(session.scalars(
        select(RegionMembership.country_iso3).where(RegionMembership.region_code.in_(regions)))))
    if not states:
        return result
    years = sorted({periods.parse(cell.period).year for cell in wanted})
    cell_of = _Cells(wanted)
    scope: tuple[list[str] | None, list[int] | None] = (
        (None, None) if everything else (states, years))

    def rows(grouped: Select[Any] | CompoundSelect, keys: tuple[str, ...],
             sums: tuple[str, ...], maxes: tuple[str, ...] = ()
             ) -> Iterator[tuple[Cell, tuple[Any, ...]]]:
        for row in session.execute(_per_cell(grouped, regions, keys, sums, maxes)):
            cell = cell_of(tuple(row[:5]))
            if cell is not None:
                yield cell, tuple(row[5:])

    sums = [(func.sum(cast(getattr(VersionFigures, name), Integer)) if name in _BOOLEANS
             else func.sum(getattr(VersionFigures, name))).label(name) for name in SUMMED]
    figures = _counted(
        select(*_GROUP_COLUMNS, func.count().label("counted"),
               func.max(ReportVersion.log_index).label("newest"), *sums)
        .select_from(VersionFigures)
        .join(ReportVersion, and_(ReportVersion.report_id == VersionFigures.report_id,
                                  ReportVersion.version == VersionFigures.version)),
        *scope).group_by(*_GROUP_COLUMNS)
    for cell, (state, count, *totals, newest) in rows(
            figures, ("state",), ("counted", *SUMMED), ("newest",)):
        tallies = result.tallies[cell]
        tallies.states.add(state)
        tallies.incidents += count
        for name, total in zip(SUMMED, totals, strict=True):
            if total is not None:
                tallies.sums[name] += total
        result.newest_receipt[cell] = max(result.newest_receipt[cell], newest)

    # Each mix column counted on its own: grouping by all six at once would return a
    # row per combination of codes, most of them one report each.
    mix = union_all(*(_counted(select(*_GROUP_COLUMNS, _constant(name, "dimension"),
                                      getattr(VersionFigures, name).label("code"),
                                      func.count().label("times"))
                               .select_from(VersionFigures), *scope)
                      .group_by(*_GROUP_COLUMNS, getattr(VersionFigures, name))
                      for name in INCIDENT_MIX))
    for cell, (dimension, code, times) in rows(mix, ("dimension", "code"), ("times",)):
        result.tallies[cell].mix[(dimension, code)] += times

    fact_join = and_(VersionFact.report_id == VersionFigures.report_id,
                     VersionFact.version == VersionFigures.version)
    facts = _counted(select(*_GROUP_COLUMNS, VersionFact.dimension.label("dimension"),
                            VersionFact.code.label("code"),
                            func.sum(VersionFact.count).label("times"))
                     .select_from(VersionFigures).join(VersionFact, fact_join), *scope
                     ).group_by(*_GROUP_COLUMNS, VersionFact.dimension, VersionFact.code)
    for cell, (dimension, code, times) in rows(facts, ("dimension", "code"), ("times",)):
        result.tallies[cell].facts[(dimension, code)] += times

    # Stated fees repeat (round amounts), so each distinct amount comes once with how
    # many times it was stated: the same multiset in far fewer rows than one per report.
    fee_columns = (VersionFact.code.label("route"), VersionFigures.fee_currency.label("currency"),
                   VersionFigures.fee_amount.label("amount"))
    fees = _counted(select(*_GROUP_COLUMNS, *fee_columns, func.count().label("times"))
                    .select_from(VersionFigures)
                    .join(VersionFact, and_(fact_join, VersionFact.dimension == ROUTE))
                    .where(VersionFigures.fee_amount.is_not(None)), *scope
                    ).group_by(*_GROUP_COLUMNS, *fee_columns)
    for cell, (route, currency, amount, times) in rows(
            fees, ("route", "currency", "amount"), ("times",)):
        result.tallies[cell].fees.setdefault((route, currency), Counter())[amount] += times
    return result
