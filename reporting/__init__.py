"""OpenVRS: voluntary reporting on migrant smuggling and related conduct."""

from __future__ import annotations

from flask import Flask

from reporting.config import Settings


def create_app(settings: Settings | None = None) -> Flask:
    """Build the WSGI application: settings, database, API blueprints, error handlers."""
    from reporting import db, errors
    from reporting.accounts.api import blp as auth_blp
    from reporting.accounts.auth import authenticate_request
    from reporting.directory.api import blp as directory_blp
    from reporting.extensions import init_intake, init_ledger
    from reporting.ledger.api import blp as log_blp
    from reporting.openapi import SETTINGS, Api
    from reporting.reports.api import blp as reports_blp

    settings = settings or Settings.from_env()
    app = Flask(__name__)
    app.config.update(SETTINGS)
    app.config.update(
        VRS_SETTINGS=settings,
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
        JSON_SORT_KEYS=False,
    )
    if settings.is_sqlite:
        settings.ensure_data_dir()
    db.init_app(app, db.Database(settings.database_url))
    init_intake(app, init_ledger(app, settings))

    api = Api(app)
    for blueprint in (reports_blp, directory_blp, auth_blp, log_blp):
        api.register_blueprint(blueprint)
    app.before_request(authenticate_request)
    # Registered after flask-smorest's own handlers so that ours win.
    errors.register_error_handlers(app)
    return app
