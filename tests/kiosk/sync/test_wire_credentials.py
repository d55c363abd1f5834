"""The generated Mosquitto config against a real Mosquitto: who may connect, who may write where."""

from __future__ import annotations

import time

import pytest

from broker import topics
from broker.passwords import hash_password, verify_password
from tests.kiosk.sync.conftest import Site

pytestmark = pytest.mark.mosquitto


def refused(code: object) -> bool:
    """CONNACK 5 in MQTT 3.1.1, which paho reports as the reason "Not authorized"."""
    return code is not None and str(code) == "Not authorized"


def test_password_hash_round_trip_and_format() -> None:
    hashed = hash_password("s3cret")
    prefix, iterations, salt, digest = hashed.split("$")[1:]
    assert (prefix, iterations, len(salt), len(digest)) == ("7", "101", 16, 88)
    assert verify_password("s3cret", hashed)
    assert not verify_password("S3cret", hashed)


def test_generated_accounts_log_in_and_anonymous_is_refused(site: Site) -> None:
    site.add_kiosk("lobby-1")
    site.admin("tenant", "add", "acme", "--name", "Acme AB")
    site.admin("tenant", "grant", "acme", "--out", str(site.root / "acme.toml"), "--broker", site.broker.url)
    site.write_broker_config()
    site.broker.reload()
    for role, subject in (("admin", ""), ("kiosk", "lobby-1"), ("tenant", "acme")):
        code = site.raw(role, subject).connect()
        assert code is not None and code.value == 0, f"{role} could not log in: {code}"
    assert refused(site.raw(None).connect())
    wrong = site.raw(None)
    wrong.client.username_pw_set("kiosk-lobby-1", "not-the-password")
    assert refused(wrong.connect())


def test_files_are_not_world_readable(site: Site) -> None:
    for name in ("passwords", "acl"):
        assert (site.broker_dir / name).stat().st_mode & 0o007 == 0
    text = (site.broker_dir / "passwords").read_text()
    _, password = site.account("admin")
    assert password not in text and "innovatum-admin:$7$101$" in text


def test_kiosk_cannot_write_content_or_another_kiosks_status(site: Site) -> None:
    site.add_kiosk("lobby-1")
    site.add_kiosk("lobby-2")
    watcher = site.raw("admin", client_id="watcher")
    watcher.connect()
    watcher.subscribe(f"{topics.PREFIX}/#")
    intruder = site.raw("kiosk", "lobby-1", client_id="intruder")
    intruder.connect()
    forbidden = [
        topics.CHANGES,
        topics.HEAD,
        topics.state("tenant", "acme"),
        topics.status("lobby-2"),
        topics.ack("lobby-2"),
        topics.request("acme"),
    ]
    for topic in forbidden:
        intruder.publish(topic, b"forged", retain=topic != topics.CHANGES)
    intruder.publish(topics.status("lobby-1"), b"allowed")  # its own status is fine: proves delivery works
    time.sleep(0.5)
    arrived = {m.topic for m in watcher.messages if m.payload in (b"forged", b"allowed")}
    assert arrived == {topics.status("lobby-1")}


def test_tenant_writes_only_its_own_request_topic(site: Site) -> None:
    site.admin("tenant", "add", "acme", "--name", "Acme AB")
    site.admin("tenant", "add", "beta", "--name", "Beta AB")
    for slug in ("acme", "beta"):
        site.admin(
            "tenant", "grant", slug, "--out", str(site.root / f"{slug}.toml"), "--broker", site.broker.url
        )
    site.write_broker_config()
    site.broker.reload()
    watcher = site.raw("admin", client_id="watcher")
    watcher.connect()
    watcher.subscribe(f"{topics.PREFIX}/#")
    tenant = site.raw("tenant", "acme")
    tenant.connect()
    for topic in (topics.request("beta"), topics.CHANGES, topics.status("x")):
        tenant.publish(topic, b"forged")
    tenant.publish(topics.request("acme"), b"mine")
    time.sleep(0.5)
    assert [(m.topic, m.payload) for m in watcher.messages] == [(topics.request("acme"), b"mine")]


def test_removed_kiosk_is_refused_after_broker_config_is_rerun(site: Site) -> None:
    site.add_kiosk("lobby-1")
    username, password = site.account("kiosk", "lobby-1")
    assert site.raw("kiosk", "lobby-1").connect().value == 0  # type: ignore[union-attr]
    site.admin("kiosk", "remove", "lobby-1")
    site.write_broker_config()
    site.broker.reload()
    again = site.raw(None)
    again.client.username_pw_set(username, password)
    assert refused(again.connect())
    assert "kiosk-lobby-1" not in (site.broker_dir / "passwords").read_text()
