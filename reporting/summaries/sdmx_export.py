"""SDMX: the data structure of a regional summary, and a summary as SDMX-CSV 2.0.0.

``structure_message`` describes the data once (SDMX-ML 2.1, built with ``sdmx1``);
``to_sdmx_csv`` writes one signed summary document's observations as SDMX-CSV 2.0.0,
which ``sdmx1`` (or any SDMX client) reads with that structure unchanged. Both work on
plain data, no database: the caller hands over the regions and the document.

Choices (docs/summaries.md, "Exports", says the same to readers):

* ``TIME_PERIOD`` is the last dimension, not the second: SDMX-ML 2.1 allows the time
  dimension only at the end of the dimension list, and SDMX-CSV orders its columns as
  the structure does.
* ``CATEGORY`` (the observation's code) is not enumerated. Its values mix country codes,
  code-list values, routes (``AFG>AUS``, about 63,000 possible pairs) and document codes
  (``passport/counterfeit``); ``>`` and ``/`` are not allowed in SDMX identifiers, and one
  dimension cannot be coded for some values and free for others. A free dimension keeps
  the codes exactly as the signed JSON has them. Every other dimension has a code list.
* ``previous`` and ``change`` stay out: an SDMX client gets them from the previous
  period's data set; the plain CSV carries them.
* The file is written with the standard library's ``csv`` module rather than
  ``sdmx.writer.csv``: that writer needs the observations as ``sdmx1`` model objects and
  goes through pandas, for what is one row per observation in a fixed column order.
  The reading side, the part that matters to clients, is ``sdmx1``'s, in the tests.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pycountry
import sdmx
from sdmx import message
from sdmx.model import common, v21

from reporting.summaries.compute import BREAKDOWNS, MEASURES, NOT_APPLICABLE, TOTAL

AGENCY_ID = "OPENVRS"
STRUCTURE_ID = "VRS_SUMMARY"  # the data structure definition and its dataflow
VERSION = "1.0"
# SDMX-CSV's STRUCTURE_ID: the dataflow, as AGENCY:ID(VERSION).
DATAFLOW_REFERENCE = f"{AGENCY_ID}:{STRUCTURE_ID}({VERSION})"

STRUCTURE_MEDIA_TYPE = "application/vnd.sdmx.structure+xml; version=2.1"
DATA_CSV_MEDIA_TYPE = "application/vnd.sdmx.data+csv; version=2.0.0"

AUDIENCES = {"region": "Members of the region or group (reports shared with the region "
                       "or with all members)",
             "all_members": "All member states and the secretariat (reports shared with "
                            "all members)"}
# SDMX's cross-domain CONF_STATUS codes, as the summaries use them.
CONF_STATUSES = {"F": "Free (may be published)",
                 "C": "Confidential: primary suppression (a count between 1 and k-1)",
                 "D": "Secondary confidentiality: suppressed to protect another cell"}
# SDMX's cross-domain OBS_STATUS codes that occur here.
OBS_STATUSES = {"A": "Normal value",
                "O": "Missing value (suppressed; CONF_STATUS says why)"}

# (id, name, code list id or None for a free value) in the structure's order.
DIMENSIONS = (
    ("REGION", "Region or group (UN M49 code or group slug)", "CL_REGION"),
    ("AUDIENCE", "Audience of the summary", "CL_AUDIENCE"),
    ("MEASURE", "Measure", "CL_MEASURE"),
    ("BREAKDOWN", "Breakdown", "CL_BREAKDOWN"),
    ("CATEGORY", "Category within the breakdown (country, route, code)", None),
    ("CURRENCY", "Currency of a fee (ISO 4217)", "CL_CURRENCY"),
    ("TIME_PERIOD", "Period (year, quarter or month)", None),
)
OBSERVATION_ATTRIBUTES = (
    ("CONF_STATUS", "Confidentiality status", "CL_CONF_STATUS"),
    ("OBS_STATUS", "Observation status", "CL_OBS_STATUS"),
)
# Attached to the whole data set: what the summary was computed from.
DATASET_ATTRIBUTES = (
    ("BASIS_TREE_SIZE", "Log size the summary was computed from", common.FacetValueType.integer),
    ("BASIS_ROOT_HASH", "Log root hash (hex) at that size", common.FacetValueType.string),
    ("DISCLOSURE_K", "Disclosure threshold k", common.FacetValueType.integer),
)

CSV_HEADER = ("STRUCTURE", "STRUCTURE_ID", "ACTION",
              *(dimension for dimension, _, _ in DIMENSIONS), "OBS_VALUE",
              *(attribute for attribute, _, _ in OBSERVATION_ATTRIBUTES),
              *(attribute for attribute, _, _ in DATASET_ATTRIBUTES))


def code_lists(regions: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """Every code list of the structure: id -> {code: name}.

    ``regions`` maps each region's or group's code (M49 ``035``, slug ``bali-process``)
    to its name, as the directory lists them.
    """
    currencies = {currency.alpha_3: currency.name for currency in pycountry.currencies}
    return {
        "CL_REGION": dict(regions),
        "CL_AUDIENCE": AUDIENCES,
        "CL_MEASURE": dict(MEASURES),
        "CL_BREAKDOWN": {TOTAL: "Total (no breakdown)", **BREAKDOWNS},
        "CL_CURRENCY": {NOT_APPLICABLE: "Not applicable (not a fee)", **currencies},
        "CL_CONF_STATUS": CONF_STATUSES,
        "CL_OBS_STATUS": OBS_STATUSES,
    }


def _facet(value_type: common.FacetValueType) -> common.Representation:
    return common.Representation(non_enumerated=[common.Facet(value_type=value_type)])


def structure_message(regions: Mapping[str, str]) -> bytes:
    """The SDMX-ML 2.1 structure message: code lists, concepts, the data structure
    definition ``OPENVRS:VRS_SUMMARY(1.0)`` and its dataflow of the same id."""
    agency = common.Agency(id=AGENCY_ID, name="OpenVRS")
    maintained = {"maintainer": agency, "version": VERSION, "is_final": True}

    lists = {}
    for list_id, codes in code_lists(regions).items():
        code_list = common.Codelist(id=list_id, name=list_id.removeprefix("CL_").title()
                                    .replace("_", " "), **maintained)
        for code, name in codes.items():
            code_list.append(common.Code(id=code, name=name))
        lists[list_id] = code_list

    concepts = common.ConceptScheme(id="CS_VRS_SUMMARY", name="Regional summary concepts",
                                    **maintained)
    for concept_id, name, _ in (*DIMENSIONS, ("OBS_VALUE", "Observation value", None),
                                *OBSERVATION_ATTRIBUTES, *DATASET_ATTRIBUTES):
        concepts.append(common.Concept(id=concept_id, name=name))

    dsd = v21.DataStructureDefinition(
        id=STRUCTURE_ID, name="OpenVRS regional summary of migrant smuggling reports",
        **maintained)
    for position, (dimension_id, _, list_id) in enumerate(DIMENSIONS, start=1):
        if dimension_id == "TIME_PERIOD":
            dimension: common.DimensionComponent = common.TimeDimension(
                id=dimension_id, order=position,
                local_representation=_facet(common.FacetValueType.observationalTimePeriod))
        else:
            representation = (common.Representation(enumerated=lists[list_id]) if list_id
                              else _facet(common.FacetValueType.string))
            dimension = common.Dimension(id=dimension_id, order=position,
                                         local_representation=representation)
        dimension.concept_identity = concepts[dimension_id]
        dsd.dimensions.append(dimension)
    dsd.measures.append(v21.PrimaryMeasure(
        id="OBS_VALUE", concept_identity=concepts["OBS_VALUE"],
        local_representation=_facet(common.FacetValueType.double)))
    for attribute_id, _, list_id in OBSERVATION_ATTRIBUTES:
        dsd.attributes.append(common.DataAttribute(
            id=attribute_id, concept_identity=concepts[attribute_id],
            usage_status=common.UsageStatus.mandatory,
            related_to=v21.PrimaryMeasureRelationship(),
            local_representation=common.Representation(enumerated=lists[list_id])))
    for attribute_id, _, value_type in DATASET_ATTRIBUTES:
        dsd.attributes.append(common.DataAttribute(
            id=attribute_id, concept_identity=concepts[attribute_id],
            usage_status=common.UsageStatus.mandatory,
            related_to=v21.NoSpecifiedRelationship(),
            local_representation=_facet(value_type)))

    flow = v21.DataflowDefinition(id=STRUCTURE_ID, name="OpenVRS regional summaries",
                                  structure=dsd, **maintained)
    structures = message.StructureMessage(
        header=message.Header(id="OPENVRS_STRUCTURE", test=False, sender=agency,
                              prepared=datetime.now(UTC).replace(microsecond=0)),
        codelist=lists, concept_scheme={concepts.id: concepts},
        structure={dsd.id: dsd}, dataflow={flow.id: flow})
    return sdmx.to_xml(structures, pretty_print=True)


def _number(value: float | None) -> str:
    return "" if value is None else str(value)


def to_sdmx_csv(document: Mapping[str, Any]) -> str:
    """The summary's observations as SDMX-CSV 2.0.0, one row each, suppressed ones too
    (empty ``OBS_VALUE``, ``CONF_STATUS`` C or D, ``OBS_STATUS`` O)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180, as SDMX-CSV asks
    writer.writerow(CSV_HEADER)
    basis = document["basis"]
    for row in document["observations"]:
        writer.writerow((
            "dataflow", DATAFLOW_REFERENCE, "I",
            document["region"], document["audience"], row["measure"], row["breakdown"],
            row["code"], row["currency"], document["period"],
            _number(row["value"]), row["status"], "O" if row["value"] is None else "A",
            basis["tree_size"], basis["root_hash"], document["k"],
        ))
    return out.getvalue()
