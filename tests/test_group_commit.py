"""Group commit: grouping, order, failure isolation and hand-over, with real sessions."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from reporting.errors import DatabaseUnavailable
from reporting.group_commit import GroupCommit

metadata = MetaData()
rows = Table("rows", metadata, Column("id", Integer, primary_key=True), Column("tag", String))
WAIT = 10.0  # seconds: a bound for threads to reach a state, never a timing assertion


class Stop(BaseException):
    """Stands for what a worker being shut down raises inside a write."""


@pytest.fixture
def sessions(tmp_path) -> Iterator[sessionmaker[Session]]:
    engine = create_engine(f"sqlite:///{tmp_path / 'group.db'}",
                           connect_args={"check_same_thread": False, "timeout": 30})
    metadata.create_all(engine)
    yield sessionmaker(engine)
    engine.dispose()


def stored(sessions) -> list[int]:
    with sessions() as session:
        return list(session.scalars(select(rows.c.id).order_by(rows.c.id)))


class Writer:
    """Inserts each item as a row and answers its negation; records every group."""

    def __init__(self) -> None:
        self.groups: list[list[int]] = []
        self.writers: list[Session] = []
        self.hold = threading.Event()
        self.hold.set()
        self.bad: set[int] = set()
        self.interrupt_first = False

    def __call__(self, session: Session, items: Sequence[int]) -> list[int]:
        self.groups.append(list(items))
        self.writers.append(session)
        assert self.hold.wait(WAIT)
        session.execute(insert(rows), [{"id": item, "tag": "x"} for item in items])
        if self.interrupt_first:
            self.interrupt_first = False
            raise Stop
        if self.bad & set(items):
            raise ValueError(f"bad item among {list(items)}")
        return [-item for item in items]


def wait_until(condition) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, "threads did not get there in time"
        time.sleep(0.005)


def run_blocked_then_five(group: GroupCommit, writer: Writer, sessions):
    """Item 0 leads and is held inside its write while items 1..5 queue behind it."""
    writer.hold.clear()
    pool = ThreadPoolExecutor(max_workers=6)
    callers = {0: sessions()}
    futures = {0: pool.submit(group.run, callers[0], 0)}
    wait_until(lambda: len(writer.groups) == 1)
    for item in range(1, 6):
        callers[item] = sessions()
        futures[item] = pool.submit(group.run, callers[item], item)
        wait_until(lambda n=item: group.waiting == n)
    writer.hold.set()
    return pool, callers, futures


def test_a_caller_alone_is_written_and_committed_in_its_own_session(sessions):
    writer = Writer()
    group = GroupCommit(writer)
    with sessions() as session:
        assert group.run(session, 7) == -7
        assert writer.writers == [session]
    assert writer.groups == [[7]]
    assert stored(sessions) == [7]


def test_callers_arriving_during_a_write_form_the_next_group_in_order(sessions):
    writer = Writer()
    group = GroupCommit(writer)
    pool, callers, futures = run_blocked_then_five(group, writer, sessions)
    with pool:
        results = {item: future.result(WAIT) for item, future in futures.items()}
    assert results == {item: -item for item in range(6)}
    assert writer.groups == [[0], [1, 2, 3, 4, 5]]
    # The leader's own item was done, so the oldest waiting caller led the next group,
    # in its own session.
    assert writer.writers == [callers[0], callers[1]]
    assert stored(sessions) == [0, 1, 2, 3, 4, 5]
    assert group.waiting == 0


def test_an_item_that_loses_a_race_on_a_unique_key_fails_alone(sessions):
    # Item 3's key is taken already (a concurrent request won): the database refuses the
    # group's INSERT, the group is rolled back and retried item by item.
    with sessions() as session:
        session.execute(insert(rows), [{"id": 3, "tag": "taken"}])
        session.commit()
    writer = Writer()
    group = GroupCommit(writer)
    pool, _callers, futures = run_blocked_then_five(group, writer, sessions)
    with pool:
        for item, future in futures.items():
            if item == 3:
                with pytest.raises(IntegrityError):
                    future.result(WAIT)
            else:
                assert future.result(WAIT) == -item
    assert writer.groups == [[0], [1, 2, 3, 4, 5], [1], [2], [3], [4], [5]]
    assert stored(sessions) == [0, 1, 2, 3, 4, 5]


def test_any_other_failure_fails_the_group_without_retrying_and_each_caller_its_own(sessions):
    writer = Writer()
    writer.bad = {3}
    group = GroupCommit(writer)
    pool, _callers, futures = run_blocked_then_five(group, writer, sessions)
    with pool:
        assert futures[0].result(WAIT) == 0
        errors = []
        for item in range(1, 6):
            with pytest.raises(ValueError, match="bad item") as raised:
                futures[item].result(WAIT)
            errors.append(raised.value)
    # Not retried: a bug or a refusal is not a race that another attempt could win.
    assert writer.groups == [[0], [1, 2, 3, 4, 5]]
    assert stored(sessions) == [0]
    # Each thread raised its own exception object, never one shared between threads.
    assert len({id(error) for error in errors}) == 5


def test_a_database_failure_answers_the_group_and_everyone_queued_at_once(tmp_path):
    # A real outage: the database file's directory is gone, so no connection can open.
    engine = create_engine(f"sqlite:///{tmp_path / 'gone' / 'group.db'}")
    outage = sessionmaker(engine)
    group = GroupCommit(Writer())
    with outage() as session:
        results = group.run_many(session, [1, 2, 3])
    assert [type(result.error) for result in results] == [DatabaseUnavailable] * 3
    assert len({id(result.error) for result in results}) == 3
    # For a moment, newcomers are told at once rather than queued behind a dead database.
    with outage() as session:
        [result] = group.run_many(session, [4])
    assert isinstance(result.error, DatabaseUnavailable)
    assert group.waiting == 0
    engine.dispose()


def test_a_caller_queued_too_long_leaves_the_queue_told_and_unstored(sessions):
    writer = Writer()
    writer.hold.clear()
    group = GroupCommit(writer, wait_timeout=0.2)
    with ThreadPoolExecutor(max_workers=2) as pool:
        leader_session, waiter_session = sessions(), sessions()
        leader = pool.submit(group.run, leader_session, 0)
        wait_until(lambda: len(writer.groups) == 1)
        waiter = pool.submit(group.run_many, waiter_session, [1])
        [result] = waiter.result(WAIT)
        assert isinstance(result.error, DatabaseUnavailable)
        writer.hold.set()
        assert leader.result(WAIT) == 0
    assert writer.groups == [[0]]
    assert stored(sessions) == [0]
    assert group.waiting == 0


def test_groups_are_bounded_in_size(sessions):
    writer = Writer()
    group = GroupCommit(writer, max_group=2)
    pool, _callers, futures = run_blocked_then_five(group, writer, sessions)
    with pool:
        assert {item: future.result(WAIT) for item, future in futures.items()} == {
            item: -item for item in range(6)}
    assert writer.groups == [[0], [1, 2], [3, 4], [5]]


def test_an_interrupted_leader_leaves_nobody_waiting(sessions):
    writer = Writer()
    writer.interrupt_first = True
    group = GroupCommit(writer)
    pool, _callers, futures = run_blocked_then_five(group, writer, sessions)
    with pool:
        with pytest.raises(Stop):
            futures[0].result(WAIT)
        assert [futures[item].result(WAIT) for item in range(1, 6)] == [-1, -2, -3, -4, -5]
    assert stored(sessions) == [1, 2, 3, 4, 5]
    # The next caller finds no leader and leads at once.
    with sessions() as session:
        assert group.run(session, 9) == -9


def test_many_concurrent_callers_each_get_their_own_result(sessions):
    writer = Writer()
    group = GroupCommit(writer)

    def call(item: int) -> int:
        with sessions() as session:
            return group.run(session, item)

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(call, range(200))) == [-item for item in range(200)]
    assert sorted(item for g in writer.groups for item in g) == list(range(200))
    assert stored(sessions) == list(range(200))
