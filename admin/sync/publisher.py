"""The publisher: turns committed revisions (the outbox) into signed MQTT messages, in order.

A round reads, in one SQLite snapshot, the unpublished revisions, the current `sync_state` of every
record they touched, and the head. It publishes the retained state messages, then each revision's
change (in parts), then the retained head, all QoS 1, and marks the revisions published only once the
broker has acknowledged every message. A crash or a broker outage anywhere in between leaves them
unpublished, so they go out again (receivers drop the duplicates as stale).

Why the state messages carry the *current* state rather than the state at each revision: the retained
message for a key must end up as its latest version, and a kiosk that is recovering takes whatever is
newest. The head is only published once the round reaches the newest revision, so it never claims a
revision whose changes are not on the wire yet. That revision's change also carries the head's count
and digest in its last part: a live kiosk checks and trusts it with the change itself (one signature
and one commit per edit); the retained head is still published for kiosks that bootstrap or recover.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import sqlite_utils
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from admin.content.english import counted
from admin.store.changes import Head, current_head
from broker import topics
from broker.client import MqttClient
from broker.envelope import MAX_MESSAGE_BYTES, canonical_json, seal
from broker.schema import ChangeMessage, HeadMessage, Manifest, RecordChange, StateMessage
from broker.times import now_iso

log = logging.getLogger(__name__)

#: A change part stays well under the kiosks' 256 KiB limit and bounded in records, so one huge
#: import does not become one huge transaction on a Raspberry Pi.
MAX_PART_BYTES = 200 * 1024
MAX_PART_RECORDS = 500
#: Revisions per round: bounds memory when thousands are waiting (after a long broker outage).
MAX_ROUND_REVISIONS = 2000
#: Messages published before waiting for their acknowledgements.
WINDOW = 500
ACK_TIMEOUT = 30.0

Outgoing = tuple[str, bytes, bool]  # topic, payload, retain


def split_records(records: Sequence[RecordChange]) -> list[list[RecordChange]]:
    parts: list[list[RecordChange]] = [[]]
    size = 0
    for record in records:
        record_size = len(canonical_json(record.body())) + 1
        current = parts[-1]
        if current and (len(current) >= MAX_PART_RECORDS or size + record_size > MAX_PART_BYTES):
            parts.append([])
            size = 0
        parts[-1].append(record)
        size += record_size
    return parts


def _record(kind: str, key: str, op: str, data: str | None) -> RecordChange:
    return RecordChange(kind, key, op, json.loads(data) if op == "upsert" and data is not None else None)


def state_message(key: Ed25519PrivateKey, rev: int, record: RecordChange) -> Outgoing:
    topic = topics.state(record.kind, record.key)
    return topic, seal(key, topic, StateMessage(rev, record).body()), True


def head_message(key: Ed25519PrivateKey, head: Head) -> Outgoing:
    body = HeadMessage(head.rev, head.count, head.digest, now_iso()).body()
    return topics.HEAD, seal(key, topics.HEAD, body), True


def change_messages(
    key: Ed25519PrivateKey,
    rev: int,
    prev: int,
    at: str,
    records: Sequence[RecordChange],
    head: Manifest | None = None,
) -> list[Outgoing]:
    """The change parts of one revision; `head` (the manifest after it) goes on the last part."""
    parts = split_records(records)
    last = len(parts) - 1
    return [
        (
            topics.CHANGES,
            seal(
                key,
                topics.CHANGES,
                ChangeMessage(rev, prev, i, len(parts), at, tuple(part), head if i == last else None).body(),
            ),
            False,
        )
        for i, part in enumerate(parts)
    ]


@dataclass(frozen=True)
class Round:
    revisions: list[int]
    messages: list[Outgoing]
    head: Head | None  # None when more revisions wait beyond this round


def build_round(
    db: sqlite_utils.Database, key: Ed25519PrivateKey, limit: int = MAX_ROUND_REVISIONS
) -> Round | None:
    """The next unpublished revisions as messages, read from one consistent snapshot."""
    db.conn.execute("BEGIN")
    try:
        revisions = db.execute(
            "SELECT rev, prev, at FROM revisions WHERE published = 0 ORDER BY rev LIMIT ?", (limit,)
        ).fetchall()
        if not revisions:
            return None
        first, last = revisions[0][0], revisions[-1][0]
        rows = db.execute(
            "SELECT rev, kind, key, op, data FROM outbox WHERE rev BETWEEN ? AND ? ORDER BY rev, seq",
            (first, last),
        ).fetchall()
        newest = db.execute("SELECT MAX(rev) FROM revisions").fetchone()[0]
        head = current_head(db) if newest == last else None
        touched = list(dict.fromkeys((kind, rkey) for _, kind, rkey, _, _ in rows))
        states = [
            db.execute("SELECT rev, op, data FROM sync_state WHERE kind = ? AND key = ?", pair).fetchone()
            for pair in touched
        ]
    finally:
        db.conn.execute("COMMIT")
    messages = [
        state_message(key, srev, _record(kind, rkey, op, data))
        for (kind, rkey), (srev, op, data) in zip(touched, states, strict=True)
    ]
    by_rev: dict[int, list[RecordChange]] = {}
    for rev, kind, rkey, op, data in rows:
        by_rev.setdefault(rev, []).append(_record(kind, rkey, op, data))
    for rev, prev, at in revisions:
        manifest = Manifest(head.count, head.digest) if head is not None and rev == head.rev else None
        messages.extend(change_messages(key, rev, prev, at, by_rev.get(rev, []), manifest))
    if head is not None:
        messages.append(head_message(key, head))
    _warn_oversized(messages)
    return Round([r[0] for r in revisions], messages, head)


def full_messages(db: sqlite_utils.Database, key: Ed25519PrivateKey) -> tuple[list[Outgoing], Head]:
    """Every record's retained state (tombstones included), then the head: a complete snapshot."""
    db.conn.execute("BEGIN")
    try:
        rows = db.execute("SELECT kind, key, rev, op, data FROM sync_state ORDER BY rev").fetchall()
        head = current_head(db)
    finally:
        db.conn.execute("COMMIT")
    messages = [state_message(key, rev, _record(kind, rkey, op, data)) for kind, rkey, rev, op, data in rows]
    messages.append(head_message(key, head))
    _warn_oversized(messages)
    return messages, head


def _warn_oversized(messages: Sequence[Outgoing]) -> None:
    for topic, payload, _ in messages:
        if len(payload) > MAX_MESSAGE_BYTES:
            log.error("%s is %d bytes: kiosks drop anything over %d", topic, len(payload), MAX_MESSAGE_BYTES)


def _windows(messages: Sequence[Outgoing]) -> Iterator[Sequence[Outgoing]]:
    for start in range(0, len(messages), WINDOW):
        yield messages[start : start + WINDOW]


def send(client: MqttClient, messages: Sequence[Outgoing]) -> None:
    """Publish in windows, waiting for the PUBACKs of each; raises broker.client.PublishFailed."""
    for window in _windows(messages):
        client.publish_all(window, timeout=ACK_TIMEOUT)


def mark_published(db: sqlite_utils.Database, revisions: Sequence[int]) -> None:
    """Bookkeeping, not content: no revision, nothing for the kiosks."""
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        db.execute(
            "UPDATE revisions SET published = 1 WHERE rev BETWEEN ? AND ? AND published = 0",
            (min(revisions), max(revisions)),
        )
        db.conn.execute("COMMIT")
    except BaseException:
        db.conn.execute("ROLLBACK")
        raise


def publish_pending(db: sqlite_utils.Database, key: Ed25519PrivateKey, client: MqttClient) -> int:
    """Publish every unpublished revision, round by round. Returns how many went out."""
    total = 0
    while True:
        batch = build_round(db, key)
        if batch is None:
            return total
        send(client, batch.messages)
        mark_published(db, batch.revisions)
        total += len(batch.revisions)
        log.info(
            "published revision%s %s (%s)",
            "s" if len(batch.revisions) > 1 else "",
            f"{batch.revisions[0]}..{batch.revisions[-1]}"
            if len(batch.revisions) > 1
            else batch.revisions[0],
            counted(len(batch.messages), "message"),
        )


def publish_full(db: sqlite_utils.Database, key: Ed25519PrivateKey, client: MqttClient) -> Head:
    """Republish the whole retained state and the head (a replaced or amnesic broker)."""
    messages, head = full_messages(db, key)
    send(client, messages)
    log.info(
        "republished the full state: %s, head revision %d", counted(len(messages) - 1, "record"), head.rev
    )
    return head


def published_revision(db: sqlite_utils.Database) -> int:
    """The newest revision the broker acknowledged (and so should hold, retained)."""
    return int(db.execute("SELECT COALESCE(MAX(rev), 0) FROM revisions WHERE published = 1").fetchone()[0])
