"""The unit of work: it commits, then runs hooks and dispatches outbox rows; a rollback
drops both. On the real databases."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from reporting.outbox import OutboxMessage
from reporting.unit_of_work import Binding, UnitOfWork, current_binding


@pytest.fixture
def binding(app, database):
    with app.app_context():
        bound = current_binding()
    dispatched: list[list[int]] = []
    return Binding(sessions=bound.sessions, ledger=bound.ledger,
                   dispatch=dispatched.append), dispatched


def stored_outbox(database) -> list[tuple[int, str]]:
    with database.session() as session:
        return [(m.id, m.topic) for m in session.scalars(select(OutboxMessage)
                                                          .order_by(OutboxMessage.id))]


def test_hooks_and_dispatch_run_after_the_commit_and_see_it(binding, database):
    unit_binding, dispatched = binding
    seen_at_hook: list[list[tuple[int, str]]] = []
    with UnitOfWork.begin(unit_binding) as unit:
        unit.add_outbox("report.changed", {"report_id": "r1"})
        unit.add_outbox("report.changed", {"report_id": "r2"})
        unit.after_commit(lambda: seen_at_hook.append(stored_outbox(database)))
        assert dispatched == []
        assert seen_at_hook == []
    stored = stored_outbox(database)
    assert [topic for _, topic in stored] == ["report.changed"] * 2
    # The hook ran after the commit: another connection already saw the rows.
    assert seen_at_hook == [stored]
    assert dispatched == [[row_id for row_id, _ in stored]]


def test_a_rollback_drops_the_rows_the_hooks_and_the_dispatch(binding, database):
    unit_binding, dispatched = binding
    ran: list[str] = []

    def refused(unit: UnitOfWork) -> None:
        unit.add_outbox("report.changed", {"report_id": "r1"})
        unit.after_commit(lambda: ran.append("hook"))
        raise RuntimeError("the service refused")

    with pytest.raises(RuntimeError, match="the service refused"), \
            UnitOfWork.begin(unit_binding) as unit:
        refused(unit)
    assert stored_outbox(database) == []
    assert ran == []
    assert dispatched == []


def test_a_failing_hook_is_logged_and_the_commit_stands(binding, database, caplog):
    unit_binding, dispatched = binding

    def broken() -> None:
        raise ConnectionError("broker down")

    with caplog.at_level(logging.ERROR, logger="reporting.unit_of_work"), \
            UnitOfWork.begin(unit_binding) as unit:
        unit.after_commit(broken)
        unit.add_outbox("report.changed", {"report_id": "r1"})
    assert len(stored_outbox(database)) == 1
    assert len(dispatched) == 1  # later hooks still ran
    assert "after-commit hook failed" in caplog.text
