"""Celery: one app object, configured and bound to a Flask app by ``init_celery``.

Nothing is configured at import time: ``create_app`` calls ``init_celery``, in the API
process and in a worker process alike (``vrs worker`` builds the Flask app first), so a
task sees the same settings, session factory and ledger as a request. Tasks (aggregation,
outbox delivery) arrive with the aggregation issue; they subclass nothing by hand:
every task of this app runs as an ``AppTask``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from celery import Celery, Task
from flask import Flask
from kombu.transport.sqlalchemy import Transport as SQLAlchemyTransport

from reporting.config import Settings
from reporting.unit_of_work import UnitOfWork, current_binding


class AppTask(Task):
    """A task that runs inside its Flask app's context and writes through units of work.

    Tasks are thin: ids in, one service call inside ``self.unit()``, which commits (and
    then dispatches what the service put in the outbox) or rolls back.
    """

    abstract = True

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        flask_app: Flask = self.app.conf["flask_app"]
        with flask_app.app_context():
            return super().__call__(*args, **kwargs)

    @contextmanager
    def unit(self) -> Iterator[UnitOfWork]:
        with UnitOfWork.begin(current_binding()) as unit:
            yield unit


# set_as_current=False: importing this module changes no global Celery state.
celery = Celery("openvrs", task_cls=AppTask, set_as_current=False)


class EmbeddedBroker(SQLAlchemyTransport):
    """kombu's SQLAlchemy transport polling every 0.1 s (about 100 ms a task round trip).

    A subclass rather than ``broker_transport_options={"polling_interval": 0.1}``: this
    transport hands every transport option it does not know to ``create_engine``, which
    refuses ``polling_interval`` and stops the worker.
    """

    polling_interval = 0.1


def celery_config(settings: Settings) -> dict[str, Any]:
    broker: dict[str, Any] = {"broker_url": settings.broker_url}
    if settings.broker_url.startswith("sqla+"):
        broker = {"broker_url": settings.broker_url.removeprefix("sqla+"),
                  "broker_transport": f"{__name__}:EmbeddedBroker"}
    return {
        **broker,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "task_time_limit": 600,
        "task_soft_time_limit": 540,
        "worker_prefetch_multiplier": 1,
        "task_serializer": "json",
        "accept_content": ["json"],
        "result_serializer": "json",
        # Results go to Redis in production, or to their own SQLite file so that Celery's
        # tables never mix with the schema Alembic owns.
        "result_backend": settings.redis_url
        or f"db+sqlite:///{settings.data_dir / 'celery-results.db'}",
        "timezone": "UTC",
    }


def init_celery(app: Flask) -> Celery:
    """Configure the Celery app from the Flask app's settings and bind the two."""
    celery.conf.update(celery_config(app.config["VRS_SETTINGS"]), flask_app=app)
    app.extensions["celery"] = celery
    return celery
