"""Who may read which report (SPEC §1, §3).

A report is always visible to its own state. Beyond that, only analysts read other
states' reports, and only those shared with them: ``all_members`` reaches every member,
``region`` the members of any M49 region, sub-region or named group the reporting state
belongs to. The secretariat reads only what was shared with all members. Everything else
does not exist for the caller (404, never 403).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from reporting.accounts.roles import ANALYST, SECRETARIAT
from reporting.accounts.service import Principal
from reporting.directory.models import RegionMembership
from reporting.reports.models import Report

NATIONAL = "national"
REGION = "region"
ALL_MEMBERS = "all_members"


def visible_reports(principal: Principal) -> ColumnElement[bool]:
    """A WHERE clause selecting the reports ``principal`` may read."""
    if principal.role == SECRETARIAT:
        return Report.sharing == ALL_MEMBERS
    own = Report.state_iso3 == principal.state
    if principal.role != ANALYST:
        return own
    shared_regions = select(RegionMembership.region_code).where(
        RegionMembership.country_iso3 == principal.state)
    neighbours = select(RegionMembership.country_iso3).where(
        RegionMembership.region_code.in_(shared_regions))
    return or_(
        own,
        Report.sharing == ALL_MEMBERS,
        (Report.sharing == REGION) & Report.state_iso3.in_(neighbours),
    )


def can_read(session: Session, principal: Principal, report: Report) -> bool:
    if report.state_iso3 == principal.state:
        return True
    query = select(Report.seq).where(Report.seq == report.seq, visible_reports(principal))
    return session.scalar(query) is not None


def owns(principal: Principal, report: Report) -> bool:
    return principal.state is not None and report.state_iso3 == principal.state


