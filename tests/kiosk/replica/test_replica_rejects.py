"""Messages a kiosk must not apply: each is dropped, counted under its reason, content unchanged."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from broker import topics
from broker.envelope import MAGIC, MAX_MESSAGE_BYTES, _signed_bytes, canonical_json, seal
from kiosk.replica import store as store_module
from kiosk.replica.engine import Replica
from tests.kiosk.replica.replica_messages import AT, Admin, Message, content, feed, tenant

ADMIN_KEY = Ed25519PrivateKey.generate()
OTHER_KEY = Ed25519PrivateKey.generate()


def signed_raw(topic: str, raw: bytes, key: Ed25519PrivateKey = ADMIN_KEY) -> bytes:
    """An envelope around arbitrary bytes with a genuine signature: what a buggy admin could send."""
    return MAGIC + key.sign(_signed_bytes(topic, raw)) + raw


def state_body(**changes: Any) -> dict[str, Any]:
    body = {"v": 1, "type": "state", "rev": 50, "kind": "tenant", "key": "evil", "op": "upsert"}
    body["data"] = {"slug": "evil", "name": "Pwned", "visible": True}
    return {**body, **changes}


def change_body(**changes: Any) -> dict[str, Any]:
    record = {
        "kind": "tenant",
        "key": "evil",
        "op": "upsert",
        "data": {"slug": "evil", "name": "Pwned", "visible": True},
    }
    body = {
        "v": 1,
        "type": "change",
        "rev": 3,
        "prev": 2,
        "part": 0,
        "parts": 1,
        "at": AT,
        "records": [record],
    }
    return {**body, **changes}


def head_body(**changes: Any) -> dict[str, Any]:
    return {"v": 1, "type": "head", "rev": 9, "count": 1, "digest": "ab" * 32, "at": AT, **changes}


EVIL_STATE = topics.state("tenant", "evil")

CASES: list[tuple[str, str, bytes, str]] = [
    ("forged state", EVIL_STATE, seal(OTHER_KEY, EVIL_STATE, state_body()), "bad_signature"),
    ("forged change", topics.CHANGES, seal(OTHER_KEY, topics.CHANGES, change_body()), "bad_signature"),
    ("forged head", topics.HEAD, seal(OTHER_KEY, topics.HEAD, head_body(rev=99)), "bad_signature"),
    ("unsigned state", EVIL_STATE, canonical_json(state_body()), "unsigned"),
    ("unsigned change", topics.CHANGES, canonical_json(change_body()), "unsigned"),
    ("empty payload", topics.HEAD, b"", "unsigned"),
    ("magic only", topics.HEAD, MAGIC + b"x" * 10, "unsigned"),
    ("zeroed signature", topics.CHANGES, MAGIC + bytes(64) + canonical_json(change_body()), "bad_signature"),
    ("malformed JSON", topics.CHANGES, signed_raw(topics.CHANGES, b'{"v":1,"type":"change",'), "malformed"),
    ("not UTF-8", topics.HEAD, signed_raw(topics.HEAD, b"\xff\xfe{}"), "malformed"),
    ("JSON list", topics.HEAD, signed_raw(topics.HEAD, b"[1,2,3]"), "malformed"),
    ("deep JSON", topics.HEAD, signed_raw(topics.HEAD, b"[" * 100_000 + b"]" * 100_000), "malformed"),
    ("wrong version", topics.CHANGES, seal(ADMIN_KEY, topics.CHANGES, change_body(v=2)), "wrong_version"),
    (
        "no version",
        EVIL_STATE,
        seal(ADMIN_KEY, EVIL_STATE, {k: v for k, v in state_body().items() if k != "v"}),
        "wrong_version",
    ),
    (
        "oversized",
        topics.CHANGES,
        seal(ADMIN_KEY, topics.CHANGES, change_body(at="x" * MAX_MESSAGE_BYTES)),
        "oversized",
    ),
    (
        "unknown topic",
        "innovatum/v1/elsewhere",
        seal(ADMIN_KEY, "innovatum/v1/elsewhere", head_body()),
        "malformed",
    ),
    ("status topic", topics.status("lobby-1"), b'{"online": true}', "malformed"),
    (
        "state topic too deep",
        EVIL_STATE + "/x",
        seal(ADMIN_KEY, EVIL_STATE + "/x", state_body()),
        "malformed",
    ),
    (
        "other version prefix",
        "innovatum/v2/head",
        seal(ADMIN_KEY, "innovatum/v2/head", head_body()),
        "malformed",
    ),
    (
        "replayed on another topic",
        topics.state("tenant", "acme"),
        seal(ADMIN_KEY, EVIL_STATE, state_body()),
        "bad_signature",
    ),
    (
        "state for another key",
        topics.state("tenant", "acme"),
        seal(ADMIN_KEY, topics.state("tenant", "acme"), state_body()),
        "malformed",
    ),
    ("head as change", topics.CHANGES, seal(ADMIN_KEY, topics.CHANGES, head_body()), "malformed"),
    (
        "rev beyond 64 bits",
        topics.CHANGES,
        seal(ADMIN_KEY, topics.CHANGES, change_body(rev=2**64, prev=2**64 - 1)),
        "malformed",
    ),
    ("head rev beyond 64 bits", topics.HEAD, seal(ADMIN_KEY, topics.HEAD, head_body(rev=2**63)), "malformed"),
    (
        "head digest not hex",
        topics.HEAD,
        seal(ADMIN_KEY, topics.HEAD, head_body(rev=99, digest="z" * 64)),
        "malformed",
    ),
    ("negative rev", EVIL_STATE, seal(ADMIN_KEY, EVIL_STATE, state_body(rev=-1)), "malformed"),
    (
        "unknown kind",
        topics.state("spy", "x"),
        seal(ADMIN_KEY, topics.state("spy", "x"), state_body(kind="spy", key="x")),
        "malformed",
    ),
    (
        "part beyond parts",
        topics.CHANGES,
        seal(ADMIN_KEY, topics.CHANGES, change_body(part=2, parts=2)),
        "malformed",
    ),
    (
        "manifest on a part that is not the last",
        topics.CHANGES,
        seal(ADMIN_KEY, topics.CHANGES, change_body(parts=2, head={"count": 1, "digest": "ab" * 32})),
        "malformed",
    ),
    (
        "manifest digest not hex",
        topics.CHANGES,
        seal(ADMIN_KEY, topics.CHANGES, change_body(head={"count": 1, "digest": "z" * 64})),
        "malformed",
    ),
    (
        "manifest count beyond 64 bits",
        topics.CHANGES,
        seal(ADMIN_KEY, topics.CHANGES, change_body(head={"count": 2**63, "digest": "ab" * 32})),
        "malformed",
    ),
    (
        "manifest not an object",
        topics.CHANGES,
        seal(ADMIN_KEY, topics.CHANGES, change_body(head=["ab" * 32])),
        "malformed",
    ),
    (
        "record without name",
        topics.CHANGES,
        seal(
            ADMIN_KEY,
            topics.CHANGES,
            change_body(records=[{"kind": "tenant", "key": "e", "op": "upsert", "data": {"slug": "e"}}]),
        ),
        "malformed",
    ),
]


@pytest.fixture
def live(tmp_path: Path) -> tuple[Replica, Admin]:
    admin = Admin(ADMIN_KEY)
    admin.commit(tenant("acme", "Acme AB"))
    replica = Replica(tmp_path / "replica.db", ADMIN_KEY.public_key())
    feed(replica, admin.retained())
    assert replica.complete
    return replica, admin


@pytest.mark.parametrize(("name", "topic", "payload", "reason"), CASES, ids=[case[0] for case in CASES])
def test_rejected_message_is_dropped_and_counted(
    live: tuple[Replica, Admin], name: str, topic: str, payload: bytes, reason: str
) -> None:
    replica, _admin = live
    before = replica.dump()
    outcome = replica.handle(topic, payload)
    assert (outcome.changed, outcome.dropped, outcome.revision) == (False, reason, 1)
    assert replica.dropped_counts() == {reason: 1}
    assert content(replica.dump()) == content(before)
    assert replica.complete and not replica.wants_snapshot


def test_counts_add_up_and_survive_a_restart(tmp_path: Path, live: tuple[Replica, Admin]) -> None:
    replica, admin = live
    for _name, topic, payload, _reason in CASES:
        replica.handle(topic, payload)
    expected: dict[str, int] = {}
    for *_, reason in CASES:
        expected[reason] = expected.get(reason, 0) + 1
    assert replica.dropped_counts() == expected
    replica.close()
    reopened = Replica(tmp_path / "replica.db", ADMIN_KEY.public_key())
    assert reopened.dropped_counts() == expected
    assert reopened.dump()["dropped"] == dict(sorted(expected.items()))
    assert content(reopened.dump()) == admin.expected_dump()


def test_forgeries_during_bootstrap_never_reach_the_screen(tmp_path: Path) -> None:
    admin = Admin(ADMIN_KEY)
    admin.commit(tenant("acme", "Acme AB"), tenant("beta"))
    forged_admin = Admin(OTHER_KEY, rev=admin.rev, state=dict(admin.state))
    forged = forged_admin.commit(tenant("acme", "Pwned"), tenant("evil"))
    replica = Replica(tmp_path / "replica.db", ADMIN_KEY.public_key())
    messages: list[Message] = [*forged.messages, *admin.retained(), *forged.messages]
    feed(replica, messages)
    assert replica.complete and content(replica.dump()) == admin.expected_dump()
    assert replica.dropped_counts() == {"bad_signature": 2 * len(forged.messages)}


def test_a_bug_while_applying_is_counted_and_leaves_no_half_revision(
    tmp_path: Path, live: tuple[Replica, Admin], monkeypatch: pytest.MonkeyPatch
) -> None:
    replica, admin = live
    before = content(replica.dump())
    revision = admin.commit(tenant("acme", "Ny"), tenant("beta"))
    calls = {"n": 0}
    real = store_module.ReplicaStore.write_records

    def failing(self: store_module.ReplicaStore, rows: list[store_module.Row]) -> None:
        calls["n"] += 1
        real(self, rows[:1])  # half of the revision is written...
        raise RuntimeError("disk on fire")  # ...then something breaks

    monkeypatch.setattr(store_module.ReplicaStore, "write_records", failing)
    outcome = replica.handle(*revision.changes[0])
    assert calls["n"] == 1
    assert (outcome.changed, outcome.dropped) == (False, "malformed")
    assert content(replica.dump()) == before  # rolled back, not half applied
    monkeypatch.undo()
    # The kiosk keeps running; the head shows it is behind, and recovery brings it back.
    feed(replica, [revision.head, *admin.retained_states()])
    replica.tick()
    assert content(replica.dump()) == before  # a head at +1 waits for its grace period first
    replica.handle(*revision.changes[0])  # the change is redelivered (at-least-once)
    assert replica.complete and content(replica.dump()) == admin.expected_dump()


def test_wrong_python_types_from_the_glue_are_dropped_without_losing_buffered_parts(
    live: tuple[Replica, Admin],
) -> None:
    """A bug in the MQTT glue (a str payload, no topic) is counted; parts already buffered stay."""
    replica, admin = live
    revision = admin.commit(tenant("acme", "Ny"), tenant("beta"), part_size=1)
    replica.handle(*revision.changes[0])
    assert replica.handle(topics.HEAD, "IKS1 not bytes").dropped == "malformed"  # type: ignore[arg-type]
    assert replica.handle(None, b"IKS1").dropped == "malformed"  # type: ignore[arg-type]
    assert replica.handle(*revision.changes[1]).changed  # part 0 was still there
    assert content(replica.dump()) == admin.expected_dump()
    assert replica.dropped_counts() == {"malformed": 2}
