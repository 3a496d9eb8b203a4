"""Cells: the region × period × audience keys a summary is stored under, and which of
them a report's change makes dirty.

A report counts in every region and group its reporting state belongs to, in its
incident's year, quarter and month (summary-format.md, "Cells and audiences"). The
change of a report (approval, amendment approved, withdrawal, sharing lowered) dirties
the cells of every version of it that was ever approved (the one counted before the
change and the one counted after; older ones cost a few cells more and need no history
of which was which), in both audiences.

The next period's summary shows this period's figures as ``previous``, so its cells are
dirty too, but only where a summary is stored already: a change in December must not
create an empty summary of a January that has no reports of its own. The full rebuild
(``all_cells``) covers exactly the cells incremental refreshes can write, so the two agree.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from reporting.directory.models import RegionMembership
from reporting.reports.models import VersionFigures
from reporting.summaries import periods
from reporting.summaries.models import Summary

REGION_AUDIENCE = "region"
ALL_MEMBERS_AUDIENCE = "all_members"
AUDIENCES = (REGION_AUDIENCE, ALL_MEMBERS_AUDIENCE)

# What one report's version falls in: (state, year, quarter, month or 0 when the date is
# known to the quarter only). With a sharing level, a group (``queries.Group``).
GroupKey = tuple[str, int, int, int]

# The sharing levels (reports.sharing) whose reports reach each audience.
AUDIENCE_LEVELS: dict[str, tuple[str, ...]] = {
    REGION_AUDIENCE: ("region", "all_members"),
    ALL_MEMBERS_AUDIENCE: ("all_members",),
}


class Cell(NamedTuple):
    """A summary's key: region M49 code or group slug, period text, audience."""

    region: str
    period: str
    audience: str

    def __str__(self) -> str:
        return f"{self.region}/{self.period}/{self.audience}"


def audiences_reached(sharing: str) -> tuple[str, ...]:
    """The audiences whose summaries a report shared at ``sharing`` counts in."""
    return tuple(a for a in AUDIENCES if sharing in AUDIENCE_LEVELS[a])


def regions_by_state(session: Session, states: Iterable[str] | None = None
                     ) -> dict[str, list[str]]:
    """Each state's regions and groups (all states' when ``states`` is None)."""
    query = select(RegionMembership.country_iso3, RegionMembership.region_code)
    if states is not None:
        query = query.where(RegionMembership.country_iso3.in_(sorted(set(states))))
    found: dict[str, list[str]] = {}
    for state, region in session.execute(query):
        found.setdefault(state, []).append(region)
    return found


def _cells_of(rows: Iterable[tuple[str, int, int, int | None]],
              regions: dict[str, list[str]]) -> set[Cell]:
    cells: set[Cell] = set()
    for state, year, quarter, month in rows:
        for period in periods.incident_periods(year, quarter, month):
            for region in regions.get(state, ()):
                for audience in AUDIENCES:
                    cells.add(Cell(region, str(period), audience))
    return cells


def _with_stored_next(session: Session, cells: set[Cell]) -> set[Cell]:
    following = {Cell(c.region, str(periods.parse(c.period).next()), c.audience)
                 for c in cells}
    if not following:
        return cells
    stored = set(stored_cells(session, {c.period for c in following}))
    return cells | (following & stored)


def stored_cells(session: Session, period_texts: Iterable[str] | None = None) -> list[Cell]:
    """The cells that have a stored summary (of the given periods only, if given)."""
    query = select(Summary.region, Summary.period, Summary.audience)
    if period_texts is not None:
        query = query.where(Summary.period.in_(sorted(set(period_texts))))
    return [Cell(*row) for row in session.execute(query)]


def report_groups(session: Session, report_id: str) -> set[GroupKey]:
    """The groups (state, year, quarter, month or 0) every approved version of report
    ``report_id`` falls in: those a change of it may have changed."""
    return {(state, year, quarter, month or 0) for state, year, quarter, month in
            session.execute(
                select(VersionFigures.state_iso3, VersionFigures.incident_year,
                       VersionFigures.incident_quarter, VersionFigures.incident_month)
                .where(VersionFigures.report_id == report_id))}


class Dirty(NamedTuple):
    """The cells a change touches: ``changed``, those the changed groups fall in, and
    ``following``, the stored next periods of those (only their previous period
    changed)."""

    changed: set[Cell]
    following: set[Cell]


def dirty_cells(session: Session, keys: set[GroupKey]) -> Dirty:
    """The cells a change in the groups ``keys`` may have changed (see module doc)."""
    if not keys:
        return Dirty(set(), set())
    rows = [(state, year, quarter, month or None) for state, year, quarter, month in keys]
    changed = _cells_of(rows, regions_by_state(session, {row[0] for row in rows}))
    return Dirty(changed, _with_stored_next(session, changed) - changed)


def all_cells(session: Session) -> set[Cell]:
    """Every cell the full rebuild computes: each cell any version ever approved falls
    in (so one whose reports were all withdrawn since is rewritten empty), and every
    stored cell."""
    rows = session.execute(
        select(VersionFigures.state_iso3, VersionFigures.incident_year,
               VersionFigures.incident_quarter, VersionFigures.incident_month)
        .distinct()).all()
    cells = _cells_of(rows, regions_by_state(session, {row[0] for row in rows}))
    return cells | set(stored_cells(session))


def region_cells(session: Session, region: str) -> set[Cell]:
    """Every cell of one region or group: those its current members' approved versions
    fall in, and those stored (a former member's reports leave them). For a change of
    membership, which no report's change announces."""
    members = select(RegionMembership.country_iso3).where(
        RegionMembership.region_code == region)
    rows = session.execute(
        select(VersionFigures.state_iso3, VersionFigures.incident_year,
               VersionFigures.incident_quarter, VersionFigures.incident_month)
        .where(VersionFigures.state_iso3.in_(members)).distinct()).all()
    regions = {state: [region] for state, *_ in rows}
    stored = session.execute(select(Summary.region, Summary.period, Summary.audience)
                             .where(Summary.region == region))
    return _cells_of(rows, regions) | {Cell(*row) for row in stored}
