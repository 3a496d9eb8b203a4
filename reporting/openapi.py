"""The OpenAPI document: flask-smorest's generator, with problem+json for every error."""

from __future__ import annotations

import http
from collections.abc import Callable
from importlib import resources
from typing import Any, TypeVar

from apispec import BasePlugin
from flask import Blueprint as FlaskBlueprint
from flask import Response, send_from_directory
from flask_smorest import Api as SmorestApi
from flask_smorest import Blueprint
from flask_smorest.utils import prepare_response

from reporting.errors import PROBLEM_MEDIA_TYPE, ProblemSchema

F = TypeVar("F", bound=Callable[..., Any])

API_PREFIX = "/api/v1"

SETTINGS: dict[str, Any] = {
    "API_TITLE": "OpenVRS",
    "API_VERSION": "1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": API_PREFIX,
    "OPENAPI_JSON_PATH": "openapi.json",
    "OPENAPI_SWAGGER_UI_PATH": "docs",
    # Served from the package (see docs_assets below); VRS_DOCS_ASSETS_URL may name a
    # CDN instead.
    "OPENAPI_SWAGGER_UI_URL": f"{API_PREFIX}/docs/assets/",
    "API_SPEC_OPTIONS": {
        "info": {
            "description": (
                "Voluntary reporting and data exchange on migrant smuggling and related "
                "conduct. Member states submit non-nominal incident reports; every error is "
                "an RFC 9457 problem document (application/problem+json)."),
        },
        "servers": [{"url": "/"}],
        "security": [{"bearerAuth": []}],
        "components": {"securitySchemes": {
            "bearerAuth": {"type": "http", "scheme": "bearer",
                           "description": "An API token from `vrs tokens create` or "
                                          "POST /api/v1/auth/login."}}},
    },
}


class RateLimitedResponses(BasePlugin):
    """Every write (login included) may be answered 429 by the rate limits
    (``reporting.rate_limits``): say so in each write operation's responses."""

    def operation_helper(self, path: str | None = None,
                         operations: dict[str, Any] | None = None, **kwargs: Any) -> None:
        for method, operation in (operations or {}).items():
            if method.upper() in {"POST", "PUT", "PATCH", "DELETE"}:
                operation.setdefault("responses", {}).setdefault(
                    "429", http.HTTPStatus.TOO_MANY_REQUESTS.name)


class Api(SmorestApi):
    ERROR_SCHEMA = ProblemSchema

    def _init_spec(self, *, extra_plugins: Any = None, **kwargs: Any) -> None:
        super()._init_spec(extra_plugins=[*(extra_plugins or ()), RateLimitedResponses()],
                           **kwargs)

    def _register_responses(self) -> None:
        # flask-smorest documents errors as application/json; ours are problem+json.
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_MEDIA_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Problem document", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_MEDIA_TYPE)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


def problems(blp: Blueprint, *statuses: int) -> Callable[[F], F]:
    """Document that an endpoint answers these statuses with a problem document."""

    def decorator(view: F) -> F:
        for status in statuses:
            view = blp.alt_response(status, response=http.HTTPStatus(status).name)(view)
        return view

    return decorator


# Swagger UI's own files from the flask-swagger-ui package (which ships them; nothing is
# copied into this repository): the docs page then needs no outbound request.
DOCS_ASSETS = resources.files("flask_swagger_ui") / "dist"
docs_assets = FlaskBlueprint("docs-assets", __name__, url_prefix=f"{API_PREFIX}/docs/assets")


@docs_assets.route("/<path:filename>")
def docs_asset(filename: str) -> Response:
    return send_from_directory(str(DOCS_ASSETS), filename, max_age=86400)
