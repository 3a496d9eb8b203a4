"""Serving the WSGI app with gunicorn, in process, so ``vrs serve`` needs no config file."""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication

from reporting.config import Settings


class _Gunicorn(BaseApplication):
    def __init__(self, settings: Settings, options: dict[str, Any]) -> None:
        self._settings = settings
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from reporting import create_app

        return create_app(self._settings)


# The path without its query string (%(U)s, not %(r)s) and no referrer: a query string is
# client text (a filter value, a mistaken token) that a log must not keep.
ACCESS_LOG_FORMAT = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms'


def run_gunicorn(settings: Settings, *, host: str, port: int, workers: int,
                 threads: int = 1) -> None:
    # gthread workers let submissions that arrive together share one log append and one
    # commit (reporting.group_commit); sync workers handle one request at a time.
    worker_class = "gthread" if threads > 1 else "sync"
    _Gunicorn(settings, {"bind": f"{host}:{port}", "workers": workers,
                         "worker_class": worker_class, "threads": threads,
                         "accesslog": "-", "access_log_format": ACCESS_LOG_FORMAT,
                         "timeout": 60,
                         # One control socket per user (~/.gunicorn) would be fought over
                         # by two `vrs serve` on one machine; nothing here uses it.
                         "control_socket_disable": True}).run()
