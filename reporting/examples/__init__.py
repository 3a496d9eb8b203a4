"""Example request bodies, shipped in the package (package data) so that the OpenAPI
document (``reporting/reports/api.py``) and the repository's ``examples/`` tell the same
story, and ``tests/test_examples.py`` checks each against the schema it documents.

Plain JSON files, read with the standard library only: no Flask here.
"""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from typing import Any

NAMES = ("report", "amendment", "batch", "withdrawal", "return")


@cache
def _text(name: str) -> str:
    if name not in NAMES:
        raise KeyError(f"no example named {name!r}; one of {', '.join(NAMES)}")
    return files(__name__).joinpath(f"{name}.json").read_text(encoding="utf-8")


def example(name: str) -> Any:
    """A fresh copy of the example body ``name`` (``report``, ``batch``, …)."""
    return json.loads(_text(name))
