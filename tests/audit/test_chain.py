"""The hash chain: `vrs audit verify` finds an edited, a deleted and a reordered entry and
says which; concurrent writers never fork the chain. On SQLite and PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, func, select, update

from reporting.audit.models import AuditEntry, AuditHead
from reporting.cli import main
from reporting.unit_of_work import Actor, UnitOfWork, current_binding
from tests.conftest import bearer
from tests.factories import report


def verify(database, tmp_path):
    return CliRunner().invoke(main, ["--data-dir", str(tmp_path), "--database-url",
                                     database.url, "audit", "verify"])


@pytest.fixture
def five_entries(client, make_token):
    reporter = make_token("IDN")
    for _ in range(5):
        assert client.post("/api/v1/reports", json=report(),
                           headers=bearer(reporter)).status_code == 201


def tamper(database, *statements) -> None:
    with database.session() as session:
        for statement in statements:
            session.execute(statement)


def failures(result) -> list[str]:
    return [line for line in result.output.splitlines() if line.startswith("FAIL")]


def test_an_intact_chain_verifies(database, tmp_path, five_entries):
    result = verify(database, tmp_path)
    assert result.exit_code == 0, result.output
    assert result.output == "audit chain intact, 5 entries\n"


def test_an_empty_chain_verifies(database, tmp_path):
    result = verify(database, tmp_path)
    assert (result.exit_code, result.output) == (0, "audit chain intact, 0 entries\n")


def test_an_edited_entry_is_named(database, tmp_path, five_entries):
    tamper(database, update(AuditEntry).where(AuditEntry.seq == 3)
           .values(object_state="MYS"))
    result = verify(database, tmp_path)
    assert result.exit_code == 1
    assert failures(result) == ["FAIL  seq 3: edited (its content does not match its hash)"]
    assert "the audit chain is broken: 1 problem(s) in 5 entries" in result.output


def test_an_entry_edited_with_its_hash_recomputed_breaks_the_next_link(
        database, tmp_path, five_entries):
    from reporting.audit.chain import entry_hash

    with database.session() as session:
        row = session.execute(select(AuditEntry.__table__).where(AuditEntry.seq == 3)
                              ).mappings().one()
        forged = {**row, "actor_state": "MYS"}
        session.execute(update(AuditEntry).where(AuditEntry.seq == 3).values(
            actor_state="MYS", entry_hash=entry_hash(forged)))
    result = verify(database, tmp_path)
    assert result.exit_code == 1
    [line] = failures(result)
    assert line.startswith("FAIL  seq 4: does not follow seq 3 in the chain")


def test_a_deleted_entry_is_named(database, tmp_path, five_entries):
    tamper(database, delete(AuditEntry).where(AuditEntry.seq == 2))
    result = verify(database, tmp_path)
    assert result.exit_code == 1
    assert failures(result) == ["FAIL  seq 2: deleted (missing from the numbering)"]


def test_entries_deleted_from_the_end_are_named_by_the_head(database, tmp_path,
                                                            five_entries):
    tamper(database, delete(AuditEntry).where(AuditEntry.seq >= 4))
    result = verify(database, tmp_path)
    assert result.exit_code == 1
    assert failures(result) == [
        "FAIL  seq 4-5: deleted (the chain ends at seq 3, its head records seq 5)"]


def test_reordered_entries_are_named(database, tmp_path, five_entries):
    # Swap the places of entries 2 and 3 (their contents and hashes stay intact).
    tamper(database,
           update(AuditEntry).where(AuditEntry.seq == 2).values(seq=1000),
           update(AuditEntry).where(AuditEntry.seq == 3).values(seq=2),
           update(AuditEntry).where(AuditEntry.seq == 1000).values(seq=3))
    result = verify(database, tmp_path)
    assert result.exit_code == 1
    assert failures(result) == [
        "FAIL  seq 2: reordered (in the chain it follows seq 3, not seq 1)",
        "FAIL  seq 3: reordered (in the chain it follows seq 1, not seq 2)",
        "FAIL  seq 4: reordered (in the chain it follows seq 2, not seq 3)"]


def test_a_deleted_entry_hidden_by_renumbering_is_still_found(database, tmp_path,
                                                              five_entries):
    tamper(database, delete(AuditEntry).where(AuditEntry.seq == 5),
           delete(AuditEntry).where(AuditEntry.seq == 2),
           *[update(AuditEntry).where(AuditEntry.seq == seq).values(seq=seq - 1)
             for seq in (3, 4)],
           update(AuditHead).values(seq=3, entry_hash=select(AuditEntry.entry_hash)
                                    .where(AuditEntry.seq == 3).scalar_subquery()))
    result = verify(database, tmp_path)
    assert result.exit_code == 1
    [line] = failures(result)
    assert line.startswith("FAIL  seq 2: does not follow seq 1 in the chain (an entry "
                           "between them was deleted")


@pytest.mark.postgres
def test_concurrent_appends_keep_one_chain(app, database, tmp_path):
    """Eight threads append at once, each in its own transaction; the head's row lock
    makes them queue: one gapless chain, every link intact."""
    with app.app_context():
        binding = current_binding()
    threads, per_thread = 8, 10
    start = threading.Barrier(threads)
    errors: list[BaseException] = []

    def writer(number: int) -> None:
        try:
            start.wait()
            for item in range(per_thread):
                with UnitOfWork.begin(binding, actor=Actor(label=f"writer {number}")) as unit:
                    unit.record("test.append", object_type="item", object_id=f"{number}.{item}")
                    unit.record("test.append", object_type="item",
                                object_id=f"{number}.{item}b")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    workers = [threading.Thread(target=writer, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    result = verify(database, tmp_path)
    assert (result.exit_code, result.output) == (
        0, f"audit chain intact, {threads * per_thread * 2} entries\n")
    with database.session() as session:
        assert session.scalar(select(func.max(AuditEntry.seq))) == threads * per_thread * 2
        # Each transaction's two entries are adjacent: appends never interleave.
        rows = session.execute(select(AuditEntry.object_id).order_by(AuditEntry.seq)).all()
    ids = [row.object_id for row in rows]
    assert all(ids[i] + "b" == ids[i + 1] for i in range(0, len(ids), 2))
