"""Application-wide objects that handlers reach through the current app."""

from __future__ import annotations

from flask import Flask, current_app

from reporting.config import Settings
from reporting.ledger.keys import Keyring
from reporting.ledger.log import Ledger


def make_ledger(settings: Settings) -> Ledger:
    return Ledger(Keyring.from_env(settings.data_dir), settings.log_origin)


def init_ledger(app: Flask, settings: Settings) -> Ledger:
    ledger = make_ledger(settings)
    app.extensions["vrs_ledger"] = ledger
    return ledger


def current_ledger() -> Ledger:
    return current_app.extensions["vrs_ledger"]
