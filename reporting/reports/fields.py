"""Strict JSON field types for the report schema.

Marshmallow's stock fields coerce: "5" becomes 5, "yes" becomes True, 1.0 an Integer.
A report is evidence a government signs off, so a wrong type is an error, not a guess.
"""

from __future__ import annotations

import math
import re
from typing import Any

import pycountry
from marshmallow import ValidationError, fields, validate

from reporting.reports.guard import find_personal_data
from reporting.text import Text

MAX_COUNT = 10_000_000


class FreeText(Text):
    """Free text, screened by the non-nominal guard before anything is stored.

    The field's maximum length is enforced first, before the text is even checked for
    control characters, let alone screened: screening costs time in proportion to the
    text, so a megabyte posted as a 100-character field must be refused for its length
    without the guard ever seeing it. The message is marshmallow's own Length message.

    The error names the kind and the offsets only: echoing the match would put the very
    personal data we refuse into logs and client screens.
    """

    def __init__(self, *, max_length: int, min_length: int | None = None,
                 **kwargs: Any) -> None:
        self.max_length = max_length
        # The Length validator stays for the OpenAPI document (minLength, maxLength) and
        # for min_length; by the time it runs, the maximum has already been enforced.
        validators = [validate.Length(min=min_length, max=max_length)]
        extra = kwargs.pop("validate", None)
        if extra is not None:
            validators.extend(extra if isinstance(extra, list | tuple) else [extra])
        super().__init__(validate=validators, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        if isinstance(value, str) and len(value) > self.max_length:
            raise ValidationError(
                validate.Length.message_max.format(max=self.max_length, min=None, input=""))
        text = super()._deserialize(value, attr, data, **kwargs)
        findings = find_personal_data(text)
        if findings:
            raise ValidationError([
                f"personal data found: {f.kind} at characters {f.start}-{f.end}"
                for f in findings
            ])
        return text


class StrictInteger(fields.Integer):
    """A JSON integer: no strings, no booleans, no 1.0."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(strict=True, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class StrictNumber(fields.Float):
    """A finite JSON number: no strings, no booleans."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(allow_nan=False, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.make_error("invalid")
        if isinstance(value, float) and not math.isfinite(value):
            raise self.make_error("special")
        return super()._deserialize(value, attr, data, **kwargs)


class StrictBoolean(fields.Boolean):
    """JSON true or false only (marshmallow would take "yes", 1, "on")."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class CountryCode(fields.String):
    """An ISO 3166-1 alpha-3 country code, upper case."""

    def __init__(self, **kwargs: Any) -> None:
        metadata = {"pattern": "^[A-Z]{3}$",
                    "description": "ISO 3166-1 alpha-3 country code", **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        code = super()._deserialize(value, attr, data, **kwargs)
        if len(code) != 3 or not code.isascii() or not code.isupper() \
                or pycountry.countries.get(alpha_3=code) is None:
            raise ValidationError("Not an ISO 3166-1 alpha-3 country code (upper case).")
        return code


class CurrencyCode(fields.String):
    """An ISO 4217 alphabetic currency code, upper case."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(metadata={"pattern": "^[A-Z]{3}$",
                                   "description": "ISO 4217 currency code"}, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        code = super()._deserialize(value, attr, data, **kwargs)
        if len(code) != 3 or not code.isascii() or not code.isupper() \
                or pycountry.currencies.get(alpha_3=code) is None:
            raise ValidationError("Not an ISO 4217 currency code (upper case).")
        return code


class IsoDate(fields.Date):
    """A calendar date written exactly YYYY-MM-DD.

    Python's ``date.fromisoformat`` also takes "20240315" and "2024-W11-5"; a report
    states one date one way, so anything but the extended form is refused.
    """

    _PATTERN = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
    default_error_messages = {  # noqa: RUF012 - marshmallow's class-level convention
        "invalid": "Not a valid date: write it YYYY-MM-DD.",
        "format": "Not a valid date: write it YYYY-MM-DD.",
    }

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if not isinstance(value, str) or not self._PATTERN.fullmatch(value):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)
