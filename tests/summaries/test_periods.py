"""Periods: YYYY, YYYY-Qn, YYYY-MM; the one before; where an incident counts; what closed."""

from __future__ import annotations

from datetime import date

import pytest

from reporting.summaries.periods import (
    InvalidPeriod,
    Period,
    incident_periods,
    just_closed,
    parse,
)


@pytest.mark.parametrize("text", ["2024", "2024-Q1", "2024-Q4", "2024-01", "2024-12"])
def test_a_period_reads_back_as_written(text):
    assert str(parse(text)) == text


@pytest.mark.parametrize("text", ["24", "2024-Q5", "2024-Q0", "2024-13", "2024-00", "2024-1",
                                  "1999", "2024-q1", " 2024", "2024-W01", ""])
def test_anything_else_is_refused(text):
    with pytest.raises(InvalidPeriod):
        parse(text)


@pytest.mark.parametrize(("text", "before"), [
    ("2024", "2023"), ("2024-Q1", "2023-Q4"), ("2024-Q3", "2024-Q2"),
    ("2024-01", "2023-12"), ("2024-07", "2024-06")])
def test_the_previous_period_is_of_the_same_kind(text, before):
    assert str(parse(text).previous()) == before
    assert str(parse(before).next()) == text


def test_a_month_knows_its_quarter():
    assert parse("2024-08") == Period(2024, 3, 8)


def test_an_incident_known_to_the_quarter_counts_in_no_month():
    assert [str(p) for p in incident_periods(2024, 2, None)] == ["2024", "2024-Q2"]
    assert [str(p) for p in incident_periods(2024, 2, 5)] == ["2024", "2024-Q2", "2024-05"]


def test_a_period_is_closed_only_after_its_last_day():
    assert not parse("2024-Q1").is_closed(date(2024, 3, 31))
    assert parse("2024-Q1").is_closed(date(2024, 4, 1))
    assert not parse("2024").is_closed(date(2024, 12, 31))
    assert parse("2024-12").is_closed(date(2025, 1, 1))


def test_the_periods_just_closed():
    assert [str(p) for p in just_closed(date(2025, 1, 3))] == ["2024-12", "2024-Q4", "2024"]
    assert [str(p) for p in just_closed(date(2025, 7, 1))] == ["2025-06", "2025-Q2"]
    assert [str(p) for p in just_closed(date(2025, 8, 20))] == ["2025-07"]
