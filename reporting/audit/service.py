"""Reading the audit trail, and what a read of reports leaves in it.

Plain functions taking a session (or a unit of work). Who may read what is decided by
the caller's scope: ``None`` for the secretariat (every entry), else a member state's
code (the entries its own people made, and those about its objects, such as another
state's reads of its reports). An entry made by another state shows that state and the
role, never who exactly: that person is the other state's business.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from reporting.audit.models import AuditEntry
from reporting.errors import DomainError
from reporting.unit_of_work import UnitOfWork

# What reading another state's detailed report records, one entry per report.
READ = "report.read"
READ_VERSIONS = "report.read_versions"
READ_IN_LIST = "report.read_in_list"
READS = (READ, READ_VERSIONS, READ_IN_LIST)


def record_reads(unit: UnitOfWork, reader_state: str | None, action: str,
                 reports: Iterable[tuple[str, str]]) -> int:
    """Record the reads of other states' reports among ``reports`` ((id, state) pairs).

    A state's reads of its own reports are not recorded: the trail is there to show a
    state who else read its data. Returns how many entries were noted; they are
    appended in one insert when the unit commits.
    """
    count = 0
    for report_id, state in reports:
        if state != reader_state:
            unit.record(action, object_type="report", object_id=report_id,
                        object_state=state)
            count += 1
    return count


@dataclass(frozen=True)
class EntryFilter:
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None  # exclusive
    actor_state: str | None = None
    object_id: str | None = None


class InvalidCursor(DomainError, ValueError):
    status = 422
    problem = "validation-error"
    title = "Invalid query parameter"

    def __init__(self) -> None:
        super().__init__("The query parameters are invalid; see `errors`.",
                         errors={"cursor": ["Not a cursor this API issued."]})


def encode_cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(f"a{seq}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The seq a cursor stands for, or InvalidCursor for anything not issued here."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        raise InvalidCursor() from None
    digits = raw[1:]
    # isascii: str.isdigit accepts other scripts' digits; the bound keeps it a bigint.
    if not raw.startswith("a") or not digits.isascii() or not digits.isdigit() \
            or int(digits) >= 2**63:
        raise InvalidCursor()
    return int(digits)


def list_entries(session: Session, scope: str | None, filters: EntryFilter, *,
                 limit: int, cursor: str | None = None
                 ) -> tuple[list[dict[str, Any]], str | None]:
    """A page of the entries ``scope`` may read, newest first, and the next cursor."""
    query = select(AuditEntry)
    if scope is not None:
        query = query.where(or_(AuditEntry.actor_state == scope,
                                AuditEntry.object_state == scope))
    if filters.action:
        query = query.where(AuditEntry.action == filters.action)
    if filters.since:
        query = query.where(AuditEntry.at >= filters.since)
    if filters.until:
        query = query.where(AuditEntry.at < filters.until)
    if filters.actor_state:
        query = query.where(AuditEntry.actor_state == filters.actor_state)
    if filters.object_id:
        query = query.where(AuditEntry.object_id == filters.object_id)
    if cursor:
        query = query.where(AuditEntry.seq < decode_cursor(cursor))
    rows = list(session.scalars(query.order_by(AuditEntry.seq.desc()).limit(limit + 1)))
    page = [shown_to(scope, entry) for entry in rows[:limit]]
    return page, encode_cursor(rows[limit - 1].seq) if len(rows) > limit else None


def shown_to(scope: str | None, entry: AuditEntry) -> dict[str, Any]:
    """The entry as ``scope`` sees it: another state's actor only by state and role."""
    foreign = scope is not None and entry.actor_state != scope
    return {"seq": entry.seq, "at": entry.at, "action": entry.action,
            "outcome": entry.outcome,
            "actor": {"state": entry.actor_state, "role": entry.role,
                      "id": None if foreign else entry.actor_id,
                      "label": None if foreign else entry.actor_label},
            "object": {"type": entry.object_type, "id": entry.object_id,
                       "state": entry.object_state},
            "ip": None if foreign else entry.ip,
            "request_id": None if foreign else entry.request_id,
            "prev_hash": entry.prev_hash, "entry_hash": entry.entry_hash}


def reads_of(session: Session, report_id: str) -> list[AuditEntry]:
    """Every recorded read of a report by another state, oldest first."""
    return list(session.scalars(select(AuditEntry).where(
        AuditEntry.object_id == report_id, AuditEntry.action.in_(READS))
        .order_by(AuditEntry.seq)))
