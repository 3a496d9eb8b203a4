"""The audit trail as it crosses the wire: the query of GET /audit and its page."""

from __future__ import annotations

from datetime import UTC, datetime

from marshmallow import Schema, fields, validate

from reporting.text import FullMatch

# Times far outside the service's life are refused rather than handed to the database
# (year 1 with a positive offset is before what a datetime can hold in UTC).
_TIMES = validate.Range(min=datetime(2000, 1, 1, tzinfo=UTC),
                        max=datetime(9999, 1, 1, tzinfo=UTC))
_ACTION = FullMatch(r"^[a-z_]+(\.[a-z_]+)*$", error="An action such as report.read.")
_STATE = FullMatch(r"^[A-Z]{3}$", error="An ISO 3166-1 alpha-3 code.")


class AuditQuerySchema(Schema):
    action = fields.String(validate=[validate.Length(max=64), _ACTION], metadata={
        "description": "Only this action, e.g. report.read or auth.login_failed"})
    since = fields.AwareDateTime(validate=_TIMES, metadata={
        "description": "Entries at or after this time (RFC 3339, with an offset)"})
    until = fields.AwareDateTime(validate=_TIMES, metadata={
        "description": "Entries before this time (RFC 3339, with an offset)"})
    actor_state = fields.String(validate=_STATE, metadata={
        "description": "Entries made by this member state's users and tokens"})
    object_id = fields.String(validate=[validate.Length(min=1, max=64),
                                        FullMatch(r"^[A-Za-z0-9._:-]+$")], metadata={
        "description": "Entries about this object (a report, user, token or key id)"})
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))
    cursor = fields.String(validate=validate.Length(min=1, max=64))


class ActorSchema(Schema):
    state = fields.String(allow_none=True, required=True)
    role = fields.String(allow_none=True, required=True)
    id = fields.String(allow_none=True, required=True, metadata={
        "description": "The user (a person's login) or token (a machine client); null "
                       "for another state's actor, who is shown by state and role only"})
    label = fields.String(allow_none=True, required=True)


class ObjectSchema(Schema):
    type = fields.String(allow_none=True, required=True)
    id = fields.String(allow_none=True, required=True)
    state = fields.String(allow_none=True, required=True, metadata={
        "description": "The member state whose object it is"})


class AuditEntrySchema(Schema):
    seq = fields.Integer(required=True)
    at = fields.DateTime(required=True)
    action = fields.String(required=True)
    outcome = fields.String(required=True)
    actor = fields.Nested(ActorSchema, required=True)
    object = fields.Nested(ObjectSchema, required=True)
    ip = fields.String(allow_none=True, required=True)
    request_id = fields.String(allow_none=True, required=True)
    prev_hash = fields.String(required=True)
    entry_hash = fields.String(required=True, metadata={
        "description": "SHA-256 of the entry's RFC 8785 canonical fields and prev_hash "
                       "(SECURITY.md, 'Audit trail')"})


class AuditPageSchema(Schema):
    items = fields.List(fields.Nested(AuditEntrySchema), required=True)
    next_cursor = fields.String(allow_none=True, required=True, metadata={
        "description": "Pass as `cursor` for the next page; null on the last page."})
