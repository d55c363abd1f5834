"""Test helpers for the embedded broker: real paho-mqtt 2.x clients, and raw sockets for bad input."""

from __future__ import annotations

import queue
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

WAIT = 5.0


@dataclass(frozen=True)
class Received:
    topic: str
    payload: bytes
    qos: int
    retain: bool


class Paho:
    """A paho client as the product uses it (callback API 2, MQTT 3.1.1), with blocking helpers."""

    def __init__(
        self,
        client_id: str = "",
        username: str | None = None,
        password: str | None = None,
        will: tuple[str, bytes, int, bool] | None = None,
        keepalive: int = 60,
        clean_session: bool = True,
    ) -> None:
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=mqtt.MQTTv311,
            clean_session=clean_session,
        )
        if username is not None:
            self.client.username_pw_set(username, password)
        if will is not None:
            topic, payload, qos, retain = will
            self.client.will_set(topic, payload, qos, retain)
        self.keepalive = keepalive
        self.messages: queue.Queue[Received] = queue.Queue()
        self.connack: queue.Queue[mqtt.ReasonCode] = queue.Queue()
        self.disconnected = threading.Event()
        self.session_present: bool | None = None
        self._acks: dict[int, threading.Event] = {}
        self._granted: dict[int, list[int]] = {}
        self._lock = threading.Lock()
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        self.client.on_subscribe = self._on_subscribe
        self.client.on_unsubscribe = self._on_unsubscribe
        self.client.on_disconnect = self._on_disconnect

    def connect(self, port: int) -> mqtt.ReasonCode:
        """Connect and wait for CONNACK; returns its reason code (a refused client stays stopped)."""
        self.client.connect("127.0.0.1", port, keepalive=self.keepalive)
        self.client.loop_start()
        code = self.connack.get(timeout=WAIT)
        if code.is_failure:  # paho would otherwise retry in the background, skewing broker counters
            self.client.loop_stop()
        return code

    def subscribe(self, topic_filter: str, qos: int = 1) -> list[int]:
        """Subscribe and wait for SUBACK; returns the granted QoS codes."""
        result, mid = self.client.subscribe(topic_filter, qos)
        assert result == mqtt.MQTT_ERR_SUCCESS and mid is not None
        self._event(mid).wait(WAIT)
        with self._lock:
            return self._granted.pop(mid)

    def unsubscribe(self, topic_filter: str) -> None:
        _, mid = self.client.unsubscribe(topic_filter)
        assert mid is not None
        assert self._event(mid).wait(WAIT), "no UNSUBACK"

    def publish(
        self, topic: str, payload: bytes | str, qos: int = 0, retain: bool = False, *, timeout: float = WAIT
    ) -> None:
        """Publish and, for QoS 1/2, wait until the broker completed the handshake."""
        info = self.client.publish(topic, payload, qos, retain)
        info.wait_for_publish(timeout)
        assert info.is_published(), f"broker did not acknowledge {topic}"

    def take(self, count: int, timeout: float = WAIT) -> list[Received]:
        got: list[Received] = []
        deadline = time.monotonic() + timeout
        while len(got) < count:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                got.append(self.messages.get(timeout=remaining))
            except queue.Empty:
                break
        return got

    def take_until(self, topic: str, timeout: float = WAIT) -> list[Received]:
        """Every message up to and including the first one on `topic` (a sentinel), in arrival order."""
        got: list[Received] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                message = self.messages.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            got.append(message)
            if message.topic == topic:
                return got
        raise AssertionError(f"sentinel {topic} never arrived; got {[m.topic for m in got]}")

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()

    def kill(self) -> None:
        """Drop the TCP connection without DISCONNECT, as a crashed or unplugged client would."""
        self.client.loop_stop()
        sock = self.client.socket()
        if sock is not None:
            sock.close()

    def _event(self, mid: int) -> threading.Event:
        with self._lock:
            return self._acks.setdefault(mid, threading.Event())

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:  # type: ignore[no-untyped-def]
        self.session_present = flags.session_present
        self.connack.put(reason_code)

    def _on_message(self, client, userdata, message) -> None:  # type: ignore[no-untyped-def]
        self.messages.put(Received(message.topic, message.payload, message.qos, bool(message.retain)))

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties) -> None:  # type: ignore[no-untyped-def]
        with self._lock:
            self._granted[mid] = [code.value for code in reason_codes]
        self._event(mid).set()

    def _on_unsubscribe(self, client, userdata, mid, reason_codes, properties) -> None:  # type: ignore[no-untyped-def]
        self._event(mid).set()

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:  # type: ignore[no-untyped-def]
        self.disconnected.set()


@contextmanager
def clients(port: int, *ids: str, **options: object) -> Iterator[list[Paho]]:
    """Connected paho clients, disconnected afterwards whatever happens."""
    made: list[Paho] = []
    try:
        for client_id in ids:
            client = Paho(client_id, **options)  # type: ignore[arg-type]
            made.append(client)
            assert client.connect(port) == 0
        yield made
    finally:
        for client in made:
            client.close()


# Raw MQTT, for bytes no well-behaved client would send ------------------------------------------


def _string(text: str) -> bytes:
    raw = text.encode()
    return len(raw).to_bytes(2, "big") + raw


def _remaining(length: int) -> bytes:
    out = bytearray()
    while True:
        byte, length = length % 128, length // 128
        out.append(byte | 0x80 if length else byte)
        if not length:
            return bytes(out)


def packet(first: int, body: bytes) -> bytes:
    return bytes((first,)) + _remaining(len(body)) + body


def connect_packet(
    client_id: str,
    keepalive: int = 60,
    will: tuple[str, bytes] | None = None,
    protocol: tuple[str, int] = ("MQTT", 4),
) -> bytes:
    flags = 0x02 | (0x04 if will else 0)
    body = (
        _string(protocol[0]) + bytes((protocol[1], flags)) + keepalive.to_bytes(2, "big") + _string(client_id)
    )
    if will:
        body += _string(will[0]) + len(will[1]).to_bytes(2, "big") + will[1]
    return packet(0x10, body)


def subscribe_packet(packet_id: int, topic_filter: str, qos: int = 0) -> bytes:
    return packet(0x82, packet_id.to_bytes(2, "big") + _string(topic_filter) + bytes((qos,)))


def raw_socket(port: int, receive_buffer: int | None = None) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if receive_buffer is not None:  # before connect, so the TCP window is small from the start
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    sock.settimeout(WAIT)
    sock.connect(("127.0.0.1", port))
    return sock


def read_until_closed(sock: socket.socket, timeout: float = WAIT) -> bytes:
    """Everything the broker sends until it closes the connection; fails if it never does."""
    sock.settimeout(timeout)
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except ConnectionResetError:
        pass
    except TimeoutError:
        raise AssertionError(f"broker kept the connection open for {timeout}s") from None
    return data
