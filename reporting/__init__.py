"""OpenVRS: voluntary reporting on migrant smuggling and related conduct."""

from __future__ import annotations

from typing import TYPE_CHECKING

# Nothing imported at package level: `import reporting.client` (a national system's client)
# must not load Flask or the database layer.
if TYPE_CHECKING:
    from flask import Flask

    from reporting.config import Settings


def create_app(settings: Settings | None = None) -> Flask:
    """Build the WSGI application: settings, database, units of work, blueprints, errors."""
    from flask import Flask

    from reporting import db, errors, rate_limits, unit_of_work
    from reporting.accounts.api import admin_blp
    from reporting.accounts.api import blp as auth_blp
    from reporting.accounts.auth import authenticate_request
    from reporting.accounts.throttle import LoginPolicy
    from reporting.audit.api import blp as audit_blp
    from reporting.config import Settings
    from reporting.directory.api import blp as directory_blp
    from reporting.health import blp as health_blp
    from reporting.http_headers import secure_headers
    from reporting.ledger.api import blp as log_blp
    from reporting.openapi import SETTINGS, Api, docs_assets
    from reporting.operations.api import blp as operations_blp
    from reporting.problems import blp as problems_blp
    from reporting.reports.api import blp as reports_blp
    from reporting.reports.api import log_blp as log_entries_blp
    from reporting.reports.guard import check_guard_configuration
    from reporting.summaries.api import blp as summaries_blp
    from reporting.summaries.api import sdmx_blp
    from reporting.text import PathSegment
    from reporting.wiring import build_binding
    from workers import init_celery

    settings = settings or Settings.from_env()
    app = Flask(__name__)
    # Before any route is added: every string path parameter refuses control characters.
    app.url_map.converters["default"] = app.url_map.converters["string"] = PathSegment
    if settings.trusted_proxies > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # request.remote_addr is then the address the nearest trusted proxy saw; without
        # trusted proxies, X-Forwarded-For is a client's claim and is ignored.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.trusted_proxies)  # type: ignore[method-assign]
    app.config.update(SETTINGS)
    app.config.update(
        VRS_SETTINGS=settings,
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
        JSON_SORT_KEYS=False,
    )
    if settings.docs_assets_url:
        app.config["OPENAPI_SWAGGER_UI_URL"] = settings.docs_assets_url.rstrip("/") + "/"
    if settings.is_sqlite:
        settings.ensure_data_dir()
    # Refuses to build an app whose configured spaCy model is missing, and loads the
    # guard's place names now rather than during the first report.
    check_guard_configuration(app.config)
    database = db.Database(settings.database_url, settings.timeouts)
    db.init_app(app, database)
    unit_of_work.init_app(app, build_binding(settings, database))
    init_celery(app)

    api = Api(app)
    api.register_converter(PathSegment, PathSegment.parameter_schema)
    app.register_blueprint(docs_assets)
    app.register_blueprint(problems_blp)
    for blueprint in (reports_blp, directory_blp, auth_blp, admin_blp, log_blp,
                      log_entries_blp, health_blp, audit_blp, summaries_blp,
                      operations_blp, sdmx_blp):
        api.register_blueprint(blueprint)
    app.before_request(authenticate_request)
    app.extensions["vrs_login_policy"] = LoginPolicy.from_settings(settings)
    # After authentication's hook, so that a write spends its token's budget.
    rate_limits.init_app(app, settings)
    app.after_request(secure_headers)
    # Registered after flask-smorest's own handlers so that ours win.
    errors.register_error_handlers(app)
    return app
