"""A group COMMIT that really fails, on PostgreSQL: every client is told the truth.

Two real failures, injected with triggers the database runs at COMMIT (deferred
constraint triggers), never with mocks:

* a deferred check that fails for one marked report: the COMMIT is refused, the group is
  rolled back and retried item by item, and only the marked report fails;
* a backend that dies during COMMIT (the trigger terminates its own connection): the
  client cannot know whether the COMMIT landed, looks, and answers accordingly.

Whatever happens, each client's answer is exactly one of: stored and acknowledged with a
receipt (201), or not stored and told so (409, 503); and the log has no gap and verifies.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select, text

from reporting.ledger.models import LogLeaf
from reporting.reports.integrity import check_integrity
from reporting.reports.models import Report
from reporting.unit_of_work import UnitOfWork, current_binding
from tests.conftest import bearer
from tests.factories import report

pytestmark = pytest.mark.postgres

FAILS = "CHECK-FAILS-AT-COMMIT"
DIES = "BACKEND-DIES-AT-COMMIT"

TRIGGERS = f"""
CREATE OR REPLACE FUNCTION vrs_test_commit_failure() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.body LIKE '%{FAILS}%' THEN
    RAISE EXCEPTION 'deferred check failed' USING ERRCODE = '23514';
  END IF;
  IF NEW.body LIKE '%{DIES}%' THEN
    PERFORM pg_terminate_backend(pg_backend_pid());
    PERFORM pg_sleep(5);
  END IF;
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS vrs_test_commit_failure ON report_versions;
CREATE CONSTRAINT TRIGGER vrs_test_commit_failure AFTER INSERT ON report_versions
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION vrs_test_commit_failure();
"""


@pytest.fixture
def failing_commits(database):
    with database.engine.begin() as connection:
        connection.execute(text(TRIGGERS))
    yield
    with database.engine.begin() as connection:
        connection.execute(text("DROP TRIGGER IF EXISTS vrs_test_commit_failure "
                                "ON report_versions"))


def stored_ids(database) -> set[str]:
    with database.session() as session:
        return set(session.scalars(select(Report.id)))


def assert_log_whole(app, database) -> None:
    with database.session() as session:
        indexes = session.scalars(select(LogLeaf.index).order_by(LogLeaf.index)).all()
    assert indexes == list(range(len(indexes)))
    with app.app_context(), UnitOfWork.begin(current_binding()) as unit:
        findings = check_integrity(unit.session, unit.ledger)
    assert findings.failures == []


def test_a_refused_group_commit_fails_only_the_refused_report(app, client, database,
                                                              make_token, failing_commits):
    secret = make_token("IDN")
    items = [report(narrative=f"Report {n} of the batch.") for n in range(10)]
    items[4] = report(narrative=f"Report 4 carries {FAILS}.")
    response = client.post("/api/v1/reports/batch", json={"reports": items},
                           headers=bearer(secret))
    assert response.status_code == 200
    results = response.get_json()["results"]
    assert [r["status"] for r in results] == [201] * 4 + [409] + [201] * 5
    assert results[4]["problem"]["type"].endswith("/storage-conflict")
    assert stored_ids(database) == {r["id"] for r in results if r["status"] == 201}
    assert_log_whole(app, database)


def concurrent_singles(client, secret, bodies) -> list[tuple[int, dict]]:
    def post(body) -> tuple[int, dict]:
        response = client.post("/api/v1/reports", json=body, headers=bearer(secret))
        return response.status_code, response.get_json()

    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(post, bodies))


@pytest.mark.parametrize("marker", [FAILS, DIES])
def test_every_client_of_a_failed_group_commit_learns_the_truth(app, client, database,
                                                                 make_token, failing_commits,
                                                                 marker):
    secret = make_token("IDN")
    bodies = [report(narrative=f"Concurrent report {n}.") for n in range(24)]
    for n in (5, 17):
        bodies[n] = report(narrative=f"Concurrent report {n}, {marker}.")
    answers = concurrent_singles(client, secret, bodies)
    acknowledged = {body["id"] for status, body in answers if status == 201}
    for n, (status, body) in enumerate(answers):
        # Stored and acknowledged, or not stored and told: nothing else.
        assert status in (201, 409, 503), (n, status, body)
        if status != 201:
            assert body["type"].endswith(("/storage-conflict", "/database-unavailable"))
    for n in (5, 17):
        assert answers[n][0] != 201
    assert stored_ids(database) == acknowledged
    assert_log_whole(app, database)
