"""GET /runs (the execution log, for the secretariat), the reaper and task claims."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from reporting.db import utcnow
from reporting.operations import service
from reporting.operations.models import FAILED, SUCCEEDED, TaskClaim, TaskRun
from tests.conftest import bearer


def _record(database, task: str, state: str | None = None, **values) -> int:
    with database.session() as session:
        run_id = service.start_run(session, task, "outbox_id=1", message_id="m",
                                   hard_time_limit=60)
        if state:
            service.finish_run(session, run_id, state, **values)
    return run_id


def test_the_secretariat_reads_runs_newest_first_with_their_outcome(client, database,
                                                                     make_token):
    first = _record(database, "deliver", SUCCEEDED, cells=12)
    second = _record(database, "publish_period", FAILED,
                     error="SoftTimeLimitExceeded: the task ran past its soft time limit")
    running = _record(database, "sweep_outbox")
    response = client.get("/api/v1/runs", headers=bearer(make_token(None, "secretariat")))
    assert response.status_code == 200
    items = response.get_json()["items"]
    assert [item["id"] for item in items] == [running, second, first]
    assert items[2]["state"] == "succeeded"
    assert items[2]["cells"] == 12
    assert items[2]["ended_at"] is not None
    assert items[2]["error"] is None
    assert items[1]["error"].startswith("SoftTimeLimitExceeded")
    assert items[0]["state"] == "running"
    assert items[0]["ended_at"] is None


def test_runs_filter_by_task_and_state(client, database, make_token):
    _record(database, "deliver", SUCCEEDED)
    failed = _record(database, "deliver", FAILED, error="OperationalError: x")
    _record(database, "reap_runs", FAILED, error="OperationalError: x")
    headers = bearer(make_token(None, "secretariat"))
    page = client.get("/api/v1/runs?task=deliver&state=failed", headers=headers).get_json()
    assert [item["id"] for item in page["items"]] == [failed]


def test_runs_page_with_a_cursor_without_repeats_or_gaps(client, database, make_token):
    ids = [_record(database, "deliver", SUCCEEDED) for _ in range(5)]
    headers = bearer(make_token(None, "secretariat"))
    seen, cursor = [], None
    while True:
        query = "?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(f"/api/v1/runs{query}", headers=headers).get_json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ids[::-1]


def test_a_cursor_the_api_did_not_issue_is_a_422_problem(client, database, make_token):
    response = client.get("/api/v1/runs?cursor=%D9%A3",  # an Arabic-Indic digit
                          headers=bearer(make_token(None, "secretariat")))
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"cursor": ["Not a cursor this API issued."]}


def test_a_state_admin_may_not_read_the_runs(client, database, make_token):
    response = client.get("/api/v1/runs", headers=bearer(make_token("IDN", "state_admin")))
    assert response.status_code == 403
    assert response.headers["Content-Type"] == "application/problem+json"


def test_reaping_fails_only_runs_past_their_deadline_and_forgets_old_ones(database):
    now = utcnow()
    with database.session() as session:
        stuck = service.start_run(session, "deliver", "", message_id=None,
                                  hard_time_limit=60, now=now - timedelta(hours=1))
        live = service.start_run(session, "deliver", "", message_id=None,
                                 hard_time_limit=60, now=now)
        old = service.start_run(session, "deliver", "", message_id=None,
                                hard_time_limit=60, now=now - timedelta(days=100))
        service.finish_run(session, old, SUCCEEDED)
    with database.session() as session:
        session.execute(update(TaskRun).where(TaskRun.id == old)
                        .values(ended_at=now - timedelta(days=100)))
        reaped = service.reap_runs(session, keep=timedelta(days=90), now=now)
    assert (reaped.failed, reaped.deleted) == (1, 1)
    with database.session() as session:
        states = {run.id: run.state for run in session.scalars(select(TaskRun))}
    assert states == {stuck: FAILED, live: "running"}


def test_a_subject_is_claimed_once_and_a_rolled_back_claim_leaves_none(database):
    def claim_then_fail() -> None:
        with database.session() as session:
            assert service.claim(session, "publish_period", "2026-Q3", None)
            raise RuntimeError("the publication failed")

    with pytest.raises(RuntimeError):
        claim_then_fail()
    with database.session() as session:
        assert service.claim(session, "publish_period", "2026-Q3", 1)
    with database.session() as session:
        assert not service.claim(session, "publish_period", "2026-Q3", 2)
        assert service.claim(session, "publish_period", "2026-10", 2)
    with database.session() as session:
        claims = session.scalars(select(TaskClaim).order_by(TaskClaim.subject)).all()
    assert [(c.subject, c.run_id) for c in claims] == [("2026-10", 2), ("2026-Q3", 1)]


def test_a_task_filter_postgresql_cannot_hold_is_a_422_problem(client, database, make_token):
    # PostgreSQL refuses a NUL in a query parameter; it must not reach the query.
    response = client.get("/api/v1/runs?task=de%00liver",
                          headers=bearer(make_token(None, "secretariat")))
    assert response.status_code == 422
    assert "task" in response.get_json()["errors"]
