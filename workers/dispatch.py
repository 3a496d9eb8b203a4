"""Handing committed outbox rows to the queue: one ``deliver`` message per row.

Runs after a commit (the unit of work's dispatch hook, in the API and in workers) and in
the sweep. A send that fails is logged and left: the row stays not done and the sweep
sends it again, so a broker outage costs a log line, never a failed or slow request.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from reporting.db import utcnow
from reporting.outbox import mark_sent
from reporting.unit_of_work import Binding, UnitOfWork

if TYPE_CHECKING:
    from celery import Celery

log = logging.getLogger(__name__)

DELIVER = "workers.deliver"


class OutboxDispatch:
    """The ``Binding.dispatch`` of a process: send each row id, then record the sends."""

    def __init__(self, celery: Celery, binding: Binding) -> None:
        self.celery = celery
        self.binding = binding

    def __call__(self, ids: list[int]) -> list[int]:
        """Send ``ids``; the ids sent, each marked ``dispatched_at`` now."""
        sent: list[int] = []
        for outbox_id in ids:
            try:
                # retry=False: no publish retries either; the sweep is the retry.
                self.celery.send_task(DELIVER, args=[outbox_id], retry=False,
                                      ignore_result=True)
            except Exception as exc:
                # The first failure stops the batch: the rest would wait out the same
                # dead broker one by one.
                log.warning("outbox: broker unavailable (%s); %d row(s) wait for the sweep",
                            type(exc).__name__, len(ids) - len(sent))
                break
            sent.append(outbox_id)
        if sent:
            with UnitOfWork.begin(self.binding) as unit:
                mark_sent(unit.session, sent, utcnow())
        return sent
