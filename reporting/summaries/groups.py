"""Stored group tallies: what each reporting state × exact incident period × sharing level
adds to the cells it falls in (tables ``summary_groups`` and ``summary_group_years``).

Every cell (region × period × audience) is a union of groups (``queries``), and a group
depends on its own reports only: not on which regions its state belongs to, nor on the
cells' disclosure rules. So a change of one report recomputes only the groups that report
falls in, from the report tables; a cell is merged from stored groups. Without them, a
Bali Process year cell re-aggregated every report of almost every state for the year
(and the previous year, for the change) after every approval: seconds at a million
reports (bench/README.md, ``aggregate.py``).

A state's year is read from storage only when it is marked complete in the current
``FORMAT`` (``summary_group_years``); otherwise its groups are computed from the report
tables first and stored, and the year is marked. So the tables need no backfill after an
upgrade, and a change to what a group holds (bump ``FORMAT``) recomputes lazily. The
nightly rebuild recomputes and stores every group; the cells it merges from them are
compared with the stored summaries, as before.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import Row, delete, select, tuple_
from sqlalchemy.orm import Session

from reporting.db import upsert
from reporting.summaries.cells import GroupKey
from reporting.summaries.models import SummaryGroup, SummaryGroupYear
from reporting.summaries.queries import Group, Groups, group_order
from reporting.summaries.tallies import Tallies

# Bump when what a group holds changes (Tallies' fields, what counts in queries): every
# stored year is then recomputed before it is read again.
FORMAT = 1

# A reporting state's year.
Pair = tuple[str, int]

T = TypeVar("T")
# Rows per statement: well under SQLite's 32,766 bound parameters.
_CHUNK = 500


# The stored columns of a group, its key first.
_COLUMNS = (SummaryGroup.state_iso3, SummaryGroup.year, SummaryGroup.quarter,
            SummaryGroup.month, SummaryGroup.sharing, SummaryGroup.tallies,
            SummaryGroup.newest_receipt, SummaryGroup.tree_size)
_STORED_KEY = tuple_(*_COLUMNS[:5])
_KEY = [column.key for column in _COLUMNS[:5]]


def _group(row: Sequence[Any]) -> Group:
    state, year, quarter, month, sharing = row[:5]
    return state, year, quarter, month or None, sharing


def complete(session: Session, pairs: Iterable[Pair]) -> set[Pair]:
    """Those of ``pairs`` whose groups are all stored in the current format."""
    found: set[Pair] = set()
    for chunk in _chunks(sorted(set(pairs))):
        found.update((state, year) for state, year in session.execute(
            select(SummaryGroupYear.state_iso3, SummaryGroupYear.year)
            .where(tuple_(SummaryGroupYear.state_iso3, SummaryGroupYear.year).in_(chunk),
                   SummaryGroupYear.format == FORMAT)))
    return found


def load(session: Session, pairs: Iterable[Pair]) -> Groups:
    """The stored groups of the reporting states' years ``pairs``."""
    result = Groups()
    for chunk in _chunks(sorted(set(pairs))):
        for row in session.execute(select(*_COLUMNS).where(
                tuple_(SummaryGroup.state_iso3, SummaryGroup.year).in_(chunk))):
            group = _group(row)
            result.tallies[group] = Tallies.from_json(row.tallies)
            result.newest_receipt[group] = row.newest_receipt
    return result


def store(session: Session, fresh: Groups, *, tree_size: int, pairs: Iterable[Pair] = (),
          keys: Iterable[GroupKey] = (), everything: bool = False) -> None:
    """Store ``fresh``, the groups just computed for the whole of ``pairs`` and ``keys``
    (every group when ``everything``): rewrite those that differ, delete stored ones of
    that scope that no longer have counted versions, and mark ``pairs`` (every year of
    ``fresh`` when ``everything``) complete. A stored row computed from a larger log is
    left alone."""
    pairs, keys = set(pairs), set(keys)
    query = select(*_COLUMNS)
    stored: dict[Group, Row[Any]] = {}
    if everything:
        stored = {_group(row): row for row in session.execute(query)}
    else:
        for chunk in _chunks(sorted(pairs)):
            stored.update((_group(row), row) for row in session.execute(query.where(
                tuple_(SummaryGroup.state_iso3, SummaryGroup.year).in_(chunk))))
        for chunk in _chunks(sorted(keys)):
            stored.update((_group(row), row) for row in session.execute(query.where(
                tuple_(*_COLUMNS[:4]).in_(chunk))))
    rows = []
    for group in sorted(fresh.tallies, key=group_order):
        # A group can lack a receipt (-1) when a version was approved between the grouped
        # queries (each statement reads what is committed when it starts): that
        # approval's own delivery recomputes the group with a larger log size, and its
        # row replaces this one whichever commits first.
        text = fresh.tallies[group].to_json()
        newest = fresh.newest_receipt.get(group, -1)
        old = stored.pop(group, None)
        if old is not None and (old.tallies, old.newest_receipt) == (text, newest):
            continue
        state, year, quarter, month, sharing = group
        rows.append({"state_iso3": state, "year": year, "quarter": quarter,
                     "month": month or 0, "sharing": sharing, "tallies": text,
                     "newest_receipt": newest, "tree_size": tree_size})
    gone = [tuple(row[:5]) for group, row in sorted(stored.items(),
                                                     key=lambda item: group_order(item[0]))
            if row.tree_size <= tree_size]
    for chunk in _chunks(rows):
        upsert(session, SummaryGroup.__table__, _KEY, chunk, unless_older=True)
    for chunk in _chunks(gone):
        session.execute(delete(SummaryGroup).where(
            _STORED_KEY.in_(chunk), SummaryGroup.tree_size <= tree_size))
    if everything:
        pairs = {(group[0], group[1]) for group in fresh.tallies}
    _mark(session, pairs)


def _mark(session: Session, pairs: set[Pair]) -> None:
    marks = [{"state_iso3": state, "year": year, "format": FORMAT}
             for state, year in sorted(pairs)]
    for chunk in _chunks(marks):
        upsert(session, SummaryGroupYear.__table__, ["state_iso3", "year"], chunk)


def _chunks(items: list[T]) -> Iterator[list[T]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start:start + _CHUNK]
