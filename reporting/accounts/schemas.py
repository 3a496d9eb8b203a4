from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from reporting.text import Text


class LoginSchema(Schema):
    class Meta:
        unknown = RAISE

    email = Text(required=True, validate=validate.Length(min=3, max=320))
    password = fields.String(required=True, validate=validate.Length(min=1, max=1024))


class IssuedTokenSchema(Schema):
    token = fields.String(required=True, metadata={"description": "Shown once; keep it safe."})
    token_type = fields.String(required=True)
    expires_at = fields.DateTime(required=True)
    role = fields.String(required=True)
    state = fields.String(allow_none=True, required=True)
    scopes = fields.List(fields.String(), required=True)
