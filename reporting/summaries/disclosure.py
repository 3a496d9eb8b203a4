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
2. **Audit**, of all groups at once (:func:`recoverable`, :func:`pinned`):

   * *Exact recovery.* Groups share cells (the incidents total heads six breakdowns),
     and groups that each keep two unknowns can still be solved together. Every group is
     one linear equation in its suppressed cells; a suppressed cell is recoverable
     exactly when its unit vector lies in the row space of those equations, which one
     reduced row echelon form over the rationals shows.
   * *Bounds.* The statuses say something too: ``C`` is 1..k−1 and ``D`` at least k
     (secondary cells are chosen among free non-zero cells, which are k or more). So
     two ``C`` cells that add up to 2 are 1 each, and a ``C`` and a ``D`` cell that add
     up to k + 1 are 1 and k. Bounds propagation over the equations finds every cell
     narrowed to one value this way.

   Each such cell gets the smallest free non-zero cell of one of its groups suppressed,
   and the first pass runs again.

Groups are equations with a *known* remainder: where the parts need not add up to the
total exactly (not every migrant's nationality is stated), an attacker is assumed to know
the difference anyway. That suppresses a little more than strictly needed, never less.
"""

from __future__ import annotations

import math
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
        changed = _audit(counts, status, live, k) or changed
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


def pinned(counts: Mapping[Hashable, int], status: Mapping[Hashable, str],
           groups: Iterable[Group], k: int) -> set[Hashable]:
    """The suppressed cells whose value the statuses and the group equations pin down.

    A status is itself information: ``C`` says 1..k−1, and ``D`` says at least k (a
    secondary cell is never chosen below k: such a cell would be ``C``, and zeros are
    never chosen). Two ``C`` cells that must add up to 2 are both 1. Each group's
    equation narrows its hidden cells' ranges from the others' ranges, repeated until
    nothing narrows (bounds propagation); a cell whose range is one value is pinned.
    """
    bounds: dict[Hashable, tuple[float, float]] = {
        cell: (1, k - 1) if st == PRIMARY else (k, math.inf)
        for cell, st in status.items() if st != FREE}
    equations = []
    for group in groups:
        terms = [(1, group.total), *((-1, part) for part in group.parts)]
        hidden = [(sign, cell) for sign, cell in terms if cell in bounds]
        if hidden:
            # sum(sign × hidden) = what the hidden cells must make up of the equation
            # total − Σ parts = its actual remainder (assumed known, see the module).
            known = sum(sign * counts[cell] for sign, cell in hidden)
            equations.append((hidden, known))
    for _ in range(_PROPAGATION_ROUNDS):
        narrowed = False
        for hidden, known in equations:
            for sign, cell in hidden:
                rest_low = sum(min(s * bounds[c][0], s * bounds[c][1])
                               for s, c in hidden if c != cell)
                rest_high = sum(max(s * bounds[c][0], s * bounds[c][1])
                                for s, c in hidden if c != cell)
                low, high = sorted((sign * (known - rest_high), sign * (known - rest_low)))
                old_low, old_high = bounds[cell]
                new = (max(old_low, low), min(old_high, high))
                if new != (old_low, old_high):
                    bounds[cell] = new
                    narrowed = True
        if not narrowed:
            break
    return {cell for cell, (low, high) in bounds.items() if low == high}


# Propagation narrows by whole units; on the star-shaped groups of a summary it settles
# in two or three rounds. The cap only stops a pathological cycle from running long (the
# bounds found until then are still valid).
_PROPAGATION_ROUNDS = 50


def _audit(counts: Mapping[Hashable, int], status: dict[Hashable, str],
           groups: list[Group], k: int) -> bool:
    """Suppress one more cell for the first recoverable or pinned cell that can be helped:
    the smallest free non-zero cell of one of its groups. A cell whose groups have none
    left stays as it is (see "What the rules do not cover" in docs/summaries.md)."""
    for cell in sorted(recoverable(status, groups) | pinned(counts, status, groups, k)):
        for group in groups:
            if cell in group.cells:
                pick = _smallest_free(counts, status, group.cells)
                if pick is not None:
                    status[pick] = SECONDARY
                    return True
    return False
