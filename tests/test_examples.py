"""The example bodies (reporting/examples/, linked from examples/) are valid for the schema
their endpoint applies, and the OpenAPI document carries exactly them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reporting.bodies import load
from reporting.examples import NAMES, example
from reporting.reports import schemas

ROOT = Path(__file__).resolve().parent.parent
PACKAGED = ROOT / "reporting" / "examples"

# Where each example is documented: path, method, and the schema the handler loads.
ENDPOINTS = {
    "report": ("/api/v1/reports", "post"),
    "amendment": ("/api/v1/reports/{report_id}/versions", "post"),
    "batch": ("/api/v1/reports/batch", "post"),
    "withdrawal": ("/api/v1/reports/{report_id}/withdraw", "post"),
    "return": ("/api/v1/reports/{report_id}/return", "post"),
}


def test_every_example_file_is_known_and_linked_from_the_repository_root():
    assert sorted(p.stem for p in PACKAGED.glob("*.json")) == sorted(NAMES)
    assert sorted(ENDPOINTS) == sorted(NAMES)
    for name in NAMES:
        linked = ROOT / "examples" / f"{name}.json"
        assert linked.read_bytes() == (PACKAGED / f"{name}.json").read_bytes(), name


@pytest.mark.parametrize("name", ["report", "amendment"])
def test_report_examples_satisfy_the_report_schema(name):
    loaded = load(schemas.REPORT_SCHEMA, example(name))
    assert loaded["incident"]["country"] == "IDN"


def test_the_amendment_changes_the_report():
    assert example("amendment") != example("report")


def test_the_batch_example_is_an_envelope_of_valid_reports():
    envelope = load(schemas.BATCH_ENVELOPE, example("batch"))
    assert 2 <= len(envelope["reports"]) <= 3
    for body in envelope["reports"]:
        load(schemas.REPORT_SCHEMA, body)


def test_the_reason_examples_satisfy_their_schemas():
    assert load(schemas.WithdrawSchema(), example("withdrawal"))["reason"]
    assert load(schemas.ReturnSchema(), example("return"))["reason"]


def test_the_openapi_document_carries_the_examples(client):
    document = client.get("/api/v1/openapi.json").get_json()
    for name, (path, method) in ENDPOINTS.items():
        content = document["paths"][path][method]["requestBody"]["content"]
        examples = content["application/json"]["examples"]
        assert examples[name]["value"] == json.loads((PACKAGED / f"{name}.json").read_text())
