"""Text that can be stored and signed faithfully, for every schema that takes strings.

PostgreSQL text cannot hold NUL, UTF-8 cannot encode a lone surrogate (JSON's "\\ud800"
decodes to one), and other C0 controls have no place in this service's data; tab, line
feed and carriage return are ordinary text. Rejecting them in the schema makes them a 422
rather than a database error.
"""

from __future__ import annotations

import re
from typing import Any

from flask_smorest.spec.plugins import unicodeconverter2paramschema
from marshmallow import ValidationError, fields, validate
from werkzeug.routing import Map, UnicodeConverter

_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def check_text(value: str) -> None:
    """Reject text that cannot be stored or signed faithfully."""
    if _CONTROL_CHARS.search(value):
        raise ValidationError("Control characters are not allowed.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError("Text must be valid Unicode (no lone surrogates).") from None


def is_text(value: str) -> bool:
    """Whether ``value`` passes check_text: for values that arrive outside a schema (a
    path segment, a decoded cursor), whose refusal is a 404 or a 422 of their own."""
    try:
        check_text(value)
    except ValidationError:
        return False
    return True


class Text(fields.String):
    """A string with no control characters and no lone surrogates."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        check_text(text)
        return text


class FullMatch(validate.Regexp):
    """``validate.Regexp`` that must match the whole value.

    Marshmallow's Regexp uses ``re.match``, where ``$`` also matches before a trailing
    newline: ``"2025\\n"`` passed ``^2[0-9]{3}$`` and then failed the code that trusted
    it. The pattern stays as written (``^…$``), so the OpenAPI document can publish it.
    """

    def __call__(self, value: str) -> str:
        if self.regex.fullmatch(value) is None:
            raise ValidationError(self._format_error(value))
        return value


class PathSegment(UnicodeConverter):
    """The app's default path converter: one segment, as Werkzeug's, with no control
    character, so a NUL in ``/regions/<code>/…`` makes the route not match (404) instead
    of reaching PostgreSQL (a 500). Percent-decoding replaces invalid UTF-8, so a path
    cannot carry a lone surrogate."""

    def __init__(self, map: Map, minlength: int = 1, maxlength: int | None = None,
                 length: int | None = None) -> None:
        super().__init__(map, minlength, maxlength, length)
        # The bounds stay as Werkzeug wrote them: flask-smorest reads them off the regex
        # to publish minLength/maxLength.
        self.regex = self.regex.replace("[^/]", r"[^/\x00-\x1f\x7f]", 1)

    @staticmethod
    def parameter_schema(converter: UnicodeConverter) -> dict[str, Any]:
        """The OpenAPI schema of such a parameter: Werkzeug's bounds and the refusal, so
        that a client (and a fuzzer) knows a control character is a 404."""
        schema = unicodeconverter2paramschema(converter)
        return {**schema, "pattern": "^[^\\u0000-\\u001f\\u007f]+$"}
