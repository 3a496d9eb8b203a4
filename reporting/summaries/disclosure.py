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

   The audit runs on each system of suppressed cells linked through shared groups on its
   own (:func:`_components`), with exact integer elimination, and remembers a system's
   findings until one of its statuses changes: the same cells, found many times faster
   (``tests/summaries/test_disclosure_equivalence.py`` holds the plain version as oracle).

Groups are equations with a *known* remainder: where the parts need not add up to the
total exactly (not every migrant's nationality is stated), an attacker is assumed to know
the difference anyway. That suppresses a little more than strictly needed, never less.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass

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
    auditor = _Auditor(counts, live, k)
    while True:
        changed = _close_groups(counts, status, live)
        changed = auditor.audit(status) or changed
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
    when its unit vector lies in the row space of those equations (equivalently: the
    reduced row echelon form has a row with its column alone).
    """
    found: set[Hashable] = set()
    for cells, members in _components(status, list(groups)):
        found |= _determined(cells, members)
    return found


def pinned(counts: Mapping[Hashable, int], status: Mapping[Hashable, str],
           groups: Iterable[Group], k: int) -> set[Hashable]:
    """The suppressed cells whose value the statuses and the group equations pin down.

    A status is itself information: ``C`` says 1..k−1, and ``D`` says at least k (a
    secondary cell is never chosen below k: such a cell would be ``C``, and zeros are
    never chosen). Two ``C`` cells that must add up to 2 are both 1. Each group's
    equation narrows its hidden cells' ranges from the others' ranges, repeated until
    nothing narrows (bounds propagation); a cell whose range is one value is pinned.
    """
    groups = list(groups)
    found: set[Hashable] = set()
    in_groups: set[Hashable] = set()
    for cells, members in _components(status, groups):
        found |= _narrowed(counts, status, cells, members, k)
        in_groups |= cells
    # A hidden cell in no group keeps the range its status gives: one value only when a
    # C cell's range 1..k−1 is (k = 2).
    found |= {cell for cell, st in status.items()
              if st == PRIMARY and cell not in in_groups and k == 2}
    return found


def _components(status: Mapping[Hashable, str], groups: list[Group]
                ) -> list[tuple[set[Hashable], list[Group]]]:
    """The suppressed cells split into independent systems: two suppressed cells belong
    together when some group holds both (directly or through others). Each system comes
    with its groups, in the order given.

    Every group equation involves the hidden cells of one system only, so the equations
    fall apart into blocks: a cell's unit vector lies in the row space of all equations
    exactly when it lies in that of its own block, and bounds propagation over one block
    never reads another block's bounds. Auditing the systems one by one therefore gives
    what auditing all equations at once gives, and a summary's systems are mostly one or
    two cells (or none), where the whole system has hundreds.
    """
    parent: dict[Hashable, Hashable] = {}

    def root(cell: Hashable) -> Hashable:
        while parent[cell] != cell:
            parent[cell] = parent[parent[cell]]
            cell = parent[cell]
        return cell

    hidden_of: list[list[Hashable]] = []
    for group in groups:
        hidden = [c for c in group.cells if status.get(c, FREE) != FREE]
        hidden_of.append(hidden)
        for cell in hidden:
            parent.setdefault(cell, cell)
        for cell in hidden[1:]:
            a, b = root(hidden[0]), root(cell)
            if a != b:
                parent[b] = a
    systems: dict[Hashable, tuple[set[Hashable], list[Group]]] = {}
    for cell in parent:
        systems.setdefault(root(cell), (set(), []))[0].add(cell)
    for group, hidden in zip(groups, hidden_of, strict=True):
        if hidden:
            systems[root(hidden[0])][1].append(group)
    return list(systems.values())


def _determined(cells: set[Hashable], groups: list[Group]) -> set[Hashable]:
    """The cells of one system whose unit vector lies in the row space of its equations.

    Gauss–Jordan elimination over the integers: a row is reduced by another as
    ``a·row − b·other`` and divided by the gcd of its entries, which keeps the row space
    over the rationals exactly (no rounding, no modulus) and the entries small, at a
    fraction of the cost of ``fractions.Fraction``. Every kept row has a pivot column
    that no other row has; a vector of the row space is then the sum of the rows scaled
    by its own entries at their pivots, so a unit vector lies in it exactly when some row
    is that unit vector up to a factor (whichever pivots the elimination picked).
    """
    basis: dict[Hashable, dict[Hashable, int]] = {}
    for group in groups:
        row: dict[Hashable, int] = {}
        for cell, sign in ((group.total, 1), *((p, -1) for p in group.parts)):
            if cell in cells:
                row[cell] = row.get(cell, 0) + sign
        row = {cell: value for cell, value in row.items() if value}
        for column in [c for c in row if c in basis]:
            row = _eliminate(row, basis[column], column)
        if not row:
            continue
        pivot = next(iter(row))
        for column, other in basis.items():
            if pivot in other:
                basis[column] = _eliminate(other, row, pivot)
        basis[pivot] = row
    return {column for column, row in basis.items() if len(row) == 1}


def _eliminate(row: dict[Hashable, int], by: dict[Hashable, int],
               column: Hashable) -> dict[Hashable, int]:
    """``row`` with ``column`` cleared by a multiple of ``by``, divided by its gcd."""
    a, b = by[column], row[column]
    out = {}
    for cell in row.keys() | by.keys():
        value = a * row.get(cell, 0) - b * by.get(cell, 0)
        if value:
            out[cell] = value
    divisor = math.gcd(*out.values()) if out else 1
    if divisor > 1:
        out = {cell: value // divisor for cell, value in out.items()}
    return out


def _narrowed(counts: Mapping[Hashable, int], status: Mapping[Hashable, str],
              cells: set[Hashable], groups: list[Group], k: int) -> set[Hashable]:
    """:func:`pinned` for one system (its cells and their groups, in the given order)."""
    bounds: dict[Hashable, tuple[float, float]] = {
        cell: (1, k - 1) if status[cell] == PRIMARY else (k, math.inf) for cell in cells}
    equations = []
    for group in groups:
        terms = [(1, group.total), *((-1, part) for part in group.parts)]
        hidden = [(sign, cell) for sign, cell in terms if cell in bounds]
        if hidden:
            # sum(sign × hidden) = what the hidden cells must make up of the equation
            # total − Σ parts = its actual remainder (assumed known, see the module).
            known = sum(sign * counts[cell] for sign, cell in hidden)
            equations.append((hidden, known))
    # A cell's low bound stays finite (it starts at 1 or k and only rises), so each term's
    # least contribution is finite or −∞ and its greatest finite or +∞: the sum of the
    # other terms is the equation's sum less the cell's own terms, kept as an integer and
    # a count of infinite terms. That is exactly what summing the others gives (integers
    # throughout, −∞ or +∞ as soon as one term is), in one pass per equation.
    for _ in range(_PROPAGATION_ROUNDS):
        narrowed = False
        for hidden, known in equations:
            own: dict[Hashable, list[int]] = {}
            for index, (_, cell) in enumerate(hidden):
                own.setdefault(cell, []).append(index)
            lows = [min(s * bounds[c][0], s * bounds[c][1]) for s, c in hidden]
            highs = [max(s * bounds[c][0], s * bounds[c][1]) for s, c in hidden]
            low_sum, low_infinite = _split(lows, -math.inf)
            high_sum, high_infinite = _split(highs, math.inf)
            for sign, cell in hidden:
                mine = own[cell]
                if low_infinite > sum(1 for j in mine if lows[j] == -math.inf):
                    rest_low = -math.inf
                else:
                    rest_low = low_sum - sum(lows[j] for j in mine if lows[j] != -math.inf)
                if high_infinite > sum(1 for j in mine if highs[j] == math.inf):
                    rest_high = math.inf
                else:
                    rest_high = high_sum - sum(highs[j] for j in mine if highs[j] != math.inf)
                low, high = sorted((sign * (known - rest_high), sign * (known - rest_low)))
                old_low, old_high = bounds[cell]
                new = (max(old_low, low), min(old_high, high))
                if new != (old_low, old_high):
                    bounds[cell] = new
                    narrowed = True
                    for j in mine:
                        s = hidden[j][0]
                        lows[j] = min(s * new[0], s * new[1])
                        highs[j] = max(s * new[0], s * new[1])
                    low_sum, low_infinite = _split(lows, -math.inf)
                    high_sum, high_infinite = _split(highs, math.inf)
        if not narrowed:
            break
    return {cell for cell, (low, high) in bounds.items() if low == high}


def _split(values: list[float], infinite: float) -> tuple[float, int]:
    """The sum of the finite ``values`` and how many are ``infinite``."""
    return (sum(x for x in values if x != infinite),
            sum(1 for x in values if x == infinite))


# Propagation narrows by whole units; on the star-shaped groups of a summary it settles
# in two or three rounds. The cap only stops a pathological cycle from running long (the
# bounds found until then are still valid). It applies per system: systems do not read
# each other's bounds, so each settles after the same rounds as it would among all.
_PROPAGATION_ROUNDS = 50


class _Auditor:
    """The audit of one :func:`protect` call, kept up to date between audits.

    Within a call a cell is only ever hidden, never published again, and a hidden cell
    keeps its status: so the systems (:func:`_components`) only grow and merge, and a
    system's findings depend on its cells alone (the counts, the groups and k are fixed).
    The systems are kept in a union–find as cells become hidden, and each system's
    findings are remembered until it changes: between two audits one cell, or a few,
    changes, where the whole audit used to start over.
    """

    def __init__(self, counts: Mapping[Hashable, int], groups: list[Group], k: int) -> None:
        self.counts, self.groups, self.k = counts, groups, k
        self.groups_of: dict[Hashable, list[int]] = {}
        for index, group in enumerate(groups):
            for cell in group.cells:
                mine = self.groups_of.setdefault(cell, [])
                if not mine or mine[-1] != index:
                    mine.append(index)
        self.parent: dict[Hashable, Hashable] = {}
        # per system (by its root): its cells, its groups' indices, its findings
        self.cells: dict[Hashable, set[Hashable]] = {}
        self.members: dict[Hashable, set[int]] = {}
        self.found: dict[Hashable, set[Hashable]] = {}

    def _root(self, cell: Hashable) -> Hashable:
        parent = self.parent
        while parent[cell] != cell:
            parent[cell] = parent[parent[cell]]
            cell = parent[cell]
        return cell

    def _hide(self, cell: Hashable, status: Mapping[Hashable, str]) -> None:
        """Add a newly hidden cell: its own system, joined with the hidden cells of its
        groups' systems."""
        self.parent[cell] = cell
        self.cells[cell] = {cell}
        self.members[cell] = set(self.groups_of[cell])
        for index in self.groups_of[cell]:
            for other in self.groups[index].cells:
                if other in self.parent:
                    self._join(self._root(cell), self._root(other))

    def _join(self, a: Hashable, b: Hashable) -> None:
        if a == b:
            return
        if len(self.cells[a]) < len(self.cells[b]):
            a, b = b, a
        self.parent[b] = a
        self.cells[a] |= self.cells.pop(b)
        self.members[a] |= self.members.pop(b)
        self.found.pop(a, None)
        self.found.pop(b, None)

    def audit(self, status: dict[Hashable, str]) -> bool:
        """Suppress one more cell for the first recoverable or pinned cell that can be
        helped: the smallest free non-zero cell of one of its groups. A cell whose groups
        have none left stays as it is (see "What the rules do not cover" in
        docs/summaries.md)."""
        for cell, st in status.items():
            if st != FREE and cell not in self.parent and cell in self.groups_of:
                self._hide(cell, status)
                self.found.pop(self._root(cell), None)
        found: set[Hashable] = set()
        for root, cells in self.cells.items():
            if root not in self.found:
                members = [self.groups[i] for i in sorted(self.members[root])]
                self.found[root] = (_determined(cells, members)
                                    | _narrowed(self.counts, status, cells, members, self.k))
            found |= self.found[root]
        # Hidden cells in no group are left out: with no group there is nothing to help.
        for cell in sorted(found):
            for index in self.groups_of[cell]:
                pick = _smallest_free(self.counts, status, self.groups[index].cells)
                if pick is not None:
                    status[pick] = SECONDARY
                    return True
        return False
