from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate


class JwkSchema(Schema):
    kty = fields.String(required=True)
    crv = fields.String(required=True)
    x = fields.String(required=True)
    kid = fields.String(required=True)
    alg = fields.String(required=True)
    use = fields.String(required=True)


class JwksSchema(Schema):
    keys = fields.List(fields.Nested(JwkSchema), required=True)


class TreeHeadSchema(Schema):
    tree_size = fields.Integer(required=True)
    root_hash = fields.String(required=True)
    timestamp = fields.String(required=True)
    key_id = fields.String(required=True)
    signature = fields.String(required=True)


class InclusionQuerySchema(Schema):
    index = fields.Integer(required=True, validate=validate.Range(min=0))
    tree_size = fields.Integer(required=True, validate=validate.Range(min=1))


class InclusionProofSchema(Schema):
    index = fields.Integer(required=True)
    tree_size = fields.Integer(required=True)
    leaf_hash = fields.String(required=True)
    audit_path = fields.List(fields.String(), required=True)


class ConsistencyQuerySchema(Schema):
    first = fields.Integer(required=True, validate=validate.Range(min=1))
    second = fields.Integer(required=True, validate=validate.Range(min=1))


class ConsistencyProofSchema(Schema):
    first = fields.Integer(required=True)
    second = fields.Integer(required=True)
    proof = fields.List(fields.String(), required=True)


MAX_ENTRIES = 1000


class EntriesQuerySchema(Schema):
    start = fields.Integer(load_default=0, validate=validate.Range(min=0))
    end = fields.Integer(validate=validate.Range(min=1), metadata={
        "description": f"Exclusive; at most {MAX_ENTRIES} entries per page"})


class EntrySchema(Schema):
    index = fields.Integer(required=True)
    leaf_hash = fields.String(required=True)
    entry = fields.String(required=True, metadata={
        "description": "The signed receipt's exact canonical JSON; leaf = SHA-256(0x00 ‖ "
                       "its UTF-8 bytes)."})


class EntriesSchema(Schema):
    tree_size = fields.Integer(required=True)
    entries = fields.List(fields.Nested(EntrySchema), required=True)


class CosignatureInSchema(Schema):
    class Meta:
        unknown = RAISE

    tree_size = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    cosignature = fields.String(required=True, validate=validate.Length(min=10, max=1000),
                                metadata={"description": "One C2SP cosignature/v1 line: "
                                                         "'— <name> <base64>'"})


class CosignatureOutSchema(Schema):
    tree_size = fields.Integer(required=True)
    witness = fields.String(required=True)
