"""Non-nominal guard: finds personal data in free text before it is stored.

Reports submitted by states must stay non-nominal (SPEC §2), so every free-text field
is screened here. The guard only says *where* something was found and *what kind* of
personal data it looks like; it never returns the matched text, so a rejection message
built from its findings cannot leak the data back.

Layout: one module per kind, each exposing a detector that follows the ``Detector``
protocol (``kind`` and ``find(text) -> Iterator[Span]``) and whose docstring says what
it catches and what it knowingly misses; ``normalise`` builds the normalised views and
maps their offsets back; context words live in ``data/*.json`` (sources in
``data/SOURCES.md``); ``gazetteer`` says which capitalised phrases are places,
organisations or vessels rather than persons.

Pipeline: every detector runs on the text as submitted and on its normalised view
(NFKC, format characters removed, non-ASCII digits made ASCII, confusable letters
folded, URL escapes and HTML entities decoded); the phone and card detectors also run on
the digit view (digits spelled out in words, O for 0, dots/commas/underscores between
digits). Findings are mapped back to offsets into the submitted text; where two
overlap, the more specific kind (``KINDS`` order) names the finding. Every detector is
linear in the length of the text, and ``FreeText`` enforces a field's maximum length
before the guard runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reporting.reports.guard.address import StreetAddressDetector
from reporting.reports.guard.bank_account import BankAccountDetector
from reporting.reports.guard.base import KINDS, PRIORITY, Detector, Finding
from reporting.reports.guard.card import CardDetector
from reporting.reports.guard.crypto import CryptoWalletDetector
from reporting.reports.guard.dob import DateOfBirthDetector
from reporting.reports.guard.document import DocumentNumberDetector
from reporting.reports.guard.email import EmailDetector
from reporting.reports.guard.handles import HandleDetector
from reporting.reports.guard.iban import IbanDetector
from reporting.reports.guard.mrz import MrzDetector
from reporting.reports.guard.national_id import NationalIdDetector
from reporting.reports.guard.ner import (
    CONFIG_KEY,
    GuardConfigurationError,
    SpacyPersonDetector,
    configured_model,
)
from reporting.reports.guard.normalise import digit_view, normalise
from reporting.reports.guard.person_name import PersonNameDetector
from reporting.reports.guard.phone import PhoneDetector
from reporting.reports.guard.plate import VehiclePlateDetector

__all__ = [
    "CONFIG_KEY",
    "DETECTORS",
    "KINDS",
    "Detector",
    "Finding",
    "GuardConfigurationError",
    "check_guard_configuration",
    "find_personal_data",
]

DETECTORS: tuple[Detector, ...] = (
    MrzDetector(),
    EmailDetector(),
    IbanDetector(),
    CryptoWalletDetector(),
    CardDetector(),
    NationalIdDetector(),
    DocumentNumberDetector(),
    DateOfBirthDetector(),
    PhoneDetector(),
    HandleDetector(),
    BankAccountDetector(),
    VehiclePlateDetector(),
    StreetAddressDetector(),
    PersonNameDetector(),
)
# Detectors of numbers that people type in words or with odd separators.
DIGIT_DETECTORS: tuple[Detector, ...] = (CardDetector(), PhoneDetector())

_extra: list[Detector] = []


def check_guard_configuration(config: Mapping[str, Any] | None = None) -> None:
    """Validate the guard's configuration; call once at app creation.

    With ``VRS_GUARD_SPACY_MODEL`` set (in config or the environment), loads that spaCy
    model and adds its PERSON entities to the screening; raises
    ``GuardConfigurationError`` if spaCy or the model cannot be loaded. Also builds the
    gazetteer now, so that the first report screened does not pay for it.
    """
    from reporting.reports.guard.gazetteer import places

    _extra.clear()
    model = configured_model(config)
    if model:
        _extra.append(SpacyPersonDetector(model))
    places()


def find_personal_data(text: str) -> list[Finding]:
    """All personal data in text, sorted by start; empty when the text is non-nominal.

    Offsets are into text as given. Overlapping claims are resolved so that each
    character belongs to at most one finding.
    """
    if not text:
        return []
    spans: set[tuple[str, int, int]] = set()

    def collect(detectors: tuple[Detector, ...] | list[Detector], view_text: str,
                original: Any) -> None:
        for detector in detectors:
            for start, end in detector.find(view_text):
                if start < end:
                    spans.add((detector.kind, *original(start, end)))

    collect(DETECTORS, text, lambda s, e: (s, e))
    collect(_extra, text, lambda s, e: (s, e))
    view = normalise(text)
    if view.text != text:
        collect(DETECTORS, view.text, view.original)
    digits = digit_view(view)
    if digits.text != view.text:
        collect(DIGIT_DETECTORS, digits.text, digits.original)

    # Spans in order of priority claim their characters; a span that meets a claimed
    # character is dropped. Each span is short, so this is linear in the text.
    claimed = bytearray(len(text))
    accepted: list[tuple[int, int, str]] = []
    for kind, start, end in sorted(spans, key=lambda s: (PRIORITY[s[0]], s[1], -s[2])):
        if claimed.find(1, start, end) == -1:
            claimed[start:end] = b"\x01" * (end - start)
            accepted.append((start, end, kind))
    return [Finding(kind, start, end) for start, end, kind in sorted(accepted)]

