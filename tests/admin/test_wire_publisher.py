"""What the publisher puts on the wire for a round, read back with the kiosk-side parsers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlite_utils
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from admin.content import public
from admin.store import db as store_db
from admin.store.changes import current_head, transaction
from admin.sync import publisher
from broker import topics
from broker.envelope import MAGIC, MAX_MESSAGE_BYTES, SIGNATURE_SIZE, open_envelope
from broker.schema import Manifest, parse_change, parse_head, parse_state
from broker.times import now_iso


@pytest.fixture
def db(tmp_path: Path) -> sqlite_utils.Database:
    return store_db.connect(tmp_path / "admin.db", create=True)


def add(db: sqlite_utils.Database, slugs: list[str], description: str = "") -> int:
    with transaction(db, actor="test") as tx:
        for slug in slugs:
            row = {"slug": slug, "name": slug.upper(), "description_sv": description}
            row |= {"created_at": now_iso(), "updated_at": now_iso()}
            db.table("tenants").insert(row, replace=True)
            tx.record("tenant", slug, public.tenant(row))
    return int(tx.rev or 0)


def test_a_large_revision_is_split_into_bounded_parts_and_ends_with_the_head(
    db: sqlite_utils.Database,
) -> None:
    key = Ed25519PrivateKey.generate()
    rev = add(db, [f"t{i:04d}" for i in range(1200)])
    batch = publisher.build_round(db, key)
    assert batch is not None and batch.revisions == [rev]
    public_key = key.public_key()
    states = [m for m in batch.messages if m[0].startswith(topics.STATE_PREFIX)]
    changes = [
        parse_change(open_envelope(public_key, t, p)) for t, p, r in batch.messages if t == topics.CHANGES
    ]
    assert len(states) == 1200 and all(retain for _, _, retain in states)
    assert [(c.part, c.parts, len(c.records)) for c in changes] == [(0, 3, 500), (1, 3, 500), (2, 3, 200)]
    assert {c.rev for c in changes} == {rev} and {c.prev for c in changes} == {0}
    topic, payload, retain = batch.messages[-1]
    head = parse_head(open_envelope(public_key, topic, payload))
    assert (topic, retain) == (topics.HEAD, True)
    assert (head.rev, head.count, head.digest) == (rev, 1200, current_head(db).digest)
    # Only the last part carries the manifest after the revision: the same count and digest as the head.
    assert [c.head for c in changes[:-1]] == [None, None]
    assert changes[-1].head == Manifest(1200, head.digest)
    kind, key_ = "tenant", "t0007"
    state_topic, state_payload, _ = next(m for m in states if m[0] == topics.state(kind, key_))
    state = parse_state(open_envelope(public_key, state_topic, state_payload), kind, key_)
    assert (state.rev, state.record.data["name"] if state.record.data else None) == (rev, "T0007")


def test_parts_stay_under_the_byte_limit(db: sqlite_utils.Database) -> None:
    key = Ed25519PrivateKey.generate()
    add(db, [f"big{i}" for i in range(40)], description="å" * 2000)  # about 4 KiB of UTF-8 each
    add(db, [f"huge{i}" for i in range(120)], description="x" * 3900)
    batch = publisher.build_round(db, key)
    assert batch is not None
    sizes = [len(p) for t, p, _ in batch.messages if t == topics.CHANGES]
    assert len(sizes) >= 3 and max(sizes) <= publisher.MAX_PART_BYTES + 1024 < MAX_MESSAGE_BYTES


def test_a_round_limited_before_the_newest_revision_carries_no_head(db: sqlite_utils.Database) -> None:
    key = Ed25519PrivateKey.generate()
    first, second = add(db, ["a"]), add(db, ["b"])
    batch = publisher.build_round(db, key, limit=1)
    assert batch is not None and batch.revisions == [first] and batch.head is None
    assert topics.HEAD not in {t for t, _, _ in batch.messages}
    public_key = key.public_key()
    [change] = [
        parse_change(open_envelope(public_key, t, p)) for t, p, _ in batch.messages if t == topics.CHANGES
    ]
    assert change.head is None  # the manifest after `first` is not what `current_head` says
    # the state message of a touched record is its current state (what the retained copy must end as)
    publisher.mark_published(db, batch.revisions)
    rest = publisher.build_round(db, key)
    assert rest is not None and rest.revisions == [second] and rest.head is not None
    [change] = [
        parse_change(open_envelope(public_key, t, p)) for t, p, _ in rest.messages if t == topics.CHANGES
    ]
    assert change.head == Manifest(2, rest.head.digest)
    publisher.mark_published(db, rest.revisions)
    assert publisher.build_round(db, key) is None
    assert publisher.published_revision(db) == second


def test_a_tombstone_is_published_as_a_signed_retained_delete(db: sqlite_utils.Database) -> None:
    key = Ed25519PrivateKey.generate()
    add(db, ["gone"])
    with transaction(db, actor="test") as tx:
        db.table("tenants").delete("gone")
        tx.delete("tenant", "gone")
    messages, head = publisher.full_messages(db, key)
    topic, payload, retain = messages[0]
    body = open_envelope(key.public_key(), topic, payload)
    assert (topic, retain, body["op"], body["data"], body["rev"]) == (
        topics.state("tenant", "gone"),
        True,
        "delete",
        None,
        2,
    )
    assert (head.rev, head.count) == (2, 0)
    assert json.loads(payload[len(MAGIC) + SIGNATURE_SIZE :])["type"] == "state"


def test_in_a_round_of_several_revisions_only_the_newest_carries_the_manifest(
    db: sqlite_utils.Database,
) -> None:
    key = Ed25519PrivateKey.generate()
    add(db, ["a"])
    add(db, ["b"])
    last = add(db, ["c"])
    batch = publisher.build_round(db, key)
    assert batch is not None and batch.head is not None
    changes = [
        parse_change(open_envelope(key.public_key(), t, p))
        for t, p, _ in batch.messages
        if t == topics.CHANGES
    ]
    assert [(c.rev, c.head) for c in changes] == [
        (last - 2, None),
        (last - 1, None),
        (last, Manifest(3, current_head(db).digest)),
    ]
