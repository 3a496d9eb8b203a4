"""Application-wide objects that handlers reach through the current app."""

from __future__ import annotations

from functools import partial

from flask import Flask, current_app

from reporting.config import Settings
from reporting.group_commit import GroupCommit
from reporting.ledger.keys import Keyring
from reporting.ledger.log import Ledger
from reporting.reports.service import Outcome, Submission, store_submissions

Intake = GroupCommit[Submission, Outcome]


def make_ledger(settings: Settings) -> Ledger:
    return Ledger(Keyring.from_env(settings.data_dir), settings.log_origin)


def init_ledger(app: Flask, settings: Settings) -> Ledger:
    ledger = make_ledger(settings)
    app.extensions["vrs_ledger"] = ledger
    return ledger


def current_ledger() -> Ledger:
    return current_app.extensions["vrs_ledger"]


def init_intake(app: Flask, ledger: Ledger) -> Intake:
    """New reports are stored through one group commit per process (see group_commit)."""

    intake: Intake = GroupCommit(partial(store_submissions, ledger=ledger))
    app.extensions["vrs_intake"] = intake
    return intake


def current_intake() -> Intake:
    return current_app.extensions["vrs_intake"]
