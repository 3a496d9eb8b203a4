"""The summary exports: SDMX structure and SDMX-CSV (read back by ``sdmx1``), plain CSV.

The summary documents are built here by hand in the format of summary-format.md, so the
exports are checked against figures written down in the test, not against the store.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
import sdmx

from reporting.summaries import compute, csv_export, sdmx_export
from reporting.summaries.compute import RateTable, summarise
from tests.summaries.data import CURRENT, PREVIOUS, tallies

REGIONS = {"035": "South-eastern Asia", "053": "Australia and New Zealand",
           "bali-process": "Bali Process"}


def observation(measure: str, breakdown: str, code: str, value: float | None, *,
                currency: str = "_Z", status: str = "F", previous: float | None = None,
                change: float | None = None) -> dict[str, Any]:
    return {"measure": measure, "breakdown": breakdown, "code": code, "currency": currency,
            "value": value, "status": status, "previous": previous, "change": change}


def summary_document(**overrides: Any) -> dict[str, Any]:
    """An (unsigned) summary document, as summary-format.md describes it."""
    document = {
        "region": "035", "region_name": "South-eastern Asia", "period": "2026-Q1",
        "audience": "region", "k": 3, "rules_version": 1, "code_version": "0.1.0",
        "basis": {"tree_size": 1234, "root_hash": "ab" * 32},
        "computed_at": "2026-12-05T08:00:00Z",
        "contributing_states": 4, "too_few_states": False,
        "observations": [
            observation("contributing_states", "_T", "_T", 4),
            observation("documents", "document", "passport/counterfeit", 7),
            observation("fee_median", "route", "AFG>AUS", 4500.5, currency="USD"),
            observation("migrants", "_T", "_T", 153, previous=120, change=33),
            observation("migrants", "migrant_nationality", "AFG", None, status="C"),
            observation("migrants", "migrant_nationality", "IRN", None, status="D"),
            observation("migrants", "migrant_nationality", "MMR", 71, previous=80, change=-9),
        ],
        "rates": None,
    }
    return {**document, **overrides}


def signed_content_document(content: dict[str, Any]) -> dict[str, Any]:
    """``summarise``'s content inside the document fields around it."""
    return {**summary_document(), **content}


@pytest.fixture(scope="module")
def structure() -> sdmx.message.StructureMessage:
    """The structure message as a client gets it: bytes, parsed by sdmx1."""
    return sdmx.read_sdmx(io.BytesIO(sdmx_export.structure_message(REGIONS)))


def read_sdmx_csv(text: str, structure: sdmx.message.StructureMessage) -> list:
    """Every observation of an SDMX-CSV text, read by sdmx1 with the structure."""
    flow = structure.dataflow[sdmx_export.STRUCTURE_ID]
    data = sdmx.read_sdmx(io.BytesIO(text.encode("utf-8")), format="csv", structure=flow)
    return [obs for data_set in data.data for obs in data_set.obs]


def by_key(observations: list) -> dict[tuple, tuple]:
    """sdmx1 observations as (dimension values) -> (value, CONF_STATUS, OBS_STATUS)."""
    return {tuple(obs.dimension[d].value for d in
                  ("REGION", "AUDIENCE", "MEASURE", "BREAKDOWN", "CATEGORY", "CURRENCY",
                   "TIME_PERIOD")):
            (None if obs.value == "" else float(obs.value),
             obs.attached_attribute["CONF_STATUS"].value,
             obs.attached_attribute["OBS_STATUS"].value)
            for obs in observations}


def test_sdmx1_reads_the_sdmx_csv_with_the_structure_and_gets_the_summary_values(structure):
    document = summary_document()
    observations = read_sdmx_csv(sdmx_export.to_sdmx_csv(document), structure)
    expected = {("035", "region", row["measure"], row["breakdown"], row["code"],
                 row["currency"], "2026-Q1"):
                (row["value"], row["status"], "O" if row["value"] is None else "A")
                for row in document["observations"]}
    assert by_key(observations) == expected
    assert len(observations) == len(document["observations"])


def test_a_computed_summary_survives_the_sdmx_csv_round_trip_figure_by_figure(structure):
    # The real computation, with suppression (k 3), a previous period and converted fees.
    rates = RateTable(name="test rates", base="USD", rates={"THB": 0.028})
    content = summarise(tallies(CURRENT), tallies(PREVIOUS), k=3, rates=rates)
    assert {row["status"] for row in content["observations"]} >= {"F", "C"}
    document = signed_content_document(content)
    observations = read_sdmx_csv(sdmx_export.to_sdmx_csv(document), structure)
    assert by_key(observations) == {
        ("035", "region", row["measure"], row["breakdown"], row["code"], row["currency"],
         "2026-Q1"): (row["value"], row["status"], "O" if row["value"] is None else "A")
        for row in document["observations"]}
    rows = list(csv.DictReader(io.StringIO(csv_export.to_csv(document))))
    assert [(row["measure"], row["breakdown"], row["code"], row["currency"], row["value"],
             row["status"], row["previous"], row["change"]) for row in rows] == [
        tuple("" if row[name] is None else str(row[name])
              for name in ("measure", "breakdown", "code", "currency", "value", "status",
                           "previous", "change"))
        for row in document["observations"]]
    assert {row["rates"] for row in rows} == {"test rates"}


def test_suppressed_cells_stay_in_the_sdmx_csv_with_an_empty_value_and_their_status(
        structure):
    rows = list(csv.DictReader(io.StringIO(sdmx_export.to_sdmx_csv(summary_document()))))
    suppressed = [row for row in rows if row["CONF_STATUS"] in {"C", "D"}]
    assert [(row["CATEGORY"], row["CONF_STATUS"], row["OBS_VALUE"], row["OBS_STATUS"])
            for row in suppressed] == [("AFG", "C", "", "O"), ("IRN", "D", "", "O")]


def test_the_sdmx_csv_is_sdmx_csv_2_with_the_structure_s_columns_in_its_order(structure):
    header = sdmx_export.to_sdmx_csv(summary_document()).splitlines()[0].split(",")
    dsd = structure.structure[sdmx_export.STRUCTURE_ID]
    assert header[:3] == ["STRUCTURE", "STRUCTURE_ID", "ACTION"]
    assert header[3:10] == [dimension.id for dimension in dsd.dimensions.components]
    assert header[10] == "OBS_VALUE"
    assert header[11:] == [attribute.id for attribute in dsd.attributes.components]
    first = next(csv.DictReader(io.StringIO(sdmx_export.to_sdmx_csv(summary_document()))))
    assert (first["STRUCTURE"], first["STRUCTURE_ID"], first["ACTION"]) == (
        "dataflow", "OPENVRS:VRS_SUMMARY(1.0)", "I")


def test_the_sdmx_csv_names_the_log_position_and_k_the_summary_was_computed_from():
    rows = list(csv.DictReader(io.StringIO(sdmx_export.to_sdmx_csv(summary_document()))))
    assert {(row["BASIS_TREE_SIZE"], row["BASIS_ROOT_HASH"], row["DISCLOSURE_K"])
            for row in rows} == {("1234", "ab" * 32, "3")}


def test_the_structure_has_the_dimensions_measure_and_suppression_attributes(structure):
    dsd = structure.structure[sdmx_export.STRUCTURE_ID]
    assert dsd.maintainer.id == "OPENVRS"
    assert [d.id for d in dsd.dimensions.components] == [
        "REGION", "AUDIENCE", "MEASURE", "BREAKDOWN", "CATEGORY", "CURRENCY", "TIME_PERIOD"]
    assert [m.id for m in dsd.measures.components] == ["OBS_VALUE"]
    assert {a.id for a in dsd.attributes.components} >= {"CONF_STATUS", "OBS_STATUS"}
    assert structure.dataflow[sdmx_export.STRUCTURE_ID].structure is dsd


def test_the_structure_code_lists_come_from_the_regions_and_the_summary_vocabulary(
        structure):
    def codes(list_id: str) -> set[str]:
        return {code.id for code in structure.codelist[list_id]}

    assert codes("CL_REGION") == set(REGIONS)
    assert structure.codelist["CL_REGION"]["035"].name.localized_default() == (
        "South-eastern Asia")
    assert codes("CL_MEASURE") == set(compute.MEASURES)
    assert codes("CL_BREAKDOWN") == {"_T", *compute.BREAKDOWNS}
    assert codes("CL_AUDIENCE") == {"region", "all_members"}
    assert codes("CL_CONF_STATUS") == {"F", "C", "D"}
    assert {"USD", "AUD", "IDR", "_Z"} <= codes("CL_CURRENCY")
    dsd = structure.structure[sdmx_export.STRUCTURE_ID]
    assert dsd.dimensions.get("MEASURE").local_representation.enumerated is (
        structure.codelist["CL_MEASURE"])


def test_every_code_of_an_sdmx_csv_dimension_is_in_its_code_list(structure):
    dsd = structure.structure[sdmx_export.STRUCTURE_ID]
    for obs in read_sdmx_csv(sdmx_export.to_sdmx_csv(summary_document()), structure):
        for dimension in dsd.dimensions.components:
            code_list = dimension.local_representation.enumerated
            if code_list is not None:
                assert obs.dimension[dimension.id].value in code_list, dimension.id


def test_the_plain_csv_has_one_header_row_then_one_row_per_observation():
    document = summary_document()
    lines = csv_export.to_csv(document).splitlines()
    assert lines[0] == ("region,period,audience,measure,breakdown,code,currency,value,"
                        "status,previous,change,tree_size,root_hash,k,rates")
    rows = list(csv.DictReader(io.StringIO(csv_export.to_csv(document))))
    assert len(rows) == len(document["observations"])
    first = rows[3]
    assert (first["region"], first["period"], first["audience"], first["value"],
            first["previous"], first["change"]) == ("035", "2026-Q1", "region", "153", "120",
                                                    "33")
    assert {(row["tree_size"], row["root_hash"], row["k"]) for row in rows} == {
        ("1234", "ab" * 32, "3")}


def test_the_plain_csv_keeps_suppressed_cells_with_empty_figures():
    rows = list(csv.DictReader(io.StringIO(csv_export.to_csv(summary_document()))))
    assert [(row["code"], row["status"], row["value"], row["previous"], row["change"])
            for row in rows if row["status"] != "F"] == [("AFG", "C", "", "", ""),
                                                         ("IRN", "D", "", "", "")]


def test_the_plain_csv_names_the_rate_table_of_converted_fees():
    rates = {"name": "ECB 2026-03-31", "base": "EUR", "rates": {"USD": 0.92}}
    rows = list(csv.DictReader(io.StringIO(csv_export.to_csv(summary_document(rates=rates)))))
    assert {row["rates"] for row in rows} == {"ECB 2026-03-31"}
    rows = list(csv.DictReader(io.StringIO(csv_export.to_csv(summary_document()))))
    assert {row["rates"] for row in rows} == {""}


def test_a_summary_too_few_states_contributed_to_exports_its_totals_only(structure):
    totals = [row for row in summary_document()["observations"] if row["breakdown"] == "_T"]
    document = summary_document(contributing_states=1, too_few_states=True,
                                observations=totals)
    observations = read_sdmx_csv(sdmx_export.to_sdmx_csv(document), structure)
    assert {obs.dimension["BREAKDOWN"].value for obs in observations} == {"_T"}
    assert len(list(csv.DictReader(io.StringIO(csv_export.to_csv(document))))) == len(totals)
