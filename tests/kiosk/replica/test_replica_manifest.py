"""The manifest a change carries: one verification and one commit per live edit, same guarantees.

The last part of a revision's change carries the count and digest after it (docs/SYNC.md). A live
replica checks its own digest against it and trusts it in the same transaction as the apply; the
`head` that follows is then a copy of what it trusts and is skipped without verification. Anything
that is not such a copy is verified and handled exactly as before.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from broker import topics
from broker.envelope import MAGIC, SIGNATURE_SIZE, seal
from broker.schema import HeadMessage, Manifest
from kiosk.replica.engine import Replica
from tests.kiosk.replica.replica_messages import AT, Admin, change_message, content, feed, tenant

OTHER_KEY = Ed25519PrivateKey.generate()


@pytest.fixture
def admin() -> Admin:
    return Admin(Ed25519PrivateKey.generate())


def bootstrapped(path: Path, admin: Admin) -> Replica:
    admin.commit(tenant("acme", "Acme AB"), tenant("beta", "Beta AB"))
    replica = Replica(path, admin.key.public_key())
    feed(replica, admin.retained())
    assert replica.complete and not replica.wants_snapshot
    return replica


def trusted_meta(path: Path) -> dict[str, str]:
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute(
            "SELECT name, value FROM meta WHERE name IN ('applied_rev', 'trusted_rev', 'verified')"
        ).fetchall()
    finally:
        conn.close()
    return dict(rows)


def commits_while(replica: Replica, messages: list[tuple[str, bytes]]) -> int:
    """How many SQLite COMMITs the replica runs while handling these messages."""
    statements: list[str] = []
    conn = replica._store.conn  # the replica's own connection: the only one that writes
    conn.set_trace_callback(statements.append)
    try:
        feed(replica, messages)
    finally:
        conn.set_trace_callback(None)
    return sum(1 for statement in statements if statement.strip().upper() == "COMMIT")


def test_a_change_with_its_manifest_is_complete_without_the_head(tmp_path: Path, admin: Admin) -> None:
    path = tmp_path / "replica.db"
    replica = bootstrapped(path, admin)
    revision = admin.commit(tenant("acme", "Acme AB v2"))
    feed(replica, revision.changes)
    assert replica.applied_revision == revision.rev and replica.complete
    assert trusted_meta(path) == {"applied_rev": "2", "trusted_rev": "2", "verified": "1"}
    replica.close()
    # Trusted in the same transaction as the apply: a restart holds both.
    again = Replica(path, admin.key.public_key())
    assert again.complete and content(again.dump()) == admin.expected_dump()
    again.close()


def test_a_live_edit_costs_one_commit(tmp_path: Path, admin: Admin) -> None:
    replica = bootstrapped(tmp_path / "replica.db", admin)
    for number in range(3):
        revision = admin.commit(tenant("beta", f"Beta AB v{number}"))
        assert commits_while(replica, [*revision.changes, revision.head]) == 1
        assert replica.complete
    assert replica.dropped_counts() == {}
    replica.close()


def test_after_a_manifest_an_older_head_is_still_a_rollback(tmp_path: Path, admin: Admin) -> None:
    replica = bootstrapped(tmp_path / "replica.db", admin)
    old_head = admin.head()
    feed(replica, admin.commit(tenant("acme", "v2")).changes)
    assert replica.handle(*old_head).dropped == "stale"
    assert replica.dropped_counts() == {"stale": 1} and replica.complete
    replica.close()


def test_a_change_whose_manifest_disagrees_with_the_replica_recovers(tmp_path: Path, admin: Admin) -> None:
    """A replica whose records were changed behind its back finds out at the next edit and rebuilds."""
    path = tmp_path / "replica.db"
    bootstrapped(path, admin).close()
    conn = sqlite3.connect(path)
    conn.execute(
        "INSERT INTO records VALUES ('tenant', 'ghost', 1, 0, ?)",
        ('{"slug":"ghost","name":"G","visible":true}',),
    )
    conn.commit()
    conn.close()
    replica = Replica(path, admin.key.public_key())
    revision = admin.commit(tenant("acme", "Acme AB v2"))
    feed(replica, revision.changes)
    assert replica.wants_snapshot and not replica.complete
    feed(replica, admin.retained())
    assert replica.complete and not replica.wants_snapshot
    assert content(replica.dump()) == admin.expected_dump()
    assert "ghost" not in {t["slug"] for t in replica.dump()["tenants"]}
    replica.close()


def test_a_genuine_change_with_a_wrong_manifest_recovers(tmp_path: Path, admin: Admin) -> None:
    """The replica does not take the manifest's word over its own digest: a mismatch means rebuild."""
    replica = bootstrapped(tmp_path / "replica.db", admin)
    admin.commit(tenant("acme", "Acme AB v2"), manifest=False)
    wrong = Manifest(admin.manifest().count + 1, admin.manifest().digest)
    replica.handle(
        *change_message(admin.key, admin.rev, admin.rev - 1, [tenant("acme", "Acme AB v2")], head=wrong)
    )
    assert replica.applied_revision == admin.rev
    assert replica.wants_snapshot and not replica.complete
    replica.close()


def test_a_change_without_a_manifest_is_confirmed_by_the_head(tmp_path: Path, admin: Admin) -> None:
    """The revisions of a backlog round carry none: the head that follows is new and fully verified."""
    path = tmp_path / "replica.db"
    replica = bootstrapped(path, admin)
    revision = admin.commit(tenant("acme", "v2"), manifest=False)
    feed(replica, revision.changes)
    assert replica.applied_revision == revision.rev and trusted_meta(path)["trusted_rev"] == "1"
    _topic, genuine = revision.head
    broken = MAGIC + bytes(SIGNATURE_SIZE) + genuine[len(MAGIC) + SIGNATURE_SIZE :]
    assert replica.handle(topics.HEAD, broken).dropped == "bad_signature"
    feed(replica, [revision.head])
    assert replica.complete and trusted_meta(path)["trusted_rev"] == "2"
    assert replica.dropped_counts() == {"bad_signature": 1}
    replica.close()


def test_a_split_revision_carries_the_manifest_on_its_last_part(tmp_path: Path, admin: Admin) -> None:
    replica = bootstrapped(tmp_path / "replica.db", admin)
    revision = admin.commit(*[tenant(f"t{i}") for i in range(250)], part_size=100)
    assert len(revision.changes) == 3
    feed(replica, list(reversed(revision.changes)))
    assert replica.applied_revision == revision.rev and replica.complete
    replica.close()


def test_a_copy_of_the_trusted_head_is_skipped_without_verification(tmp_path: Path, admin: Admin) -> None:
    """Proof that it is not verified: a broken signature on an identical head is not counted."""
    replica = bootstrapped(tmp_path / "replica.db", admin)
    feed(replica, admin.commit(tenant("acme", "v2")).changes)
    _topic, genuine = admin.head()
    broken = MAGIC + bytes(SIGNATURE_SIZE) + genuine[len(MAGIC) + SIGNATURE_SIZE :]
    for payload in (genuine, broken):
        outcome = replica.handle(topics.HEAD, payload)
        assert (outcome.changed, outcome.dropped, outcome.revision) == (False, None, 2)
    assert replica.dropped_counts() == {} and replica.complete
    replica.close()


@pytest.mark.parametrize(
    ("rev_delta", "count_delta", "digest"), [(1, 0, None), (0, 5, None), (0, 0, "ab" * 32)]
)
def test_a_forged_head_that_differs_is_verified_and_counted(
    tmp_path: Path, admin: Admin, rev_delta: int, count_delta: int, digest: str | None
) -> None:
    replica = bootstrapped(tmp_path / "replica.db", admin)
    feed(replica, admin.commit(tenant("acme", "v2")).changes)
    manifest = admin.manifest()
    forged = HeadMessage(admin.rev + rev_delta, manifest.count + count_delta, digest or manifest.digest, AT)
    body = forged.body()
    outcome = replica.handle(topics.HEAD, seal(OTHER_KEY, topics.HEAD, body))
    assert outcome.dropped == "bad_signature"
    assert replica.dropped_counts() == {"bad_signature": 1} and replica.complete
    replica.close()


def test_while_recovering_even_a_copy_of_the_trusted_head_is_verified(tmp_path: Path, admin: Admin) -> None:
    replica = bootstrapped(tmp_path / "replica.db", admin)
    feed(replica, admin.commit(tenant("acme", "v2")).changes)
    admin.commit(tenant("beta", "v2"))  # missed
    third = admin.commit(tenant("acme", "v3"))
    feed(replica, third.changes)  # revision 4 without 3: a gap
    assert replica.wants_snapshot
    _topic, genuine = third.head
    broken = MAGIC + bytes(SIGNATURE_SIZE) + genuine[len(MAGIC) + SIGNATURE_SIZE :]
    assert replica.handle(topics.HEAD, broken).dropped == "bad_signature"
    feed(replica, admin.retained())
    assert replica.complete and content(replica.dump()) == admin.expected_dump()
    replica.close()
