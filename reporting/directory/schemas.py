from __future__ import annotations

from marshmallow import Schema, fields


class MemberStateSchema(Schema):
    iso3 = fields.String(required=True)
    name = fields.String(required=True)
    m49 = fields.String(allow_none=True, required=True)
    default_sharing = fields.String(required=True)
    regions = fields.List(fields.String(), required=True, metadata={
        "description": "M49 codes and group slugs the state belongs to"})


class RegionSchema(Schema):
    code = fields.String(required=True, metadata={"description": "M49 code or group slug"})
    name = fields.String(required=True)
    kind = fields.String(required=True)
    members = fields.List(fields.String(), required=True)
    member_states = fields.List(fields.String(), required=True, metadata={
        "description": "Members that take part in this installation"})
