"""Bad input and bad clients: the embedded broker closes that one connection and keeps serving the rest."""

from __future__ import annotations

import re
import socket
import time
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from broker import embedded_packets as packets
from broker.embedded import EmbeddedBroker
from tests.broker.embedded_paho import (
    Paho,
    clients,
    connect_packet,
    packet,
    raw_socket,
    read_until_closed,
    subscribe_packet,
)

pytestmark = pytest.mark.timeout(60)

MAX_PACKET = 4096
MAX_QUEUED = 256 * 1024
CONNACK_OK = b"\x20\x02\x00\x00"


@pytest.fixture(scope="module")
def broker() -> Iterator[EmbeddedBroker]:
    with EmbeddedBroker(max_packet=MAX_PACKET, max_queued_bytes=MAX_QUEUED, connect_timeout=0.5) as running:
        yield running


def recv_exactly(sock: socket.socket, count: int) -> bytes:
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise AssertionError(f"connection closed after {data!r}")
        data += chunk
    return data


def connected(port: int, client_id: str, keepalive: int = 60, **options: object) -> socket.socket:
    sock = raw_socket(port, **options)  # type: ignore[arg-type]
    sock.sendall(connect_packet(client_id, keepalive))
    assert recv_exactly(sock, 4) == CONNACK_OK
    return sock


def assert_still_serving(port: int) -> None:
    with clients(port, "check-pub", "check-sub") as (pub, sub):
        sub.subscribe("check/t")
        pub.publish("check/t", b"alive", qos=1)
        assert [m.payload for m in sub.take(1)] == [b"alive"]


BAD_FIRST_PACKETS = {
    "garbage": b"GET / HTTP/1.1\r\nHost: kiosk\r\n\r\n",
    "subscribe before connect": subscribe_packet(1, "a/#"),
    "remaining length over 4 bytes": b"\x10\xff\xff\xff\xff\x7f",
    "unknown protocol name": packet(0x10, b"\x00\x04HTTP\x04\x02\x00\x3c\x00\x01x"),
    "reserved connect flag": packet(0x10, b"\x00\x04MQTT\x04\x03\x00\x3c\x00\x01x"),
    "will qos 3": packet(0x10, b"\x00\x04MQTT\x04\x1e\x00\x3c\x00\x01x\x00\x01t\x00\x00"),
    "password without user": packet(0x10, b"\x00\x04MQTT\x04\x42\x00\x3c\x00\x01x\x00\x01p"),
    "client id runs past the end": packet(0x10, b"\x00\x04MQTT\x04\x02\x00\x3c\x00\x09x"),
    "client id not utf-8": packet(0x10, b"\x00\x04MQTT\x04\x02\x00\x3c\x00\x02\xff\xfe"),
    "client id with nul": packet(0x10, b"\x00\x04MQTT\x04\x02\x00\x3c\x00\x02a\x00"),
    "connect with trailing bytes": packet(0x10, b"\x00\x04MQTT\x04\x02\x00\x3c\x00\x01xjunk"),
}


@pytest.mark.parametrize("name", BAD_FIRST_PACKETS)
def test_a_bad_first_packet_closes_the_connection_without_connack(broker: EmbeddedBroker, name: str) -> None:
    before = broker.stats().get("malformed", 0)
    with raw_socket(broker.port) as sock:
        sock.sendall(BAD_FIRST_PACKETS[name])
        assert read_until_closed(sock) == b""
    assert broker.stats()["malformed"] == before + 1
    assert_still_serving(broker.port)


def test_protocol_levels(broker: EmbeddedBroker) -> None:
    with raw_socket(broker.port) as sock:  # MQTT 3.1 ("MQIsdp", level 3) is accepted
        sock.sendall(connect_packet("old-client", protocol=("MQIsdp", 3)))
        assert recv_exactly(sock, 4) == CONNACK_OK
    with raw_socket(broker.port) as sock:  # MQTT 5 is answered "unacceptable protocol version"
        sock.sendall(connect_packet("new-client", protocol=("MQTT", 5)))
        assert read_until_closed(sock) == b"\x20\x02\x00\x01"


def test_empty_client_id_needs_a_clean_session(broker: EmbeddedBroker) -> None:
    with raw_socket(broker.port) as sock:
        sock.sendall(packet(0x10, b"\x00\x04MQTT\x04\x00\x00\x3c\x00\x00"))  # clean session 0
        assert read_until_closed(sock) == b"\x20\x02\x00\x02"
    with raw_socket(broker.port) as sock:
        sock.sendall(connect_packet(""))  # clean session 1: the broker assigns an id
        assert recv_exactly(sock, 4) == CONNACK_OK


BAD_LATER_PACKETS = {
    "second connect": connect_packet("again"),
    "publish to a wildcard topic": packet(0x30, b"\x00\x03a/#hi"),
    "publish with qos 3": packet(0x36, b"\x00\x01a\x00\x01hi"),
    "publish qos 1 with packet id 0": packet(0x32, b"\x00\x01a\x00\x00hi"),
    "subscribe with wrong header flags": packet(0x80, b"\x00\x01\x00\x01a\x00"),
    "subscribe without filters": packet(0x82, b"\x00\x01"),
    "subscribe with reserved qos bits": packet(0x82, b"\x00\x01\x00\x01a\x04"),
    "pingreq with a body": packet(0xC0, b"\x00"),
    "a server-only packet": b"\x90\x03\x00\x01\x00",
    "reserved packet type": b"\xf0\x00",
    "pubrec for nothing sent": packet(0x50, b"\x00\x01"),
}


@pytest.mark.parametrize("name", BAD_LATER_PACKETS)
def test_a_bad_packet_after_connect_closes_the_connection(broker: EmbeddedBroker, name: str) -> None:
    with connected(broker.port, "bad-" + re.sub(r"\W+", "-", name)) as sock:
        sock.sendall(BAD_LATER_PACKETS[name])
        assert read_until_closed(sock) == b""


def test_an_oversized_packet_is_refused_before_its_body_is_read(broker: EmbeddedBroker) -> None:
    before = broker.stats().get("oversized", 0)
    with connected(broker.port, "big-raw") as sock:
        sock.sendall(b"\x30\xff\xff\xff\x7f")  # announces 256 MiB, sends none of it
        assert read_until_closed(sock) == b""
    with clients(broker.port, "watch-big") as (watcher,):
        watcher.subscribe("big/#")
        big = Paho("big-paho")
        assert big.connect(broker.port) == 0
        big.client.publish("big/t", b"x" * (MAX_PACKET + 1), qos=0)
        assert big.disconnected.wait(5)
        big.client.loop_stop()
        assert watcher.take(1, timeout=0.3) == []
    assert broker.stats()["oversized"] == before + 2
    assert_still_serving(broker.port)


def test_invalid_filter_gets_suback_failure_and_the_connection_stays(broker: EmbeddedBroker) -> None:
    with connected(broker.port, "filters") as sock:
        sock.sendall(subscribe_packet(3, "sport/#/ranking", 1))
        assert recv_exactly(sock, 5) == b"\x90\x03\x00\x03\x80"
        sock.sendall(subscribe_packet(4, "sport/#", 2))
        assert recv_exactly(sock, 5) == b"\x90\x03\x00\x04\x01"  # granted QoS 1, the maximum
        sock.sendall(b"\xc0\x00")
        assert recv_exactly(sock, 2) == b"\xd0\x00"


def test_a_resent_qos2_publish_is_delivered_once(broker: EmbeddedBroker) -> None:
    with clients(broker.port, "watch-q2") as (watcher,):
        watcher.subscribe("dup/#")
        with connected(broker.port, "q2-raw") as sock:
            publish = packet(0x34, b"\x00\x05dup/a\x00\x07once")
            sock.sendall(publish)
            assert recv_exactly(sock, 4) == b"\x50\x02\x00\x07"  # PUBREC
            sock.sendall(b"\x3c" + publish[1:])  # the same packet again, DUP set
            assert recv_exactly(sock, 4) == b"\x50\x02\x00\x07"
            sock.sendall(b"\x62\x02\x00\x07")  # PUBREL
            assert recv_exactly(sock, 4) == b"\x70\x02\x00\x07"  # PUBCOMP
            sock.sendall(packet(0x30, b"\x00\x07dup/end"))
        assert [(m.topic, m.payload) for m in watcher.take_until("dup/end")] == [
            ("dup/a", b"once"),
            ("dup/end", b""),
        ]


def test_a_client_silent_past_its_keepalive_is_dropped_and_its_will_published(broker: EmbeddedBroker) -> None:
    before = broker.stats().get("timeouts", 0)
    with clients(broker.port, "watch-ka") as (watcher,):
        watcher.subscribe("ka/#")
        with raw_socket(broker.port) as sock:  # a half-open client: connected, then never heard from
            sock.sendall(connect_packet("silent", keepalive=1, will=("ka/silent", b"gone")))
            assert recv_exactly(sock, 4) == CONNACK_OK
            started = time.monotonic()
            assert read_until_closed(sock) == b""
            assert time.monotonic() - started >= 1.4  # 1.5 x keepalive, not earlier
        assert [m.payload for m in watcher.take(1)] == [b"gone"]
    assert broker.stats()["timeouts"] == before + 1


def test_a_connection_that_never_sends_connect_is_dropped(broker: EmbeddedBroker) -> None:
    with raw_socket(broker.port) as sock:
        assert read_until_closed(sock) == b""  # connect_timeout is 0.5 s in this module


def test_a_slow_subscriber_is_dropped_and_does_not_hold_up_the_others(broker: EmbeddedBroker) -> None:
    before = broker.stats().get("dropped_slow_clients", 0)
    with connected(broker.port, "slow", receive_buffer=4096) as slow:
        slow.sendall(subscribe_packet(1, "flood/#"))
        assert recv_exactly(slow, 5) == b"\x90\x03\x00\x01\x00"
        with clients(broker.port, "flood-pub", "flood-fast") as (pub, fast):
            fast.subscribe("flood/#")
            payload = b"x" * 1024
            sent, got = 0, []
            # Kernel socket buffers absorb a few MB before the broker's own queue fills: flood in
            # rounds until the slow reader is dropped (at most 24 MB, far beyond any buffer). Each
            # round waits for the fast subscriber, which proves it is served while the slow one stalls.
            while broker.stats().get("dropped_slow_clients", 0) == before and sent < 24_000:
                for number in range(sent, sent + 1000):
                    pub.client.publish(f"flood/{number}", payload, qos=0)
                sent += 1000
                pub.publish("flood/round", b"", qos=1)
                got += [m.topic for m in fast.take_until("flood/round", timeout=30)][:-1]
            assert got == [f"flood/{n}" for n in range(sent)]
        assert broker.stats()["dropped_slow_clients"] == before + 1
        read_until_closed(slow)  # what the kernel still held, then the connection ends


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(junk=st.binary(min_size=1, max_size=300), after_connect=st.booleans())
def test_random_bytes_never_hurt_the_broker(broker: EmbeddedBroker, junk: bytes, after_connect: bool) -> None:
    sock = connected(broker.port, "fuzz") if after_connect else raw_socket(broker.port)
    with sock:
        sock.sendall(junk)
        sock.shutdown(socket.SHUT_WR)
        read_until_closed(sock)
    assert broker.stats().get("internal_errors", 0) == 0


def test_still_serving_after_the_fuzzing(broker: EmbeddedBroker) -> None:
    assert_still_serving(broker.port)
    assert broker.stats().get("internal_errors", 0) == 0


CLIENT_PACKET_TYPES = {
    packets.CONNECT,
    packets.PUBLISH,
    packets.PUBACK,
    packets.PUBREC,
    packets.PUBREL,
    packets.PUBCOMP,
    packets.SUBSCRIBE,
    packets.UNSUBSCRIBE,
    packets.PINGREQ,
    packets.DISCONNECT,
}
DECODED_TYPES = (
    packets.Connect,
    packets.Publish,
    packets.Subscribe,
    packets.Unsubscribe,
    packets.PacketIdOnly,
    packets.Bare,
)


@settings(max_examples=500, deadline=None)
@given(kind=st.integers(0, 15), flags=st.integers(0, 15), body=st.binary(max_size=200))
def test_the_decoder_only_ever_raises_malformed_packet(kind: int, flags: int, body: bytes) -> None:
    try:
        decoded = packets.decode(kind, flags, body)
    except packets.MalformedPacket:
        return
    # Only packet types a client may send decode at all; server-only and reserved types never do.
    assert kind in CLIENT_PACKET_TYPES
    assert isinstance(decoded, DECODED_TYPES)
