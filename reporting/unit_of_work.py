"""The unit of work: the one place that commits.

A unit of work owns one transaction. It lends its session to a service operation,
commits when the operation returns, and only then runs the after-commit hooks the
operation registered (handing outbox rows to the workers, say); a rollback drops them.
Handlers, services and tasks never commit: the HTTP layer runs write handlers inside
``transactional``, the CLI and the workers inside ``UnitOfWork.begin``.

New reports are the exception to "one request, one transaction": concurrent
submissions share one (``write_grouped``, see ``reporting.group_commit``), and each
group is a unit of work of its own, committed by whichever request leads it.

The audit trail is written here too: ``record`` notes what the transaction does (who,
what, on whose object), and the entries are appended to the hash chain just before the
commit, by the writer the binding carries (``reporting.audit.chain.append``, wired by
``reporting.wiring``: the floor imports no feature). A rolled-back change records
nothing.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar

from flask import Flask, current_app, g, request
from sqlalchemy import insert
from sqlalchemy.orm import Session, sessionmaker

from reporting.config import Settings
from reporting.db import end_reads, request_session, utcnow
from reporting.group_commit import GroupCommit, SlotResult
from reporting.http_headers import request_id
from reporting.outbox import OutboxMessage

if TYPE_CHECKING:  # the ledger sits above the floor; the unit of work only carries it
    from reporting.ledger.log import Ledger

T = TypeVar("T")
R = TypeVar("R")
F = TypeVar("F", bound=Callable[..., Any])

log = logging.getLogger(__name__)

Hook = Callable[[], None]
# Hands the ids of committed outbox rows to whoever delivers them (the workers' queue).
Dispatch = Callable[[list[int]], None]

_INSERT_OUTBOX = insert(OutboxMessage.__table__).returning(OutboxMessage.id)


@dataclass(frozen=True)
class Actor:
    """Who acts, as the audit trail records it: never a secret.

    ``id`` is the user's id for a person's login, the token's id for a machine client;
    ``label`` the API token's label. ``ip`` and ``request_id`` say where from.
    """

    id: str | None = None
    label: str | None = None
    state: str | None = None
    role: str | None = None
    ip: str | None = None
    request_id: str | None = None


# The actor of what the command line does: the operator at the machine.
OPERATOR = Actor(label="command line", role="operator")


@dataclass(frozen=True)
class AuditRecord:
    """One entry for the audit trail, before the chain gives it a place and a hash."""

    action: str
    actor: Actor
    at: datetime
    outcome: str = "success"
    object_type: str | None = None
    object_id: str | None = None
    object_state: str | None = None


# Appends records to the audit trail in the given session's transaction.
AuditWriter = Callable[[Session, list[AuditRecord]], None]


@dataclass
class Binding:
    """What units of work need, bound once per application or worker process."""

    sessions: sessionmaker[Session]
    ledger: Ledger
    dispatch: Dispatch | None = None
    audit: AuditWriter | None = None
    # What services read from the settings (the summaries' k, say) without Flask.
    settings: Settings = field(default_factory=Settings)
    group_options: dict[str, Any] = field(default_factory=dict)
    _groups: dict[Callable[..., Any], GroupCommit[Any, Any]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def group_commit(self, write: Callable[[UnitOfWork, Sequence[T]], list[R]]
                     ) -> GroupCommit[T, R]:
        """The process's one group commit for ``write``; each group is a unit of work."""
        with self._lock:
            group = self._groups.get(write)
            if group is None:
                group = GroupCommit(write, lambda session: UnitOfWork.begin(self, session),
                                    **self.group_options)
                self._groups[write] = group
            return group


class UnitOfWork:
    """One transaction, the session it runs in, and what to do once it commits."""

    def __init__(self, binding: Binding, session: Session, actor: Actor | None = None) -> None:
        self.binding = binding
        self.session = session
        # Whom ``record`` names unless told otherwise (a group commit's unit writes for
        # many requests: each submission names its own actor).
        self.actor = actor or Actor()
        self._hooks: list[Hook] = []
        self._outbox: list[int] = []
        self._records: list[AuditRecord] = []

    @property
    def ledger(self) -> Ledger:
        return self.binding.ledger

    @classmethod
    @contextmanager
    def begin(cls, binding: Binding, session: Session | None = None,
              actor: Actor | None = None) -> Iterator[UnitOfWork]:
        """Run the block in a transaction: commit and run hooks, or roll back and drop them.

        With ``session``, the transaction runs in it and the session stays open;
        without, a session is opened and closed around the block.
        """
        own = session is None
        unit = cls(binding, session if session is not None else binding.sessions(), actor)
        try:
            yield unit
            unit.commit()
        except BaseException:
            unit.rollback()
            raise
        finally:
            if own:
                unit.session.close()

    def commit(self) -> None:
        """Append the audit records, commit, then run the hooks; a failing hook is logged,
        the commit stands."""
        if self._records:
            if self.binding.audit is None:
                raise RuntimeError("this unit of work records audit entries but its "
                                   "binding has no audit writer")
            records, self._records = self._records, []
            # Last before the commit: the chain's head stays locked as briefly as it can.
            self.binding.audit(self.session, records)
        self.session.commit()
        hooks, self._hooks = self._hooks, []
        if self._outbox and self.binding.dispatch is not None:
            ids, dispatch = self._outbox, self.binding.dispatch
            hooks.append(lambda: dispatch(ids))
        self._outbox = []
        for hook in hooks:
            try:
                hook()
            except Exception:
                # The data is committed; what the hook did not do, the outbox sweep does.
                log.exception("after-commit hook failed")

    def rollback(self) -> None:
        self.session.rollback()
        self._hooks, self._outbox, self._records = [], [], []

    def record(self, action: str, *, object_type: str | None = None,
               object_id: str | None = None, object_state: str | None = None,
               outcome: str = "success", actor: Actor | None = None) -> None:
        """Note an entry for the audit trail; it is appended when this unit commits.

        ``object_state`` is the member state whose object it is (whose admin sees the
        entry); ``actor`` defaults to the unit's.
        """
        self._records.append(AuditRecord(
            action=action, actor=actor or self.actor, at=utcnow(), outcome=outcome,
            object_type=object_type, object_id=object_id, object_state=object_state))

    def after_commit(self, hook: Hook) -> None:
        """Run ``hook`` once this transaction has committed; never if it rolls back."""
        self._hooks.append(hook)

    def add_outbox(self, topic: str, payload: dict[str, Any]) -> None:
        """Record follow-up work in this transaction; it is dispatched after commit.

        The row commits or vanishes with the change that caused it, so a broker outage
        (or a crash between commit and dispatch) loses nothing: undelivered rows wait
        for the periodic sweep.
        """
        row = self.session.connection().execute(_INSERT_OUTBOX, {
            "topic": topic, "payload": json.dumps(payload, sort_keys=True),
            "created_at": utcnow(), "attempts": 0}).scalar_one()
        self._outbox.append(row)

    def end_reads(self) -> None:
        """End a read-only transaction before a group writes (see ``db.end_reads``)."""
        end_reads(self.session)

    def write_grouped(self, write: Callable[[UnitOfWork, Sequence[T]], list[R]],
                      items: Sequence[T]) -> list[SlotResult[R]]:
        """Write ``items`` with concurrent callers' items, a group commit per process.

        This unit of work must hold no uncommitted writes: when this caller leads, the
        group is written and committed in its session.
        """
        return self.binding.group_commit(write).run_many(self.session, items)


# ---- the HTTP side --------------------------------------------------------------------


def init_app(app: Flask, binding: Binding) -> None:
    app.extensions["vrs_binding"] = binding


def current_binding() -> Binding:
    return current_app.extensions["vrs_binding"]


def current_ledger() -> Ledger:
    return current_binding().ledger


def request_actor() -> Actor:
    """Who makes this request: its authenticated caller (``g.vrs_actor``, set by the
    authentication layer), the client's address and the request id."""
    caller = g.get("vrs_actor") or Actor()
    return Actor(id=caller.id, label=caller.label, state=caller.state, role=caller.role,
                 ip=request.remote_addr, request_id=request_id())


def request_unit() -> UnitOfWork:
    """The unit of work of the current write request (see ``transactional``)."""
    return g.vrs_unit


def transactional(view: F) -> F:
    """Run a write handler in the request's unit of work; it commits when the view returns.

    The request's session (``db.request_session``) is the unit's session, so reads made
    before the view (authentication) share it.
    """
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        unit = UnitOfWork(current_binding(), request_session(), request_actor())
        g.vrs_unit = unit
        try:
            result = view(*args, **kwargs)
            unit.commit()
        except BaseException:
            unit.rollback()
            raise
        finally:
            g.pop("vrs_unit", None)
        return result

    return wrapper  # type: ignore[return-value]


@contextmanager
def own_unit(session: Session | None = None) -> Iterator[UnitOfWork]:
    """A short unit of work of the request's own, beside its main one.

    For what must be recorded whatever the request's outcome (a failed login, in a new
    session, since the request's transaction rolls back), and for a read's audit
    entries, written after the answer is computed (in the request's session: a read
    has nothing else to commit).
    """
    with UnitOfWork.begin(current_binding(), session, request_actor()) as unit:
        yield unit
