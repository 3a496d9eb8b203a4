"""A witness name belongs to one member state: a database rule, not only a service check."""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from reporting import migration
from reporting.db import make_engine
from reporting.directory.models import StateKey
from reporting.directory.service import KeyRejected, add_member_states, register_state_key

NAME = "shared.example/witness"


def test_a_key_cannot_name_another_states_witness_even_written_directly(database):
    with database.session() as session:
        add_member_states(session, ["IDN", "MYS"])
        register_state_key(session, "IDN", os.urandom(32), NAME)
    with database.session() as session:
        session.add(StateKey(kid="0" * 16, state_iso3="MYS", public_key=os.urandom(32),
                             witness_name=NAME))
        with pytest.raises(IntegrityError):
            session.flush()
        session.rollback()


def test_of_two_states_claiming_a_new_name_at_once_one_wins(database):
    with database.session() as session:
        add_member_states(session, ["IDN", "MYS"])
    first_in = threading.Event()
    outcomes: dict[str, str] = {}

    def claim(state: str, hold: bool) -> None:
        session = database.sessions()
        try:
            register_state_key(session, state, os.urandom(32), NAME)
            if hold:
                first_in.set()
                # Keep the claim uncommitted while the other state tries (ordering, not
                # a timing assertion: the outcome is the same however long this is).
                threading.Event().wait(0.5)
            session.commit()
            outcomes[state] = "registered"
        except KeyRejected:
            session.rollback()
            outcomes[state] = "rejected"
        finally:
            session.close()

    winner = threading.Thread(target=claim, args=("IDN", True))
    winner.start()
    assert first_in.wait(10)
    loser = threading.Thread(target=claim, args=("MYS", False))
    loser.start()
    winner.join(30)
    loser.join(30)
    assert outcomes == {"IDN": "registered", "MYS": "rejected"}


def test_the_upgrade_refuses_a_name_two_states_registered_before(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    migration.upgrade(url, "0004")
    engine = make_engine(url)
    now = datetime.now(UTC).replace(tzinfo=None)
    with engine.begin() as conn:
        for iso3, iso2 in (("IDN", "ID"), ("MYS", "MY")):
            conn.execute(sa.text("INSERT INTO countries (iso3, iso2, m49, name) "
                                 "VALUES (:iso3, :iso2, NULL, :iso3)"),
                         {"iso3": iso3, "iso2": iso2})
            conn.execute(sa.text("INSERT INTO member_states (iso3, default_sharing, joined_at) "
                                 "VALUES (:iso3, 'national', :now)"), {"iso3": iso3, "now": now})
            conn.execute(sa.text("INSERT INTO state_keys (kid, state_iso3, public_key, "
                                 "witness_name, created_at) VALUES (:kid, :iso3, :key, :name, "
                                 ":now)"),
                         {"kid": iso3.lower() * 4, "iso3": iso3, "key": os.urandom(32),
                          "name": NAME, "now": now})
    engine.dispose()
    with pytest.raises(RuntimeError, match=r"'shared.example/witness' by IDN and MYS"):
        migration.upgrade(url)
