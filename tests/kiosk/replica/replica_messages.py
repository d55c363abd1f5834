"""Signed messages shaped exactly as the admin publisher sends them, for the replica tests.

`Admin` is a tiny model of the admin node: each `commit` is one revision and returns what is published
for it, in publish order: one retained `state` per key it touched (its final write), the `change`
part(s) with every record write (the last part carrying the manifest after the revision, as the
publisher does for the newest revision of a round), then the `head`.
`retained()` is what a broker holds afterwards (last state per key, and the last head). All bodies
come from broker.schema's dataclasses, so a schema change shows up here too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from broker import topics
from broker.envelope import seal
from broker.schema import ChangeMessage, HeadMessage, Manifest, RecordChange, StateMessage, record_hash
from kiosk.replica.engine import DUMP_LISTS

Message = tuple[str, bytes]  # (topic, payload)

AT = "2026-11-27T12:00:00+01:00"


def tenant(slug: str, name: str | None = None, **extra: Any) -> RecordChange:
    data = {"slug": slug, "name": name or slug.title(), "visible": True, **extra}
    return RecordChange("tenant", slug, "upsert", data)


def partner(slug: str, name: str | None = None, **extra: Any) -> RecordChange:
    data = {"slug": slug, "name": name or slug.title(), "visible": True, "kind": "public", **extra}
    return RecordChange("partner", slug, "upsert", data)


def event(event_id: int, title: str = "Öppet hus") -> RecordChange:
    data = {
        "id": event_id,
        "title_sv": title,
        "start": "2026-12-01T18:00:00+01:00",
        "end": "2026-12-01T20:00:00+01:00",
    }
    return RecordChange("event", str(event_id), "upsert", data)


def room(slug: str, name: str | None = None) -> RecordChange:
    return RecordChange("room", slug, "upsert", {"slug": slug, "name": name or slug.title()})


def logo(owner: str) -> RecordChange:
    return RecordChange(
        "logo", owner, "upsert", {"owner": owner, "mime": "image/png", "data": "iVBORw0KGgo="}
    )


def delete(kind: str, key: str) -> RecordChange:
    return RecordChange(kind, key, "delete", None)


def state_message(key: Ed25519PrivateKey, rev: int, record: RecordChange) -> Message:
    topic = topics.state(record.kind, record.key)
    return topic, seal(key, topic, StateMessage(rev, record).body())


def change_message(
    key: Ed25519PrivateKey,
    rev: int,
    prev: int,
    records: list[RecordChange],
    part: int = 0,
    parts: int = 1,
    head: Manifest | None = None,
) -> Message:
    body = ChangeMessage(rev, prev, part, parts, AT, tuple(records), head).body()
    return topics.CHANGES, seal(key, topics.CHANGES, body)


def head_message(key: Ed25519PrivateKey, rev: int, count: int, digest: str) -> Message:
    return topics.HEAD, seal(key, topics.HEAD, HeadMessage(rev, count, digest, AT).body())


@dataclass
class Revision:
    rev: int
    states: list[Message]
    changes: list[Message]
    head: Message

    @property
    def messages(self) -> list[Message]:
        """Publish order."""
        return [*self.states, *self.changes, self.head]


@dataclass
class Admin:
    key: Ed25519PrivateKey
    rev: int = 0
    #: (kind, key) -> (rev of its last change, the change); tombstones included, as in `sync_state`.
    state: dict[tuple[str, str], tuple[int, RecordChange]] = field(default_factory=dict)
    last_head: Message | None = None
    # broker.schema.set_digest over the live records, kept as a running sum (set_digest per commit
    # would make the 10,000-record benchmark's setup quadratic); test_replica_engine checks they agree.
    _total: int = 0
    _live: int = 0

    def commit(self, *records: RecordChange, part_size: int = 100, manifest: bool = True) -> Revision:
        """One revision. `manifest=False` leaves the head out of the change, as the publisher does for
        all but the newest revision of a round (a backlog after an outage)."""
        prev, self.rev = self.rev, self.rev + 1
        for record in records:
            old = self.state.get((record.kind, record.key))
            if old is not None and old[1].op == "upsert":
                self._total -= record_hash(record.kind, record.key, old[0])
                self._live -= 1
            if record.op == "upsert":
                self._total += record_hash(record.kind, record.key, self.rev)
                self._live += 1
            self.state[(record.kind, record.key)] = (self.rev, record)
        chunks = [list(records[i : i + part_size]) for i in range(0, len(records), part_size)] or [[]]
        head = self.manifest() if manifest else None
        last = len(chunks) - 1
        changes = [
            change_message(self.key, self.rev, prev, chunk, part, len(chunks), head if part == last else None)
            for part, chunk in enumerate(chunks)
        ]
        # One state per key, its final write in this revision: the publisher sends `sync_state`, so a
        # (key, rev) pair always has one content (the digest covers kind, key and rev, not the data).
        final = {(record.kind, record.key): record for record in records}
        states = [state_message(self.key, self.rev, record) for record in final.values()]
        self.last_head = self.head()
        return Revision(self.rev, states, changes, self.last_head)

    def manifest(self) -> Manifest:
        """Count and digest of the live records now (after the last commit)."""
        return Manifest(self._live, f"{self._total % (1 << 256):064x}")

    def head(self) -> Message:
        manifest = self.manifest()
        return head_message(self.key, self.rev, manifest.count, manifest.digest)

    def retained_states(self) -> list[Message]:
        return [state_message(self.key, rev, record) for rev, record in self.state.values()]

    def retained(self) -> list[Message]:
        """What a new subscriber to `state/#` and `head` receives (states first, as after a publish)."""
        return [*self.retained_states(), self.head()]

    def expected_dump(self) -> dict[str, Any]:
        """The replica's `dump()` content (without `dropped`/`complete`) at this admin's revision."""
        lists: dict[str, Any] = {
            "revision": self.rev,
            **{name: [] for name in DUMP_LISTS.values()},
            "logos": [],
        }
        for (kind, key), (_rev, record) in sorted(self.state.items()):
            if record.op != "upsert":
                continue
            if kind == "logo":
                lists["logos"].append(key)
            else:
                lists[kind + "s"].append(record.data)
        return lists


def content(dump: dict[str, Any]) -> dict[str, Any]:
    """A dump without the drop counters, the completeness flag and the records the screens skip
    (kiosk.replica.guard): the content the replica holds."""
    return {name: value for name, value in dump.items() if name not in ("dropped", "complete", "skipped")}


def feed(replica: Any, messages: list[Message]) -> None:
    """Hand messages to a Replica in order, as the MQTT glue does."""
    for topic, payload in messages:
        replica.handle(topic, payload)
