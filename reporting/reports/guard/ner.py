"""Optional named-entity stage: persons' names found by a spaCy model.

Off by default. When the configuration names a model (``VRS_GUARD_SPACY_MODEL``, in the
Flask config or the environment), every PERSON entity the model finds is a
``person_name`` finding unless the gazetteer says it is a place or an organisation.
spaCy is not a dependency of the service: a deployment that wants this stage installs
spaCy and the model itself; ``check_guard_configuration`` fails at app creation when the
named model cannot be loaded, rather than at the first report.

Misses: whatever the model misses; it runs on the original text only.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator, Mapping
from typing import Any

from reporting.reports.guard.base import Span
from reporting.reports.guard.gazetteer import not_a_person

kind = "person_name"
CONFIG_KEY = "VRS_GUARD_SPACY_MODEL"


class GuardConfigurationError(RuntimeError):
    """The guard's configuration names something that cannot be used."""


class SpacyPersonDetector:
    kind = kind

    def __init__(self, model_name: str) -> None:
        try:
            spacy = importlib.import_module("spacy")
        except ImportError as exc:
            raise GuardConfigurationError(
                f"{CONFIG_KEY} names a spaCy model, but spaCy is not installed "
                "(pip install spacy and the model, or unset the setting)"
            ) from exc
        try:
            self._nlp: Any = spacy.load(model_name)
        except (OSError, ImportError) as exc:
            raise GuardConfigurationError(
                f"{CONFIG_KEY}: the spaCy model {model_name!r} cannot be loaded"
            ) from exc
        self.model_name = model_name

    def find(self, text: str) -> Iterator[Span]:
        for entity in self._nlp(text).ents:
            if entity.label_ in ("PERSON", "PER") and not not_a_person(entity.text.split()):
                yield entity.start_char, entity.end_char


def configured_model(config: Mapping[str, Any] | None = None) -> str | None:
    """The model named by the app's config, else by the environment; None when off."""
    value = (config or {}).get(CONFIG_KEY) or os.environ.get(CONFIG_KEY)
    return str(value).strip() or None if value else None
