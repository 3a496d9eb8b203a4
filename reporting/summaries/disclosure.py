"""Statistical disclosure control of a summary's counts (SPEC §4).

Pure functions over plain values: :func:`protect` takes the counts of one summary, the
groups of them that add up to a published total (:class:`Group`) and the threshold k,
and returns every cell's status:

* ``F`` (free): published.
* ``C`` (primary): the count is between 1 and k−1. Zero is not disclosive (it says that
  nobody was counted, not who) and stays free.
* ``D`` (secondary): suppressed so that a ``C`` cell cannot be worked out from the
  published cells.

Secondary suppression works in two passes, repeated until neither changes anything:

1. **Groups.** A group is a total and the parts that add up to it, e.g. men + women +
   boys + girls + unknown = migrants. If exactly one of its cells is suppressed, that
   cell is the published total minus the published parts, so the smallest other free,
   non-zero cell of the group is suppressed too (a suppressed zero would protect nothing
   an attacker cannot guess). With no such part left, the group's total goes.
2. **Audit.** Groups share cells (the incidents total heads six breakdowns; an origin's
   count heads its routes), so two groups with two unknowns each can still pin one
   down together. Every group is one linear equation in its suppressed cells; a
   suppressed cell is recoverable exactly when its unit vector lies in the row space of
   those equations, which one reduced row echelon form over the rationals shows. Every
   recoverable cell gets the smallest free cell of one of its groups suppressed, and the
   first pass runs again.

Groups are equations with a *known* remainder: where the parts need not add up to the
total exactly (not every migrant's nationality is stated), an attacker is assumed to know
the difference anyway. That suppresses a little more than strictly needed, never less.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction

MIN_STATES = 2
"""A summary built from fewer reporting states shows totals only (SPEC §4)."""

DEFAULT_K = 3

FREE = "F"
PRIMARY = "C"
SECONDARY = "D"


@dataclass(frozen=True)
class Group:
    """A published ``total`` and the ``parts`` that add up to it (up to a known remainder)."""

    total: Hashable
    parts: tuple[Hashable, ...]

    @property
    def cells(self) -> tuple[Hashable, ...]:
        return (self.total, *self.parts)


def is_primary(value: int, k: int) -> bool:
    """Whether a count is below the threshold: 1..k−1 (0 is not disclosive)."""
    return 0 < value < k


def protect(counts: Mapping[Hashable, int], groups: Iterable[Group], k: int) -> dict[Hashable, str]:
    """The status (``F``, ``C`` or ``D``) of every cell of ``counts``.

    ``counts`` holds every count the summary would publish; ``groups`` name the cells that
    add up. Cells of a group missing from ``counts`` are ignored. Keys must be sortable
    with each other: ties are broken by key, so the result depends on the values only.
    Raises ``ValueError`` for k < 1.
    """
    if k < 1:
        raise ValueError("k must be at least 1")
    status = {key: PRIMARY if is_primary(value, k) else FREE for key, value in counts.items()}
    live = sorted(
        {Group(g.total, tuple(sorted(p for p in g.parts if p in counts)))
         for g in groups if g.total in counts},
        key=lambda g: (g.total, g.parts))
    live = [g for g in live if g.parts]
    while True:
        changed = _close_groups(counts, status, live)
        changed = _audit(counts, status, live) or changed
        if not changed:
            return status


def _smallest_free(counts: Mapping[Hashable, int], status: dict[Hashable, str],
                   cells: Iterable[Hashable]) -> Hashable | None:
    """The free cell to suppress next among ``cells``: the smallest non-zero one."""
    candidates = [(counts[c], c) for c in cells if status[c] == FREE and counts[c] != 0]
    return min(candidates)[1] if candidates else None


def _close_groups(counts: Mapping[Hashable, int], status: dict[Hashable, str],
                  groups: list[Group]) -> bool:
    changed = False
    settled = False
    while not settled:
        settled = True
        for group in groups:
            hidden = [c for c in group.cells if status[c] != FREE]
            if len(hidden) != 1:
                continue
            pick = _smallest_free(counts, status, group.parts)
            if pick is None and status[group.total] == FREE:
                pick = group.total
            if pick is not None:
                status[pick] = SECONDARY
                changed = True
                settled = False
    return changed


def recoverable(status: Mapping[Hashable, str], groups: Iterable[Group]) -> set[Hashable]:
    """The suppressed cells that the published cells and the group equations determine.

    Each group is ``total − Σ parts = known``; moving the published cells to the right
    leaves one equation in the suppressed cells. A suppressed cell is determined exactly
    when the reduced row echelon form of those equations has a row with its column alone.
    """
    hidden = sorted({c for g in groups for c in g.cells if status.get(c, FREE) != FREE})
    column = {cell: i for i, cell in enumerate(hidden)}
    rows: list[list[Fraction]] = []
    for group in groups:
        row = [Fraction(0)] * len(hidden)
        for cell, sign in ((group.total, 1), *((p, -1) for p in group.parts)):
            if cell in column:
                row[column[cell]] += sign
        if any(row):
            rows.append(row)
    found: set[Hashable] = set()
    for row in _rref(rows):
        nonzero = [i for i, x in enumerate(row) if x]
        if len(nonzero) == 1:
            found.add(hidden[nonzero[0]])
    return found


def _rref(rows: list[list[Fraction]]) -> list[list[Fraction]]:
    """Reduced row echelon form (Gauss–Jordan, exact over the rationals)."""
    if not rows:
        return []
    width = len(rows[0])
    pivot_row = 0
    for col in range(width):
        pick = next((r for r in range(pivot_row, len(rows)) if rows[r][col]), None)
        if pick is None:
            continue
        rows[pivot_row], rows[pick] = rows[pick], rows[pivot_row]
        lead = rows[pivot_row][col]
        rows[pivot_row] = [x / lead for x in rows[pivot_row]]
        for r in range(len(rows)):
            if r != pivot_row and rows[r][col]:
                factor = rows[r][col]
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[pivot_row], strict=True)]
        pivot_row += 1
        if pivot_row == len(rows):
            break
    return rows[:pivot_row]


def _audit(counts: Mapping[Hashable, int], status: dict[Hashable, str],
           groups: list[Group]) -> bool:
    changed = False
    for cell in sorted(recoverable(status, groups)):
        if status[cell] == FREE:
            continue
        for group in groups:
            if cell not in group.cells:
                continue
            pick = _smallest_free(counts, status, group.cells)
            if pick is None and status[group.total] == FREE:
                pick = group.total
            if pick is not None:
                status[pick] = SECONDARY
                return True
    return changed
