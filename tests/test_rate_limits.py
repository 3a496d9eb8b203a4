"""Rate limits (Flask-Limiter): login per client address, writes per token; 429 problem
documents with Retry-After, counted in memory or in a real Redis, documented in OpenAPI."""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import bearer
from tests.factories import report

REDIS_URL = "redis://127.0.0.1:6379/0"
STORAGES = {"memory": None, "redis": REDIS_URL}


@pytest.fixture(params=sorted(STORAGES))
def limited(request, app_with):
    """Apps with low limits, on one storage; each test's own log name keeps its Redis
    counters apart from every other test's and run's."""
    origin = f"rate-{uuid.uuid4().hex}.test/log"

    def make(**overrides):
        return app_with(redis_url=STORAGES[request.param], log_origin=origin, **overrides)

    return make


def _too_many(response) -> None:
    assert response.status_code == 429
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["type"] == "/api/v1/problems/rate-limited"
    assert 1 <= int(response.headers["Retry-After"]) <= 60


def _login(client, address: str):
    return client.post("/api/v1/auth/login",
                       json={"email": "nobody@example.org", "password": "wrong guess"},
                       environ_base={"REMOTE_ADDR": address})


def test_logins_past_the_limit_get_429_with_retry_after(limited, database):
    client = limited(rate_limit_login="3/minute").test_client()
    assert [_login(client, "198.51.100.1").status_code for _ in range(3)] == [401] * 3
    _too_many(_login(client, "198.51.100.1"))
    # The limit is per client address.
    assert _login(client, "198.51.100.2").status_code == 401


def test_writes_past_the_limit_get_429_per_token(limited, make_token):
    client = limited(rate_limit_writes="2/minute").test_client()
    busy, other = make_token("IDN"), make_token("IDN")
    for _ in range(2):
        assert client.post("/api/v1/reports", json=report(),
                           headers=bearer(busy)).status_code == 201
    _too_many(client.post("/api/v1/reports", json=report(), headers=bearer(busy)))
    # Every write spends the same budget; reads spend none; other tokens have their own.
    _too_many(client.post("/api/v1/reports/batch", json={"reports": [report()]},
                          headers=bearer(busy)))
    assert client.get("/api/v1/reports", headers=bearer(busy)).status_code == 200
    assert client.post("/api/v1/reports", json=report(),
                       headers=bearer(other)).status_code == 201


def test_a_limit_refused_write_stores_nothing(limited, make_token):
    client = limited(rate_limit_writes="1/minute").test_client()
    secret = make_token("IDN")
    client.post("/api/v1/reports", json=report(), headers=bearer(secret))
    _too_many(client.post("/api/v1/reports", json=report(), headers=bearer(secret)))
    assert len(client.get("/api/v1/reports", headers=bearer(secret)).get_json()["items"]) == 1


def test_the_switch_turns_the_limits_off(limited, make_token):
    client = limited(rate_limits_enabled=False, rate_limit_login="1/minute").test_client()
    assert [_login(client, "198.51.100.1").status_code for _ in range(3)] == [401] * 3


def test_processes_sharing_redis_share_the_counts(app_with, make_token):
    origin = f"rate-{uuid.uuid4().hex}.test/log"
    first, second = (app_with(redis_url=REDIS_URL, log_origin=origin,
                              rate_limit_writes="2/minute").test_client() for _ in range(2))
    secret = make_token("IDN")
    assert first.post("/api/v1/reports", json=report(),
                      headers=bearer(secret)).status_code == 201
    assert second.post("/api/v1/reports", json=report(),
                       headers=bearer(secret)).status_code == 201
    _too_many(first.post("/api/v1/reports", json=report(), headers=bearer(secret)))


def test_every_write_documents_its_429_and_reads_do_not(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    operations = [(method, path, operation) for path, item in paths.items()
                  for method, operation in item.items() if method in {
                      "get", "post", "put", "patch", "delete"}]
    writes = [(m, p) for m, p, op in operations if m != "get"]
    assert ("post", "/api/v1/auth/login") in writes
    for method, path, operation in operations:
        assert ("429" in operation["responses"]) == (method != "get"), (method, path)


def test_writes_go_on_counted_in_memory_when_redis_is_unreachable(app_with, make_token):
    # Port 1 on loopback: nothing listens, the connection is refused at once.
    client = app_with(redis_url="redis://127.0.0.1:1/0",
                      rate_limit_writes="2/minute").test_client()
    secret = make_token("IDN")
    for _ in range(2):
        assert client.post("/api/v1/reports", json=report(),
                           headers=bearer(secret)).status_code == 201
    _too_many(client.post("/api/v1/reports", json=report(), headers=bearer(secret)))
