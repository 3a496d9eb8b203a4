"""What the service does not leave lying around: caches, sniffable bodies, open files."""

from __future__ import annotations

import stat
from pathlib import Path

from reporting.config import Settings
from tests.conftest import bearer
from tests.factories import submit_ok


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

