"""The outbox as the sweep reads it: rows not done whose last send is old enough, in id
order, on both engines."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, insert, select

from reporting.outbox import OutboxMessage, due_for_sending

NOW = datetime(2026, 12, 1, tzinfo=UTC)
AGE = timedelta(minutes=2)


def test_the_sweep_resends_rows_not_done_whose_last_send_is_older_than_the_age(database):
    payload = json.dumps({"report_id": "r-1"})
    long_ago, just_now = NOW - timedelta(hours=1), NOW - timedelta(seconds=5)
    rows = [  # (created, last sent, done)
        (long_ago, None, None),        # never sent (the broker was down): due
        (just_now, None, None),        # just committed, its own send under way: not yet
        (long_ago, long_ago, None),    # sent, never done (message lost): due
        (long_ago, just_now, None),    # sent again a moment ago: not yet
        (long_ago, long_ago, long_ago),  # done: never again
    ]
    try:
        with database.session() as session:
            # A Core insert without attempts: the server default gives 0.
            session.execute(insert(OutboxMessage), [
                {"topic": "report.changed", "payload": payload, "created_at": created,
                 "dispatched_at": sent, "done_at": done} for created, sent, done in rows])
            ids = list(session.scalars(select(OutboxMessage.id).order_by(OutboxMessage.id)))
        with database.session() as session:
            assert due_for_sending(session, NOW, AGE, limit=10) == [ids[0], ids[2]]
            assert due_for_sending(session, NOW, AGE, limit=1) == [ids[0]]
            assert due_for_sending(session, NOW, AGE, limit=10, after=ids[0]) == [ids[2]]
            first = session.get(OutboxMessage, ids[0])
            assert (first.attempts, first.last_error) == (0, None)
    finally:
        with database.session() as session:
            session.execute(delete(OutboxMessage))


def test_a_row_sent_again_and_again_waits_twice_as_long_each_time_up_to_a_cap(database):
    # (sends so far, minutes since the last send, due?) with the age at two minutes:
    # one send waits 2 min, two 4, three 8, four 16, five 32, six and more 64.
    rows = [(1, 3, True), (2, 3, False), (2, 5, True), (3, 7, False), (3, 9, True),
            (5, 31, False), (5, 33, True), (6, 63, False), (9, 63, False), (9, 65, True)]
    payload = json.dumps({"report_id": "r-1"})
    try:
        with database.session() as session:
            session.execute(insert(OutboxMessage), [
                {"topic": "report.changed", "payload": payload,
                 "created_at": NOW - timedelta(days=1), "attempts": sends,
                 "dispatched_at": NOW - timedelta(minutes=minutes)}
                for sends, minutes, _ in rows])
            ids = list(session.scalars(select(OutboxMessage.id).order_by(OutboxMessage.id)))
        with database.session() as session:
            due = set(due_for_sending(session, NOW, AGE, limit=100))
        assert [row_id in due for row_id in ids] == [expected for _, _, expected in rows]
    finally:
        with database.session() as session:
            session.execute(delete(OutboxMessage))
