"""Disclosure control: thresholds, secondary suppression, the few-states rule, the change.

The attacker here knows which published figures add up (``RELATIONS``) and works out a
hidden cell by subtraction wherever a relation has exactly one unknown; a brute-force
attacker solves every relation at once over small integers.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from reporting.summaries.compute import summarise
from reporting.summaries.disclosure import MIN_STATES, Group, protect, recoverable
from tests.factories import report
from tests.summaries.data import CURRENT, PREVIOUS, R1, R3, tallies

# (measure, breakdown): the breakdown's codes add up to the measure's total.
RELATIONS = [("migrants", "sex_age"), ("smugglers", "smuggler_sex"),
             ("incidents", "transport_mode"), ("incidents", "conveyance"),
             ("incidents", "detection_stage"), ("incidents", "location_type"),
             ("incidents", "detecting_agency"), ("incidents", "financial_benefit_established"),
             ("documents", "document"), ("documents", "document_issuer")]


def by_key(content: dict[str, Any]) -> dict[tuple[str, str, str], dict[str, Any]]:
    return {(o["measure"], o["breakdown"], o["code"]): o for o in content["observations"]
            if o["currency"] == "_Z"}


def primary_only(content: dict[str, Any], k: int) -> dict[str, Any]:
    """What a naive implementation publishes: the k=1 figures minus the counts below k."""
    observations = []
    for o in content["observations"]:
        small = isinstance(o["value"], int) and 0 < o["value"] < k \
            and o["measure"] != "contributing_states"
        observations.append({**o, "value": None if small else o["value"],
                             "status": "C" if small else o["status"]})
    return {**content, "observations": observations}


def subtract(content: dict[str, Any]) -> dict[tuple[str, str, str], int]:
    """Every hidden value an attacker gets as a published total minus published parts."""
    cells = by_key(content)
    found = {}
    for measure, breakdown in RELATIONS:
        total = cells[(measure, "_T", "_T")]["value"]
        parts = {key: o["value"] for key, o in cells.items() if key[:2] == (measure, breakdown)}
        hidden = [key for key, value in parts.items() if value is None]
        if total is not None and len(hidden) == 1:
            found[hidden[0]] = total - sum(v for v in parts.values() if v is not None)
    return found


def test_counts_from_one_to_k_minus_one_are_suppressed_and_zero_is_not():
    status = protect({"a": 0, "b": 1, "c": 2, "d": 3, "e": 40}, [], k=3)
    assert status == {"a": "F", "b": "C", "c": "C", "d": "F", "e": "F"}
    assert protect({"b": 4}, [], k=5) == {"b": "C"}


def test_k_below_one_is_refused():
    with pytest.raises(ValueError, match="k must be at least 1"):
        protect({"a": 1}, [], k=0)


def test_primary_suppression_alone_leaks_through_the_total_and_secondary_does_not():
    plain = summarise(tallies(CURRENT), None, k=1)
    naive = primary_only(plain, k=3)
    # One woman among ten smugglers: the naive summary hides her count, the total and the
    # men give it back.
    assert subtract(naive)[("smugglers", "smuggler_sex", "women")] == 1
    protected = summarise(tallies(CURRENT), None, k=3)
    assert subtract(protected) == {}
    cells = by_key(protected)
    assert cells[("smugglers", "smuggler_sex", "women")]["status"] == "C"
    # The next smallest non-zero cell of the row goes with it, marked as secondary.
    assert cells[("smugglers", "smuggler_sex", "men")]["status"] == "D"
    assert cells[("smugglers", "smuggler_sex", "sex_unknown")]["value"] == 0


def test_suppressed_cells_are_marked_and_never_dropped():
    plain = summarise(tallies(CURRENT), None, k=1)
    protected = summarise(tallies(CURRENT), None, k=3)
    assert [o["code"] for o in protected["observations"]] == \
        [o["code"] for o in plain["observations"]]
    for o in protected["observations"]:
        if o["status"] != "F":
            assert o["status"] in {"C", "D"}
            assert (o["value"], o["previous"], o["change"]) == (None, None, None)


def test_an_origin_is_protected_as_the_total_of_its_routes():
    # Routes of origin AFG: AFG>AUS 3 and AFG>? 1 (one report without a destination).
    unknown = report(**{"route.origin_countries": ["AFG"], "route.intended_destination": None})
    content = by_key(summarise(tallies([*CURRENT, ("MYS", unknown)]), None, k=3))
    assert content[("incidents", "route", "AFG>?")]["status"] == "C"
    assert content[("incidents", "route", "AFG>AUS")]["status"] == "D"
    # With the origin's 4 published, a C route (1..2) and a D route (3 or more) could only
    # be 1 + 3: the origin goes too.
    assert content[("incidents", "origin", "AFG")]["status"] == "D"
    assert content[("incidents", "origin", "IRN")]["status"] == "C"


def brute_force(counts: dict[str, int], status: dict[str, str], groups: list[Group],
                limit: int) -> set[str]:
    """The hidden cells with one value only among all assignments 0..limit of the hidden
    cells that satisfy every group's equation (total − Σ parts as published)."""
    hidden = sorted(c for c, s in status.items() if s != "F")
    seen: dict[str, set[int]] = {c: set() for c in hidden}
    for guess in itertools.product(range(limit + 1), repeat=len(hidden)):
        values = {**counts, **dict(zip(hidden, guess, strict=True))}
        if all(values[g.total] == sum(values[p] for p in g.parts) for g in groups):
            for cell, value in zip(hidden, guess, strict=True):
                seen[cell].add(value)
    return {c for c, found in seen.items() if len(found) == 1}


def test_groups_that_are_each_safe_cannot_be_solved_together():
    # T = x + y + p, x = c + q, y = c + s with q = s = 0: each group alone keeps two
    # unknowns once x, y, c are hidden, but together they give x + y = 2c = T − p.
    counts = {"T": 14, "p": 10, "x": 2, "y": 2, "c": 2, "q": 0, "s": 0}
    groups = [Group("T", ("x", "y", "p")), Group("x", ("c", "q")), Group("y", ("c", "s"))]
    pairs_only = {"T": "F", "p": "F", "x": "C", "y": "C", "c": "C", "q": "F", "s": "F"}
    assert brute_force(counts, pairs_only, groups, limit=14) == {"x", "y", "c"}
    assert recoverable(pairs_only, groups) == {"x", "y", "c"}
    status = protect(counts, groups, k=3)
    assert status["p"] == "D"
    assert recoverable(status, groups) == set()
    assert brute_force(counts, status, groups, limit=14) == set()


def knowing_the_statuses(counts: dict[str, int], status: dict[str, str], group: Group,
                         k: int) -> set[str]:
    """The hidden cells of one group with a single possible value, for an attacker who
    also knows that a C cell is 1..k−1 and a D cell at least k. A D cell is tried up to
    the published total, or up to three times the largest count when the total is hidden
    (a cap of any kind only makes the attacker stronger than a real one)."""
    published = status[group.total] == "F"
    limit = counts[group.total] if published else 3 * max(counts.values()) + k
    hidden = [c for c in group.cells if status[c] != "F"]
    if not hidden:
        return set()
    domains = {c: range(1, k) if status[c] == "C" else range(k, limit + 1) for c in hidden}
    *free, last = hidden       # the equation gives the last one from the others
    sign = {group.total: 1, **dict.fromkeys(group.parts, -1)}
    seen: dict[str, set[int]] = {c: set() for c in hidden}
    for guess in itertools.product(*(domains[c] for c in free)):
        values = {**counts, **dict(zip(free, guess, strict=True)), last: 0}
        # total − Σ parts = 0, with the last cell's term still zero
        rest = values[group.total] - sum(values[p] for p in group.parts)
        value = -rest * sign[last]
        if value in domains[last]:
            for cell, found in (*zip(free, guess, strict=True), (last, value)):
                seen[cell].add(found)
    return {c for c, found in seen.items() if len(found) == 1}


def test_the_statuses_never_pin_down_a_hidden_value():
    # Every row of four counts 0..3 whose total is at least k: a naive "one more cell per
    # row" rule gives 1 + 1 = 2 or 1 + 3 = 4 away (C is 1..2, D is 3 or more); this never.
    k = 3
    leaks_with_pairs_only = 0
    for parts in itertools.product(range(4), repeat=4):
        if sum(parts) < k:
            continue      # the total is suppressed itself; see the next test
        counts = {"T": sum(parts), **{f"p{i}": v for i, v in enumerate(parts)}}
        group = Group("T", tuple(f"p{i}" for i in range(4)))
        status = protect(counts, [group], k)
        assert knowing_the_statuses(counts, status, group, k) == set(), (counts, status)
        pairs_only = protect(counts, [], k)
        hidden = [c for c, st in pairs_only.items() if st != "F"]
        if len(hidden) == 1:
            smallest = min((v, c) for c, v in counts.items() if v and pairs_only[c] == "F")
            pairs_only[smallest[1]] = "D"
        leaks_with_pairs_only += bool(knowing_the_statuses(counts, pairs_only, group, k))
    assert leaks_with_pairs_only > 0


def test_a_group_whose_parts_are_all_hidden_gives_up_its_total():
    # T = a + b + a remainder (nationalities left unstated) that an attacker may know.
    status = protect({"T": 50, "a": 1, "b": 0}, [Group("T", ("a", "b"))], k=3)
    assert status == {"T": "D", "a": "C", "b": "F"}


def test_fewer_than_two_states_publish_protected_totals_only():
    assert MIN_STATES == 2
    content = summarise(tallies([("IDN", R1), ("IDN", R3)]), None, k=3)
    assert content["too_few_states"] is True
    assert content["contributing_states"] == 1
    assert {o["breakdown"] for o in content["observations"]} == {"_T"}
    cells = by_key(content)
    assert cells[("migrants", "_T", "_T")]["value"] == 30
    # Two incidents and two unaccompanied minors: totals, but still below k.
    assert cells[("incidents", "_T", "_T")]["status"] == "C"
    assert cells[("unaccompanied_minors", "_T", "_T")]["status"] == "C"
    assert cells[("contributing_states", "_T", "_T")]["value"] == 1


def test_two_states_are_enough_for_breakdowns():
    content = summarise(tallies(PREVIOUS), None, k=3)
    assert content["too_few_states"] is False
    assert "sex_age" in {o["breakdown"] for o in content["observations"]}


def test_the_change_never_reveals_a_value_suppressed_in_the_previous_period():
    content = by_key(summarise(tallies(CURRENT), tallies(PREVIOUS), k=3))
    girls = content[("migrants", "sex_age", "girls")]      # 1 before (suppressed), 3 now
    assert (girls["value"], girls["status"]) == (3, "F")
    assert (girls["previous"], girls["change"]) == (None, None)
    previous = by_key(summarise(tallies(PREVIOUS), None, k=3))
    for key, before in previous.items():
        if before["status"] != "F" and key in content:
            assert (content[key]["previous"], content[key]["change"]) == (None, None)


def test_the_change_never_reveals_a_value_suppressed_now():
    content = by_key(summarise(tallies(CURRENT), tallies(PREVIOUS), k=3))
    women = content[("smugglers", "smuggler_sex", "women")]  # 0 before, 1 now (suppressed)
    assert (women["value"], women["previous"], women["change"]) == (None, None, None)


def test_previous_period_with_too_few_states_gives_no_breakdown_change():
    content = by_key(summarise(tallies(CURRENT), tallies([("IDN", R1), ("IDN", R3)]), k=1))
    assert content[("migrants", "_T", "_T")]["previous"] == 30
    assert content[("migrants", "sex_age", "men")]["previous"] is None
