"""GET /audit: a state admin reads its own state's entries (including other states' reads
of its reports, without who exactly), the secretariat all; filters and cursor pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.audit.helpers import actions, shared_report, trail
from tests.conftest import bearer
from tests.factories import report


def page(client, secret, **query):
    response = client.get("/api/v1/audit", query_string=query, headers=bearer(secret))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_a_state_admin_sees_its_states_entries_and_who_read_its_reports(client, make_token):
    idn_reporter, idn_admin = make_token("IDN", "reporter"), make_token("IDN", "state_admin")
    mys_analyst, mys_admin = make_token("MYS", "analyst"), make_token("MYS", "state_admin")
    secretariat = make_token(None, "secretariat")
    report_id = shared_report(client, idn_reporter, idn_admin)
    mys_own = client.post("/api/v1/reports", json=report(), headers=bearer(mys_admin))
    assert mys_own.status_code == 201
    assert client.get(f"/api/v1/reports/{report_id}",
                      headers=bearer(mys_analyst)).status_code == 200

    idn_view = page(client, idn_admin)["items"]
    assert actions(idn_view) == ["report.read", "report.approve", "report.submit"]
    read = idn_view[0]
    # Which state read it, in which role, when: yes. Which of its people: not IDN's business.
    assert read["actor"] == {"state": "MYS", "role": "analyst", "id": None, "label": None}
    assert read["ip"] is None
    assert read["request_id"] is None
    assert read["object"] == {"type": "report", "id": report_id, "state": "IDN"}
    assert idn_view[1]["actor"]["id"] is not None  # its own admin is named

    mys_view = page(client, mys_admin)["items"]
    # MYS sees its own submission and its analyst's read, with who it was.
    assert actions(mys_view) == ["report.read", "report.submit"]
    assert mys_view[0]["actor"]["id"] is not None
    assert mys_view[0]["ip"] is not None

    everything = trail(client, secretariat)
    assert len(everything) == 4
    assert all(entry["actor"]["id"] for entry in everything)


def test_entries_carry_their_chain_hashes(client, make_token):
    reporter, secretariat = make_token("IDN"), make_token(None, "secretariat")
    for _ in range(2):
        client.post("/api/v1/reports", json=report(), headers=bearer(reporter))
    first, second = trail(client, secretariat)
    assert first["prev_hash"] == "0" * 64
    assert second["prev_hash"] == first["entry_hash"]
    assert (first["seq"], second["seq"]) == (1, 2)


def test_filters_narrow_the_entries(client, make_token):
    idn_reporter, idn_admin = make_token("IDN", "reporter"), make_token("IDN", "state_admin")
    mys_analyst, secretariat = make_token("MYS", "analyst"), make_token(None, "secretariat")
    first = shared_report(client, idn_reporter, idn_admin)
    second = shared_report(client, idn_reporter, idn_admin)
    client.get(f"/api/v1/reports/{first}", headers=bearer(mys_analyst))

    def only(**query):
        return [(e["action"], e["object"]["id"])
                for e in page(client, secretariat, **query)["items"]]

    assert only(action="report.read") == [("report.read", first)]
    assert only(actor_state="MYS") == [("report.read", first)]
    assert only(object_id=second) == [("report.approve", second), ("report.submit", second)]
    now = datetime.now(UTC)
    assert len(only(since=(now - timedelta(minutes=5)).isoformat())) == 5
    assert only(since=(now + timedelta(minutes=5)).isoformat()) == []
    assert only(until=(now - timedelta(minutes=5)).isoformat()) == []
    assert only(action="report.read", actor_state="IDN") == []
    # A state admin's filters apply within its own view only.
    assert page(client, make_token("MYS", "state_admin"), object_id=second)["items"] == []


def test_pages_follow_the_cursor_newest_first_without_gaps(client, make_token):
    reporter, secretariat = make_token("IDN"), make_token(None, "secretariat")
    response = client.post("/api/v1/reports/batch", headers=bearer(reporter),
                           json={"reports": [report() for _ in range(7)]})
    assert response.get_json()["accepted"] == 7
    seen, cursor = [], None
    while True:
        answer = page(client, secretariat, limit=3, **({"cursor": cursor} if cursor else {}))
        assert len(answer["items"]) <= 3
        seen.extend(entry["seq"] for entry in answer["items"])
        if (cursor := answer["next_cursor"]) is None:
            break
    assert seen == [7, 6, 5, 4, 3, 2, 1]


def test_bad_queries_are_422_problems(client, make_token):
    secretariat = make_token(None, "secretariat")
    for query in ({"cursor": "not-ours"}, {"since": "yesterday"}, {"since": "2020-01-01T00:00"},
                  {"since": "0001-01-01T00:00:00+05:00"}, {"actor_state": "idn"},
                  {"limit": "0"}, {"action": "Report read"}, {"colour": "red"}):
        response = client.get("/api/v1/audit", query_string=query, headers=bearer(secretariat))
        assert response.status_code == 422, query
        assert response.mimetype == "application/problem+json"


def test_only_state_admins_and_the_secretariat_read_the_trail(client, make_token):
    for role in ("reporter", "analyst"):
        response = client.get("/api/v1/audit", headers=bearer(make_token("IDN", role)))
        assert response.status_code == 403
    assert client.get("/api/v1/audit").status_code == 401
