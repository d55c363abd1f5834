"""Property tests: nothing a network can send crashes the replica or changes what it shows.

Two families: arbitrary bytes on arbitrary (and on the real) topics, which can never carry the
admin's signature; and envelopes that *are* validly signed but whose body is wrong in one way
(a missing field, a wrong type, an impossible number), which only a buggy admin could produce.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from broker import topics
from broker.envelope import MAGIC, seal
from broker.schema import KINDS
from kiosk.replica.engine import Replica
from tests.kiosk.replica.replica_messages import AT, Admin, content, event, feed, tenant

KEY = Ed25519PrivateKey.generate()
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

REAL_TOPICS = [
    topics.CHANGES,
    topics.HEAD,
    topics.state("tenant", "acme"),
    topics.state("event", "7"),
    topics.state("logo", "tenant:acme"),
]
# The real topics twice: one_of picks a branch uniformly, and those are where a bug would matter.
any_topic = st.one_of(
    st.sampled_from(REAL_TOPICS),
    st.sampled_from(REAL_TOPICS),
    st.text(max_size=80),
    st.just(topics.STATE_PREFIX + "/"),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
any_payload = st.one_of(
    st.binary(max_size=300),
    st.binary(min_size=64, max_size=200).map(lambda tail: MAGIC + tail),
    st.tuples(st.binary(min_size=64, max_size=64), json_values).map(
        lambda pair: MAGIC + pair[0] + json.dumps(pair[1]).encode()
    ),
)


def _replica(path: Path, *, bootstrapped: bool) -> tuple[Replica, Admin]:
    admin = Admin(KEY)
    admin.commit(tenant("acme", "Acme AB"), event(7))
    admin.commit(tenant("beta"))
    replica = Replica(path / "replica.db", KEY.public_key())
    if bootstrapped:
        feed(replica, admin.retained())
        assert replica.complete
    return replica, admin


def _staging(path: Path) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(path / "replica.db")
    try:
        return conn.execute("SELECT * FROM staging ORDER BY kind, key").fetchall()
    finally:
        conn.close()


def _assert_dropped_without_effect(replica: Replica, topic: str, payload: bytes, reasons: set[str]) -> None:
    before, counted = replica.dump(), sum(replica.dropped_counts().values())
    outcome = replica.handle(topic, payload)  # must not raise
    assert outcome.dropped in reasons and not outcome.changed
    after = replica.dump()
    assert content(after) == content(before) and after["complete"] == before["complete"]
    assert sum(replica.dropped_counts().values()) == counted + 1


def test_arbitrary_bytes_on_any_topic_change_nothing(tmp_path: Path) -> None:
    replica, admin = _replica(tmp_path, bootstrapped=True)
    reasons = {"oversized", "unsigned", "bad_signature", "malformed"}

    @FUZZ
    @given(topic=any_topic, payload=any_payload)
    def check(topic: str, payload: bytes) -> None:
        _assert_dropped_without_effect(replica, topic, payload, reasons)
        assert not replica.wants_snapshot

    check()
    assert content(replica.dump()) == admin.expected_dump()


def test_arbitrary_bytes_during_bootstrap_stage_nothing(tmp_path: Path) -> None:
    replica, admin = _replica(tmp_path, bootstrapped=False)
    reasons = {"oversized", "unsigned", "bad_signature", "malformed"}

    @FUZZ
    @given(topic=any_topic, payload=any_payload)
    def check(topic: str, payload: bytes) -> None:
        _assert_dropped_without_effect(replica, topic, payload, reasons)
        replica.tick()
        assert _staging(tmp_path) == [] and replica.wants_snapshot

    check()
    feed(replica, admin.retained())
    assert replica.complete and content(replica.dump()) == admin.expected_dump()


# --- validly signed, wrong bodies -----------------------------------------------------------------

TOO_BIG = st.integers(min_value=2**63, max_value=2**80)
NOT_INT = st.one_of(
    st.none(),
    st.booleans(),
    st.floats(allow_nan=False),
    st.text(max_size=5),
    st.lists(st.integers(), max_size=2),
)


def bad_int(minimum: int) -> st.SearchStrategy[Any]:
    return st.one_of(NOT_INT, TOO_BIG, st.integers(max_value=minimum - 1))


BAD_VERSION = json_values.filter(lambda v: v != 1)  # 1.0 and True equal 1 in Python: they are version 1
NOT_STR = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.lists(st.integers(), max_size=2)
)
BAD_KIND = (st.text(max_size=12) | NOT_STR).filter(lambda kind: kind not in KINDS)
BAD_KEY = st.one_of(st.just(""), st.just("a/b"), st.text(min_size=129, max_size=140), NOT_STR)
BAD_OP = (st.text(max_size=8) | NOT_STR).filter(lambda op: op not in ("upsert", "delete"))
BAD_DIGEST = st.one_of(
    NOT_INT,
    st.text(max_size=63),
    st.just("g" * 64),
    st.text(min_size=65, max_size=70),
    st.just("0x" + "0" * 62),
)
BAD_TENANT_DATA = st.one_of(
    json_values.filter(lambda v: not isinstance(v, dict)),
    st.just({"slug": "acme", "visible": True}),
    st.just({"slug": "acme", "name": 5, "visible": True}),
    st.just({"slug": "acme", "name": "A", "visible": "yes"}),
    st.just({"name": "A", "visible": True}),
)


def _state_body(rev: int = 9) -> dict[str, Any]:
    return {"v": 1, "type": "state", "rev": rev, **tenant("acme", "Pwned").body()}


def _change_body() -> dict[str, Any]:
    return {
        "v": 1,
        "type": "change",
        "rev": 3,
        "prev": 2,
        "part": 0,
        "parts": 1,
        "at": AT,
        "records": [tenant("acme", "Pwned").body()],
    }


def _head_body() -> dict[str, Any]:
    return {"v": 1, "type": "head", "rev": 9, "count": 1, "digest": "ab" * 32, "at": AT}


def _missing(body: dict[str, Any], fields: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    return st.sampled_from(fields).map(lambda name: {k: v for k, v in body.items() if k != name})


def _with(
    body: dict[str, Any], name: str, values: st.SearchStrategy[Any]
) -> st.SearchStrategy[dict[str, Any]]:
    return values.map(lambda value: {**body, name: value})


STATE = _state_body()
CHANGE = _change_body()
HEAD = _head_body()
wrong_state = st.one_of(
    _missing(STATE, ["v", "type", "rev", "kind", "key", "op", "data"]),
    _with(STATE, "v", BAD_VERSION),
    _with(STATE, "type", st.sampled_from(["change", "head", "", "STATE"])),
    _with(STATE, "rev", bad_int(1)),
    _with(STATE, "kind", BAD_KIND),
    _with(STATE, "key", BAD_KEY),
    _with(STATE, "op", BAD_OP),
    _with(STATE, "data", BAD_TENANT_DATA),
)
wrong_record = st.one_of(
    _missing(tenant("acme").body(), ["kind", "key", "op", "data"]),
    _with(tenant("acme").body(), "kind", BAD_KIND),
    _with(tenant("acme").body(), "key", BAD_KEY),
    _with(tenant("acme").body(), "op", BAD_OP),
    _with(tenant("acme").body(), "data", BAD_TENANT_DATA),
    json_values.filter(lambda v: not isinstance(v, dict)),
)
wrong_change = st.one_of(
    _missing(CHANGE, ["v", "type", "rev", "prev", "part", "parts", "records"]),
    _with(CHANGE, "v", BAD_VERSION),
    _with(CHANGE, "type", st.sampled_from(["state", "head", ""])),
    _with(CHANGE, "rev", st.one_of(NOT_INT, TOO_BIG, st.integers(max_value=2))),  # rev <= prev is wrong
    _with(CHANGE, "prev", st.one_of(NOT_INT, st.integers(max_value=-1), st.integers(min_value=3))),
    _with(CHANGE, "part", st.one_of(NOT_INT, st.integers(max_value=-1), st.integers(min_value=1))),
    _with(CHANGE, "parts", st.one_of(NOT_INT, TOO_BIG, st.integers(max_value=0))),
    _with(CHANGE, "records", json_values.filter(lambda v: not isinstance(v, list))),
    st.tuples(wrong_record, st.integers(0, 2)).map(
        lambda pair: {**CHANGE, "records": [tenant("ok").body()] * pair[1] + [pair[0]]}
    ),
)
wrong_head = st.one_of(
    _missing(HEAD, ["v", "type", "rev", "count", "digest"]),
    _with(HEAD, "v", BAD_VERSION),
    _with(HEAD, "type", st.sampled_from(["state", "change", ""])),
    _with(HEAD, "rev", bad_int(0)),
    _with(HEAD, "count", bad_int(0)),
    _with(HEAD, "digest", BAD_DIGEST),
)
wrong_envelope = st.one_of(
    wrong_state.map(lambda body: (topics.state("tenant", "acme"), body)),
    wrong_change.map(lambda body: (topics.CHANGES, body)),
    wrong_head.map(lambda body: (topics.HEAD, body)),
)


def test_the_valid_bodies_the_mutations_start_from_are_accepted(tmp_path: Path) -> None:
    """Guards the property below: it is the mutation, not the starting body, that is rejected."""
    replica, _admin = _replica(tmp_path, bootstrapped=False)
    for topic, body in [(topics.state("tenant", "acme"), STATE), (topics.HEAD, HEAD)]:
        assert replica.handle(topic, seal(KEY, topic, body)).dropped is None
    assert replica.handle(topics.CHANGES, seal(KEY, topics.CHANGES, CHANGE)).dropped is None
    assert replica.dropped_counts() == {}


def test_signed_but_wrong_envelopes_are_dropped_live(tmp_path: Path) -> None:
    replica, admin = _replica(tmp_path, bootstrapped=True)
    revision = replica.applied_revision

    @FUZZ
    @given(case=wrong_envelope)
    def check(case: tuple[str, dict[str, Any]]) -> None:
        topic, body = case
        _assert_dropped_without_effect(replica, topic, seal(KEY, topic, body), {"malformed", "wrong_version"})
        assert not replica.wants_snapshot and replica.applied_revision == revision

    check()
    assert content(replica.dump()) == admin.expected_dump() and replica.complete


def test_signed_but_wrong_envelopes_are_dropped_during_bootstrap(tmp_path: Path) -> None:
    replica, admin = _replica(tmp_path, bootstrapped=False)

    @FUZZ
    @given(case=wrong_envelope)
    def check(case: tuple[str, dict[str, Any]]) -> None:
        topic, body = case
        _assert_dropped_without_effect(replica, topic, seal(KEY, topic, body), {"malformed", "wrong_version"})
        replica.tick()
        assert _staging(tmp_path) == []

    check()
    feed(replica, admin.retained())
    assert replica.complete and content(replica.dump()) == admin.expected_dump()
