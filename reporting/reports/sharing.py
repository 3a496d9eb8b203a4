"""Who may read which report, and which version of it (SPEC §1, §2, §3).

A report is always visible to its own state, every version and status of it. Only
approved reports leave the state: another state sees a report only while it has an
approved version and is not withdrawn, and then sees only that newest approved version
(never a submitted or returned one, which stay the owner's) with the status
``approved``. Beyond that, only analysts read other states' reports, and only those
shared with them: ``all_members`` reaches every member, ``region`` the members of any M49
region, sub-region or named group the reporting state belongs to. The secretariat reads
only what was shared with all members. Everything else does not exist for the caller
(404, never 403).

The level that counts for others is ``reports.sharing``: the level of the approved
version, lowered at once by ``POST /reports/{id}/sharing``. An amendment does not change
it; its approval does (``service.approve``), so a wider level needs an approved version.

Reciprocity (``Reciprocity``, on unless VRS_RECIPROCITY=off): an analyst whose state has
had no report approved in the last N months (VRS_RECIPROCITY_MONTHS, 12) reads no other
state's report; it still reads summaries. Such reports do not exist for it: lists leave
them out and single reads answer 404, exactly as for a report not shared with it, so
reciprocity tells nothing about which reports exist. A new member starts by approving a
report of its own (README).

Every read of reports goes through this module: ``visible_reports`` (which rows),
``shown_version`` (which version of a row) and ``seen`` (a condition on the owner's
columns or on the approved version's figures, whichever the caller sees).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, false, or_, select
from sqlalchemy.orm import Session, aliased

from reporting.accounts.roles import ANALYST, SECRETARIAT
from reporting.accounts.service import Principal
from reporting.db import utcnow
from reporting.directory.models import RegionMembership
from reporting.reports.lifecycle import APPROVE, APPROVED, WITHDRAWN
from reporting.reports.models import Report, ReportEvent

NATIONAL = "national"
REGION = "region"
ALL_MEMBERS = "all_members"


@dataclass(frozen=True)
class Reciprocity:
    """Reading other states' reports needs a report of one's own approved within
    ``months`` calendar months."""

    months: int

    def since(self, now: datetime | None = None) -> datetime:
        """The start of the window: the same day and time ``months`` months earlier (the
        month's last day where that day does not exist)."""
        now = now or utcnow()
        month_index = now.year * 12 + now.month - 1 - self.months
        year, month = divmod(month_index, 12)
        day = min(now.day, _days_in(year, month + 1))
        return now.replace(year=year, month=month + 1, day=day)

    def contributes(self, state: str | None) -> ColumnElement[bool]:
        """Whether ``state`` had a report approved in the window (an auto-approval
        counts). Aliased and uncorrelated: it is asked once, not per report row."""
        if state is None:
            return false()
        event, report = aliased(ReportEvent), aliased(Report)
        return (select(event.id).join(report, report.id == event.report_id)
                .where(report.state_iso3 == state, event.action == APPROVE,
                       event.at >= self.since()).limit(1).correlate(None).exists())


def _days_in(year: int, month: int) -> int:
    following = datetime(year + month // 12, month % 12 + 1, 1)
    return (following - datetime(year, month, 1)).days


def released() -> ColumnElement[bool]:
    """Reports another state may see at all: approved once, not withdrawn."""
    return and_(Report.approved_version.is_not(None), Report.status != WITHDRAWN)


def reads_others(principal: Principal) -> bool:
    """Whether the caller's role reads any other state's reports."""
    return principal.role in (ANALYST, SECRETARIAT)


def _own(principal: Principal) -> ColumnElement[bool]:
    if principal.state is None:
        return false()
    return Report.state_iso3 == principal.state


def visible_reports(principal: Principal,
                    reciprocity: Reciprocity | None = None) -> ColumnElement[bool]:
    """A WHERE clause selecting the reports ``principal`` may read (with
    ``reciprocity``, an analyst's state must have contributed for others' to count)."""
    if principal.role == SECRETARIAT:
        return and_(released(), Report.sharing == ALL_MEMBERS)
    own = _own(principal)
    if principal.role != ANALYST:
        return own
    shared_regions = select(RegionMembership.region_code).where(
        RegionMembership.country_iso3 == principal.state)
    neighbours = select(RegionMembership.country_iso3).where(
        RegionMembership.region_code.in_(shared_regions))
    others = and_(released(), or_(
        Report.sharing == ALL_MEMBERS,
        (Report.sharing == REGION) & Report.state_iso3.in_(neighbours)))
    if reciprocity is not None:
        others = and_(others, reciprocity.contributes(principal.state))
    return or_(own, others)


def shown_version(principal: Principal) -> ColumnElement[int]:
    """The version of each visible report the caller sees: the newest for its own
    reports, the newest approved for others'."""
    if principal.role == SECRETARIAT:
        return Report.approved_version
    if principal.role != ANALYST:
        return Report.current_version
    return case((_own(principal), Report.current_version), else_=Report.approved_version)


def seen(principal: Principal, own: ColumnElement[bool],
         others: ColumnElement[bool]) -> ColumnElement[bool]:
    """``own`` on the caller's own reports, ``others`` on other states' (a list filter on
    the newest version's columns, or on the approved version's figures)."""
    if principal.role == SECRETARIAT:
        return others
    if principal.role != ANALYST:
        return own
    mine = _own(principal)
    return or_(and_(mine, own), and_(~mine, others))


def owns(principal: Principal, report: Report) -> bool:
    return principal.state is not None and report.state_iso3 == principal.state


def version_seen(principal: Principal, report: Report) -> int | None:
    """The version of ``report`` the caller sees (None: no version, for this caller)."""
    return report.current_version if owns(principal, report) else report.approved_version


def status_seen(principal: Principal, report: Report) -> str:
    """The report's status as the caller sees it: others see only approved versions."""
    return report.status if owns(principal, report) else APPROVED


def can_read(session: Session, principal: Principal, report: Report,
             reciprocity: Reciprocity | None = None) -> bool:
    if owns(principal, report):
        return True
    query = select(Report.seq).where(Report.seq == report.seq,
                                     visible_reports(principal, reciprocity))
    return session.scalar(query) is not None
