"""Every problem type URI the API sends resolves to a page saying what it means."""

from __future__ import annotations

import re
from html import escape
from pathlib import Path

import pytest

from reporting.problems import PROBLEMS
from tests.conftest import bearer

SOURCE = Path(__file__).resolve().parent.parent / "reporting"
USED = sorted({name for path in SOURCE.rglob("*.py")
               for name in re.findall(r'problem ?= ?"([a-z-]+)"', path.read_text())})


def test_the_sources_name_problem_types():
    assert {"validation-error", "personal-data", "database-unavailable"} <= set(USED)


@pytest.mark.parametrize("name", USED)
def test_every_problem_type_the_code_uses_has_a_public_page(client, database, name):
    assert name in PROBLEMS
    page = client.get(f"/api/v1/problems/{name}")
    assert page.status_code == 200
    assert page.mimetype == "text/html"
    assert escape(PROBLEMS[name][0]) in page.get_data(as_text=True)


def test_a_problem_documents_type_can_be_followed(client, make_token):
    secret = make_token("IDN")
    problem = client.post("/api/v1/reports", json={"incident": 1},
                          headers=bearer(secret)).get_json()
    page = client.get(problem["type"])
    assert page.status_code == 200
    index = client.get("/api/v1/problems/")
    assert index.status_code == 200
    assert client.get("/api/v1/problems/no-such-thing").status_code == 404
