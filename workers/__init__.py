"""Celery: the app object that workers and the API share.

Tasks (aggregation, outbox delivery) arrive with the aggregation issue; the app is
configured now so that ``vrs worker`` and the compose file have something to run.
"""

from __future__ import annotations

from celery import Celery

from reporting.config import Settings


def make_celery(settings: Settings | None = None) -> Celery:
    settings = settings or Settings.from_env()
    app = Celery("openvrs", broker=settings.broker_url, include=[])
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_time_limit=600,
        task_soft_time_limit=540,
        worker_prefetch_multiplier=1,
        task_serializer="json",
        accept_content=["json"],
        result_serializer="json",
        # Results go to Redis in production, or to their own SQLite file so that Celery's
        # tables never mix with the schema Alembic owns.
        result_backend=settings.redis_url
        or f"db+sqlite:///{settings.data_dir / 'celery-results.db'}",
        # The no-server transports poll; 0.1 s keeps a task round trip near 100 ms.
        broker_transport_options={"polling_interval": 0.1},
        timezone="UTC",
    )
    return app


celery = make_celery()
