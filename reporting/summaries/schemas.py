"""What crosses the wire for summaries: the query of the list, and the signed document
(documented here; served exactly as stored and signed, never re-serialised)."""

from __future__ import annotations

import base64
import json
from typing import Any

from marshmallow import Schema, fields, validate

from reporting.errors import DomainError
from reporting.reports.schemas import PERIOD_PATTERN
from reporting.summaries.cells import AUDIENCES
from reporting.text import FullMatch, Text, is_text


class ObservationSchema(Schema):
    measure = fields.String(required=True)
    breakdown = fields.String(required=True, metadata={"description": "`_T`: the total"})
    code = fields.String(required=True, metadata={"description": "`_T`: the total"})
    currency = fields.String(required=True,
                             metadata={"description": "ISO 4217, or `_Z`: not a fee"})
    value = fields.Raw(required=True, allow_none=True,
                       metadata={"type": "number", "nullable": True,
                                 "description": "null when suppressed"})
    status = fields.String(required=True, validate=validate.OneOf(("F", "C", "D")),
                           metadata={"description": "F free, C suppressed (below k), "
                                                    "D suppressed to protect another cell"})
    previous = fields.Raw(required=True, allow_none=True,
                          metadata={"type": "number", "nullable": True,
                                    "description": "the same figure in the previous period"})
    change = fields.Raw(required=True, allow_none=True,
                        metadata={"type": "number", "nullable": True})


class BasisSchema(Schema):
    tree_size = fields.Integer(required=True)
    root_hash = fields.String(required=True)


class RatesSchema(Schema):
    name = fields.String(required=True)
    base = fields.String(required=True)
    rates = fields.Dict(keys=fields.String(), values=fields.Float(), required=True)


class SummarySchema(Schema):
    """A signed regional summary (SPEC §4): Ed25519 over the RFC 8785 form of the
    document without ``signature``, by the key ``key_id`` names in ``GET /keys``."""

    region = fields.String(required=True)
    region_name = fields.String(required=True)
    period = fields.String(required=True)
    audience = fields.String(required=True, validate=validate.OneOf(AUDIENCES))
    k = fields.Integer(required=True)
    rules_version = fields.Integer(required=True)
    code_version = fields.String(required=True)
    basis = fields.Nested(BasisSchema, required=True, metadata={
        "description": "The log size and root hash the summary was computed from"})
    computed_at = fields.String(required=True, metadata={"format": "date-time"})
    contributing_states = fields.Integer(required=True)
    too_few_states = fields.Boolean(required=True)
    observations = fields.List(fields.Nested(ObservationSchema), required=True)
    rates = fields.Nested(RatesSchema, required=True, allow_none=True)
    key_id = fields.String(required=True)
    signature = fields.String(required=True)


class StoredSummary(fields.Nested):
    """A stored signed document: documented as a Summary, dumped exactly as signed."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        return value


class SummaryPageSchema(Schema):
    items = fields.List(StoredSummary(SummarySchema), required=True)
    next_cursor = fields.String(allow_none=True, required=True, metadata={
        "description": "Pass as `cursor` for the next page; null on the last page."})


class SummaryQuerySchema(Schema):
    region = Text(validate=validate.Length(min=1, max=64), metadata={
        "description": "M49 code (e.g. 035) or group slug (e.g. bali-process)"})
    period = fields.String(validate=FullMatch(PERIOD_PATTERN,
                                              error="Use YYYY, YYYY-Qn or YYYY-MM."), metadata={
        "description": "YYYY, YYYY-Qn or YYYY-MM"})
    audience = fields.String(validate=validate.OneOf(AUDIENCES))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    cursor = fields.String(validate=validate.Length(min=1, max=200))


class AudienceQuerySchema(Schema):
    audience = fields.String(validate=validate.OneOf(AUDIENCES), metadata={
        "description": "Default: the widest the caller may read"})


class InvalidCursor(DomainError, ValueError):
    status = 422
    problem = "validation-error"
    title = "Invalid query parameter"

    def __init__(self) -> None:
        super().__init__("The query parameters are invalid; see `errors`.",
                         errors={"cursor": ["Not a cursor this API issued."]})


def encode_cursor(key: tuple[str, str, str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, str, str]:
    """The cell key a cursor stands for, or InvalidCursor for anything we did not issue."""
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, UnicodeDecodeError):
        raise InvalidCursor() from None
    # is_text: a part with a NUL would reach the query and PostgreSQL would refuse it.
    if not (isinstance(key, list) and len(key) == 3
            and all(isinstance(p, str) and is_text(p) for p in key)):
        raise InvalidCursor()
    return key[0], key[1], key[2]
