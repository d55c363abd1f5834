"""Property: whatever the network does to a stream of genuine messages, the replica converges.

Hypothesis draws a history of admin revisions and, for every published message, a fate: delivered,
lost, duplicated, or delayed past later ones. A simulated client follows the replica the way
kiosk.sync does (state/# while it wants a snapshot, the retained set again on each new generation).
Two things must hold:

- after every single message, what the screen can see is exactly the admin's state at the replica's
  applied revision (never half a revision, never a key from a later one);
- once the network settles (the newest head seen, time passes), the replica is complete and equal to
  the admin, and no message was ever counted as malformed (which here could only mean a bug).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from broker import topics
from broker.schema import RecordChange
from kiosk.replica.engine import Replica
from tests.kiosk.replica.replica_messages import Admin, Message, content, delete, event, feed, tenant

KEY = Ed25519PrivateKey.generate()
GRACE, RETRY = 2.0, 30.0

operation = st.one_of(
    st.tuples(st.just("tenant"), st.sampled_from("abcd"), st.sampled_from(["Ett", "Två", "Åtta", "Öl"])),
    st.tuples(st.just("delete tenant"), st.sampled_from("abcd"), st.just("")),
    st.tuples(st.just("event"), st.sampled_from("123"), st.sampled_from(["Mässa", "Kurs"])),
    st.tuples(st.just("delete event"), st.sampled_from("123"), st.just("")),
)
history = st.lists(st.lists(operation, min_size=1, max_size=4), min_size=1, max_size=10)
fate = st.tuples(
    st.sampled_from(["deliver"] * 8 + ["lose", "lose", "duplicate", "restart"]),
    st.sampled_from([0, 0, 0, 0, 0, 1, 2, 4, 9]),
)


def _records(admin: Admin, operations: list[tuple[str, str, str]]) -> list[RecordChange]:
    """Like the real admin: deleting what the kiosks do not have publishes nothing."""
    records = []
    for what, key, name in operations:
        kind = "event" if "event" in what else "tenant"
        known = admin.state.get((kind, key))
        if what.startswith("delete"):
            if known is not None and known[1].op == "upsert":
                records.append(delete(kind, key))
        else:
            records.append(tenant(key, name) if kind == "tenant" else event(int(key), name))
    return records


@dataclass
class Clock:
    now: float = 0.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Broker:
    """The retained set as it was when each message was published (a late subscriber sees that)."""

    stream: list[Message] = field(default_factory=list)
    retained_at: list[tuple[dict[str, bytes], Message | None]] = field(default_factory=list)

    def publish(self, messages: list[Message]) -> None:
        states, head = (
            (dict(self.retained_at[-1][0]), self.retained_at[-1][1]) if self.retained_at else ({}, None)
        )
        for topic, payload in messages:
            if topic == topics.HEAD:
                head = (topic, payload)
            elif topic != topics.CHANGES:
                states[topic] = payload
            self.stream.append((topic, payload))
            self.retained_at.append((dict(states), head))

    def retained(self, published: int) -> list[Message]:
        if published < 0:
            return []
        states, head = self.retained_at[published]
        return [*states.items(), *([head] if head else [])]


class Client:
    """What kiosk.sync does with a Replica, minus MQTT."""

    def __init__(self, replica: Replica, broker: Broker, snapshots: dict[int, dict[str, Any]]) -> None:
        self.replica, self.broker, self.snapshots = replica, broker, snapshots
        self.subscribed_generation: int | None = None

    def deliver(self, message: Message, published: int) -> None:
        if message[0].startswith(topics.STATE_PREFIX + "/") and self.subscribed_generation is None:
            return  # not subscribed to state/# outside a snapshot
        self.replica.handle(*message)
        self.check()
        self.follow(published)

    def follow(self, published: int) -> None:
        if not self.replica.wants_snapshot:
            self.subscribed_generation = None
        elif self.replica.snapshot_generation != self.subscribed_generation:
            self.subscribed_generation = self.replica.snapshot_generation
            for message in self.broker.retained(published):  # the broker resends the retained set
                self.replica.handle(*message)
                self.check()

    def restart(self, path: Path, clock: Clock, published: int) -> None:
        """The kiosk process dies and starts again on the same file, and subscribes afresh: the
        broker sends the retained head (and the retained set if a snapshot is wanted)."""
        self.replica.close()
        self.replica = Replica(path, KEY.public_key(), clock=clock, grace_seconds=GRACE, retry_seconds=RETRY)
        self.check()
        self.subscribed_generation = None
        self.follow(published)
        for message in self.broker.retained(published):
            if message[0] == topics.HEAD:
                self.replica.handle(*message)
                self.check()
        self.follow(published)

    def check(self) -> None:
        shown = content(self.replica.dump())
        assert shown == self.snapshots[self.replica.applied_revision], "the screen shows no single revision"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(before=history, during=history, start_live=st.booleans(), data=st.data())
def test_any_loss_duplication_and_delay_converges(
    before: list[list[tuple[str, str, str]]],
    during: list[list[tuple[str, str, str]]],
    start_live: bool,
    data: st.DataObject,
) -> None:
    admin, broker = Admin(KEY), Broker()
    snapshots = {0: admin.expected_dump()}
    broker.publish(admin.commit(tenant("z", "Alltid")).messages)  # at least one revision
    snapshots[admin.rev] = admin.expected_dump()
    for operations in before:
        if records := _records(admin, operations):
            # With or without the manifest in the change (the publisher leaves it out of a backlog).
            manifest = data.draw(st.booleans(), label="manifest")
            broker.publish(admin.commit(*records, part_size=2, manifest=manifest).messages)
            snapshots[admin.rev] = admin.expected_dump()
    published_before = len(broker.stream)
    for operations in during:
        if records := _records(admin, operations):
            # With or without the manifest in the change (the publisher leaves it out of a backlog).
            manifest = data.draw(st.booleans(), label="manifest")
            broker.publish(admin.commit(*records, part_size=2, manifest=manifest).messages)
            snapshots[admin.rev] = admin.expected_dump()

    clock = Clock()
    with tempfile.TemporaryDirectory() as tmp:
        replica = Replica(
            Path(tmp) / "replica.db", KEY.public_key(), clock=clock, grace_seconds=GRACE, retry_seconds=RETRY
        )
        client = Client(replica, broker, snapshots)
        # A live kiosk bootstrapped on what was published before; a new one subscribes before anything.
        start = published_before if start_live else 0
        client.follow(start - 1)
        fates = data.draw(st.lists(fate, min_size=len(broker.stream), max_size=len(broker.stream)))
        schedule: list[tuple[float, int]] = []
        for index in range(start, len(broker.stream)):
            action, delay = fates[index]
            if action != "lose":
                schedule.append((index + delay + 0.5, index))
            if action == "duplicate":
                schedule.append((index + delay + 1.5, index))
        for when, index in sorted(schedule):
            clock.now += 0.1
            published = min(int(when), len(broker.stream) - 1)
            client.deliver(broker.stream[index], published)
            if fates[index][0] == "restart":
                client.restart(Path(tmp) / "replica.db", clock, published)
        replica = client.replica

        # The network settles: the newest head arrives (as on any later revision or a reconnect),
        # time passes, and the client follows what the replica asks for.
        final = len(broker.stream) - 1
        for _round in range(4):
            if replica.complete and replica.applied_revision == admin.rev:
                break
            head = broker.retained(final)[-1:]
            feed(replica, head)
            client.check()
            for step in (GRACE + 0.5, RETRY + 1):
                clock.now += step
                replica.tick()
                client.follow(final)
        assert replica.complete and replica.applied_revision == admin.rev
        assert content(replica.dump()) == snapshots[admin.rev]
        assert "malformed" not in replica.dropped_counts()
        replica.close()
