"""SQL aggregates that fill the ``Tallies`` of many cells at once.

One query per kind of figure, grouped by reporting state × incident year, quarter and
month × current sharing level (``group_tallies``): every cell (region × period ×
audience) is a union of such groups, which ``merge`` adds up in Python. A rebuild of
every cell costs four grouped scans, not four queries per cell; between rebuilds the
groups are stored (``summaries.groups``) and a change recomputes only its own.

What counts (SPEC §2, §4; docs/data-model.md): the version ``reports.approved_version``
points at, of a report that is not withdrawn, shared at ``region`` or ``all_members``
(``reports.sharing``, which the owning state may lower at once; never the version's copy).

Fee quantiles need the amounts themselves (SQLite has no ``percentile_cont``), so the
amounts are fetched per route × currency and ``compute`` takes the quantiles, as the
recompute path does over the same rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, and_, cast, false, func, or_, select, tuple_
from sqlalchemy.orm import Session

from reporting.directory.models import RegionMembership
from reporting.reports.facts import ROUTE
from reporting.reports.lifecycle import WITHDRAWN
from reporting.reports.models import Report, ReportVersion, VersionFact, VersionFigures
from reporting.summaries import periods
from reporting.summaries.cells import AUDIENCE_LEVELS, Cell, GroupKey, audiences_reached
from reporting.summaries.tallies import INCIDENT_MIX, SUMMED, Tallies

# Booleans are summed as the number of reports where they hold (Tallies.sums).
_BOOLEANS = {"investigation_opened", "financial_investigation"}
_SHARED = tuple(sorted({level for levels in AUDIENCE_LEVELS.values() for level in levels}))
# A group: (state, year, quarter, month or None, current sharing level).
Group = tuple[str, int, int, int | None, str]
_GROUP_COLUMNS = (VersionFigures.state_iso3, VersionFigures.incident_year,
                  VersionFigures.incident_quarter, VersionFigures.incident_month,
                  Report.sharing)


@dataclass
class Aggregates:
    """The tallies of each requested cell (empty ones included) and, per cell, the
    highest log index of a counted version's receipt (-1 when nothing counts): a stored
    summary whose basis is not beyond it cannot be recomputed from its basis."""

    tallies: dict[Cell, Tallies] = field(default_factory=dict)
    newest_receipt: dict[Cell, int] = field(default_factory=dict)


@dataclass
class Groups:
    """The tallies of each group that has counted versions, and each group's highest log
    index of a counted version's receipt (missing for a group only a later query of
    ``group_tallies`` saw: see ``groups.store``)."""

    tallies: dict[Group, Tallies] = field(default_factory=dict)
    newest_receipt: dict[Group, int] = field(default_factory=dict)

    def tallies_of(self, group: Group) -> Tallies:
        found = self.tallies.get(group)
        if found is None:
            found = self.tallies[group] = Tallies(states={group[0]})
        return found


def _counted(query: Select[Any], where: ColumnElement[bool] | None) -> Select[Any]:
    """``query`` over version_figures restricted to the counted versions."""
    query = (query.join(Report, and_(Report.id == VersionFigures.report_id,
                                     Report.approved_version == VersionFigures.version))
             .where(Report.status != WITHDRAWN, Report.sharing.in_(_SHARED)))
    return query if where is None else query.where(where)


def scope(pairs: Iterable[tuple[str, int]] = (), keys: Iterable[GroupKey] = ()
          ) -> ColumnElement[bool]:
    """The versions of the (state, year) ``pairs`` and of the exact (state, year, quarter,
    month or 0) ``keys``."""
    parts = []
    if pairs := sorted(set(pairs)):
        parts.append(tuple_(VersionFigures.state_iso3, VersionFigures.incident_year
                            ).in_(pairs))
    if keys := sorted(set(keys)):
        parts.append(tuple_(VersionFigures.state_iso3, VersionFigures.incident_year,
                            VersionFigures.incident_quarter,
                            func.coalesce(VersionFigures.incident_month, 0)).in_(keys))
    return or_(*parts) if parts else false()


def group_tallies(session: Session, where: ColumnElement[bool] | None = None) -> Groups:
    """The tallies of every group of counted versions (those matching ``where``): one
    grouped query per kind of figure."""
    result = Groups()
    sums = [func.sum(cast(getattr(VersionFigures, name), Integer)) if name in _BOOLEANS
            else func.sum(getattr(VersionFigures, name)) for name in SUMMED]
    figures = _counted(
        select(*_GROUP_COLUMNS, func.count(), func.max(ReportVersion.log_index), *sums)
        .select_from(VersionFigures)
        .join(ReportVersion, and_(ReportVersion.report_id == VersionFigures.report_id,
                                  ReportVersion.version == VersionFigures.version)),
        where).group_by(*_GROUP_COLUMNS)
    for row in session.execute(figures):
        group, (count, newest, *totals) = tuple(row[:5]), row[5:]
        tallies = result.tallies_of(group)
        tallies.incidents += count
        for name, total in zip(SUMMED, totals, strict=True):
            if total is not None:
                tallies.sums[name] += total
        result.newest_receipt[group] = newest

    mix_columns = [getattr(VersionFigures, name) for name in INCIDENT_MIX]
    mix = _counted(select(*_GROUP_COLUMNS, *mix_columns, func.count())
                   .select_from(VersionFigures), where).group_by(*_GROUP_COLUMNS, *mix_columns)
    for row in session.execute(mix):
        group, codes, count = tuple(row[:5]), row[5:-1], row[-1]
        counter = result.tallies_of(group).mix
        for name, code in zip(INCIDENT_MIX, codes, strict=True):
            counter[(name, code)] += count

    fact_join = and_(VersionFact.report_id == VersionFigures.report_id,
                     VersionFact.version == VersionFigures.version)
    facts = _counted(select(*_GROUP_COLUMNS, VersionFact.dimension, VersionFact.code,
                            func.sum(VersionFact.count))
                     .select_from(VersionFigures).join(VersionFact, fact_join), where
                     ).group_by(*_GROUP_COLUMNS, VersionFact.dimension, VersionFact.code)
    for row in session.execute(facts):
        group, dimension, code, count = tuple(row[:5]), row[5], row[6], row[7]
        result.tallies_of(group).facts[(dimension, code)] += count

    # Stated fees repeat (round amounts), so each distinct amount comes once with how
    # many times it was stated: the same multiset in far fewer rows than one per report.
    fee_columns = (*_GROUP_COLUMNS, VersionFact.code, VersionFigures.fee_currency,
                   VersionFigures.fee_amount)
    fees = _counted(select(*fee_columns, func.count())
                    .select_from(VersionFigures)
                    .join(VersionFact, and_(fact_join, VersionFact.dimension == ROUTE))
                    .where(VersionFigures.fee_amount.is_not(None)), where
                    ).group_by(*fee_columns)
    for row in session.execute(fees):
        group, route, currency, amount, times = tuple(row[:5]), row[5], row[6], row[7], row[8]
        result.tallies_of(group).fees[(route, currency, amount)] += times
    return result


def members(session: Session, regions: Iterable[str]) -> dict[str, set[str]]:
    """The member states of each of ``regions`` (those with members)."""
    found: dict[str, set[str]] = {}
    for region, state in session.execute(
            select(RegionMembership.region_code, RegionMembership.country_iso3)
            .where(RegionMembership.region_code.in_(sorted(set(regions))))):
        found.setdefault(region, set()).add(state)
    return found


def merge(groups: Groups, cells: Iterable[Cell], members: dict[str, set[str]]
          ) -> Aggregates:
    """The tallies of ``cells``, in two steps: each group is added to its region's and
    audience's exact period (year, quarter, month or None), and each exact period to
    the month, quarter and year cells it falls in. A year cell thus adds a few dozen
    exact periods, not every group of every member state three times over. Both steps
    go in a fixed order, so sums of fractional figures come out the same whatever
    fetched the groups."""
    wanted = set(cells)
    result = Aggregates(tallies={cell: Tallies() for cell in wanted},
                        newest_receipt=dict.fromkeys(wanted, -1))
    needed = {(cell.region, cell.audience) for cell in wanted}
    regions_of: dict[str, list[str]] = {}
    for region, states in members.items():
        for state in states:
            regions_of.setdefault(state, []).append(region)
    exact: dict[tuple[str, str, int, int, int], Tallies] = {}
    newest: dict[tuple[str, str, int, int, int], int] = {}
    for group in sorted(groups.tallies, key=group_order):
        state, year, quarter, month, sharing = group
        tallies, receipt = groups.tallies[group], groups.newest_receipt.get(group, -1)
        for region in regions_of.get(state, ()):
            for audience in audiences_reached(sharing):
                if (region, audience) in needed:
                    key = (region, audience, year, quarter, month or 0)
                    exact.setdefault(key, Tallies()).add(tallies)
                    newest[key] = max(newest.get(key, -1), receipt)
    for key in sorted(exact):
        region, audience, year, quarter, month = key
        for period in periods.incident_periods(year, quarter, month or None):
            cell = Cell(region, str(period), audience)
            if cell in wanted:
                result.tallies[cell].add(exact[key])
                result.newest_receipt[cell] = max(result.newest_receipt[cell], newest[key])
    return result


def group_order(group: Group) -> tuple[str, int, int, int, str]:
    """A sort key of groups (month None sorts as 0)."""
    state, year, quarter, month, sharing = group
    return state, year, quarter, month or 0, sharing


def aggregate(session: Session, cells: Iterable[Cell], *, everything: bool = False
              ) -> Aggregates:
    """The tallies of ``cells`` straight from the report tables, stored groups unused
    (what ``summaries.groups`` must agree with). ``everything``: the cells are (nearly)
    all cells, so the queries scan all counted versions rather than filter."""
    wanted = set(cells)
    found = members(session, {cell.region for cell in wanted})
    states = set().union(*found.values()) if found else set()
    years = {periods.parse(cell.period).year for cell in wanted}
    where = None if everything else scope({(s, y) for s in states for y in years})
    return merge(group_tallies(session, where), wanted, found)
