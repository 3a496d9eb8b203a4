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


def run_gunicorn(settings: Settings, *, host: str, port: int, workers: int,
                 threads: int = 1) -> None:
    # gthread workers let submissions that arrive together share one log append and one
    # commit (reporting.group_commit); sync workers handle one request at a time.
    worker_class = "gthread" if threads > 1 else "sync"
    _Gunicorn(settings, {"bind": f"{host}:{port}", "workers": workers,
                         "worker_class": worker_class, "threads": threads,
                         "accesslog": "-", "timeout": 60}).run()
