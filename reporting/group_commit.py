"""Group commit: the writes of many concurrent requests in one transaction.

Every submission appends to one log, and appends are serialised: the log's row lock is
held from claiming an index to the end of COMMIT, WAL flush included. One transaction per
request therefore caps submissions at one lock hold each, however many threads serve
them. A group commit keeps the guarantee (each request's rows, receipt and log leaf
commit together, or not at all) while paying the lock, the round trips and the flush
once for every request that arrived while the previous group was being written.

No timer and no background thread: the first caller to find nobody writing becomes the
leader and writes what is queued, its own items first; callers that arrive meanwhile
wait and form the next group. Under no concurrency (one request at a time, as with
gunicorn's sync workers) every group has one item and nothing waits. A leader hands the
lead to the oldest waiting caller after one group, so no response is held back by other
requests' work for more than one group.

Failures, and what each caller is told (every caller gets its own exception object):

* A unique or check constraint failing (``IntegrityError``, a lost race on an
  Idempotency-Key, say) fails the group as a whole; it is then retried item by item,
  so the one item that conflicts fails alone and the others are stored.
* The database failing while the group is written (unreachable, a timeout) fails the
  group and every caller still queued behind it, at once, with ``DatabaseUnavailable``;
  for ``OUTAGE_PAUSE`` seconds new callers are told the same without queuing, so an
  outage answers 503 quickly instead of piling threads up behind a dead connection.
* The COMMIT itself failing on the way back (the connection dropped) leaves the outcome
  unknown: each caller gets ``CommitUnclear`` and checks whether its item was stored.
* Anything else fails the group's callers, not retried.

Waits are bounded: a caller still queued after ``wait_timeout`` seconds leaves the queue
with ``DatabaseUnavailable`` (nothing of it was written); one whose item is being
written waits for the leader, whose statements the database's own timeouts bound.
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from reporting.errors import DatabaseUnavailable

T = TypeVar("T")
R = TypeVar("R")
U = TypeVar("U")

# Seconds during which, after the database failed a group, new callers are answered
# 503 at once rather than queued.
OUTAGE_PAUSE = 1.0


class CommitUnclear(Exception):
    """The COMMIT failed on the client's side: the group may or may not be stored."""


@dataclass(frozen=True)
class SlotResult(Generic[R]):
    """One item's outcome: its result, or the exception its caller should see."""

    value: R | None = None
    error: BaseException | None = None

    def unwrap(self) -> R:
        if self.error is not None:
            raise self.error
        return self.value  # type: ignore[return-value]


class _Slot(Generic[T, R]):
    __slots__ = ("item", "wake", "finished", "result", "lead", "picked")

    def __init__(self, item: T) -> None:
        self.item = item
        self.wake = threading.Event()
        self.finished = False
        self.picked = False  # taken into a group that is being written
        self.result: SlotResult[R] = SlotResult()
        self.lead = False

    def settle(self, result: SlotResult[R]) -> None:
        self.result, self.finished = result, True
        self.wake.set()


def _own_copy(exc: BaseException) -> BaseException:
    """An exception object for one caller: threads must not raise one object together."""
    try:
        twin = copy.copy(exc)
    except Exception:  # an exception type that cannot be copied  # noqa: BLE001
        return exc
    twin.__cause__, twin.__context__ = exc.__cause__, exc.__context__
    return twin


@contextmanager
def _plain_transaction(session: Session) -> Iterator[Session]:
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise


class GroupCommit(Generic[T, R]):
    """Runs ``write(unit, items)`` for groups of concurrent callers, one transaction each.

    ``transaction(session)`` opens the transaction a group is written in and yields what
    ``write`` receives (a unit of work); leaving it commits. ``write`` returns one result
    per item, in order. A group is written in the session of the caller that leads it,
    so a caller alone pays for no second connection.
    """

    def __init__(self, write: Callable[[Any, Sequence[T]], list[R]],
                 transaction: Callable[[Session], AbstractContextManager[Any]] | None = None,
                 *, max_group: int = 64, wait_timeout: float = 60.0) -> None:
        self._write = write
        self._transaction = transaction or _plain_transaction
        self._max_group = max_group
        self._wait_timeout = wait_timeout
        self._lock = threading.Lock()
        self._queue: list[_Slot[T, R]] = []
        self._leading = False
        self._paused_until = 0.0

    @property
    def waiting(self) -> int:
        """Items queued for the next group (a gauge; it may change at once)."""
        with self._lock:
            return len(self._queue)

    def run(self, session: Session, item: T) -> R:
        """Store ``item`` with whatever else is queued; its result, or its exception."""
        return self.run_many(session, [item])[0].unwrap()

    def run_many(self, session: Session, items: Sequence[T]) -> list[SlotResult[R]]:
        """Store ``items`` (in order, in as many groups as they need); a result for each.

        ``session`` must have no transaction with uncommitted work: if this caller leads,
        groups are written and committed (or rolled back) in it.
        """
        if not items:
            return []
        slots: list[_Slot[T, R]] = [_Slot(item) for item in items]
        with self._lock:
            if time.monotonic() < self._paused_until:
                return [SlotResult(error=DatabaseUnavailable()) for _ in slots]
            self._queue.extend(slots)
            leader = not self._leading
            self._leading = True
        if leader:
            self._lead(session)
        for slot in slots:
            while not slot.finished:
                if not self._await(slot):
                    break
                if slot.lead:
                    slot.lead = False
                    self._lead(session)
        return [slot.result for slot in slots]

    def _await(self, slot: _Slot[T, R]) -> bool:
        """Wait for ``slot`` to finish or to be handed the lead; False if it gave up."""
        if slot.wake.wait(self._wait_timeout):
            slot.wake.clear()
            return True
        with self._lock:
            if slot.lead:
                return True
            if not slot.picked and slot in self._queue:
                self._queue.remove(slot)
                slot.settle(SlotResult(error=DatabaseUnavailable(
                    "The database was too busy to store this in time; nothing was stored. "
                    "Retry the request with the same Idempotency-Key.")))
                return False
        return True  # being written: the leader is bounded by the database's timeouts

    def _lead(self, session: Session) -> None:
        with self._lock:
            group = self._queue[:self._max_group]
            del self._queue[:len(group)]
            for slot in group:
                slot.picked = True
        try:
            self._commit(session, group)
        except BaseException as exc:
            # Interrupted (a worker shutting down): nobody may be left waiting.
            for slot in group:
                if not slot.finished:
                    slot.settle(SlotResult(error=_own_copy(exc)))
            self._pass_lead()
            raise
        self._pass_lead()

    def _pass_lead(self) -> None:
        with self._lock:
            if self._queue:
                successor = self._queue[0]
                successor.lead = True
                successor.wake.set()
            else:
                self._leading = False

    def _commit(self, session: Session, group: list[_Slot[T, R]]) -> None:
        try:
            results = self._write_group(session, [slot.item for slot in group])
        except IntegrityError as exc:
            if len(group) == 1:
                group[0].settle(SlotResult(error=exc))
                return
            for slot in group:
                if time.monotonic() < self._paused_until:
                    slot.settle(SlotResult(error=DatabaseUnavailable()))
                else:
                    self._commit(session, [slot])
            return
        except (CommitUnclear, DatabaseUnavailable) as exc:
            if isinstance(exc, DatabaseUnavailable):
                self._fail_queue()
            for slot in group:
                slot.settle(SlotResult(error=_own_copy(exc)))
            return
        except Exception as exc:
            for slot in group:
                slot.settle(SlotResult(error=_own_copy(exc)))
            return
        for slot, result in zip(group, results, strict=True):
            slot.settle(SlotResult(value=result))

    def _fail_queue(self) -> None:
        """The database failed: answer everyone queued now, and newcomers for a moment."""
        with self._lock:
            self._paused_until = time.monotonic() + OUTAGE_PAUSE
            queued, self._queue = self._queue, []
        for slot in queued:
            slot.settle(SlotResult(error=DatabaseUnavailable()))

    def _write_group(self, session: Session, items: list[T]) -> list[R]:
        committing = False
        try:
            with self._transaction(session) as unit:
                results = self._write(unit, items)
                committing = True
        except IntegrityError:
            raise
        except DBAPIError as exc:
            if committing:
                # Raised by COMMIT: the server may have committed before the connection
                # failed. Only a fresh look can tell (the caller's stored-before check).
                raise CommitUnclear("the COMMIT failed on the connection") from exc
            raise DatabaseUnavailable() from exc
        return results


def iter_errors(results: Sequence[SlotResult[Any]]) -> Iterator[BaseException]:
    """The exceptions among ``results`` (for logging and tests)."""
    return (result.error for result in results if result.error is not None)
