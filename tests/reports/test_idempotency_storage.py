"""An Idempotency-Key is client text: only its SHA-256 is stored, and retries still work,
also for keys stored in plain text before migration 0004."""

from __future__ import annotations

import hashlib

from sqlalchemy import select, text, update

from reporting import migration
from reporting.reports.models import IdempotencyKey
from tests.conftest import bearer
from tests.factories import report, submit


def stored_keys(database) -> list[str]:
    with database.session() as session:
        return list(session.scalars(select(IdempotencyKey.key)))


def test_only_the_keys_hash_is_stored_and_a_retry_is_replayed(client, database, make_token):
    secret = make_token("IDN")
    key = "case-2024-JKT-0042-ahmad"
    first = submit(client, secret, **{"Idempotency-Key": key})
    assert first.status_code == 201
    assert stored_keys(database) == [hashlib.sha256(key.encode()).hexdigest()]
    again = submit(client, secret, **{"Idempotency-Key": key})
    assert again.status_code == 200
    assert again.get_json()["receipt"] == first.get_json()["receipt"]
    other = submit(client, secret, report(narrative="Another report."),
                   **{"Idempotency-Key": key})
    assert other.status_code == 409


def test_batch_positions_are_stored_hashed(client, database, make_token):
    secret = make_token("IDN")
    response = client.post("/api/v1/reports/batch", json={"reports": [report(), report()]},
                           headers={**bearer(secret), "Idempotency-Key": "upload-7"})
    assert response.status_code == 200
    assert sorted(stored_keys(database)) == sorted(
        hashlib.sha256(f"upload-7 {i}".encode()).hexdigest() for i in range(2))
    retry = client.post("/api/v1/reports/batch", json={"reports": [report(), report()]},
                        headers={**bearer(secret), "Idempotency-Key": "upload-7"})
    assert [r["status"] for r in retry.get_json()["results"]] == [200, 200]


def test_migration_0004_hashes_keys_stored_in_plain_text(client, database, database_url,
                                                        make_token):
    secret = make_token("IDN")
    key = "plain-key-from-before"
    first = submit(client, secret, **{"Idempotency-Key": key})
    # As a database before 0004 held it: the key itself.
    with database.session() as session:
        session.execute(update(IdempotencyKey).values(key=key))
        session.execute(text("UPDATE alembic_version SET version_num = '0003'"))
    # Only 0004 runs again; the later revisions' changes are in place already.
    migration.upgrade(database_url, "0004")
    with database.session() as session:
        session.execute(text("UPDATE alembic_version SET version_num = :head"),
                        {"head": migration.heads()[0]})
    assert stored_keys(database) == [hashlib.sha256(key.encode()).hexdigest()]
    again = submit(client, secret, **{"Idempotency-Key": key})
    assert again.status_code == 200
    assert again.get_json()["id"] == first.get_json()["id"]
