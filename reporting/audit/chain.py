"""The audit trail's hash chain: appending entries, and checking that none was edited,
deleted or moved.

Each entry's ``entry_hash`` is the SHA-256 of the RFC 8785 canonical JSON of its fields
(``HASHED``: everything but ``seq``, with ``at`` as an RFC 3339 string), ``prev_hash``
among them, so that every entry commits to the whole chain before it. ``seq`` is only
where the row is stored; the chain fixes the order, so a row moved to another number
breaks the links around it and ``verify`` says which. Appends lock the single
``audit_head`` row, which also records the newest entry, so a truncated tail shows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from reporting.audit.models import GENESIS, AuditEntry, AuditHead
from reporting.ledger.canonical import canonical_bytes, sha256_hex
from reporting.unit_of_work import AuditRecord

HASHED = ("at", "actor_id", "actor_label", "actor_state", "role", "action", "object_type",
          "object_id", "object_state", "outcome", "ip", "request_id", "prev_hash")

_INSERT = insert(AuditEntry.__table__)
_HEAD = select(AuditHead.seq, AuditHead.entry_hash).where(AuditHead.id == 1)


def stamp(at: datetime) -> str:
    """``at`` as hashed: RFC 3339 UTC with microseconds (what both databases keep)."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash(entry: Mapping[str, Any]) -> str:
    """The hash an entry with these fields (a row or a mapping) must carry."""
    document = {name: entry[name] for name in HASHED}
    document["at"] = stamp(document["at"])
    return sha256_hex(canonical_bytes(document))


def _row(record: AuditRecord) -> dict[str, Any]:
    actor = record.actor
    return {"at": record.at, "actor_id": actor.id, "actor_label": actor.label,
            "actor_state": actor.state, "role": actor.role, "action": record.action,
            "object_type": record.object_type, "object_id": record.object_id,
            "object_state": record.object_state, "outcome": record.outcome,
            "ip": actor.ip, "request_id": actor.request_id}


def append(session: Session, records: list[AuditRecord]) -> None:
    """Append ``records`` to the chain, in order, in the session's transaction.

    One multi-row insert; the head row is locked until the transaction ends, so that
    concurrent writers queue behind it instead of forking the chain. This is the
    binding's audit writer (``UnitOfWork.commit`` calls it last before committing).
    """
    if not records:
        return
    connection = session.connection()
    seq, previous = connection.execute(_HEAD.with_for_update()).one()
    rows = []
    for record in records:
        seq += 1
        row = {**_row(record), "prev_hash": previous}
        row["seq"], row["entry_hash"] = seq, entry_hash(row)
        previous = row["entry_hash"]
        rows.append(row)
    connection.execute(_INSERT, rows)
    connection.execute(update(AuditHead).where(AuditHead.id == 1)
                       .values(seq=seq, entry_hash=previous))


# ---- checking the chain ---------------------------------------------------------------


@dataclass
class ChainCheck:
    """What ``verify`` found: the entries read, and one line per problem."""

    entries: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems


def _seq_of_hash(session: Session, digest: str) -> int | None:
    # Only on a broken link, which an intact chain never has: no index is kept for it.
    return session.scalar(select(AuditEntry.seq).where(AuditEntry.entry_hash == digest)
                          .order_by(AuditEntry.seq).limit(1))


def _span(first: int, last: int) -> str:
    return f"seq {first}" if first == last else f"seq {first}-{last}"


def verify(session: Session) -> ChainCheck:
    """Walk the chain in ``seq`` order and say, by seq, what was edited, deleted or moved.

    Reads in one snapshot (the caller's transaction; on PostgreSQL the session should
    be at REPEATABLE READ, see ``snapshot``), so appends made meanwhile are not seen
    half-way. Rows are streamed: memory does not grow with the trail.
    """
    check = ChainCheck()
    head_seq, head_hash = session.execute(_HEAD).one()
    last_seq, previous = 0, GENESIS
    rows = session.execute(select(AuditEntry.__table__).order_by(AuditEntry.seq)
                           .execution_options(yield_per=1000)).mappings()
    for row in rows:
        check.entries += 1
        seq = row["seq"]
        if entry_hash(row) != row["entry_hash"]:
            check.problems.append(f"seq {seq}: edited (its content does not match its hash)")
        gap = seq != last_seq + 1
        if gap:
            check.problems.append(f"{_span(last_seq + 1, seq - 1)}: deleted "
                                  "(missing from the numbering)")
        if row["prev_hash"] != previous:
            follows = _seq_of_hash(session, row["prev_hash"])
            if follows is not None and follows != last_seq:
                check.problems.append(f"seq {seq}: reordered (in the chain it follows seq "
                                      f"{follows}, not seq {last_seq})")
            elif not gap:
                check.problems.append(
                    f"seq {seq}: does not follow seq {last_seq} in the chain (an entry "
                    f"between them was deleted and the rest renumbered, or seq {last_seq} "
                    "was edited and its hash recomputed)")
        last_seq, previous = seq, row["entry_hash"]
    if head_seq > last_seq:
        check.problems.append(f"{_span(last_seq + 1, head_seq)}: deleted (the chain ends at "
                              f"seq {last_seq}, its head records seq {head_seq})")
    elif head_seq < last_seq:
        check.problems.append(f"{_span(head_seq + 1, last_seq)}: not recorded in the head "
                              f"(added outside the service, or the head was rolled back)")
    elif head_hash != previous:
        check.problems.append(f"seq {last_seq}: does not match the hash the head records "
                              "(edited and its hash recomputed)")
    return check


def snapshot(session: Session) -> None:
    """Make the session's next transaction read one snapshot (PostgreSQL; SQLite's
    reads see one already)."""
    if session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})

