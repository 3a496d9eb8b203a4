"""Which service function does the work of an outbox topic.

A handler gets the unit of work of the delivery (the outbox row is marked done in the
same transaction) and the row's payload, and returns the number of summary cells it
wrote.
"""

from __future__ import annotations

from typing import Any

from reporting.directory.service import DIRECTORY_CHANGED
from reporting.outbox import Handler
from reporting.reports.service import REPORT_CHANGED
from reporting.summaries import service as summaries
from reporting.unit_of_work import UnitOfWork


def _report_changed(unit: UnitOfWork, payload: dict[str, Any]) -> int:
    # An approval, withdrawal or lowered sharing level: refresh the region × period ×
    # audience cells the report counted in before and after.
    return summaries.apply_change(unit, payload["report_id"])


def _directory_changed(unit: UnitOfWork, payload: dict[str, Any]) -> int:
    # A named group gained or lost a member (payload: region, state, event): no report
    # changed, yet every cell of that region may count different reports now.
    return summaries.refresh_region(unit, payload["region"])


HANDLERS: dict[str, Handler] = {REPORT_CHANGED: _report_changed,
                                DIRECTORY_CHANGED: _directory_changed}
