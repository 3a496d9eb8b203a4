"""Periods of a summary (SPEC §4): a year ``2024``, a quarter ``2024-Q3``, a month ``2024-07``.

A period is handled as its text everywhere it crosses a boundary (URLs, cell keys,
documents); :class:`Period` is the parsed form the queries and the calendar use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

YEAR, QUARTER, MONTH = "year", "quarter", "month"

_PATTERN = re.compile(r"^(?P<year>\d{4})(?:-Q(?P<quarter>[1-4])|-(?P<month>0[1-9]|1[0-2]))?$")
# Reports start at 2000-01-01 (SPEC §2); nothing earlier can have figures.
FIRST_YEAR = 2000


class InvalidPeriod(ValueError):
    """Text that is not ``YYYY``, ``YYYY-Qn`` or ``YYYY-MM`` (from 2000 on)."""


@dataclass(frozen=True, order=True)
class Period:
    """One calendar period; exactly one of ``quarter`` and ``month`` is set, or neither."""

    year: int
    quarter: int | None = None
    month: int | None = None

    @property
    def kind(self) -> str:
        if self.month is not None:
            return MONTH
        return QUARTER if self.quarter is not None else YEAR

    def __str__(self) -> str:
        if self.month is not None:
            return f"{self.year:04d}-{self.month:02d}"
        if self.quarter is not None:
            return f"{self.year:04d}-Q{self.quarter}"
        return f"{self.year:04d}"

    def previous(self) -> Period:
        """The period of the same kind just before this one (December before January)."""
        if self.month is not None:
            year, month = (self.year - 1, 12) if self.month == 1 else (self.year, self.month - 1)
            return Period(year, (month - 1) // 3 + 1, month)
        if self.quarter is not None:
            return Period(self.year - 1, 4) if self.quarter == 1 else Period(self.year,
                                                                            self.quarter - 1)
        return Period(self.year - 1)

    def next(self) -> Period:
        """The period of the same kind just after this one."""
        if self.month is not None:
            year, month = (self.year + 1, 1) if self.month == 12 else (self.year, self.month + 1)
            return Period(year, (month - 1) // 3 + 1, month)
        if self.quarter is not None:
            return Period(self.year + 1, 1) if self.quarter == 4 else Period(self.year,
                                                                            self.quarter + 1)
        return Period(self.year + 1)

    def end(self) -> date:
        """The first day after the period."""
        following = self.next()
        if following.month is not None:
            return date(following.year, following.month, 1)
        if following.quarter is not None:
            return date(following.year, 3 * following.quarter - 2, 1)
        return date(following.year, 1, 1)

    def is_closed(self, today: date) -> bool:
        """Whether the period is over on ``today`` (its last day has passed)."""
        return self.end() <= today


def parse(text: str) -> Period:
    """The period ``text`` names; InvalidPeriod for anything else."""
    match = _PATTERN.match(text) if isinstance(text, str) else None
    if match is None:
        raise InvalidPeriod(f"{text!r} is not a period: use YYYY, YYYY-Qn or YYYY-MM")
    year = int(match["year"])
    if year < FIRST_YEAR:
        raise InvalidPeriod(f"{text!r} is before {FIRST_YEAR}, when reports start")
    if match["month"]:
        month = int(match["month"])
        # The quarter is kept with the month so a month knows the quarter it falls in.
        return Period(year, (month - 1) // 3 + 1, month)
    if match["quarter"]:
        return Period(year, int(match["quarter"]))
    return Period(year)


def incident_periods(year: int, quarter: int, month: int | None) -> list[Period]:
    """The periods an incident counts in: its year, its quarter and (when known) its month.

    ``month`` is None for an incident known only to the quarter (``date_precision``
    "quarter", docs/data-model.md): it counts in no month rather than in the first.
    """
    periods = [Period(year), Period(year, quarter)]
    if month is not None:
        periods.append(Period(year, quarter, month))
    return periods


def just_closed(today: date) -> list[Period]:
    """The periods that closed most recently on ``today``: the previous month, and the
    previous quarter and year when ``today`` falls in the first month after them."""
    this_month = Period(today.year, (today.month - 1) // 3 + 1, today.month)
    month = this_month.previous()
    closed = [month]
    if month.month in (3, 6, 9, 12):
        closed.append(Period(month.year, month.quarter))
    if month.month == 12:
        closed.append(Period(month.year))
    return closed
