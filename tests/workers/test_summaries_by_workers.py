"""Issue 15, first bullet: a real worker on Redis keeps the summaries in PostgreSQL up to
date from approvals, withdrawals and lowered sharing levels; publications happen once;
the nightly rebuild finds nothing to change; a killed worker leaves nothing behind."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path
from typing import Any

from sqlalchemy import select

from reporting.accounts.service import create_token
from reporting.db import get_database
from reporting.directory.models import RegionMembership
from reporting.operations.models import RUNNING, SUCCEEDED, TaskRun
from reporting.outbox import OutboxMessage
from reporting.summaries.models import Summary, SummaryPublication
from tests.conftest import bearer
from tests.workers.conftest import States, eventually

Cell = tuple[str, str, str]
AUDIENCES = ("region", "all_members")


def _all_done(app) -> bool:
    with get_database(app).session() as session:
        rows = session.scalars(select(OutboxMessage.done_at)).all()
    return bool(rows) and all(done is not None for done in rows)


def _summaries(app) -> dict[Cell, tuple[str, Any]]:
    """Each stored cell: its signed document as stored, and that document parsed."""
    with get_database(app).session() as session:
        return {(s.region, s.period, s.audience): (s.document, json.loads(s.document))
                for s in session.scalars(select(Summary))}


def _regions(app, state: str) -> set[str]:
    with get_database(app).session() as session:
        return set(session.scalars(select(RegionMembership.region_code)
                                   .where(RegionMembership.country_iso3 == state)))


def _cells(regions: set[str], periods: tuple[str, ...]) -> set[Cell]:
    return {(r, p, a) for r in regions for p in periods for a in AUDIENCES}


def _total(document: dict[str, Any], measure: str) -> Any:
    [value] = [o["value"] for o in document["observations"]
               if (o["measure"], o["breakdown"], o["code"]) == (measure, "_T", "_T")]
    return value


def _finished(app, task: str) -> list[TaskRun]:
    with get_database(app).session() as session:
        return list(session.scalars(select(TaskRun).where(
            TaskRun.task == task, TaskRun.state != RUNNING).order_by(TaskRun.id)))


def _send(app, task: str, *args: Any, worker: Any) -> TaskRun:
    """Send ``task`` through the broker and wait for the run it causes to end."""
    before = len(_finished(app, task))
    app.extensions["celery"].send_task(f"workers.{task}", args=list(args))
    return eventually(lambda: (runs := _finished(app, task)) and len(runs) > before
                      and runs[-1], what=f"a {task} run", processes=(worker,))


def test_approvals_in_two_regions_refresh_exactly_the_affected_cells(stack, api):
    states, client = States(api), api.test_client()
    idn, aus = _regions(api, "IDN"), _regions(api, "AUS")
    assert "035" in idn
    assert "053" in aus
    assert "bali-process" in idn & aus
    with stack.worker() as worker:
        states.approved(client, "IDN", **{"incident.date": "2024-03-15"})
        eventually(lambda: _all_done(api), what="IDN's delivery", processes=(worker,))
        first = _summaries(api)
        assert set(first) == _cells(idn, ("2024", "2024-Q1", "2024-03"))

        states.approved(client, "AUS", **{"incident.date": "2024-07-10"})
        eventually(lambda: _all_done(api), what="AUS's delivery", processes=(worker,))
        second = _summaries(api)

    touched = {cell for cell in second if first.get(cell) != second[cell]}
    # Only cells of AUS's regions and its incident's periods were written...
    assert touched <= _cells(aus, ("2024", "2024-Q3", "2024-07"))
    # ...all of AUS's new ones, and the shared year of the group both belong to; every
    # cell only IDN counts in kept its signed document byte for byte.
    assert _cells(aus - idn, ("2024", "2024-Q3", "2024-07")) <= touched
    assert ("bali-process", "2024", "region") in touched
    assert all(second[cell] == first[cell] for cell in _cells(idn - aus, ("2024",)))
    bali = second["bali-process", "2024", "region"][1]
    assert (bali["contributing_states"], bali["too_few_states"]) == (2, False)
    alone = second["035", "2024", "region"][1]
    assert (alone["contributing_states"], alone["too_few_states"]) == (1, True)


def test_a_withdrawal_and_a_lowered_sharing_level_vanish_from_the_figures(stack, api):
    states, client = States(api), api.test_client()
    cell = ("035", "2024-Q1", "all_members")
    with stack.worker() as worker:
        ids = {state: [states.submit(client, state, sharing="all_members",
                                     **{"incident.date": "2024-02-10"}) for _ in range(3)]
               for state in ("IDN", "MYS")}
        for state, reports in ids.items():
            for report_id in reports:
                states.approve(client, report_id, state)

        def incidents(cell: Cell = cell) -> Any:
            eventually(lambda: _all_done(api), what="delivery", processes=(worker,))
            return _total(_summaries(api)[cell][1], "incidents")

        assert incidents() == 6
        response = client.post(f"/api/v1/reports/{ids['IDN'][0]}/withdraw",
                               headers=bearer(states.token("IDN")))
        assert response.status_code == 200
        assert incidents() == 5
        response = client.post(f"/api/v1/reports/{ids['MYS'][0]}/sharing",
                               json={"sharing": "region"}, headers=bearer(states.token("MYS")))
        assert response.status_code == 200
        # Gone from what all members see, still in the region's own summary.
        assert incidents() == 4
        assert incidents(("035", "2024-Q1", "region")) == 5


def test_a_group_gaining_a_member_refreshes_the_group_summaries(stack, api):
    states, client = States(api), api.test_client()
    with get_database(api).session() as session:
        _, secretariat = create_token(session, role="secretariat", state=None)
    response = client.post("/api/v1/regions", json={"code": "coast-guards", "name": "Coast"},
                           headers=bearer(secretariat))
    assert response.status_code == 201, response.get_json()
    cell = ("coast-guards", "2024", "region")
    with stack.worker() as worker:
        states.approved(client, "IDN", **{"incident.date": "2024-03-15"})
        eventually(lambda: _all_done(api), what="IDN's delivery", processes=(worker,))
        # IDN is not in the group yet: its report counts nowhere in it.
        assert cell not in _summaries(api)
        response = client.put("/api/v1/regions/coast-guards/members/IDN",
                              headers=bearer(secretariat))
        assert response.status_code == 200, response.get_json()
        eventually(lambda: _all_done(api) and cell in _summaries(api),
                   what="the group's refresh", processes=(worker,))
        # One report, one state: counted, and (below k, one state) shown as such.
        document = _summaries(api)[cell][1]
        assert (document["contributing_states"], document["too_few_states"]) == (1, True)
        response = client.delete("/api/v1/regions/coast-guards/members/IDN",
                                 headers=bearer(secretariat))
        assert response.status_code == 200, response.get_json()
        # The cell stays (a published figure is replaced, not withdrawn) and counts
        # nobody now.
        eventually(lambda: _all_done(api)
                   and _summaries(api)[cell][1]["contributing_states"] == 0,
                   what="the group's refresh after IDN left", processes=(worker,))


def test_a_duplicate_publication_is_a_no_op(stack, api):
    states, client = States(api), api.test_client()
    with stack.worker() as worker:
        states.approved(client, **{"incident.date": "2024-03-15"})
        eventually(lambda: _all_done(api), what="delivery", processes=(worker,))
        first = _send(api, "publish_period", "2024-03", worker=worker)
        with get_database(api).session() as session:
            published = session.scalars(select(SummaryPublication)).all()
        # A second beat, or the same message delivered late.
        again = _send(api, "publish_period", "2024-03", worker=worker)
        with get_database(api).session() as session:
            after = session.scalars(select(SummaryPublication)).all()
    assert first.state == again.state == SUCCEEDED
    assert first.cells == len(published) > 0
    assert (again.cells, again.args) == (0, "period=2024-03 (published already)")
    assert [(p.region, p.published_at) for p in after] == [
        (p.region, p.published_at) for p in published]


def test_running_the_rebuild_or_a_delivery_twice_changes_nothing(stack, api):
    states, client = States(api), api.test_client()
    with stack.worker() as worker:
        for state in ("IDN", "MYS", "AUS"):
            states.approved(client, state)
        eventually(lambda: _all_done(api), what="delivery", processes=(worker,))
        before = _summaries(api)
        runs = [_send(api, "rebuild_summaries", worker=worker) for _ in range(2)]
        with get_database(api).session() as session:
            row = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).first()
        redelivered = _send(api, "deliver", row.id, worker=worker)
        after = _summaries(api)
    assert [(r.state, r.cells, r.differences) for r in runs] == [(SUCCEEDED, 0, 0)] * 2
    assert (redelivered.state, redelivered.cells) == (SUCCEEDED, 0)
    assert after == before


def test_a_worker_killed_before_its_commit_leaves_no_summary_and_the_sweep_redoes_it(
        stack, api, tmp_path):
    states, client = States(api), api.test_client()
    pause = tmp_path / "pause"
    pause.touch()
    with stack.worker(env={"VRS_TEST_TASK_PAUSE": str(pause)}) as worker:
        states.approved(client)
        paused = Path(f"{pause}.paused")
        eventually(paused.exists, what="the pause", processes=(worker,))
        # The whole worker, main process and all: nobody is left to hand the message
        # back, so it stays with the broker until its visibility timeout.
        os.killpg(worker.popen.pid, signal.SIGKILL)
        worker.popen.wait(30)
    # The refresh had computed and signed its cells; none of it was committed.
    assert _summaries(api) == {}
    assert not _all_done(api)
    fast = {"VRS_OUTBOX_SWEEP_SECONDS": "1", "VRS_OUTBOX_RESEND_SECONDS": "0"}
    with stack.worker(env=fast) as worker, stack.vrs("beat", env=fast) as beat:
        eventually(lambda: _all_done(api), what="the sweep's delivery",
                   processes=(worker, beat))
        rebuild = _send(api, "rebuild_summaries", worker=worker)
    assert _summaries(api)
    assert (rebuild.state, rebuild.differences) == (SUCCEEDED, 0)
