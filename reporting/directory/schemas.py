from __future__ import annotations

from marshmallow import RAISE, Schema, fields
from marshmallow.validate import Length, OneOf

from reporting.directory.models import SHARING_LEVELS
from reporting.directory.service import GROUP_CODE, WITNESS_NAME
from reporting.text import FullMatch, Text


class MemberStateSchema(Schema):
    iso3 = fields.String(required=True)
    name = fields.String(required=True)
    m49 = fields.String(allow_none=True, required=True)
    default_sharing = fields.String(required=True)
    regions = fields.List(fields.String(), required=True, metadata={
        "description": "M49 codes and group slugs the state belongs to"})
    # For the secretariat only: other members do not learn of one another's suspension.
    auto_approve = fields.Boolean(metadata={"description": "Secretariat only"})
    joined_at = fields.DateTime(metadata={"description": "Secretariat only"})
    suspended_at = fields.DateTime(allow_none=True, metadata={
        "description": "Secretariat only: since when the state is suspended; null while it "
                       "takes part"})


class RegionSchema(Schema):
    code = fields.String(required=True, metadata={"description": "M49 code or group slug"})
    name = fields.String(required=True)
    kind = fields.String(required=True)
    members = fields.List(fields.String(), required=True)
    member_states = fields.List(fields.String(), required=True, metadata={
        "description": "Members that take part in this installation"})


class StateKeyInSchema(Schema):
    class Meta:
        unknown = RAISE

    public_key = fields.String(required=True, validate=FullMatch(r"^[A-Za-z0-9_-]{43}$"),
                               metadata={"description": "base64url raw 32-byte Ed25519 key"})
    witness_name = Text(validate=FullMatch(WITNESS_NAME,
                                           error="1 to 200 characters, no spaces or "
                                                 "plus signs (a C2SP key name)."),
                        metadata={"description": "Name the state uses in checkpoint "
                                                 "cosignature lines"})


class StateKeyOutSchema(Schema):
    kid = fields.String(required=True)
    state = fields.String(required=True)
    public_key = fields.String(required=True)
    witness_name = fields.String(allow_none=True, required=True)
    revoked_at = fields.DateTime(allow_none=True, required=True,
                                 metadata={"description": "When the key stopped counting for "
                                                          "new signatures; null while it counts"})


class StateSettingsSchema(Schema):
    """A member state's own settings (SPEC §1, §2), set by its state admin."""

    class Meta:
        unknown = RAISE

    default_sharing = fields.String(validate=OneOf(SHARING_LEVELS), metadata={
        "description": "The sharing level of the state's reports that do not name one."})
    auto_approve = fields.Boolean(metadata={
        "description": "Approve the state's submissions and amendments as they arrive "
                       "(each approval is logged with a receipt, as a review's is)."})


class StateSettingsOutSchema(StateSettingsSchema):
    iso3 = fields.String(required=True)
    default_sharing = fields.String(required=True)
    auto_approve = fields.Boolean(required=True)


# ---- the secretariat's administration ---------------------------------------------------


class MemberStateInSchema(Schema):
    class Meta:
        unknown = RAISE

    iso3 = fields.String(required=True, validate=FullMatch(r"^[A-Za-z]{3}$"), metadata={
        "description": "ISO 3166-1 alpha-3 code of the country joining"})
    default_sharing = fields.String(load_default="national", validate=OneOf(SHARING_LEVELS),
                                    metadata={"description": "Until its admin sets it"})


class MemberStateAdminSchema(Schema):
    iso3 = fields.String(required=True)
    default_sharing = fields.String(required=True)
    auto_approve = fields.Boolean(required=True)
    joined_at = fields.DateTime(required=True)
    suspended_at = fields.DateTime(allow_none=True, required=True, metadata={
        "description": "Since when the state is suspended (its tokens and logins refused); "
                       "null while it takes part"})


class GroupInSchema(Schema):
    class Meta:
        unknown = RAISE

    code = fields.String(required=True, validate=FullMatch(GROUP_CODE.pattern.replace(
        r"\A", "^").replace(r"\Z", "$"), error="3 to 64 lower-case letters, digits and "
                                                "hyphens, starting with a letter."),
        metadata={"description": "The group's slug, used in /summaries/{region}/…"})
    name = Text(required=True, validate=Length(min=1, max=200))
