"""Every error status answers an RFC 9457 problem document and changes nothing."""

from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import IntegrityError

from reporting import create_app
from reporting.accounts.models import ApiToken
from reporting.accounts.service import hash_token
from reporting.config import Settings
from reporting.db import get_database
from reporting.reports.models import Report
from tests.conftest import bearer
from tests.factories import report

PROBLEM = "application/problem+json"


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    problem = response.get_json()
    assert problem["status"] == status
    assert problem["title"]
    assert problem["type"]
    # The instance is the request's path where the path holds no client text; a path that
    # matched no route (it may be anything a client typed) is not echoed at all.
    assert problem.get("instance") in (response.request.path, None)
    if "instance" not in problem:
        assert response.request.path not in response.get_data(as_text=True)
    return problem


def stored_reports(database) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(Report))


@pytest.fixture
def writer(make_token):
    return make_token("IDN")


def post_raw(client, secret, data, content_type="application/json"):
    return client.post("/api/v1/reports", data=data,
                       headers={**bearer(secret), "Content-Type": content_type})


@pytest.mark.parametrize("data", [
    b"{", b"not json", b'{"incident": }', b"\xff\xfe{}", b'{"a": NaN}', b'{"a": Infinity}',
    b'{"sharing": "national", "sharing": "all_members"}', b"[" * 50_000,
], ids=["truncated", "text", "syntax", "not-utf8", "nan", "infinity", "duplicate-key",
        "deep-nesting"])
def test_malformed_json_is_400(client, writer, database, data):
    problem = assert_problem(post_raw(client, writer, data), 400)
    assert problem["type"].endswith("/malformed-json")
    assert stored_reports(database) == 0


@pytest.mark.parametrize("document", [[], "report", 42, None])
def test_json_that_is_not_an_object_is_422(client, writer, database, document):
    problem = assert_problem(post_raw(client, writer, json.dumps(document)), 422)
    assert "body" in problem["errors"]


def test_wrong_media_type_is_415(client, writer, database):
    assert_problem(post_raw(client, writer, json.dumps(report()), "text/plain"), 415)
    assert_problem(post_raw(client, writer, "a=1", "application/x-www-form-urlencoded"), 415)
    assert stored_reports(database) == 0


def test_oversized_body_is_413(client, writer, database, app):
    limit = app.config["MAX_CONTENT_LENGTH"]
    padded = report(narrative="a" * 10)
    data = json.dumps(padded).replace('"narrative"', '"padding": "' + "x" * limit + '", '
                                                    '"narrative"', 1)
    problem = assert_problem(post_raw(client, writer, data), 413)
    assert str(limit) in problem["detail"]
    assert stored_reports(database) == 0


def test_wrong_types_and_unknown_fields_are_422_keyed_by_path(client, writer, database):
    body = report(**{"smuggled_migrants.total": "20", "harm.deaths": -1,
                     "incident.transport": "sea", "criminal_justice.investigation_opened": 1})
    problem = assert_problem(client.post("/api/v1/reports", json=body, headers=bearer(writer)),
                             422)
    # The unknown key is named by its position in "incident" (the test client sends
    # keys sorted).
    unknown = f"incident.<unknown field {sorted(body['incident']).index('transport') + 1}>"
    assert set(problem["errors"]) >= {"smuggled_migrants.total", "harm.deaths", unknown,
                                      "criminal_justice.investigation_opened"}
    assert stored_reports(database) == 0


def test_an_unknown_field_is_reported_by_its_position_never_by_its_name(client, writer,
                                                                        database):
    # An unknown key is client text, and can be the very personal data the guard keeps
    # out: the path names the object and the key's position in it, not the key.
    def post(body: dict):
        # Sent as written: the unknown key last in its object.
        return client.post("/api/v1/reports", data=json.dumps(body),
                           content_type="application/json", headers=bearer(writer))

    for key in ("", "ahmad.rahimi@example.org"):
        body = {**report(), key: 1}
        response = post(body)
        problem = assert_problem(response, 422)
        assert problem["errors"] == {f"<unknown field {len(body)}>": ["Unknown field."]}
        nested = report()
        nested["incident"][key] = "x"
        nested_response = post(nested)
        problem = assert_problem(nested_response, 422)
        position = len(nested["incident"])
        assert problem["errors"] == {f"incident.<unknown field {position}>": ["Unknown field."]}
        if key:
            assert key.encode() not in response.data + nested_response.data
    assert stored_reports(database) == 0


def test_a_duplicate_key_is_refused_without_quoting_it(client, writer, database):
    raw = b'{"incident": {}, "ahmad.rahimi@example.org": 1, "ahmad.rahimi@example.org": 2}'
    response = client.post("/api/v1/reports", data=raw, content_type="application/json",
                           headers=bearer(writer))
    assert_problem(response, 400)
    assert b"ahmad" not in response.data
    assert stored_reports(database) == 0


@pytest.mark.parametrize("url", [
    "postgresql+psycopg://postgres@127.0.0.1:1/openvrs", "sqlite:///{missing}/vrs.db",
], ids=["postgresql-closed-port", "sqlite-missing-directory"])
def test_an_unreachable_database_is_503_and_its_log_line_holds_no_secret(tmp_path, url, caplog):
    settings = Settings(database_url=url.format(missing=tmp_path / "no" / "such"),
                        data_dir=tmp_path / "data")
    app = create_app(settings)
    client = app.test_client()
    secret = "vrs_" + "s3cret" * 6
    try:
        answers = [client.get("/api/v1/reports", headers=bearer(secret)),
                   client.post("/api/v1/reports", json=report(), headers=bearer(secret)),
                   client.get("/api/v1/log/tree-head")]
    finally:
        get_database(app).dispose()
    for response in answers:
        problem = assert_problem(response, 503)
        assert problem["type"].endswith("/database-unavailable")
        assert response.headers["Retry-After"] == "5"
    assert "database error on GET /api/v1/reports" in caplog.text
    assert secret not in caplog.text
    assert hash_token(secret) not in caplog.text


def test_unauthenticated_is_401(client, database):
    assert_problem(client.get("/api/v1/reports"), 401)


def test_forbidden_is_403(client, make_token, database):
    analyst = make_token("IDN", "analyst")
    assert_problem(client.post("/api/v1/reports", json=report(), headers=bearer(analyst)), 403)


@pytest.mark.parametrize("report_id", ["00000000-0000-4000-8000-000000000000", "nope",
                                       "a" * 36, "%00" * 12])
def test_unknown_report_is_404(client, writer, report_id):
    assert_problem(client.get(f"/api/v1/reports/{report_id}", headers=bearer(writer)), 404)


def test_unknown_route_and_wrong_method_are_problems(client, writer):
    assert_problem(client.get("/api/v1/nothing-here", headers=bearer(writer)), 404)
    response = client.delete("/api/v1/reports", headers=bearer(writer))
    assert_problem(response, 405)
    assert "POST" in response.headers["Allow"]


def test_conflict_is_409(client, writer):
    headers = {**bearer(writer), "Idempotency-Key": "dup"}
    client.post("/api/v1/reports", json=report(), headers=headers)
    assert_problem(client.post("/api/v1/reports", json=report(narrative="Other text."),
                               headers=headers), 409)


def test_an_unexpected_database_error_is_500_and_its_log_holds_no_value(database_url, database,
                                                                          tmp_path, caplog):
    # A route that breaks a constraint for real, on a fresh app (routes cannot be added
    # once an app has served): the server's own text would quote the failing row.
    app = create_app(Settings(database_url=database_url, data_dir=tmp_path / "data"))
    token_hash = hash_token("vrs_" + "n0t-logged" * 4)

    @app.post("/test-only/break-a-constraint")
    def break_a_constraint() -> str:
        with get_database(app).session() as session:
            session.execute(insert(ApiToken.__table__).values(
                id="00000000-0000-4000-8000-00000000dead", token_hash=token_hash,
                prefix="vrs_n0t-lo", kind="api", role=None, scopes="reports:read"))
        return "unreachable"

    try:
        response = app.test_client().post("/test-only/break-a-constraint")
    finally:
        get_database(app).dispose()
    assert_problem(response, 500)
    assert "unhandled database error on POST /test-only/break-a-constraint" in caplog.text
    assert "IntegrityError" in caplog.text
    assert "role" in caplog.text  # where it failed: column or constraint, by name
    assert "break_a_constraint" in caplog.text  # the stack is kept
    assert token_hash not in caplog.text
    assert "00000000dead" not in caplog.text


def test_statement_errors_do_not_carry_their_parameters(database):
    # hide_parameters on every engine: SQLAlchemy would otherwise append the values to
    # the error's text, wherever that text ends up. Here the server's own message holds
    # only the key (a duplicate id), so any other value in it came from SQLAlchemy.
    row = {"id": str(uuid.uuid4()), "token_hash": hash_token("vrs_hidden-param"),
           "prefix": "vrs_hidden", "kind": "api", "role": "reporter", "scopes": "reports:read",
           "label": "label-that-must-stay-hidden"}
    with database.engine.begin() as connection:
        connection.execute(insert(ApiToken.__table__), row)
    try:
        with pytest.raises(IntegrityError) as caught, database.engine.begin() as connection:
            connection.execute(insert(ApiToken.__table__), row)
        assert "hide_parameters" in str(caught.value)
        assert "label-that-must-stay-hidden" not in str(caught.value)
        assert row["token_hash"] not in str(caught.value)
    finally:
        with database.engine.begin() as connection:
            connection.execute(delete(ApiToken.__table__).where(ApiToken.id == row["id"]))


def test_problem_titles_say_where_the_mistake_is(client, writer):
    header = client.post("/api/v1/reports", json=report(),
                         headers={**bearer(writer), "Idempotency-Key": "two words"})
    assert assert_problem(header, 422)["title"] == "Invalid header"
    query = client.get("/api/v1/reports?limit=0", headers=bearer(writer))
    assert assert_problem(query, 422)["title"] == "Invalid query parameter"
    cursor = client.get("/api/v1/reports?cursor=not-ours", headers=bearer(writer))
    assert assert_problem(cursor, 422)["title"] == "Invalid query parameter"
    login = client.post("/api/v1/auth/login", json={"email": 1})
    assert assert_problem(login, 422)["title"] == "Invalid request body"
    body = client.post("/api/v1/reports", json=report(**{"incident.date": "15/03/2024"}),
                       headers=bearer(writer))
    problem = assert_problem(body, 422)
    assert problem["title"] == "Invalid report data"
    assert "YYYY-MM-DD" in " ".join(problem["errors"]["incident.date"])
    period = client.get("/api/v1/reports?period=2024-13", headers=bearer(writer))
    assert "YYYY-Qn" in " ".join(assert_problem(period, 422)["errors"]["period"])
