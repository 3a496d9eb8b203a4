"""What the service does not leave lying around: caches, sniffable bodies, open files."""

from __future__ import annotations

import stat
from pathlib import Path

from reporting.config import Settings
from tests.conftest import bearer
from tests.factories import report, submit_ok


def test_authenticated_answers_are_not_stored_by_caches(client, make_token):
    secret = make_token("IDN")
    stored = submit_ok(client, secret)
    for response in (client.get(f"/api/v1/reports/{stored['id']}", headers=bearer(secret)),
                     client.get("/api/v1/reports", headers=bearer(secret)),
                     client.get("/api/v1/reports/nothing", headers=bearer(secret)),
                     client.get("/api/v1/log/tree-head", headers=bearer(secret))):
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_public_answers_keep_their_caching_and_are_not_sniffed(client, database):
    response = client.get("/api/v1/log/tree-head")
    assert response.status_code == 200
    assert response.headers.get("Cache-Control") != "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_docs_page_has_a_content_security_policy(client, database):
    response = client.get("/api/v1/docs")
    assert response.mimetype == "text/html"
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy


def test_the_data_directory_and_database_are_private_to_the_user(tmp_path):
    settings = Settings(data_dir=tmp_path / "var")
    settings.ensure_data_dir()
    assert stat.S_IMODE((tmp_path / "var").stat().st_mode) == 0o700
    database = Path(tmp_path / "var" / "openvrs.db")
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
    # An older, looser installation is tightened.
    (tmp_path / "var").chmod(0o755)
    database.chmod(0o644)
    settings.ensure_data_dir()
    assert stat.S_IMODE((tmp_path / "var").stat().st_mode) == 0o700
    assert stat.S_IMODE(database.stat().st_mode) == 0o600



def test_a_megabyte_of_narrative_is_refused_for_its_length_before_any_screening(
        app, client, make_token):
    # A narrative of phone-like digits made the old guard work for minutes before its 422
    # for length. With room for a 1 MB body (the production default), the field's limit
    # answers first, and nothing of the text comes back.
    secret = make_token("IDN")
    body = report(narrative="0812 " * 200_000)
    limit = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 2_000_000
    try:
        response = client.post("/api/v1/reports", json=body, headers=bearer(secret))
    finally:
        app.config["MAX_CONTENT_LENGTH"] = limit
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"narrative": ["Longer than maximum length 4000."]}


def test_a_control_character_in_any_string_path_parameter_is_a_404_problem(app, client,
                                                                           make_token):
    # Driven from the URL map, so a new route with a string parameter is covered: a NUL
    # that reached a PostgreSQL query was a 500 (found by the deep fuzzing).
    from reporting.text import PathSegment

    secret = make_token(None, "secretariat")
    checked = 0
    for rule in app.url_map.iter_rules():
        strings = [name for name, converter in rule._converters.items()
                   if isinstance(converter, PathSegment)]
        if not strings:
            continue
        values = {name: ("a%00b" if name in strings else "0b9f5a0e-6a51-4c5e-9d3c-"
                                                          "2f1f0e8f4a11")
                  for name in rule.arguments}
        path = rule.rule
        for name, value in values.items():
            path = path.replace(f"<{name}>", value).replace(f"<uuid:{name}>", value)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            response = client.open(path, method=method, headers=bearer(secret), json={})
            assert response.status_code == 404, (method, path)
            assert response.mimetype == "application/problem+json"
            checked += 1
    assert checked >= 10
