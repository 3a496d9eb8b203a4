from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from reporting.text import Text


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


# Indexes and sizes are BIGINT columns: larger numbers name nothing, and must be a 422
# rather than an overflow in the database.
MAX_SIZE = 2**63 - 1


def _size(least: int) -> validate.Range:
    return validate.Range(min=least, max=MAX_SIZE)


class InclusionQuerySchema(Schema):
    index = fields.Integer(required=True, validate=_size(0))
    tree_size = fields.Integer(required=True, validate=_size(1))


class InclusionProofSchema(Schema):
    index = fields.Integer(required=True)
    tree_size = fields.Integer(required=True)
    leaf_hash = fields.String(required=True)
    audit_path = fields.List(fields.String(), required=True)


class ConsistencyQuerySchema(Schema):
    first = fields.Integer(required=True, validate=_size(1))
    second = fields.Integer(required=True, validate=_size(1))


class ConsistencyProofSchema(Schema):
    first = fields.Integer(required=True)
    second = fields.Integer(required=True)
    proof = fields.List(fields.String(), required=True)


MAX_ENTRIES = 1000


class EntriesQuerySchema(Schema):
    start = fields.Integer(load_default=0, validate=_size(0))
    end = fields.Integer(validate=_size(1), metadata={
        "description": f"Exclusive; at most {MAX_ENTRIES} entries per page"})


class EntrySchema(Schema):
    index = fields.Integer(required=True)
    leaf_hash = fields.String(required=True)
    entry = fields.String(metadata={
        "description": "The signed receipt's exact canonical JSON (leaf = SHA-256(0x00 ‖ "
                       "its UTF-8 bytes)), present only when the caller's token may read "
                       "the report the receipt belongs to. Without a token, leaf hashes "
                       "only: enough to rebuild the tree, nothing about whose entry it is."})


class EntriesSchema(Schema):
    tree_size = fields.Integer(required=True)
    entries = fields.List(fields.Nested(EntrySchema), required=True)


class CosignatureInSchema(Schema):
    class Meta:
        unknown = RAISE

    tree_size = fields.Integer(required=True, strict=True, validate=_size(1))
    cosignature = Text(required=True, validate=validate.Length(min=10, max=1000),
                       metadata={"description": "One C2SP cosignature/v1 line: "
                                                "'— <name> <base64>'"})


class CosignatureOutSchema(Schema):
    tree_size = fields.Integer(required=True)
    witness = fields.String(required=True)
