"""Wiring: the objects one process needs to serve requests or run tasks, built once.

``create_app`` and the Celery workers both call ``build_binding``, so that a worker signs
and logs with the same ledger, session factory and group commit settings as the API.
Nothing imports this module but those edges (and the CLI).
"""

from __future__ import annotations

from reporting.audit.chain import append
from reporting.config import Settings
from reporting.db import Database
from reporting.ledger.keys import Keyring
from reporting.ledger.log import Ledger
from reporting.unit_of_work import Binding, Dispatch


def make_ledger(settings: Settings) -> Ledger:
    return Ledger(Keyring.from_env(settings.data_dir), settings.log_origin,
                  settings.tree_head_interval)


def build_binding(settings: Settings, database: Database,
                  dispatch: Dispatch | None = None) -> Binding:
    """What every unit of work of this process uses: sessions, the ledger, dispatch, and
    the audit trail's writer."""
    return Binding(sessions=database.sessions, ledger=make_ledger(settings), dispatch=dispatch,
                   settings=settings, audit=append,
                   group_options={"wait_timeout": settings.group_wait_timeout})
