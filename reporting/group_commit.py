"""Group commit: the writes of many concurrent requests in one transaction.

Every submission appends to one log, and appends are serialised: the log's row lock is
held from claiming an index to the end of COMMIT, WAL flush included. One transaction per
request therefore caps submissions at one lock hold each, however many threads serve
them. A group commit keeps the guarantee (each request's rows, receipt and log leaf
commit together, or not at all) while paying the lock, the round trips and the flush
once for every request that arrived while the previous group was being written.

No timer and no background thread: the first caller to find nobody writing becomes the
leader and writes what is queued, its own item included; callers that arrive meanwhile
wait and form the next group. Under no concurrency (one request at a time, as with
gunicorn's sync workers) every group has one item and nothing waits. A leader whose own
item is done hands the lead to the oldest waiting caller, so no response is held back
by other requests' work for more than one group.

A group that fails is retried item by item, so one bad item (a lost race on a unique key,
say) fails alone and the others are stored.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from sqlalchemy.orm import Session

T = TypeVar("T")
R = TypeVar("R")


class _Slot(Generic[T, R]):
    __slots__ = ("item", "wake", "finished", "result", "error", "lead")

    def __init__(self, item: T) -> None:
        self.item = item
        self.wake = threading.Event()
        self.finished = False
        self.result: R | None = None
        self.error: BaseException | None = None
        self.lead = False

    def settle(self, result: R | None = None, error: BaseException | None = None) -> None:
        self.result, self.error, self.finished = result, error, True
        self.wake.set()

    def outcome(self) -> R:
        if self.error is not None:
            raise self.error
        return self.result  # type: ignore[return-value]


class GroupCommit(Generic[T, R]):
    """Runs ``write(session, items)`` for groups of concurrent callers, then commits.

    ``write`` must return one result per item, in order, and leave the commit to this
    class. A group is written in the session of the caller that leads it, so a caller
    alone pays for no second connection.
    """

    def __init__(self, write: Callable[[Session, Sequence[T]], list[R]], *,
                 max_group: int = 64) -> None:
        self._write = write
        self._max_group = max_group
        self._lock = threading.Lock()
        self._queue: list[_Slot[T, R]] = []
        self._leading = False

    @property
    def waiting(self) -> int:
        """Items queued for the next group (a gauge; it may change at once)."""
        with self._lock:
            return len(self._queue)

    def run(self, session: Session, item: T) -> R:
        """Store ``item`` with whatever else is queued; its result, or its exception.

        ``session`` must have no transaction with uncommitted work: if this caller leads,
        the group is written and committed (or rolled back) in it.
        """
        slot: _Slot[T, R] = _Slot(item)
        with self._lock:
            self._queue.append(slot)
            leader = not self._leading
            self._leading = True
        if not leader:
            slot.wake.wait()
            if not slot.lead:
                return slot.outcome()
        self._lead(session, slot)
        return slot.outcome()

    def _lead(self, session: Session, mine: _Slot[T, R]) -> None:
        group: list[_Slot[T, R]] = []
        try:
            while True:
                with self._lock:
                    group = self._queue[:self._max_group]
                    del self._queue[:len(group)]
                self._commit(session, group)
                group = []
                with self._lock:
                    if not self._queue:
                        self._leading = False
                        return
                    if mine.finished:
                        self._hand_over()
                        return
        except BaseException as exc:
            # Interrupted (a worker shutting down): nobody may be left waiting.
            for slot in group:
                if not slot.finished:
                    slot.settle(error=exc)
            with self._lock:
                if self._queue:
                    self._hand_over()
                else:
                    self._leading = False
            raise

    def _hand_over(self) -> None:
        """With the lock held: the oldest waiting caller leads the next group."""
        successor = self._queue[0]
        successor.lead = True
        successor.wake.set()

    def _commit(self, session: Session, group: list[_Slot[T, R]]) -> None:
        try:
            results = self._write_group(session, [slot.item for slot in group])
        except Exception as exc:
            if len(group) == 1:
                group[0].settle(error=exc)
                return
            for slot in group:
                self._commit(session, [slot])
            return
        for slot, result in zip(group, results, strict=True):
            slot.settle(result)

    def _write_group(self, session: Session, items: list[T]) -> list[R]:
        try:
            results = self._write(session, items)
            session.commit()
        except BaseException:
            session.rollback()
            raise
        return results
