"""HTTP handlers for the directory: member states, regions, groups, and what states do
as witnesses of the log (their keys, their cosignatures)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from reporting.accounts.auth import current_principal, requires
from reporting.accounts.roles import ADMIN, SECRETARIAT, STATE_ADMIN
from reporting.bodies import json_body, load
from reporting.db import request_session
from reporting.directory import schemas, service
from reporting.directory.models import StateKey
from reporting.errors import ProblemError, ValidationProblem
from reporting.ledger.schemas import CosignatureInSchema, CosignatureOutSchema
from reporting.ledger.signing import b64url, b64url_decode
from reporting.openapi import problems
from reporting.reports.guard import find_personal_data
from reporting.unit_of_work import current_ledger, request_unit, transactional

blp = Blueprint("directory", __name__, url_prefix="/api/v1",
                description="Member states, M49 regions and named groups.")


SECRETARIAT_ONLY = frozenset({SECRETARIAT})


def _member_document(member: Any) -> dict[str, Any]:
    return {"iso3": member.iso3, "default_sharing": member.default_sharing,
            "auto_approve": member.auto_approve, "joined_at": member.joined_at,
            "suspended_at": member.suspended_at}


@blp.route("/states")
class States(MethodView):
    @blp.response(200, schemas.MemberStateSchema(many=True))
    @problems(blp, 401)
    def get(self) -> list[dict[str, Any]]:
        """The member states of this installation; the secretariat also sees each one's
        administration (auto-approval, joined, suspended)."""
        administers = current_principal().role == SECRETARIAT
        return [{"iso3": member.iso3, "name": country.name, "m49": country.m49,
                 "default_sharing": member.default_sharing, "regions": regions,
                 **(_member_document(member) if administers else {})}
                for member, country, regions in service.list_member_states(request_session())]

    @blp.doc(requestBody={"required": True, "content": {
        "application/json": {"schema": schemas.MemberStateInSchema}}})
    @blp.response(201, schemas.MemberStateAdminSchema)
    @problems(blp, 400, 401, 403, 409, 413, 415, 422)
    @requires(ADMIN, SECRETARIAT_ONLY)
    @transactional
    def post(self) -> dict[str, Any]:
        """The secretariat adds a member state; its first state admin comes next
        (POST /users with its `state`)."""
        data = load(schemas.MemberStateInSchema(), json_body())
        unit = request_unit()
        member = service.add_member_state(unit.session, data["iso3"], data["default_sharing"])
        unit.record("state.add", object_type="state", object_id=member.iso3,
                    object_state=member.iso3)
        return _member_document(member)


def _suspension(iso3: str, suspend: bool) -> dict[str, Any]:
    unit = request_unit()
    change = service.suspend_member_state if suspend else service.reinstate_member_state
    member = change(unit.session, iso3)
    unit.record("state.suspend" if suspend else "state.reinstate", object_type="state",
                object_id=member.iso3, object_state=member.iso3)
    return _member_document(member)


@blp.route("/states/<iso3>/suspend")
class StateSuspension(MethodView):
    @blp.response(200, schemas.MemberStateAdminSchema)
    @problems(blp, 401, 403, 404, 422)
    @requires(ADMIN, SECRETARIAT_ONLY)
    @transactional
    def post(self, iso3: str) -> dict[str, Any]:
        """The secretariat suspends a member state: its tokens and logins stop at once;
        its reports, keys and log entries stay."""
        return _suspension(iso3, True)


@blp.route("/states/<iso3>/reinstate")
class StateReinstatement(MethodView):
    @blp.response(200, schemas.MemberStateAdminSchema)
    @problems(blp, 401, 403, 404, 422)
    @requires(ADMIN, SECRETARIAT_ONLY)
    @transactional
    def post(self, iso3: str) -> dict[str, Any]:
        """The secretariat reinstates a suspended member state: its tokens work again."""
        return _suspension(iso3, False)


@blp.route("/regions")
class Regions(MethodView):
    @blp.response(200, schemas.RegionSchema(many=True))
    @problems(blp, 401)
    def get(self) -> list[dict[str, Any]]:
        """M49 regions, sub-regions, intermediate regions and named groups."""
        current_principal()
        session = request_session()
        members = {m.iso3 for m, _, _ in service.list_member_states(session)}
        return [_region_document(session, region, countries, members)
                for region, countries in service.list_regions(session)]

    @blp.doc(requestBody={"required": True, "content": {
        "application/json": {"schema": schemas.GroupInSchema}}})
    @blp.response(201, schemas.RegionSchema)
    @problems(blp, 400, 401, 403, 409, 413, 415, 422)
    @requires(ADMIN, SECRETARIAT_ONLY)
    @transactional
    def post(self) -> dict[str, Any]:
        """The secretariat creates a named group (no members yet); M49 regions are
        seeded and not created here."""
        data = load(schemas.GroupInSchema(), json_body())
        unit = request_unit()
        region = service.create_group(unit.session, data["code"], data["name"])
        unit.record("group.create", object_type="group", object_id=region.code)
        return _region_document(unit.session, region, [])


def _region_document(session: Any, region: Any, countries: list[str],
                     members: set[str] | None = None) -> dict[str, Any]:
    if members is None:
        members = {m.iso3 for m, _, _ in service.list_member_states(session)}
    return {"code": region.code, "name": region.name, "kind": region.kind,
            "members": countries, "member_states": [c for c in countries if c in members]}


@blp.route("/regions/<code>/members/<iso3>")
class GroupMember(MethodView):
    @blp.response(200, schemas.RegionSchema)
    @problems(blp, 401, 403, 404, 409, 422)
    @requires(ADMIN, SECRETARIAT_ONLY)
    @transactional
    def put(self, code: str, iso3: str) -> dict[str, Any]:
        """The secretariat adds a country to a named group (M49 regions: 409). Its
        summaries are refreshed: which states count in them changed."""
        return _membership(code, iso3, True)

    @blp.response(200, schemas.RegionSchema)
    @problems(blp, 401, 403, 404, 409, 422)
    @requires(ADMIN, SECRETARIAT_ONLY)
    @transactional
    def delete(self, code: str, iso3: str) -> dict[str, Any]:
        """The secretariat removes a country from a named group (M49 regions: 409)."""
        return _membership(code, iso3, False)


def _membership(code: str, iso3: str, member: bool) -> dict[str, Any]:
    unit = request_unit()
    # Recorded whether or not the membership changed: every write request is audited.
    service.set_group_member(unit, code, iso3, member)
    unit.record("group.member_add" if member else "group.member_remove",
                object_type="group", object_id=code, object_state=service.normalise_iso3(iso3))
    region, countries = service.group_with_members(unit.session, code)
    return _region_document(unit.session, region, countries)


def _own_state(iso3: str, doing: str) -> str:
    """The caller's state, when ``iso3`` names it; a state admin acts on no other."""
    if iso3 != current_principal().state:
        raise ProblemError(403, f"A state admin {doing} of their own state only.")
    return iso3


def _settings_document(member: Any) -> dict[str, Any]:
    return {"iso3": member.iso3, "default_sharing": member.default_sharing,
            "auto_approve": member.auto_approve}


@blp.route("/states/<iso3>/settings")
class StateSettings(MethodView):
    @blp.response(200, schemas.StateSettingsOutSchema)
    @problems(blp, 401, 403)
    @requires(ADMIN, frozenset({STATE_ADMIN}))
    def get(self, iso3: str) -> dict[str, Any]:
        """A state admin reads the state's settings."""
        state = _own_state(iso3, "reads the settings")
        return _settings_document(service.get_member_state(request_session(), state))

    @blp.doc(requestBody={"required": True, "content": {
        "application/json": {"schema": schemas.StateSettingsSchema}}})
    @blp.response(200, schemas.StateSettingsOutSchema)
    @problems(blp, 400, 401, 403, 413, 415, 422)
    @requires(ADMIN, frozenset({STATE_ADMIN}))
    @transactional
    def patch(self, iso3: str) -> dict[str, Any]:
        """A state admin sets the state's default sharing level and whether its reports
        are approved as they arrive; fields left out stay as they are."""
        state = _own_state(iso3, "changes the settings")
        data = load(schemas.StateSettingsSchema(), json_body())
        unit = request_unit()
        member = service.update_settings(unit.session, state, **data)
        unit.record("state.settings", object_type="state", object_id=state,
                    object_state=state)
        return _settings_document(member)


@blp.route("/states/<iso3>/keys")
class StateKeys(MethodView):
    @blp.doc(requestBody={"required": True, "content": {
        "application/json": {"schema": schemas.StateKeyInSchema}}})
    @blp.response(201, schemas.StateKeyOutSchema)
    @problems(blp, 400, 401, 403, 404, 409, 413, 415, 422)
    @requires(ADMIN, frozenset({STATE_ADMIN}))
    @transactional
    def post(self, iso3: str) -> dict[str, Any]:
        """A state admin registers an Ed25519 public key of the state."""
        principal = current_principal()
        if iso3 != principal.state:
            raise ProblemError(403, "A state admin registers keys of their own state only.")
        data = load(schemas.StateKeyInSchema(), json_body())
        try:
            public_key = b64url_decode(data["public_key"])
        except ValueError:
            raise ValidationProblem({"public_key": ["Not base64url."]}) from None
        if findings := find_personal_data(data.get("witness_name") or ""):
            # Witness names are published in every checkpoint: screened like report text.
            raise ValidationProblem(
                {"witness_name": [f"personal data found: {f.kind} at characters "
                                  f"{f.start}-{f.end}" for f in findings]},
                problem="personal-data", title="Personal data in free text",
                detail="A witness name is published in checkpoints: choose one that "
                       "names no person (e.g. <state>.example/witness).")
        unit = request_unit()
        key = service.register_state_key(unit.session, iso3, public_key,
                                         data.get("witness_name"))
        unit.record("key.register", object_type="key", object_id=key.kid, object_state=iso3)
        return _key_document(key)


@blp.route("/states/<iso3>/keys/<kid>")
class StateKeyItem(MethodView):
    @blp.response(200, schemas.StateKeyOutSchema)
    @problems(blp, 401, 403, 404)
    @requires(ADMIN, frozenset({STATE_ADMIN}))
    @transactional
    def delete(self, iso3: str, kid: str) -> dict[str, Any]:
        """A state admin revokes a key of the state: it no longer counts for new report
        signatures or cosignatures, and stays listed so that older ones can be checked."""
        if iso3 != current_principal().state:
            raise ProblemError(403, "A state admin revokes keys of their own state only.")
        unit = request_unit()
        key = service.revoke_state_key(unit.session, iso3, kid)
        unit.record("key.revoke", object_type="key", object_id=key.kid, object_state=iso3)
        return _key_document(key)


@blp.route("/log/cosignatures")
class Cosignatures(MethodView):
    @blp.doc(requestBody={"required": True, "content": {
        "application/json": {"schema": CosignatureInSchema}}})
    @blp.response(201, CosignatureOutSchema)
    @problems(blp, 400, 401, 403, 404, 409, 413, 415, 422)
    @requires(ADMIN, frozenset({STATE_ADMIN}))
    @transactional
    def post(self) -> dict[str, Any]:
        """A member state's C2SP cosignature on a checkpoint it verified."""
        data = load(CosignatureInSchema(), json_body())
        unit = request_unit()
        state = current_principal().state or ""
        keys = service.witness_keys(unit.session, state)
        cosignature = current_ledger().add_cosignature(
            unit.session, data["tree_size"], data["cosignature"], keys)
        unit.record("log.cosign", object_type="checkpoint",
                    object_id=str(cosignature.tree_size), object_state=state)
        return {"tree_size": cosignature.tree_size, "witness": cosignature.witness}


def _key_document(key: StateKey) -> dict[str, Any]:
    return {"kid": key.kid, "state": key.state_iso3, "public_key": b64url(bytes(key.public_key)),
            "witness_name": key.witness_name, "revoked_at": key.revoked_at}
