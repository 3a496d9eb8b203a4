"""The incident report as it crosses the wire (SPEC §2), with every cross-field rule.

Unknown fields are rejected at every level (marshmallow's RAISE), so nothing extra can
slip into a report, personal data included.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from reporting.directory.models import SHARING_LEVELS
from reporting.errors import ProblemSchema
from reporting.reports import vocabulary as v
from reporting.reports.fields import (
    MAX_COUNT,
    CountryCode,
    CurrencyCode,
    FreeText,
    IsoDate,
    StrictBoolean,
    StrictInteger,
    StrictNumber,
)
from reporting.reports.lifecycle import STATUSES
from reporting.text import FullMatch, Text


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE
        ordered = True


def Count(**kwargs: Any) -> StrictInteger:  # noqa: N802 - reads like a field class
    return StrictInteger(required=True, validate=validate.Range(min=0, max=MAX_COUNT), **kwargs)


def Code(choices: Iterable[str], **kwargs: Any) -> fields.String:  # noqa: N802
    return fields.String(validate=validate.OneOf(tuple(choices)), **kwargs)


def CodeSet(choices: Iterable[str], **kwargs: Any) -> fields.List:  # noqa: N802
    """A set of codes: every code from the list, none twice (sorted when stored)."""
    choices = tuple(choices)
    return fields.List(Code(choices), load_default=list,
                       validate=validate.Length(max=len(choices)), **kwargs)


def _duplicates(values: Iterable[Any]) -> list[Any]:
    return [value for value, n in Counter(values).items() if n > 1]


def _today_allowance() -> date:
    # A state east of UTC can report an incident "today" while UTC is still on yesterday;
    # one day of allowance accepts that without admitting real future dates.
    return datetime.now(UTC).date() + timedelta(days=1)


class IncidentSchema(StrictSchema):
    date = IsoDate(required=True, metadata={"description": "Date of detection (ISO 8601)."})
    date_precision = Code(v.DATE_PRECISIONS, load_default="day")
    country = CountryCode(required=True, metadata={"description": "Where detected."})
    admin_area = FreeText(min_length=1, max_length=100,
                          metadata={"description": "Subnational area name (free text, "
                                                   "screened for personal data)."})
    location_type = Code(v.LOCATION_TYPES, required=True)
    detection_stage = Code(v.DETECTION_STAGES, required=True)
    detecting_agency = Code(v.DETECTING_AGENCIES, required=True)
    transport_mode = Code(v.TRANSPORT_MODES, required=True)
    conveyance = Code(v.CONVEYANCES, required=True)

    @validates_schema
    def _check(self, data: dict[str, Any], **_: Any) -> None:
        errors: dict[str, list[str]] = {}
        when: date = data["date"]
        if when < date(v.EARLIEST_INCIDENT_YEAR, 1, 1):
            errors["date"] = [f"Incidents before {v.EARLIEST_INCIDENT_YEAR}-01-01 are not taken."]
        elif when > _today_allowance():
            errors["date"] = ["The incident date is in the future."]
        precision = data["date_precision"]
        if precision == "month" and when.day != 1:
            errors.setdefault("date", []).append(
                "With date_precision 'month' the date is the first day of the month.")
        if precision == "quarter" and (when.day != 1 or when.month not in (1, 4, 7, 10)):
            errors.setdefault("date", []).append(
                "With date_precision 'quarter' the date is the first day of the quarter.")
        if data["conveyance"] not in v.CONVEYANCES_BY_MODE[data["transport_mode"]]:
            errors["conveyance"] = [
                f"Conveyance {data['conveyance']} does not fit transport mode "
                f"{data['transport_mode']}."]
        if errors:
            raise ValidationError(errors)


class RouteSchema(StrictSchema):
    origin_countries = fields.List(CountryCode(), required=True,
                                   validate=validate.Length(min=1, max=5))
    transit_countries = fields.List(CountryCode(), load_default=list,
                                    validate=validate.Length(max=10))
    intended_destination = CountryCode(required=True, allow_none=True,
                                       metadata={"description": "null when unknown"})

    @validates_schema
    def _check(self, data: dict[str, Any], **_: Any) -> None:
        errors = {}
        if dup := _duplicates(data["origin_countries"]):
            errors["origin_countries"] = [f"Listed twice: {', '.join(dup)}."]
        if dup := _duplicates(data["transit_countries"]):
            errors["transit_countries"] = [f"Listed twice: {', '.join(dup)}."]
        if errors:
            raise ValidationError(errors)


class CountryCountSchema(StrictSchema):
    country = CountryCode(required=True)
    count = StrictInteger(required=True, validate=validate.Range(min=1, max=MAX_COUNT))


class FeeSchema(StrictSchema):
    amount = StrictNumber(required=True, validate=validate.Range(min=0, max=1e9,
                                                                 min_inclusive=False))
    currency = CurrencyCode(required=True)


def _check_breakdown(data: dict[str, Any], parts: tuple[str, ...], what: str) -> dict:
    errors: dict[str, list[str]] = {}
    if sum(data[p] for p in parts) != data["total"]:
        errors["total"] = [f"{' + '.join(parts)} must add up to total ({what})."]
    nationalities = data["nationalities"]
    if dup := _duplicates(n["country"] for n in nationalities):
        errors["nationalities"] = [f"Listed twice: {', '.join(dup)}."]
    elif sum(n["count"] for n in nationalities) > data["total"]:
        errors["nationalities"] = ["The nationality counts add up to more than total."]
    return errors


class SmuggledMigrantsSchema(StrictSchema):
    total = Count()
    men = Count()
    women = Count()
    boys = Count()
    girls = Count()
    sex_age_unknown = Count()
    unaccompanied_minors = Count()
    nationalities = fields.List(fields.Nested(CountryCountSchema), load_default=list,
                                validate=validate.Length(max=250))
    fee_per_person = fields.Nested(FeeSchema, allow_none=True)

    @validates_schema
    def _check(self, data: dict[str, Any], **_: Any) -> None:
        errors = _check_breakdown(
            data, ("men", "women", "boys", "girls", "sex_age_unknown"), "smuggled migrants")
        if data["unaccompanied_minors"] > data["boys"] + data["girls"]:
            errors["unaccompanied_minors"] = ["Cannot exceed boys + girls."]
        if errors:
            raise ValidationError(errors)


class HarmSchema(StrictSchema):
    deaths = Count()
    missing = Count()
    injured = Count()
    crimes_against_migrants = CodeSet(v.CRIMES_AGAINST_MIGRANTS)
    aggravating_circumstances = CodeSet(v.AGGRAVATING_CIRCUMSTANCES)


class RoleCountSchema(StrictSchema):
    role = Code(v.SMUGGLER_ROLES, required=True)
    count = StrictInteger(required=True, validate=validate.Range(min=1, max=MAX_COUNT))


class SmugglersSchema(StrictSchema):
    total = Count()
    arrested = Count()
    men = Count()
    women = Count()
    sex_unknown = Count()
    nationalities = fields.List(fields.Nested(CountryCountSchema), load_default=list,
                                validate=validate.Length(max=250))
    roles = fields.List(fields.Nested(RoleCountSchema), load_default=list,
                        validate=validate.Length(max=len(v.SMUGGLER_ROLES)))

    @validates_schema
    def _check(self, data: dict[str, Any], **_: Any) -> None:
        errors = _check_breakdown(data, ("men", "women", "sex_unknown"), "smugglers")
        if data["arrested"] > data["total"]:
            errors["arrested"] = ["Cannot exceed total."]
        roles = data["roles"]
        if dup := _duplicates(r["role"] for r in roles):
            errors["roles"] = [f"Listed twice: {', '.join(dup)}."]
        elif any(r["count"] > data["total"] for r in roles):
            # One smuggler may hold several roles, so roles are not summed; but no role
            # can be held by more smugglers than there are.
            errors["roles"] = ["A role count cannot exceed the number of smugglers."]
        if errors:
            raise ValidationError(errors)


class DocumentSchema(StrictSchema):
    document_type = Code(v.DOCUMENT_TYPES, required=True)
    fraud_type = Code(v.FRAUD_TYPES, required=True)
    issuing_country = CountryCode(required=True)
    count = StrictInteger(required=True, validate=validate.Range(min=1, max=MAX_COUNT))


class CriminalJusticeSchema(StrictSchema):
    investigation_opened = StrictBoolean(required=True)
    persons_prosecuted = Count()
    persons_convicted = Count()
    financial_investigation = StrictBoolean(required=True)
    assets_frozen_usd = StrictNumber(allow_none=True,
                                     validate=validate.Range(min=0, max=1e13))

    @validates_schema
    def _check(self, data: dict[str, Any], **_: Any) -> None:
        if data["persons_convicted"] > data["persons_prosecuted"]:
            raise ValidationError("Cannot exceed persons_prosecuted.", "persons_convicted")


class ReportSchema(StrictSchema):
    """One detection event, non-nominal."""

    incident = fields.Nested(IncidentSchema, required=True)
    route = fields.Nested(RouteSchema, required=True)
    smuggled_migrants = fields.Nested(SmuggledMigrantsSchema, required=True)
    harm = fields.Nested(HarmSchema, required=True)
    smugglers = fields.Nested(SmugglersSchema, required=True)
    documents = fields.List(fields.Nested(DocumentSchema), load_default=list,
                            validate=validate.Length(max=100))
    modus_operandi = CodeSet(v.MODUS_OPERANDI)
    related_conduct = CodeSet(v.RELATED_CONDUCT)
    financial_benefit_established = Code(v.FINANCIAL_BENEFIT, required=True)
    criminal_justice = fields.Nested(CriminalJusticeSchema, required=True)
    narrative = FreeText(max_length=4000,
                         metadata={"description": "Qualitative, non-nominal text; screened "
                                                  "for personal data."})
    sharing = Code(SHARING_LEVELS, metadata={
        "description": "Who may read the report; defaults to the state's default level."})

    @validates_schema
    def _check(self, data: dict[str, Any], **_: Any) -> None:
        errors: dict[str, Any] = {}
        for name in ("crimes_against_migrants", "aggravating_circumstances"):
            if dup := _duplicates(data["harm"][name]):
                errors.setdefault("harm", {})[name] = [f"Listed twice: {', '.join(dup)}."]
        for name in ("modus_operandi", "related_conduct"):
            if dup := _duplicates(data[name]):
                errors[name] = [f"Listed twice: {', '.join(dup)}."]
        keys = [(d["document_type"], d["fraud_type"], d["issuing_country"])
                for d in data["documents"]]
        if _duplicates(keys):
            errors["documents"] = ["The same document type, fraud type and issuing country "
                                   "appear twice; add their counts into one entry."]
        if data["smuggled_migrants"]["total"] + data["smugglers"]["total"] == 0:
            errors["body"] = ["A report describes at least one smuggled migrant or smuggler."]
        if errors:
            raise ValidationError(errors)


# Schemas hold no per-call state, and building one deep-copies every nested schema:
# one shared instance saves that on every submission.
REPORT_SCHEMA = ReportSchema()


def normalise(data: dict[str, Any]) -> dict[str, Any]:
    """The loaded report as plain JSON values, sets sorted, ready to canonicalise.

    Loaded data is already JSON-shaped except the incident date, so only that value is
    converted; dumping it through the schema again would cost as much as loading it did.
    Works on a copy of the containers it changes, so the caller's data stays as loaded.
    """
    body = {**data, "incident": {**data["incident"]}, "harm": {**data["harm"]}}
    body["incident"]["date"] = data["incident"]["date"].isoformat()
    for holder, name in ((body["harm"], "crimes_against_migrants"),
                         (body["harm"], "aggravating_circumstances"),
                         (body, "modus_operandi"), (body, "related_conduct")):
        holder[name] = sorted(holder[name])
    return body


# ---- What the API returns and the query it takes -------------------------------------


class StoredReport(fields.Nested):
    """A stored body, already normalised JSON: documented as a Report, dumped as is."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        return value


class ReceiptSchema(Schema):
    """A signed receipt (SPEC §3), exactly as its canonical bytes sit in the log."""

    report_id = fields.String(required=True)
    version = fields.Integer(required=True)
    state = fields.String(required=True)
    received_at = fields.String(required=True, metadata={"format": "date-time"})
    content_sha256 = fields.String(required=True, metadata={
        "description": "Hex SHA-256 of the RFC 8785 canonical body."})
    log_index = fields.Integer(required=True)
    key_id = fields.String(required=True)
    signature = fields.String(required=True, metadata={
        "description": "base64url Ed25519 signature over the RFC 8785 form of the receipt "
                       "without this field."})
    event = fields.String(metadata={"description": "Lifecycle event: approved, returned, "
                                                   "withdrawn or sharing_lowered."})
    sharing = fields.String(metadata={"description": "With sharing_lowered: the new level."})
    state_key_id = fields.String(metadata={
        "description": "Present when the state signed the body with this key."})


class SubmittedSchema(Schema):
    id = fields.String(required=True)
    version = fields.Integer(required=True)
    status = fields.String(required=True)
    receipt = fields.Nested(ReceiptSchema, required=True)


class ReportResourceSchema(Schema):
    id = fields.String(required=True)
    state = fields.String(required=True)
    version = fields.Integer(required=True)
    status = fields.String(required=True)
    sharing = fields.String(required=True)
    approved_version = fields.Integer(required=True, allow_none=True, metadata={
        "description": "The newest approved version: the one summaries count unless the "
                       "report is withdrawn (null while none is approved)."})
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True, metadata={
        "description": "The owning state: the last change of any kind. Another state: when "
                       "the version it sees was received."})
    content_sha256 = fields.String(required=True)
    report = StoredReport(ReportSchema, required=True)
    return_reason = fields.String(metadata={
        "description": "Why the state admin returned this version: shown to the owning "
                       "state when it reads a returned report."})


class VersionSchema(Schema):
    version = fields.Integer(required=True)
    received_at = fields.DateTime(required=True)
    content_sha256 = fields.String(required=True)
    receipt = fields.Nested(ReceiptSchema, required=True)
    state_signed = fields.Boolean(required=True)
    report = StoredReport(ReportSchema, required=True)


class WithdrawnSchema(ReportResourceSchema):
    receipt = fields.Nested(ReceiptSchema, required=True, metadata={
        "description": "The signed receipt of the withdrawal."})


class SharingSchema(StrictSchema):
    sharing = Code(("national", "region"), required=True, metadata={
        "description": "The new, lower level (all_members is never lower)."})


class SharingLoweredSchema(ReportResourceSchema):
    receipt = fields.Nested(ReceiptSchema, required=True, metadata={
        "description": "The signed receipt of the change (`event`: sharing_lowered)."})


class ReviewedSchema(ReportResourceSchema):
    receipt = fields.Nested(ReceiptSchema, required=True, metadata={
        "description": "The signed receipt of the approval or return (its `event`)."})


class VersionListSchema(Schema):
    id = fields.String(required=True)
    status = fields.String(required=True)
    versions = fields.List(fields.Nested(VersionSchema), required=True)


class ReportPageSchema(Schema):
    items = fields.List(fields.Nested(ReportResourceSchema), required=True)
    next_cursor = fields.String(allow_none=True, required=True, metadata={
        "description": "Pass as `cursor` for the next page; null on the last page."})


PERIOD_PATTERN = r"^(2[0-9]{3})(-(Q[1-4]|0[1-9]|1[0-2]))?$"


class ReportQuerySchema(Schema):
    state = CountryCode(metadata={"description": "Reporting member state"})
    period = fields.String(validate=FullMatch(PERIOD_PATTERN,
                                              error="Use YYYY, YYYY-Qn or YYYY-MM."), metadata={
        "description": "Incident period: YYYY, YYYY-Qn or YYYY-MM (year 2000 or later)"})
    status = Code(STATUSES)
    origin = CountryCode(metadata={"description": "One of the origin countries"})
    destination = CountryCode(metadata={"description": "Intended destination"})
    mode = Code(v.TRANSPORT_MODES, metadata={"description": "Transport mode"})
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    cursor = fields.String(validate=validate.Length(min=1, max=64))


class WithdrawSchema(StrictSchema):
    reason = FreeText(max_length=1000, allow_none=True)


class ReturnSchema(StrictSchema):
    """Why a report goes back to its reporter: they read it, so it is screened too."""

    reason = FreeText(max_length=1000, required=True, validate=validate.Length(min=1))


def period_range(period: str) -> tuple[date, date]:
    """[start, end) of a period written YYYY, YYYY-Qn or YYYY-MM."""
    year = int(period[:4])
    if len(period) == 4:
        return date(year, 1, 1), date(year + 1, 1, 1)
    if period[5] == "Q":
        first_month = 3 * (int(period[6]) - 1) + 1
        start = date(year, first_month, 1)
        end_month = first_month + 3
    else:
        start = date(year, int(period[5:7]), 1)
        end_month = start.month + 1
    end = date(year + 1, 1, 1) if end_month > 12 else date(year, end_month, 1)
    return start, end


# ---- batches ----------------------------------------------------------------------------

MAX_BATCH_REPORTS = 1000  # SPEC §3


class BatchSchema(Schema):
    """The body of POST /reports/batch as documented: each item is a report."""

    reports = fields.List(fields.Nested(ReportSchema), required=True,
                          validate=validate.Length(min=1, max=MAX_BATCH_REPORTS))


class BatchEnvelopeSchema(Schema):
    """What the handler loads: the list itself; each report is checked on its own."""

    class Meta:
        unknown = RAISE

    reports = fields.List(fields.Raw(), required=True,
                          validate=validate.Length(min=1, max=MAX_BATCH_REPORTS))


BATCH_ENVELOPE = BatchEnvelopeSchema()


class BatchItemSchema(Schema):
    index = fields.Integer(required=True, metadata={"description": "Position in `reports`."})
    status = fields.Integer(required=True, metadata={
        "description": "201 stored; 200 the same report stored before under this batch's "
                       "Idempotency-Key; 409 that key was used with another report at this "
                       "position; 422 invalid (see `problem`)."})
    id = fields.String()
    version = fields.Integer()
    report_status = fields.String(metadata={"description": "Lifecycle status of the report."})
    receipt = fields.Nested(ReceiptSchema)
    problem = fields.Nested(ProblemSchema)


class BatchResultSchema(Schema):
    accepted = fields.Integer(required=True)
    rejected = fields.Integer(required=True)
    results = fields.List(fields.Nested(BatchItemSchema), required=True)


# ---- bulk approval ------------------------------------------------------------------------

MAX_BULK_APPROVALS = 1000


def _distinct(ids: list[str]) -> None:
    if len(set(ids)) != len(ids):
        raise ValidationError("Each id may appear once.")


class BulkApprovalSchema(StrictSchema):
    """The body of POST /reports/approve."""

    # Text: an id with a NUL or a lone surrogate is refused here (422), before PostgreSQL
    # would refuse it in the query with a 500.
    ids = fields.List(Text(validate=validate.Length(min=1, max=64)), required=True,
                      validate=[validate.Length(min=1, max=MAX_BULK_APPROVALS), _distinct],
                      metadata={"description": "Ids of reports of the caller's state whose "
                                               "newest version awaits review."})


class BulkApprovalItemSchema(Schema):
    id = fields.String(required=True)
    status = fields.Integer(required=True, metadata={
        "description": "200 approved (see `receipt`); 404 no such report of the caller's "
                       "state; 409 no version awaits review (see `problem`)."})
    receipt = fields.Nested(ReceiptSchema, metadata={
        "description": "The signed receipt of the approval (`event`: approved)."})
    problem = fields.Nested(ProblemSchema)


class BulkApprovalResultSchema(Schema):
    approved = fields.Integer(required=True)
    rejected = fields.Integer(required=True)
    results = fields.List(fields.Nested(BulkApprovalItemSchema), required=True)
