"""Bootstrap, gaps, heads and restarts: how a replica reaches the admin's state from the retained set."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from broker.schema import set_digest
from kiosk.replica.changebuffer import BufferLimits
from kiosk.replica.engine import Replica
from kiosk.replica.schema import connect
from tests.kiosk.replica.replica_messages import (
    Admin,
    content,
    delete,
    event,
    feed,
    head_message,
    logo,
    partner,
    room,
    state_message,
    tenant,
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def admin() -> Admin:
    return Admin(Ed25519PrivateKey.generate())


@pytest.fixture
def clock() -> Clock:
    return Clock()


def open_replica(path: Path, admin: Admin, clock: Clock, **options: Any) -> Replica:
    return Replica(path / "replica.db", admin.key.public_key(), clock=clock, **options)


def catalogue(admin: Admin, revisions: int = 6) -> None:
    admin.commit(tenant("acme"), tenant("beta"), partner("almi"), room("labbet"), event(1), event(2))
    admin.commit(logo("tenant:acme"), delete("event", "1"))
    for number in range(revisions - 2):
        admin.commit(tenant("acme", f"Acme {number}"), event(10 + number))


def staging_rows(path: Path) -> int:
    reader = connect(path / "replica.db", readonly=True)
    try:
        return int(reader.execute("SELECT count(*) FROM staging").fetchone()[0])
    finally:
        reader.close()


def test_a_new_replica_wants_a_snapshot(tmp_path: Path, admin: Admin, clock: Clock) -> None:
    replica = open_replica(tmp_path, admin, clock)
    assert replica.wants_snapshot and replica.snapshot_generation == 1
    assert not replica.complete and replica.applied_revision == 0
    assert replica.dump()["revision"] == 0 and replica.dump()["tenants"] == []


def test_bootstrap_from_the_retained_set(tmp_path: Path, admin: Admin, clock: Clock) -> None:
    catalogue(admin)
    replica = open_replica(tmp_path, admin, clock)
    retained = admin.retained()
    random.Random(4).shuffle(retained)  # MQTT orders per topic only: the head may come first
    outcomes = [replica.handle(topic, payload) for topic, payload in retained]
    assert [o.changed for o in outcomes].count(True) == 1  # one snapshot commit, nothing before it
    assert not replica.wants_snapshot and replica.complete
    assert content(replica.dump()) == admin.expected_dump()
    assert replica.dropped_counts() == {}
    assert staging_rows(tmp_path) == 0


def test_nothing_shows_until_the_snapshot_is_complete(tmp_path: Path, admin: Admin, clock: Clock) -> None:
    catalogue(admin)
    replica = open_replica(tmp_path, admin, clock)
    feed(replica, [admin.head(), *admin.retained_states()[:-1]])
    replica.tick()  # stages what is in memory; still invisible
    assert replica.wants_snapshot and replica.applied_revision == 0
    assert replica.dump()["tenants"] == [] and replica.dump()["events"] == []
    assert staging_rows(tmp_path) == len(admin.state) - 1
    assert replica.handle(*admin.retained_states()[-1]).changed
    assert content(replica.dump()) == admin.expected_dump()


def test_state_newer_than_the_head_converges_with_the_later_head(
    tmp_path: Path, admin: Admin, clock: Clock
) -> None:
    catalogue(admin)
    old_head = admin.head()
    later = admin.commit(tenant("beta", "Beta v2"), delete("tenant", "acme"), event(99))
    replica = open_replica(tmp_path, admin, clock)
    # The broker already holds the later states, but the later head has not arrived yet.
    feed(replica, [old_head, *admin.retained_states()])
    replica.tick()
    assert replica.wants_snapshot and replica.applied_revision == 0
    feed(replica, [*later.changes, later.head])
    assert not replica.wants_snapshot and replica.complete
    assert content(replica.dump()) == admin.expected_dump()


def test_changes_during_bootstrap_are_applied_after_it(tmp_path: Path, admin: Admin, clock: Clock) -> None:
    catalogue(admin)
    head, states = admin.head(), admin.retained_states()
    replica = open_replica(tmp_path, admin, clock)
    feed(replica, [head, *states[:3]])
    following = [admin.commit(tenant("acme", f"Live {n}"), event(50 + n)) for n in range(3)]
    for revision in following:
        feed(replica, revision.changes)  # buffered: the snapshot is not complete yet
    assert replica.applied_revision == 0
    feed(replica, states[3:])
    assert replica.applied_revision == following[-1].rev
    feed(replica, [following[-1].head])
    assert replica.complete and content(replica.dump()) == admin.expected_dump()


def test_a_gap_starts_recovery_and_it_converges(tmp_path: Path, admin: Admin, clock: Clock) -> None:
    catalogue(admin)
    replica = open_replica(tmp_path, admin, clock)
    feed(replica, admin.retained())
    generation = replica.snapshot_generation
    missed = [
        admin.commit(tenant("beta", f"Beta {n}"), delete("event", "2") if n == 0 else event(70 + n))
        for n in range(3)
    ]
    after = admin.commit(tenant("omega"))
    replica.handle(*after.changes[0])  # prev is two revisions ahead: a gap
    assert replica.wants_snapshot and replica.snapshot_generation == generation + 1
    assert replica.applied_revision == missed[0].rev - 1
    feed(replica, [after.head, *admin.retained_states()])  # the client resubscribed to state/#
    assert not replica.wants_snapshot and replica.complete
    assert replica.applied_revision == after.rev
    assert content(replica.dump()) == admin.expected_dump()
    # Retained states equal to what the replica held are not drops: they are the snapshot itself.
    assert replica.dropped_counts() == {}


def test_a_head_ahead_of_the_changes_recovers_after_the_grace_period(
    tmp_path: Path, admin: Admin, clock: Clock
) -> None:
    catalogue(admin)
    replica = open_replica(tmp_path, admin, clock, grace_seconds=2.0)
    feed(replica, admin.retained())
    missed = admin.commit(tenant("beta", "Missad"))
    replica.handle(*missed.head)  # the change itself never arrived
    clock.now += 1.5
    replica.tick()
    assert not replica.wants_snapshot  # the change may still be on its way
    clock.now += 1.0
    replica.tick()
    assert replica.wants_snapshot
    feed(replica, missed.states)
    assert replica.complete and content(replica.dump()) == admin.expected_dump()


def test_a_late_change_within_the_grace_period_needs_no_snapshot(
    tmp_path: Path, admin: Admin, clock: Clock
) -> None:
    catalogue(admin)
    replica = open_replica(tmp_path, admin, clock, grace_seconds=2.0)
    feed(replica, admin.retained())
    generation = replica.snapshot_generation
    revision = admin.commit(tenant("beta", "Sen"))
    replica.handle(*revision.head)
    clock.now += 1.9
    replica.handle(*revision.changes[0])
    clock.now += 5
    replica.tick()
    assert not replica.wants_snapshot and replica.snapshot_generation == generation
    assert replica.complete


def test_a_diverged_replica_recovers(tmp_path: Path, admin: Admin, clock: Clock) -> None:
    """Records that differ from the head at their own revision are not trusted: a full snapshot
    replaces them, including a record with too high a revision (which would make the genuine retained
    one look stale) and a record the admin never had."""
    catalogue(admin)
    replica = open_replica(tmp_path, admin, clock)
    feed(replica, admin.retained())
    replica.close()
    conn = connect(tmp_path / "replica.db")
    conn.execute(
        'UPDATE records SET rev = rev + 1, data = \'{"slug":"labbet","name":"X"}\' WHERE kind = \'room\''
    )
    ghost = '{"slug": "ghost", "name": "G", "visible": true}'
    conn.execute("INSERT INTO records VALUES ('tenant', 'ghost', 99, 0, ?)", (ghost,))
    conn.close()
    replica = open_replica(tmp_path, admin, clock)
    generation = replica.snapshot_generation
    replica.handle(*admin.head())
    assert replica.wants_snapshot and not replica.complete
    assert replica.snapshot_generation == generation + 1
    feed(replica, admin.retained())
    assert replica.complete and not replica.wants_snapshot
    assert content(replica.dump()) == admin.expected_dump()
    assert replica.dropped_counts() == {}
    # The ghost's tombstone is at the head's revision, not its bogus 99: a real one can be created.
    created = admin.commit(tenant("ghost", "Riktig"))
    feed(replica, [*created.changes, created.head])
    assert replica.complete and content(replica.dump()) == admin.expected_dump()


def test_a_stalled_overlay_snapshot_becomes_a_full_one(tmp_path: Path, admin: Admin, clock: Clock) -> None:
    """A record with a wrong, too-high revision cannot be seen by a head at another revision; the
    recovery stalls on it, and its retry trusts only the retained set."""
    catalogue(admin)
    replica = open_replica(tmp_path, admin, clock, retry_seconds=30.0)
    feed(replica, admin.retained())
    replica.close()
    conn = connect(tmp_path / "replica.db")
    conn.execute('UPDATE records SET rev = 99, data = \'{"slug":"labbet","name":"X"}\' WHERE kind = \'room\'')
    conn.close()
    replica = open_replica(tmp_path, admin, clock, retry_seconds=30.0)
    later = admin.commit(tenant("beta", "Beta v2"))
    feed(replica, [later.head])
    clock.now += 3
    replica.tick()  # the change was lost: the grace period ends, recovery starts
    assert replica.wants_snapshot
    feed(replica, admin.retained())
    assert replica.wants_snapshot  # the room's genuine state (rev 1) looks stale next to rev 99
    generation = replica.snapshot_generation
    clock.now += 31
    replica.tick()
    assert replica.snapshot_generation == generation + 1
    feed(replica, admin.retained())  # the client resubscribed
    assert replica.complete and content(replica.dump()) == admin.expected_dump()


def test_a_rollback_head_is_stale(tmp_path: Path, admin: Admin, clock: Clock) -> None:
    catalogue(admin)
    old_head = admin.head()
    admin.commit(tenant("acme", "Nyast"))
    replica = open_replica(tmp_path, admin, clock)
    feed(replica, admin.retained())
    before = content(replica.dump())
    outcome = replica.handle(*old_head)
    assert outcome.dropped == "stale"
    assert replica.complete and content(replica.dump()) == before
    assert replica.dropped_counts() == {"stale": 1}


def test_restart_keeps_revision_trusted_head_staging_and_drops(
    tmp_path: Path, admin: Admin, clock: Clock
) -> None:
    catalogue(admin)
    old_head = admin.head()
    admin.commit(tenant("acme", "Nyast"))
    replica = open_replica(tmp_path, admin, clock)
    feed(replica, admin.retained())
    replica.handle("innovatum/v1/elsewhere", b"junk")
    rev, dump = replica.applied_revision, replica.dump()
    replica.close()

    replica = open_replica(tmp_path, admin, clock)
    assert (replica.applied_revision, replica.complete, replica.wants_snapshot) == (rev, True, False)
    assert replica.dump() == dump
    assert replica.handle(*old_head).dropped == "stale"  # the trusted revision survived the restart
    assert replica.dropped_counts() == {"malformed": 1, "stale": 1}

    # Now a recovery in progress survives a restart too.
    later = admin.commit(*(tenant(f"t{n}") for n in range(20)))
    replica.handle(*later.head)
    clock.now += 10
    replica.tick()
    assert replica.wants_snapshot
    feed(replica, later.states[:12])
    replica.close()
    assert staging_rows(tmp_path) == 12
    replica = open_replica(tmp_path, admin, clock)
    assert replica.wants_snapshot and replica.snapshot_generation == 1 and not replica.complete
    feed(replica, later.states[12:])
    assert not replica.wants_snapshot and replica.complete
    assert content(replica.dump()) == admin.expected_dump()


def test_a_stalled_snapshot_asks_for_the_retained_set_again(
    tmp_path: Path, admin: Admin, clock: Clock
) -> None:
    catalogue(admin)
    replica = open_replica(tmp_path, admin, clock, retry_seconds=30.0)
    states = admin.retained_states()
    feed(replica, [admin.head(), *states[1:]])  # one retained message was lost
    clock.now += 29
    replica.tick()
    assert replica.snapshot_generation == 1
    clock.now += 2
    replica.tick()
    assert replica.snapshot_generation == 2 and replica.wants_snapshot
    feed(replica, admin.retained())  # the client resubscribed; the broker sends everything again
    assert replica.complete and content(replica.dump()) == admin.expected_dump()


def test_a_snapshot_that_keeps_stalling_retries_less_and_less_often(
    tmp_path: Path, admin: Admin, clock: Clock
) -> None:
    """The admin node is down with a retained set that does not match its head: every retry costs a
    full re-verification, so the waits double (30, 60, 120 s ...) until something new arrives."""
    catalogue(admin)
    replica = open_replica(tmp_path, admin, clock, retry_seconds=30.0)
    feed(replica, [admin.head(), *admin.retained_states()[1:]])  # one retained record is missing
    generations = []
    for _second in range(0, 400, 5):
        clock.now += 5
        replica.tick()
        generations.append(replica.snapshot_generation)
    # Generation 2 after 30 s, 3 after 30 + 60, 4 after 30 + 60 + 120: at 30, 90 and 210 seconds.
    assert [generations.index(g) * 5 + 5 for g in (2, 3, 4)] == [30, 90, 210]
    assert generations[-1] == 4  # the next one is due at 450 s
    feed(replica, admin.retained())  # finally the whole set
    assert replica.complete and content(replica.dump()) == admin.expected_dump()


def test_a_full_change_buffer_falls_back_to_a_snapshot(tmp_path: Path, admin: Admin, clock: Clock) -> None:
    catalogue(admin)
    replica = open_replica(tmp_path, admin, clock, limits=BufferLimits(revisions=5))
    feed(replica, admin.retained())
    revisions = [admin.commit(tenant("acme", f"v{n}"), part_size=1) for n in range(8)]
    # Part 0 of the first revision never arrives; the rest pile up until the buffer gives up.
    feed(replica, [message for revision in revisions[1:] for message in revision.changes])
    assert replica.wants_snapshot
    feed(replica, admin.retained())
    assert replica.complete and content(replica.dump()) == admin.expected_dump()


def test_an_empty_admin_is_a_complete_bootstrap(tmp_path: Path, admin: Admin, clock: Clock) -> None:
    replica = open_replica(tmp_path, admin, clock)
    replica.handle(*admin.head())
    assert not replica.wants_snapshot and replica.complete and replica.applied_revision == 0
    first = admin.commit(tenant("acme"))
    feed(replica, first.messages)
    assert replica.applied_revision == 1 and replica.complete
    # Later, a gap: the recovery compares retained states with the records applied live since.
    second = admin.commit(tenant("acme", "Två"))
    admin.commit(tenant("beta"))
    third = admin.commit(tenant("gamma"))
    feed(replica, [*second.changes, *third.changes])
    assert replica.wants_snapshot
    assert replica.handle(*first.states[0]).dropped == "stale"
    feed(replica, admin.retained())
    assert replica.complete and content(replica.dump()) == admin.expected_dump()


def test_head_digest_in_upper_case_is_accepted(tmp_path: Path, admin: Admin, clock: Clock) -> None:
    catalogue(admin)
    replica = open_replica(tmp_path, admin, clock)
    feed(replica, admin.retained_states())
    live = [(kind, key, rev) for (kind, key), (rev, rec) in admin.state.items() if rec.op == "upsert"]
    feed(replica, [head_message(admin.key, admin.rev, len(live), set_digest(live).upper())])
    assert replica.complete


def test_a_replayed_older_state_during_recovery_is_stale(tmp_path: Path, admin: Admin, clock: Clock) -> None:
    first = admin.commit(tenant("acme", "Först"))
    admin.commit(tenant("acme", "Sedan"))
    replica = open_replica(tmp_path, admin, clock)
    feed(replica, [admin.head(), *admin.retained_states()])
    assert replica.complete
    replica.handle(*state_message(admin.key, admin.rev + 5, tenant("zeta")))  # live: ignored, not applied
    assert replica.handle(*first.states[0]).dropped == "stale"
    assert replica.dump()["tenants"] == [{"slug": "acme", "name": "Sedan", "visible": True}]
