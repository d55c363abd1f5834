"""The replica in the live state: revisions applied whole and in order, stale ones dropped."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from broker.envelope import MAGIC, SIGNATURE_SIZE
from broker.schema import set_digest
from broker.topics import HEAD
from kiosk.replica.engine import Replica
from kiosk.replica.schema import connect
from tests.kiosk.replica.replica_messages import (
    Admin,
    change_message,
    content,
    delete,
    event,
    feed,
    logo,
    partner,
    room,
    tenant,
)


@pytest.fixture
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture
def admin(key: Ed25519PrivateKey) -> Admin:
    return Admin(key)


@pytest.fixture
def replica(tmp_path: Path, admin: Admin) -> Replica:
    """A replica bootstrapped to the admin's first revision, now live."""
    first = admin.commit(tenant("acme", "Acme AB"), room("labbet"), event(7))
    replica = Replica(tmp_path / "replica.db", admin.key.public_key())
    feed(replica, first.messages)
    assert not replica.wants_snapshot and replica.complete
    return replica


def search(path: Path, text: str) -> list[str]:
    reader = connect(path, readonly=True)
    try:
        rows = reader.execute("SELECT key FROM search WHERE search MATCH ? ORDER BY key", (text,)).fetchall()
    finally:
        reader.close()
    return [key for (key,) in rows]


def test_helper_head_digest_is_set_digest(admin: Admin) -> None:
    """The test publisher's running digest is the one the real admin computes (broker.schema)."""
    admin.commit(tenant("a"), tenant("b"), event(1))
    admin.commit(delete("tenant", "a"), tenant("b", "Bee"))
    topic, payload = admin.head()
    body = json.loads(payload[len(MAGIC) + SIGNATURE_SIZE :])
    live = [(kind, key, rev) for (kind, key), (rev, rec) in admin.state.items() if rec.op == "upsert"]
    assert (topic, body["rev"], body["count"], body["digest"]) == (HEAD, 2, 2, set_digest(live))


def test_changes_apply_in_order_and_the_head_confirms(admin: Admin, replica: Replica) -> None:
    for number in range(5):
        revision = admin.commit(tenant("acme", f"Acme AB v{number}"), event(100 + number))
        feed(replica, [*revision.changes, revision.head])
        assert replica.applied_revision == revision.rev
        assert replica.complete
    assert content(replica.dump()) == admin.expected_dump()
    assert replica.dump()["tenants"] == [{"slug": "acme", "name": "Acme AB v4", "visible": True}]
    assert replica.dropped_counts() == {}


def test_outcome_reports_what_changed(admin: Admin, replica: Replica) -> None:
    revision = admin.commit(tenant("acme", "Ny"))
    outcome = replica.handle(*revision.changes[0])
    assert (outcome.changed, outcome.revision, outcome.dropped) == (True, revision.rev, None)
    outcome = replica.handle(*revision.head)
    assert (outcome.changed, outcome.revision, outcome.dropped) == (False, revision.rev, None)
    outcome = replica.handle(*revision.changes[0])
    assert (outcome.changed, outcome.revision, outcome.dropped) == (False, revision.rev, "stale")


def test_parts_are_buffered_and_applied_in_one_transaction(
    tmp_path: Path, admin: Admin, replica: Replica
) -> None:
    revision = admin.commit(*(tenant(f"t{n:03}", f"Företag {n}") for n in range(250)), part_size=100)
    assert len(revision.changes) == 3
    reader = connect(tmp_path / "replica.db", readonly=True)
    count = "SELECT count(*) FROM records WHERE kind = 'tenant' AND deleted = 0"
    for part in revision.changes[:-1]:
        outcome = replica.handle(*part)
        assert not outcome.changed and outcome.dropped is None
        assert replica.applied_revision == revision.rev - 1
        assert reader.execute(count).fetchone()[0] == 1  # only acme: nothing of the revision shows yet
    assert replica.handle(*revision.changes[-1]).changed
    assert reader.execute(count).fetchone()[0] == 251
    reader.close()
    assert replica.applied_revision == revision.rev


def test_parts_in_any_order_and_repeated(admin: Admin, replica: Replica) -> None:
    revision = admin.commit(*(tenant(f"t{n}") for n in range(30)), part_size=10)
    second, first, third = revision.changes[1], revision.changes[0], revision.changes[2]
    feed(replica, [second, second, third, first, revision.head])
    assert content(replica.dump()) == admin.expected_dump()
    assert replica.complete and replica.dropped_counts() == {}


def test_a_reader_never_sees_half_a_revision(tmp_path: Path, admin: Admin, replica: Replica) -> None:
    """A UI connection polling while 20 revisions of 300 records each are applied sees each revision
    whole: every tenant row carries the same revision, and the count is always 300."""
    seed = admin.commit(*(tenant(f"t{n:03}") for n in range(300)))
    feed(replica, [*seed.changes, seed.head])
    revisions = [admin.commit(*(tenant(f"t{n:03}", f"v{r}") for n in range(300))) for r in range(20)]
    seen: list[tuple[int, int, int]] = []
    stop = threading.Event()

    def poll() -> None:
        reader = connect(tmp_path / "replica.db", readonly=True)
        while not stop.is_set():
            row = reader.execute(
                "SELECT count(*), min(rev), max(rev) FROM records WHERE kind = 'tenant' AND key LIKE 't%'"
            ).fetchone()
            seen.append(tuple(row))
        reader.close()

    thread = threading.Thread(target=poll)
    thread.start()
    try:
        for revision in revisions:
            feed(replica, revision.changes)
    finally:
        stop.set()
        thread.join()
    assert len(seen) > 1
    assert all(count == 300 and low == high for count, low, high in seen), [s for s in seen if s[1] != s[2]][
        :3
    ]
    assert replica.applied_revision == revisions[-1].rev


def test_stale_and_duplicate_changes_are_dropped(admin: Admin, replica: Replica) -> None:
    old = admin.commit(tenant("acme", "Gammal"))
    new = admin.commit(tenant("acme", "Ny"))
    feed(replica, [*old.changes, *new.changes])
    before = content(replica.dump())
    for message in [*old.changes, *new.changes]:
        assert replica.handle(*message).dropped == "stale"
    assert replica.dropped_counts() == {"stale": 2}
    assert content(replica.dump()) == before
    assert before["tenants"][0]["name"] == "Ny"


def test_deletion_keeps_a_tombstone(tmp_path: Path, admin: Admin, replica: Replica) -> None:
    revision = admin.commit(delete("tenant", "acme"), delete("event", "7"))
    feed(replica, [*revision.changes, revision.head])
    dump = replica.dump()
    assert dump["tenants"] == [] and dump["events"] == []
    assert replica.complete
    reader = connect(tmp_path / "replica.db", readonly=True)
    rows = reader.execute(
        "SELECT kind, key, rev, deleted, data FROM records WHERE deleted = 1 ORDER BY kind"
    ).fetchall()
    reader.close()
    assert rows == [("event", "7", revision.rev, 1, None), ("tenant", "acme", revision.rev, 1, None)]
    assert search(tmp_path / "replica.db", "acme") == []


def test_replayed_upsert_after_deletion_is_stale(admin: Admin, replica: Replica) -> None:
    created = admin.commit(tenant("beta", "Beta AB"))
    deleted = admin.commit(delete("tenant", "beta"))
    feed(replica, [*created.messages, *deleted.messages])
    before = content(replica.dump())
    # An attacker replays the genuine, signed creation: its retained state message and its change.
    for message in [*created.states, *created.changes]:
        assert replica.handle(*message).dropped == "stale"
    assert content(replica.dump()) == before
    assert all(t["slug"] != "beta" for t in before["tenants"])


def test_replayed_deletion_after_recreation_is_stale(admin: Admin, replica: Replica) -> None:
    deleted = admin.commit(delete("tenant", "acme"))
    recreated = admin.commit(tenant("acme", "Acme igen"))
    feed(replica, [*deleted.messages, *recreated.messages])
    before = content(replica.dump())
    for message in [*deleted.states, *deleted.changes]:
        assert replica.handle(*message).dropped == "stale"
    assert content(replica.dump()) == before
    assert before["tenants"] == [{"slug": "acme", "name": "Acme igen", "visible": True}]
    assert replica.dropped_counts() == {"stale": 2}


def test_a_revision_writing_one_key_twice_keeps_the_last(admin: Admin, replica: Replica) -> None:
    revision = admin.commit(tenant("gamma", "Först"), tenant("gamma", "Sist"))
    feed(replica, [*revision.changes, revision.head])
    assert [t["name"] for t in replica.dump()["tenants"] if t["slug"] == "gamma"] == ["Sist"]
    assert replica.complete


def test_search_follows_visible_tenants(tmp_path: Path, admin: Admin, replica: Replica) -> None:
    path = tmp_path / "replica.db"
    revision = admin.commit(
        tenant("hogskolan", "Högskolan Väst", category="Utbildning", tags=["forskning"], room="B12"),
        tenant("dold", "Dold AB", visible=False),
    )
    feed(replica, revision.changes)
    assert search(path, "hogskolan") == ["hogskolan"]  # diacritics-insensitive on the name
    assert search(path, "forskning") == ["hogskolan"]  # tags are in the body
    assert search(path, "B12") == ["hogskolan"]
    assert search(path, "dold") == []  # hidden listings are not findable
    renamed = admin.commit(tenant("hogskolan", "University West"), tenant("dold", "Dold AB", visible=True))
    feed(replica, renamed.changes)
    assert search(path, "hogskolan") == []
    assert search(path, "university") == ["hogskolan"]
    assert search(path, "dold") == ["dold"]
    reader = connect(path, readonly=True)
    assert reader.execute("SELECT count(*) FROM search").fetchone()[0] == 3  # acme, hogskolan, dold
    reader.close()


def test_a_state_message_in_live_mode_is_not_applied_alone(admin: Admin, replica: Replica) -> None:
    """Applying a newer retained state by itself could show part of a revision; the change does it."""
    revision = admin.commit(tenant("acme", "Ny"), tenant("delta"))
    outcome = replica.handle(*revision.states[0])
    assert (outcome.changed, outcome.dropped) == (False, None)
    assert replica.dump()["tenants"][0]["name"] == "Acme AB"
    feed(replica, revision.changes)
    assert [t["name"] for t in replica.dump()["tenants"]] == ["Ny", "Delta"]


def test_change_with_records_touching_all_kinds(admin: Admin, replica: Replica) -> None:
    revision = admin.commit(partner("almi", "Almi"), logo("tenant:acme"), room("arena"))
    feed(replica, [*revision.changes, revision.head])
    dump = replica.dump()
    assert dump["logos"] == ["tenant:acme"]
    assert [p["slug"] for p in dump["partners"]] == ["almi"]
    assert [r["slug"] for r in dump["rooms"]] == ["arena", "labbet"]
    assert replica.complete


def test_an_empty_revision_still_advances(key: Ed25519PrivateKey, admin: Admin, replica: Replica) -> None:
    rev = replica.applied_revision
    assert replica.handle(*change_message(key, rev + 1, rev, [])).changed
    assert replica.applied_revision == rev + 1


def test_replica_file_is_wal(tmp_path: Path, replica: Replica) -> None:
    conn = sqlite3.connect(tmp_path / "replica.db")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


def test_a_later_revision_arriving_before_the_last_part_is_not_a_gap(admin: Admin, replica: Replica) -> None:
    first = admin.commit(*(tenant(f"t{n}") for n in range(4)), part_size=2)
    second = admin.commit(tenant("t0", "Andra"))
    feed(replica, [first.changes[0], *second.changes])
    assert not replica.wants_snapshot and replica.applied_revision == first.rev - 1
    outcome = replica.handle(*first.changes[1])
    assert outcome.changed and outcome.revision == second.rev
    feed(replica, [second.head])
    assert replica.complete and content(replica.dump()) == admin.expected_dump()


def test_a_revision_resent_with_another_split_replaces_the_first(
    key: Ed25519PrivateKey, admin: Admin, replica: Replica
) -> None:
    """The publisher may resend a revision after a crash; the newer announcement of its parts wins."""
    records = [tenant(f"s{n}") for n in range(3)]
    revision = admin.commit(*records)
    prev = revision.rev - 1
    replica.handle(*change_message(key, revision.rev, prev, records[:1], part=0, parts=3))
    replica.handle(*change_message(key, revision.rev, prev, records[:2], part=0, parts=2))
    assert replica.applied_revision == prev
    assert replica.handle(*change_message(key, revision.rev, prev, records[2:], part=1, parts=2)).changed
    feed(replica, [revision.head])
    assert replica.complete and content(replica.dump()) == admin.expected_dump()
