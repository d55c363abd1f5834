"""Bad input on the content topics, published with a raw MQTT client through the real broker.

Only the admin account may write content topics (test_wire_credentials proves it), so these are
published with the admin's broker credentials: the worst case, a leaked broker password. The
signature is what must still hold: every message is dropped and counted, the content is unchanged,
and the kiosk keeps running and applying genuine changes.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from admin.store.db import key_path
from broker import topics
from broker.envelope import MAGIC, MAX_MESSAGE_BYTES, _signed_bytes, canonical_json, seal
from broker.keys import load_private_key
from tests.kiosk.sync.conftest import RawClient, Site, wait_until

pytestmark = pytest.mark.mosquitto


def evil_change(rev: int, prev: int, **overrides: Any) -> dict[str, Any]:
    body = {
        "v": 1,
        "type": "change",
        "rev": rev,
        "prev": prev,
        "part": 0,
        "parts": 1,
        "at": "2030-01-01T00:00:00+01:00",
        "records": [
            {
                "kind": "tenant",
                "key": "evil",
                "op": "upsert",
                "data": {"slug": "evil", "name": "Pwned", "visible": True},
            }
        ],
    }
    body.update(overrides)
    return body


def captured(observer: RawClient, topic: str, predicate: Any = lambda body: True) -> list[bytes]:
    import json

    found = []
    for message in observer.messages:
        if message.topic == topic:
            body = json.loads(message.payload[len(MAGIC) + 64 :])
            if predicate(body):
                found.append(bytes(message.payload))
    return found


def dropped(site: Site, kiosk_id: str) -> Counter[str]:
    return Counter(site.dump(kiosk_id)["dropped"])


def test_forged_stale_and_malformed_messages_are_dropped_and_counted(site: Site) -> None:
    admin_key = load_private_key(key_path(site.db_path))
    other_key = Ed25519PrivateKey.generate()
    site.add_kiosk("lobby-1")
    observer = site.raw("admin", client_id="observer")
    observer.connect()
    observer.subscribe(f"{topics.PREFIX}/#")
    site.serve()
    kiosk = site.kiosk("lobby-1")
    site.admin("tenant", "add", "acme", "--name", "Acme AB")  # 1
    site.wait_converged("lobby-1")  # so revision 1 gets a head of its own to replay later
    site.admin("tenant", "add", "ghost", "--name", "Ghost AB")  # 2
    site.admin("tenant", "remove", "ghost")  # 3: the deletion an attacker records
    site.admin("tenant", "add", "ghost", "--name", "Ghost AB is back")  # 4
    baseline = site.wait_converged("lobby-1")
    assert baseline["revision"] == 4 and dropped(site, "lobby-1") == Counter()
    wait_until(lambda: len(captured(observer, topics.CHANGES)) >= 4, 5, "the observer to see the changes")

    old_change = captured(observer, topics.CHANGES, lambda b: b["rev"] == 1)[0]
    old_head = captured(observer, topics.HEAD, lambda b: b["rev"] == 1)[0]
    deletion = captured(observer, topics.CHANGES, lambda b: b["rev"] == 3)[0]
    acme_state = captured(observer, topics.state("tenant", "acme"))[0]
    garbage = b"{not json"
    attacks: list[tuple[str, bytes, str]] = [
        (topics.CHANGES, canonical_json(evil_change(5, 4)), "unsigned"),
        (topics.CHANGES, seal(other_key, topics.CHANGES, evil_change(5, 4)), "bad_signature"),
        (
            topics.HEAD,
            seal(
                other_key,
                topics.HEAD,
                {"v": 1, "type": "head", "rev": 99, "count": 0, "digest": "0" * 64, "at": ""},
            ),
            "bad_signature",
        ),
        (topics.CHANGES, MAGIC + os.urandom(64) + garbage, "bad_signature"),  # malformed, no key
        (
            topics.CHANGES,
            MAGIC + admin_key.sign(_signed_bytes(topics.CHANGES, garbage)) + garbage,
            "malformed",
        ),
        (topics.CHANGES, seal(admin_key, topics.CHANGES, evil_change(5, 4, v=2)), "wrong_version"),
        (topics.CHANGES, seal(admin_key, topics.CHANGES, evil_change(5, 4, records="x")), "malformed"),
        (topics.CHANGES, b"x" * (MAX_MESSAGE_BYTES + 1024), "oversized"),
        (topics.CHANGES, old_change, "stale"),  # replay of an old revision
        (topics.HEAD, old_head, "stale"),  # rollback to an old signed head
        (topics.CHANGES, deletion, "stale"),  # the signed deletion, replayed after re-creation
        (topics.CHANGES, acme_state, "bad_signature"),  # a genuine message moved to another topic
    ]
    attacker = site.raw("admin", client_id="attacker")
    attacker.connect()
    for topic, payload, _ in attacks:
        attacker.publish(topic, payload)
    expected = Counter(reason for _, _, reason in attacks)
    wait_until(
        lambda: sum(dropped(site, "lobby-1").values()) >= len(attacks), 30, "every attack to be counted"
    )
    time.sleep(0.3)
    assert dropped(site, "lobby-1") == expected
    assert site.content("lobby-1") == baseline
    assert kiosk.poll() is None, "the kiosk must stay up"

    site.admin("tenant", "edit", "acme", "--name", "Acme AB, still in charge")
    state = site.wait_converged("lobby-1", timeout=30)
    assert "evil" not in {t["slug"] for t in state["tenants"]}


def test_a_new_kiosk_ignores_forged_retained_state_and_still_completes(site: Site) -> None:
    other_key = Ed25519PrivateKey.generate()
    site.admin("tenant", "add", "acme", "--name", "Acme AB")
    site.serve()
    attacker = site.raw("admin", client_id="attacker")
    attacker.connect()
    evil = {"slug": "evil", "name": "Pwned", "visible": True}
    body = {
        "v": 1,
        "type": "state",
        "rev": 1000,
        "kind": "tenant",
        "key": "evil",
        "op": "upsert",
        "data": evil,
    }
    attacker.publish(
        topics.state("tenant", "evil"), seal(other_key, topics.state("tenant", "evil"), body), retain=True
    )
    body2 = {**body, "key": "evil2", "data": {**evil, "slug": "evil2"}}
    attacker.publish(topics.state("tenant", "evil2"), canonical_json(body2), retain=True)
    site.add_kiosk("lobby-2")
    site.kiosk("lobby-2")
    state = site.wait_converged("lobby-2")
    assert [t["slug"] for t in state["tenants"]] == ["acme"]
    assert dropped(site, "lobby-2") >= Counter({"bad_signature": 1, "unsigned": 1})
