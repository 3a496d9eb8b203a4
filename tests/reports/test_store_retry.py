"""A submission whose first COMMIT landed unseen is answered as stored when retried."""

from __future__ import annotations

from sqlalchemy import func, select

from reporting.accounts.service import authenticate
from reporting.ledger.models import LogLeaf
from reporting.reports import intake
from reporting.reports.models import Report
from reporting.reports.schemas import REPORT_SCHEMA
from reporting.unit_of_work import UnitOfWork, current_binding
from tests.conftest import bearer
from tests.factories import report


def counts(database) -> tuple[int, int]:
    with database.session() as session:
        return (session.scalar(select(func.count()).select_from(Report)),
                session.scalar(select(func.count()).select_from(LogLeaf)))


def test_a_retry_that_meets_its_own_stored_report_answers_with_it(app, client, database,
                                                                   make_token):
    secret = make_token("IDN")
    with app.app_context():
        with database.session() as session:
            principal = authenticate(session, secret)
        binding = current_binding()
        with UnitOfWork.begin(binding) as unit:
            submission = intake.prepare_submission(unit.session, principal,
                                                   REPORT_SCHEMA.load(report()))
        # The first attempt commits. Its client may never hear so (a connection lost
        # during COMMIT); the group commit then stores the items again one by one.
        with UnitOfWork.begin(binding) as unit:
            [first] = unit.write_grouped(intake.store_submissions, [submission])
        with UnitOfWork.begin(binding) as unit:
            [result] = unit.write_grouped(intake.store_submissions, [submission])
            again = intake.settle(unit, principal.state, submission, result)
        first = first.unwrap()
    assert (again.report.id, again.version.version) == (first.report.id, 1)
    assert again.receipt == first.receipt
    assert not again.replayed
    assert counts(database) == (1, 1)
    served = client.get(f"/api/v1/reports/{first.report.id}/versions", headers=bearer(secret))
    assert served.get_json()["versions"][0]["receipt"] == first.receipt
