"""A summary as plain CSV, for spreadsheets: one row per observation, nothing else.

The first row is the header; there is no comment line and no trailer, so a spreadsheet,
``pandas.read_csv`` or ``csv.DictReader`` open it as it is. What the summary was computed
from (the log's ``tree_size`` and ``root_hash``, the threshold ``k``) and the rate table of
converted fees are columns repeated on every row: a filtered or pivoted sheet keeps them.
The CSV is not signed; the signed JSON of the same URL without ``.csv`` is the reference
(docs/summaries.md, "Exports").
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import Any

COLUMNS = ("region", "period", "audience", "measure", "breakdown", "code", "currency",
           "value", "status", "previous", "change", "tree_size", "root_hash", "k", "rates")


def _cell(value: Any) -> Any:
    # An empty cell, never the text "None", for a suppressed or absent figure.
    return "" if value is None else value


def to_csv(document: Mapping[str, Any]) -> str:
    """The summary document's observations as CSV (RFC 4180, header row first).

    Suppressed observations stay, with empty ``value``, ``previous`` and ``change`` and
    their status (``C`` or ``D``). Every cell is a code, a number or the name of the
    operator's rate table: no reported free text reaches a spreadsheet.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    rates = document.get("rates") or {}
    summary = (document["basis"]["tree_size"], document["basis"]["root_hash"], document["k"],
               rates.get("name", ""))
    for row in document["observations"]:
        writer.writerow((
            document["region"], document["period"], document["audience"],
            row["measure"], row["breakdown"], row["code"], row["currency"],
            _cell(row["value"]), row["status"], _cell(row["previous"]), _cell(row["change"]),
            *summary,
        ))
    return out.getvalue()
