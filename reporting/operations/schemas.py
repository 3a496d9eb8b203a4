"""What crosses the wire for the execution log."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from reporting.operations.models import RUN_STATES
from reporting.text import Text


class RunSchema(Schema):
    id = fields.Integer(required=True)
    task = fields.String(required=True, metadata={"example": "deliver"})
    args = fields.String(required=True, metadata={
        "description": "What the task was called with (ids and periods only)",
        "example": "outbox_id=42"})
    started_at = fields.DateTime(required=True)
    ended_at = fields.DateTime(allow_none=True, required=True)
    state = fields.String(required=True, validate=validate.OneOf(RUN_STATES))
    error = fields.String(allow_none=True, required=True, metadata={
        "description": "Exception type and a message of our own; never data"})
    cells = fields.Integer(allow_none=True, required=True, metadata={
        "description": "Summary cells written"})
    differences = fields.Integer(allow_none=True, required=True, metadata={
        "description": "Nightly rebuild: cells whose stored figures differed"})


class RunPageSchema(Schema):
    items = fields.List(fields.Nested(RunSchema), required=True)
    next_cursor = fields.String(allow_none=True, required=True, metadata={
        "description": "Pass as `cursor` for the next page; null on the last page."})


class RunQuerySchema(Schema):
    task = Text(validate=validate.Length(min=1, max=64), metadata={
        "example": "publish_period"})
    state = fields.String(validate=validate.OneOf(RUN_STATES))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    cursor = fields.String(validate=validate.Length(min=1, max=20))
