"""A pattern-validated value must match whole: a trailing newline is not a valid value.

``re.match`` lets ``$`` match before a final newline, so ``period=2025%0A`` passed
``^…$`` and then broke the code that trusted it (a 500). These tests sweep every pattern
the API validates: each marshmallow pattern validator must match the whole value, and
every patterned query parameter of the OpenAPI document, given a value that matches
followed by a newline, answers 422.
"""

from __future__ import annotations

import re

import marshmallow
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import validate

import reporting.directory.schemas
import reporting.ledger.schemas
import reporting.reports.schemas  # noqa: F401 - registers every schema of the API
from reporting.text import FullMatch
from tests.conftest import bearer


def all_schemas(base: type = marshmallow.Schema) -> list[type]:
    found = []
    for cls in base.__subclasses__():
        if cls.__module__.startswith("reporting."):
            found.append(cls)
        found.extend(all_schemas(cls))
    return found


def test_every_pattern_validator_matches_the_whole_value():
    patterned = []
    for schema in all_schemas():
        for name, field in schema._declared_fields.items():
            for validator in field.validators:
                if isinstance(validator, validate.Regexp):
                    patterned.append(f"{schema.__name__}.{name}")
                    assert isinstance(validator, FullMatch), (
                        f"{schema.__name__}.{name} validates with re.match: use FullMatch")
    assert "ReportQuerySchema.period" in patterned


def patterned_query_parameters(document: dict) -> list[tuple[str, str, str]]:
    found = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if method != "get":
                continue
            for parameter in operation.get("parameters", []):
                pattern = parameter.get("schema", {}).get("pattern")
                if parameter["in"] == "query" and pattern and "{" not in path:
                    found.append((path, parameter["name"], pattern))
    return found


def test_period_with_a_trailing_newline_is_a_422_not_a_500(client, make_token):
    secret = make_token("IDN")
    for period in ("2025%0A", "2025-Q1%0A", "2025-03%0A", "2025%0D%0A"):
        response = client.get(f"/api/v1/reports?period={period}", headers=bearer(secret))
        assert response.status_code == 422, period
        assert "period" in response.get_json()["errors"]


def test_every_patterned_query_parameter_refuses_a_trailing_newline(client, make_token):
    secret = make_token("IDN", "analyst")
    document = client.get("/api/v1/openapi.json").get_json()
    parameters = patterned_query_parameters(document)
    assert parameters, "the document names no patterned query parameter"

    @settings(max_examples=30, deadline=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(st.data())
    def check(data: st.DataObject) -> None:
        path, name, pattern = data.draw(st.sampled_from(parameters))
        value = data.draw(st.from_regex(re.compile(pattern), fullmatch=True)
                          .filter(lambda v: "\n" not in v))
        response = client.get(path, query_string={name: value + "\n"},
                              headers=bearer(secret))
        assert response.status_code == 422, (path, name, value)

    check()


def test_a_state_key_with_a_trailing_newline_is_refused(client, make_token):
    secret = make_token("IDN", "state_admin")
    key = "A" * 43
    response = client.post("/api/v1/states/IDN/keys", json={"public_key": key + "\n"},
                           headers=bearer(secret))
    assert response.status_code == 422
    assert "public_key" in response.get_json()["errors"]
    response = client.post("/api/v1/states/IDN/keys",
                           json={"public_key": key, "witness_name": "idn.example/w\n"},
                           headers=bearer(secret))
    assert response.status_code == 422
    assert "witness_name" in response.get_json()["errors"]


def test_a_witness_name_that_holds_personal_data_is_refused_unechoed(client, make_token):
    secret = make_token("IDN", "state_admin")
    response = client.post("/api/v1/states/IDN/keys",
                           json={"public_key": "A" * 43,
                                 "witness_name": "ahmad.rahimi@example.org"},
                           headers=bearer(secret))
    assert response.status_code == 422
    assert response.get_json()["type"].endswith("/personal-data")
    assert b"ahmad" not in response.data
