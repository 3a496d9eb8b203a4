"""The exports over HTTP: the served SDMX-CSV read by sdmx1 with the served structure, the
CSV, and the same audience rules and 404s as the JSON summary."""

from __future__ import annotations

import csv
import io

import pytest
import sdmx

from reporting.summaries.sdmx_export import (
    DATA_CSV_MEDIA_TYPE,
    STRUCTURE_ID,
    STRUCTURE_MEDIA_TYPE,
)
from tests.conftest import bearer

DIMENSIONS = ("REGION", "AUDIENCE", "MEASURE", "BREAKDOWN", "CATEGORY", "CURRENCY",
              "TIME_PERIOD")


@pytest.fixture
def summaries(world):
    """IDN and MYS (035) share five reports, two with all members; one of them, on land,
    makes cells below k (suppressed) in the region audience."""
    for state, sharing in (("IDN", "region"), ("MYS", "all_members"), ("IDN", "region"),
                           ("MYS", "region"), ("IDN", "all_members")):
        world.change(world.submit(state, sharing=sharing))
    world.change(world.submit("MYS", sharing="region", **{
        "incident.transport_mode": "land", "incident.conveyance": "truck",
        "incident.location_type": "land_border"}))
    return world


def get(client, secret, path):
    return client.get(f"/api/v1/summaries{path}", headers=bearer(secret))


def test_sdmx1_reads_the_served_sdmx_csv_with_the_served_structure(client, summaries,
                                                                    make_token):
    analyst = make_token("IDN", "analyst")
    document = get(client, analyst, "/035/2024-Q1").get_json()
    served = get(client, analyst, "/035/2024-Q1.sdmx.csv")
    assert served.status_code == 200
    assert served.headers["Content-Type"] == DATA_CSV_MEDIA_TYPE
    structure = client.get("/api/v1/sdmx/structure")  # public: no token
    assert structure.headers["Content-Type"] == STRUCTURE_MEDIA_TYPE
    flow = sdmx.read_sdmx(io.BytesIO(structure.data)).dataflow[STRUCTURE_ID]

    data = sdmx.read_sdmx(io.BytesIO(served.data), format="csv", structure=flow)

    read = {tuple(obs.dimension[d].value for d in DIMENSIONS):
            (None if obs.value == "" else float(obs.value),
             obs.attached_attribute["CONF_STATUS"].value)
            for data_set in data.data for obs in data_set.obs}
    assert read == {("035", "region", o["measure"], o["breakdown"], o["code"], o["currency"],
                     "2024-Q1"): (o["value"], o["status"])
                    for o in document["observations"]}
    assert {status for _, status in read.values()} >= {"F", "C"}


def test_the_served_structure_lists_every_region_and_group_of_the_directory(client,
                                                                            summaries):
    structure = sdmx.read_sdmx(io.BytesIO(client.get("/api/v1/sdmx/structure").data))
    regions = {code.id for code in structure.codelist["CL_REGION"]}
    assert {"035", "053", "142", "bali-process"} <= regions


def test_the_csv_has_the_json_summary_s_figures_row_by_row(client, summaries, make_token):
    analyst = make_token("MYS", "analyst")
    document = get(client, analyst, "/bali-process/2024").get_json()
    served = get(client, analyst, "/bali-process/2024.csv")
    assert served.status_code == 200
    assert served.mimetype == "text/csv"
    assert served.headers["Content-Disposition"] == (
        'attachment; filename="summary-bali-process-2024-region.csv"')
    rows = list(csv.DictReader(io.StringIO(served.get_data(as_text=True))))
    assert [(r["region"], r["period"], r["audience"], r["measure"], r["breakdown"], r["code"],
             r["currency"], r["value"], r["status"], r["tree_size"]) for r in rows] == [
        ("bali-process", "2024", "region", o["measure"], o["breakdown"], o["code"],
         o["currency"], "" if o["value"] is None else str(o["value"]), o["status"],
         str(document["basis"]["tree_size"])) for o in document["observations"]]


@pytest.mark.parametrize("suffix", [".csv", ".sdmx.csv"])
def test_an_export_follows_the_json_s_audience_rules(client, summaries, make_token, suffix):
    outside = make_token("AUS", "analyst")
    default = get(client, outside, f"/035/2024{suffix}")
    assert default.status_code == 200
    assert {row.get("audience") or row.get("AUDIENCE") for row in
            csv.DictReader(io.StringIO(default.get_data(as_text=True)))} == {"all_members"}
    hidden = get(client, outside, f"/035/2024{suffix}?audience=region")
    assert hidden.status_code == 404
    assert hidden.mimetype == "application/problem+json"
    assert hidden.get_json()["detail"] == "No such summary."


@pytest.mark.parametrize("path", ["/053/2024", "/035/2023", "/035/2024-13", "/nowhere/2024",
                                  "/035/02024", "/035/2024-q1"])
@pytest.mark.parametrize("suffix", [".csv", ".sdmx.csv"])
def test_an_export_of_a_summary_that_does_not_exist_is_a_404(client, summaries, make_token,
                                                             path, suffix):
    response = get(client, make_token("IDN", "analyst"), path + suffix)
    assert response.status_code == 404
    assert response.get_json()["detail"] == "No such summary."


def test_exports_need_a_token_that_may_read_summaries(client, summaries, make_token):
    assert client.get("/api/v1/summaries/035/2024.csv").status_code == 401
    read_only = make_token("IDN", "reporter", scopes=["reports:read"])
    assert get(client, read_only, "/035/2024.sdmx.csv").status_code == 403
