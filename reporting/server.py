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


def run_gunicorn(settings: Settings, *, host: str, port: int, workers: int) -> None:
    _Gunicorn(settings, {"bind": f"{host}:{port}", "workers": workers,
                         "accesslog": "-", "timeout": 60}).run()
