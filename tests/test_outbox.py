"""The outbox table as the sweep will read it: undispatched rows, oldest first."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import delete, insert, select

from reporting.outbox import OutboxMessage

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def test_sweep_finds_undispatched_messages_in_id_order(database):
    payload = json.dumps({"report_id": "r-1", "version": 1})
    try:
        with database.session() as session:
            # A Core insert without attempts: the server default gives 0.
            session.execute(insert(OutboxMessage), [
                {"topic": "summaries.refresh", "payload": payload, "created_at": NOW}
                for _ in range(3)])
            first = session.scalar(select(OutboxMessage).order_by(OutboxMessage.id))
            first.dispatched_at = NOW
        with database.session() as session:
            pending = session.scalars(
                select(OutboxMessage).where(OutboxMessage.dispatched_at.is_(None))
                .order_by(OutboxMessage.id)).all()
            assert len(pending) == 2
            assert pending[0].id < pending[1].id
            assert all(m.attempts == 0 and m.last_error is None for m in pending)
            assert json.loads(pending[0].payload) == {"report_id": "r-1", "version": 1}
    finally:
        with database.session() as session:
            session.execute(delete(OutboxMessage))
