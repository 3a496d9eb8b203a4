"""HTTP handlers for the directory: member states, regions and groups."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from reporting.accounts.auth import current_principal
from reporting.db import request_session
from reporting.directory import schemas, service
from reporting.openapi import problems

blp = Blueprint("directory", __name__, url_prefix="/api/v1",
                description="Member states, M49 regions and named groups.")


@blp.route("/states")
class States(MethodView):
    @blp.response(200, schemas.MemberStateSchema(many=True))
    @problems(blp, 401)
    def get(self) -> list[dict[str, Any]]:
        """The member states of this installation."""
        current_principal()
        return [{"iso3": member.iso3, "name": country.name, "m49": country.m49,
                 "default_sharing": member.default_sharing, "regions": regions}
                for member, country, regions in service.list_member_states(request_session())]


@blp.route("/regions")
class Regions(MethodView):
    @blp.response(200, schemas.RegionSchema(many=True))
    @problems(blp, 401)
    def get(self) -> list[dict[str, Any]]:
        """M49 regions, sub-regions, intermediate regions and named groups."""
        current_principal()
        session = request_session()
        members = {m.iso3 for m, _, _ in service.list_member_states(session)}
        return [{"code": region.code, "name": region.name, "kind": region.kind,
                 "members": countries,
                 "member_states": [c for c in countries if c in members]}
                for region, countries in service.list_regions(session)]
