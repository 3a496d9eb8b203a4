"""The public log proves it is append-only and says nothing about whose entry is whose.

SPEC §3: anyone gets leaf hashes, tree heads, checkpoints and proofs; a receipt (which
names the state, the report, when it was filed and how often it changed) goes only to a
caller who may read that report.
"""

from __future__ import annotations

import json

from tests.conftest import bearer
from tests.factories import approve, report, submit_ok


def entries(client, secret: str | None = None) -> list[dict]:
    headers = bearer(secret) if secret else {}
    response = client.get("/api/v1/log/entries?start=0", headers=headers)
    assert response.status_code == 200
    return response.get_json()["entries"]


def receipts(client, secret: str | None = None) -> dict[int, dict]:
    return {e["index"]: json.loads(e["entry"]) for e in entries(client, secret) if "entry" in e}


def filed(client, make_token):
    """IDN files a national report (then withdraws it) and a regional one; AUS shares all."""
    idn = make_token("IDN", default_sharing="national")
    aus = make_token("AUS")
    national = submit_ok(client, idn, report(sharing="national"))
    withdrawn = client.post(f"/api/v1/reports/{national['id']}/withdraw", headers=bearer(idn))
    assert withdrawn.status_code == 200
    regional = submit_ok(client, idn, report(sharing="region"))
    shared = submit_ok(client, aus, report(sharing="all_members"))
    return idn, national, regional, shared


def test_anonymous_callers_get_leaf_hashes_and_nothing_of_whose_they_are(client, make_token):
    _, national, regional, shared = filed(client, make_token)
    public = entries(client)
    assert [e["index"] for e in public] == [0, 1, 2, 3]
    assert all(set(e) == {"index", "leaf_hash"} for e in public)
    for path in ("/api/v1/log/entries?start=0", "/api/v1/log/tree-head",
                 "/api/v1/log/checkpoint", "/api/v1/log/proof/inclusion?index=1&tree_size=4",
                 "/api/v1/log/proof/consistency?first=2&second=4"):
        text = client.get(path).get_data(as_text=True)
        for secret_fact in (national["id"], regional["id"], shared["id"], "IDN", "AUS",
                            "withdrawn", "content_sha256"):
            assert secret_fact not in text, (path, secret_fact)


def test_a_state_reads_every_receipt_of_its_own_reports(client, make_token):
    idn, national, regional, _ = filed(client, make_token)
    mine = receipts(client, idn)
    assert set(mine) == {0, 1, 2}
    assert mine[1]["event"] == "withdrawn"
    assert {mine[0]["report_id"], mine[2]["report_id"]} == {national["id"], regional["id"]}


def test_other_states_read_only_receipts_of_reports_shared_with_them(client, make_token):
    _, national, regional, shared = filed(client, make_token)
    neighbour = make_token("MYS", "analyst")  # MYS shares regions with IDN
    # Only approved reports leave their state, receipts included.
    assert receipts(client, neighbour) == {}
    approve(client, make_token("IDN", "state_admin"), regional["id"])
    approve(client, make_token("AUS", "state_admin"), shared["id"])
    seen = {r["report_id"] for r in receipts(client, neighbour).values()}
    assert seen == {regional["id"], shared["id"]}
    reporter = make_token("MYS", "reporter")  # reporters read only their own state's
    assert receipts(client, reporter) == {}
    secretariat = make_token(None, "secretariat")
    assert {r["report_id"] for r in receipts(client, secretariat).values()} == {shared["id"]}
    assert national["id"] not in json.dumps(receipts(client, neighbour))


def test_a_bad_token_on_the_public_entries_is_a_401_not_a_silent_downgrade(client, database):
    response = client.get("/api/v1/log/entries?start=0", headers=bearer("not-a-token"))
    assert response.status_code == 401
