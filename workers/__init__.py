"""Celery: one Celery app per Flask app, configured and bound by ``init_celery``.

Nothing is configured at import time: ``create_app`` calls ``init_celery``, in the API
process and in a worker or beat process alike (``vrs worker`` and ``vrs beat`` build the
Flask app first), so a task sees the same settings, session factory and ledger as a
request. Each Flask app gets a Celery app of its own rather than reconfiguring a global
one: Celery caches its broker connections per app, so two apps in one process (tests,
an API with the broker down beside a worker on the live one) would otherwise share
whichever broker came first. The tasks (``workers.tasks``) are shared tasks, so every
Celery app built here has them; every one runs as an ``AppTask``.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from celery import Celery, Task
from celery.schedules import crontab
from flask import Flask
from kombu.transport.sqlalchemy import Transport as SQLAlchemyTransport

from reporting.config import Settings
from reporting.unit_of_work import Binding, UnitOfWork, current_binding

log = logging.getLogger(__name__)

# Deliveries and sweeps go to the default queue; the long tasks (the nightly rebuild and
# the publications) to their own, so that a worker can be kept for each and approvals
# never wait behind a rebuild (`vrs worker --queues`).
DEFAULT_QUEUE = "celery"
BULK_QUEUE = "bulk"


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

    @property
    def binding(self) -> Binding:
        return current_binding()

    @contextmanager
    def unit(self) -> Iterator[UnitOfWork]:
        with UnitOfWork.begin(self.binding) as unit:
            yield unit
            _pause_for_tests()


def _pause_for_tests() -> None:
    """Test-only: hold a task between its writes and its commit, once, so that a test can
    kill the worker there (tests/workers). Set ``VRS_TEST_TASK_PAUSE`` to a file path;
    the first task to find that file removes it, writes its process id to ``PATH.paused``
    and sleeps. Unset in every real deployment, where this costs one environment lookup.
    """
    path = os.environ.get("VRS_TEST_TASK_PAUSE")
    if not path:
        return
    try:
        os.remove(path)
    except FileNotFoundError:
        return
    with open(f"{path}.tmp", "w") as out:
        out.write(str(os.getpid()))
    os.replace(f"{path}.tmp", f"{path}.paused")
    time.sleep(3600)


class EmbeddedBroker(SQLAlchemyTransport):
    """kombu's SQLAlchemy transport polling every 0.1 s (about 100 ms a task round trip).

    A subclass rather than ``broker_transport_options={"polling_interval": 0.1}``: this
    transport hands every transport option it does not know to ``create_engine``, which
    refuses ``polling_interval`` and stops the worker.
    """

    polling_interval = 0.1


def beat_schedule(settings: Settings) -> dict[str, dict[str, Any]]:
    """What ``vrs beat`` sends, in UTC.

    The publication runs at 03:00 on the 1st, after the nightly rebuild (02:00), so a
    just-closed period is published from figures the rebuild has just checked. One entry
    serves the months and the quarters (and years): ``publish_period`` without a period
    publishes every period that has just closed.
    """
    return {
        "sweep-outbox": {"task": "workers.sweep_outbox",
                         "schedule": timedelta(seconds=settings.outbox_sweep_seconds)},
        "reap-runs": {"task": "workers.reap_runs", "schedule": timedelta(minutes=5)},
        "rebuild-summaries": {"task": "workers.rebuild_summaries",
                              "schedule": crontab(minute=0, hour=2)},
        "publish-closed-periods": {"task": "workers.publish_period",
                                   "schedule": crontab(minute=0, hour=3, day_of_month=1)},
    }


def celery_config(settings: Settings) -> dict[str, Any]:
    broker: dict[str, Any] = {"broker_url": settings.broker_url}
    if settings.broker_url.startswith("sqla+"):
        broker = {"broker_url": settings.broker_url.removeprefix("sqla+"),
                  "broker_transport": f"{__name__}:EmbeddedBroker"}
    elif settings.broker_url.startswith(("redis://", "rediss://")):
        broker["broker_transport_options"] = {
            # Reaching Redis: a dead or unreachable broker fails a send within this bound
            # (the outbox row then waits for the sweep) instead of holding the request.
            "socket_connect_timeout": settings.broker_send_timeout,
            # No reconnection loop when a send finds no broker: kombu would otherwise
            # sleep and retry for broker_connection_timeout. The worker's own consumer
            # reconnects by broker_connection_retry, which this does not touch.
            "max_retries": 0,
            # A message whose worker died unacknowledged is handed out again after this.
            "visibility_timeout": settings.broker_visibility_timeout,
        }
    return {
        **broker,
        "broker_connection_timeout": settings.broker_send_timeout,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "task_time_limit": 600,
        "task_soft_time_limit": 540,
        # The execution log (task_runs) is where outcomes go; results nobody reads would
        # only fill the backend. Ignoring them also spares the sender a subscription to
        # the result backend (a second connection to a broker that may be down).
        "task_ignore_result": True,
        "task_default_queue": DEFAULT_QUEUE,
        "task_routes": {"workers.rebuild_summaries": {"queue": BULK_QUEUE},
                        "workers.publish_period": {"queue": BULK_QUEUE}},
        "worker_prefetch_multiplier": 1,
        "task_serializer": "json",
        "accept_content": ["json"],
        "result_serializer": "json",
        # Results go to Redis in production, or to their own SQLite file so that Celery's
        # tables never mix with the schema Alembic owns.
        "result_backend": settings.redis_url
        or f"db+sqlite:///{settings.data_dir / 'celery-results.db'}",
        "timezone": "UTC",
        "beat_schedule": beat_schedule(settings),
        "beat_schedule_filename": str(settings.data_dir / "celerybeat-schedule"),
    }


def init_celery(app: Flask) -> Celery:
    """A Celery app configured from the Flask app's settings, the two bound together, and
    the Flask app's units of work dispatching their outbox rows to it after commit."""
    import workers.tasks  # noqa: F401 - registers the shared tasks with every Celery app
    from workers.dispatch import OutboxDispatch

    # set_as_current=False: building an app changes no global Celery state.
    celery = Celery("openvrs", task_cls=AppTask, set_as_current=False)
    settings: Settings = app.config["VRS_SETTINGS"]
    celery.conf.update(celery_config(settings), flask_app=app)
    app.extensions["celery"] = celery
    binding: Binding = app.extensions["vrs_binding"]
    binding.dispatch = OutboxDispatch(celery, binding)
    return celery
