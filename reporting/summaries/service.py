"""Summaries kept up to date: refresh the cells a change touches, rebuild them all, publish
a closed period. Called by the workers (one call per task) and by tests, always inside a
unit of work, which commits; nothing here commits.

**When a stored summary is rewritten.** A refresh computes every cell it is given but
rewrites (and re-signs) only a cell whose figures changed, or whose stored basis no
longer covers a version it counts (an amendment approved with the same figures: the
new version's receipt is after the stored ``tree_size``, so a member could not recompute
the summary from that basis). Otherwise the stored document, its basis and its
``computed_at`` stay: the basis moves only when what the summary counts does, and
running any operation here twice changes nothing.

**Rebuild.** Recomputes every cell (``cells.all_cells``) with the same code as the
incremental path and reports each cell whose stored figures differed (or that was
missing): there should be none. Each is logged as an error and rewritten.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import ColumnElement, and_, bindparam, false, or_, select, text, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from reporting.accounts.roles import SECRETARIAT
from reporting.accounts.service import Principal
from reporting.db import UTCDateTime, upsert, utcnow
from reporting.directory.models import Region, RegionMembership
from reporting.errors import DomainError
from reporting.ledger.log import tree_size
from reporting.summaries import compute, documents, groups, periods, queries
from reporting.summaries.cells import (
    ALL_MEMBERS_AUDIENCE,
    AUDIENCES,
    REGION_AUDIENCE,
    Cell,
    GroupKey,
    all_cells,
    dirty_cells,
    region_cells,
    report_groups,
)
from reporting.summaries.models import Summary, SummaryPublication
from reporting.text import is_text
from reporting.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

# Look up stored cells this many at a time (bound parameters per statement stay small).
_CHUNK = 500


class PeriodNotClosed(ValueError):
    """Only a period that is over can be published (no route publishes: the beat does)."""


class RatesUnreadable(ValueError):
    """The configured rate table (VRS_SUMMARY_RATES) cannot be read; nothing is written."""


def load_rates(path: Path | None) -> compute.RateTable | None:
    """The rate table of the JSON file at ``path`` (None: no conversion).

    Read on every refresh rather than once per process, so that every worker uses the
    file as it is now; a change of table changes every fee cell's figures, which the
    next rebuild rewrites (and reports, as differences).
    """
    if path is None:
        return None
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        rates = {str(currency): float(rate) for currency, rate in data["rates"].items()}
        table = compute.RateTable(name=str(data["name"]), base=str(data["base"]),
                                  rates=rates)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise RatesUnreadable(f"cannot read the rate table {path}: {exc}") from None
    except (AttributeError, KeyError, TypeError):
        raise RatesUnreadable(f"{path} is not a rate table: a JSON object with name, base "
                              "and rates ({currency: units of base per unit})") from None
    if not all(math.isfinite(rate) and rate > 0 for rate in rates.values()):
        raise RatesUnreadable(f"{path}: every rate must be a positive number")
    return table


@dataclass(frozen=True)
class RebuildResult:
    """What a full rebuild did: cells computed, cells rewritten, and the keys
    (``region/period/audience``) of those whose stored figures differed."""

    cells: int
    written: int
    differences: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Stored:
    content_sha256: str
    tree_size: int


def _stored(session: Session, cells: list[Cell], everything: bool) -> dict[Cell, _Stored]:
    columns = (Summary.region, Summary.period, Summary.audience, Summary.content_sha256,
               Summary.tree_size)
    if everything:
        rows = session.execute(select(*columns)).all()
    else:
        rows = []
        for start in range(0, len(cells), _CHUNK):
            keys = [tuple(cell) for cell in cells[start:start + _CHUNK]]
            rows += session.execute(select(*columns).where(
                tuple_(Summary.region, Summary.period, Summary.audience).in_(keys))).all()
    return {Cell(r[0], r[1], r[2]): _Stored(r[3], r[4]) for r in rows}


_KEY_COLUMNS = ("region", "period", "audience")


def _previous(cell: Cell) -> Cell | None:
    before = periods.parse(cell.period).previous()
    if before.year < periods.FIRST_YEAR:
        return None
    return Cell(cell.region, str(before), cell.audience)


def _aggregate(session: Session, cells: set[Cell], stale: set[GroupKey], *,
               everything: bool) -> queries.Aggregates:
    """The tallies of ``cells``, merged from their groups (``summaries.groups``).

    The groups of ``stale`` (those a changed report falls in), of states' years not
    stored yet, or of everything (``everything``: the rebuild) are computed from the
    report tables and stored first; the others are read as stored.
    """
    # Read before the groups are computed: a row labelled with it holds at least the
    # versions logged so far, so a later worker's row (larger label) replaces it.
    floor = tree_size(session)
    members = queries.members(session, {cell.region for cell in cells})
    if everything:
        fresh = queries.group_tallies(session)
        groups.store(session, fresh, tree_size=floor, everything=True)
        return queries.merge(fresh, cells, members)
    states = set().union(*members.values()) if members else set()
    years = {periods.parse(cell.period).year for cell in cells}
    pairs = {(state, year) for state in states for year in years}
    missing = pairs - groups.complete(session, pairs)
    # A stale group whose year is not stored is recomputed with its year; one whose state
    # is in no region of ``cells`` still is, for when the state joins one.
    keys = {key for key in stale if key[:2] not in missing}
    if missing or keys:
        fresh = queries.group_tallies(session, queries.scope(missing, keys))
        groups.store(session, fresh, tree_size=floor, pairs=missing, keys=keys)
    return queries.merge(groups.load(session, pairs), cells, members)


def _published(session: Session, cells: set[Cell], k: int, rates: compute.RateTable | None
               ) -> dict[Cell, compute.Protected]:
    """The figures of those of ``cells`` whose stored summary was made with the current k,
    rules and rates, read from it (``compute.published``): a period whose own figures no
    change touched needs neither its groups merged nor its disclosure control redone.
    Stored summaries are as current as the stored groups they were merged from (both
    commit together), so this reads nothing older than merging would."""
    found: dict[Cell, compute.Protected] = {}
    wanted = [tuple(cell) for cell in sorted(cells)]
    rates_content = compute.rates_content(rates)
    for start in range(0, len(wanted), _CHUNK):
        for region, period, audience, stored_text in session.execute(
                select(Summary.region, Summary.period, Summary.audience, Summary.document)
                .where(tuple_(Summary.region, Summary.period, Summary.audience)
                       .in_(wanted[start:start + _CHUNK]),
                       Summary.k == k, Summary.rules_version == compute.RULES_VERSION)):
            document = json.loads(stored_text)
            if document["rates"] == rates_content:
                found[Cell(region, period, audience)] = compute.published(document)
    return found


def _refresh(unit: UnitOfWork, cells: set[Cell], *, everything: bool,
             stale: set[GroupKey] | None = None, unchanged: set[Cell] | None = None
             ) -> tuple[int, list[Cell]]:
    """Recompute ``cells`` (after the groups ``stale`` changed; ``unchanged``: those of
    ``cells`` whose own figures did not, only their previous period's); returns how many
    were rewritten and which differed from (or were missing in) the store."""
    session = unit.session
    k = unit.binding.settings.summary_k
    rates = load_rates(unit.binding.settings.summary_rates)
    ordered = sorted(cells)
    before = {cell: _previous(cell) for cell in ordered}
    previous_cells = {p for p in before.values() if p is not None and p not in cells}
    # Periods whose own figures this refresh does not change are read from their stored
    # summaries where those were made under today's rules (the rebuild reads none).
    reused = {} if everything else _published(
        session, previous_cells | (unchanged or set()), k, rates)
    aggregates = _aggregate(session, (cells | previous_cells) - reused.keys(),
                            stale or set(), everything=everything)
    if not cells:
        return 0, []
    stored = _stored(session, ordered, everything)
    names = dict(session.execute(select(Region.code, Region.name).where(
        Region.code.in_(sorted({cell.region for cell in cells})))).all())
    basis = documents.current_basis(session, unit.ledger)
    key = unit.ledger.active_key(session)
    now = utcnow()
    # A cell's figures are also the next period's "previous": each period's protection is
    # computed once, kept until the next period uses it (``ordered`` puts it later).
    kept: dict[Cell, compute.Protected] = {}
    used_later = {previous for previous in before.values() if previous is not None}

    def protected(cell: Cell) -> compute.Protected:
        found = kept.pop(cell, None) or reused.get(cell)
        if found is None:
            found = compute.protected(aggregates.tallies[cell], k=k, rates=rates)
        return found

    rows: list[dict[str, object]] = []
    differed = []
    for cell in ordered:
        previous_cell = before[cell]
        current = protected(cell)
        previous = protected(previous_cell) if previous_cell is not None else None
        if cell in used_later:
            kept[cell] = current
        content = compute.content(current, previous, rates=rates)
        figures = documents.figures_part(cell, names.get(cell.region, cell.region), k,
                                         compute.RULES_VERSION, content)
        digest = documents.content_sha256(figures)
        old = stored.get(cell)
        if old is None or old.content_sha256 != digest:
            differed.append(cell)
        elif aggregates.newest_receipt.get(cell, -1) < old.tree_size:
            continue
        _, text = documents.sign_summary(key, figures, basis, now)
        rows.append({"region": cell.region, "period": cell.period,
                     "audience": cell.audience, "document": text,
                     "content_sha256": digest, "tree_size": basis.tree_size,
                     "root_hash": basis.root_hash, "computed_at": now, "k": k,
                     "rules_version": compute.RULES_VERSION})
    for start in range(0, len(rows), _CHUNK):
        upsert(session, Summary.__table__, list(_KEY_COLUMNS), rows[start:start + _CHUNK],
               unless_older=True)
    return len(rows), differed


def refresh_cells(unit: UnitOfWork, cells: Iterable[Cell]) -> int:
    """Recompute the given cells and store those that changed; returns cells written."""
    written, _ = _refresh(unit, set(cells), everything=False)
    return written


def apply_change(unit: UnitOfWork, report_id: str) -> int:
    """Refresh the groups report ``report_id`` falls in and the cells they touch
    (``cells.dirty_cells``); returns cells written. An unknown report touches none."""
    keys = report_groups(unit.session, report_id)
    dirty = dirty_cells(unit.session, keys)
    written, _ = _refresh(unit, dirty.changed | dirty.following, everything=False,
                          stale=keys, unchanged=dirty.following)
    return written


def refresh_region(unit: UnitOfWork, region: str) -> int:
    """Refresh every cell of a region or group after its membership changed (a state
    joined or left: no report changed, so no outbox row of a report says so); returns
    cells written."""
    return refresh_cells(unit, region_cells(unit.session, region))


def rebuild(unit: UnitOfWork) -> RebuildResult:
    """Recompute every cell; log and return each one whose stored figures differed."""
    session = unit.session
    if session.get_bind().dialect.name == "postgresql":
        # For this transaction only (SET LOCAL): its grouped scans read every counted
        # version, which outlasts the statement timeout meant for requests.
        milliseconds = unit.binding.settings.rebuild_statement_timeout * 1000
        session.execute(text(f"SET LOCAL statement_timeout = {int(milliseconds)}"))
    cells = all_cells(session)
    written, differed = _refresh(unit, cells, everything=True)
    for cell in differed:
        log.error("summary %s differed from its full recomputation and was rewritten", cell)
    return RebuildResult(cells=len(cells), written=written,
                         differences=[str(cell) for cell in differed])


def publish(unit: UnitOfWork, period: str, *, today: date | None = None) -> int:
    """Record the publication of every region's summaries of a closed ``period`` (both
    audiences), refreshed first; returns how many were newly published. A cell published
    before keeps its first publication, so publishing twice adds nothing.

    Raises InvalidPeriod for text that is no period, PeriodNotClosed for a period that
    is not over (by UTC date).
    """
    parsed = periods.parse(period)
    if not parsed.is_closed(today or utcnow().date()):
        raise PeriodNotClosed(f"The period {parsed} is not over yet; it cannot be published.")
    session = unit.session
    refresh_cells(unit, {cell for cell in all_cells(session) if cell.period == str(parsed)})
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    table = Summary.__table__
    copied = select(table.c.region, table.c.period, table.c.audience,
                    table.c.document, table.c.content_sha256
                    ).add_columns(bindparam("published_at", utcnow(), type_=UTCDateTime())
                                  ).where(table.c.period == str(parsed))
    statement = module.insert(SummaryPublication.__table__).from_select(
        ["region", "period", "audience", "document", "content_sha256", "published_at"],
        copied).on_conflict_do_nothing(index_elements=["region", "period", "audience"]
                                       ).returning(SummaryPublication.__table__.c.region)
    return len(session.execute(statement).all())



# ---- reading ---------------------------------------------------------------------------


class SummaryNotFound(DomainError, LookupError):
    """No summary of that cell exists for this caller (it may exist for others)."""

    status = 404

    def __init__(self) -> None:
        super().__init__("No such summary.")


def _member_regions(principal: Principal) -> ColumnElement[bool] | None:
    """Regions whose ``region`` audience the caller reads: those its state belongs to."""
    if principal.role == SECRETARIAT or principal.state is None:
        return None
    return Summary.region.in_(select(RegionMembership.region_code).where(
        RegionMembership.country_iso3 == principal.state))


def readable(principal: Principal) -> ColumnElement[bool]:
    """A WHERE clause selecting the summaries ``principal`` may read (SPEC §4): every
    ``all_members`` summary, and the ``region`` summaries of its own state's regions and
    groups (never for the secretariat, which belongs to no member state)."""
    own_regions = _member_regions(principal)
    region = (and_(Summary.audience == REGION_AUDIENCE, own_regions)
              if own_regions is not None else false())
    return or_(Summary.audience == ALL_MEMBERS_AUDIENCE, region)


def get_summary(session: Session, principal: Principal, region: str, period: str,
                audience: str | None = None) -> Summary:
    """The summary of a cell the caller may read; without ``audience``, the widest one it
    may read (``region`` for a member of the region, else ``all_members``).

    Raises SummaryNotFound alike for a malformed period, a cell with no summary and a
    summary the caller may not read, so nothing tells them apart.
    """
    try:
        text = str(periods.parse(period))
    except periods.InvalidPeriod:
        raise SummaryNotFound() from None
    if text != period or not is_text(region):  # a NUL would reach PostgreSQL
        raise SummaryNotFound()
    wanted = (audience,) if audience is not None else AUDIENCES
    found = {row.audience: row for row in session.scalars(
        select(Summary).where(Summary.region == region, Summary.period == period,
                              Summary.audience.in_(wanted), readable(principal)))}
    for candidate in wanted:  # AUDIENCES lists the widest first
        if candidate in found:
            return found[candidate]
    raise SummaryNotFound()


@dataclass(frozen=True)
class SummaryFilter:
    region: str | None = None
    period: str | None = None
    audience: str | None = None


def list_summaries(session: Session, principal: Principal, filters: SummaryFilter, *,
                   limit: int, after: tuple[str, str, str] | None = None
                   ) -> tuple[list[Summary], tuple[str, str, str] | None]:
    """A page of the summaries the caller may read, ordered by region, period and
    audience, starting after the key ``after``; and the key to continue from (None on
    the last page)."""
    query = select(Summary).where(readable(principal))
    if filters.region:
        query = query.where(Summary.region == filters.region)
    if filters.period:
        query = query.where(Summary.period == filters.period)
    if filters.audience:
        query = query.where(Summary.audience == filters.audience)
    key = tuple_(Summary.region, Summary.period, Summary.audience)
    if after is not None:
        query = query.where(key > tuple_(*after))
    rows = list(session.scalars(query.order_by(Summary.region, Summary.period,
                                               Summary.audience).limit(limit + 1)))
    page = rows[:limit]
    last = page[-1] if len(rows) > limit else None
    return page, (last.region, last.period, last.audience) if last is not None else None
