"""The MQTT client both sides use: paho-mqtt 2.x behind a small, thread-safe wrapper.

Why a wrapper: paho runs every callback on its network thread, and a slow callback there starves the
keepalive (the broker then drops the connection and the last will fires). So `on_message` here only
appends to a `queue.Queue`; the caller's own consumer thread does the real work. Connection changes go
into the same queue, in order with the messages, so a consumer sees "connected" before the retained
messages that follow it.

The wrapper also remembers subscriptions and renews them after every reconnect (paho reconnects by
itself with exponential backoff), and offers "publish QoS 1 and wait for the broker's PUBACK".
"""

from __future__ import annotations

import contextlib
import logging
import queue
import socket
import ssl
import sys
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode, MQTTProtocolVersion

from broker.settings import BrokerSettings, BrokerUrlError

__all__ = [
    "BrokerSettings",
    "BrokerUrlError",
    "ConnectionChange",
    "Event",
    "Message",
    "MqttClient",
    "PublishFailed",
    "TlsSetupError",
    "Will",
]

log = logging.getLogger(__name__)

#: paho's own reconnect backoff (seconds): first retry after the minimum, doubling up to the maximum.
RECONNECT_MIN_DELAY = 1
RECONNECT_MAX_DELAY = 16
KEEPALIVE_SECONDS = 30


@dataclass(frozen=True)
class Message:
    topic: str
    payload: bytes
    retain: bool


@dataclass(frozen=True)
class ConnectionChange:
    """Queued when the connection comes up or goes down, in order with the messages."""

    up: bool
    session_present: bool = False
    reason: str = ""


Event = Message | ConnectionChange


@dataclass(frozen=True)
class Will:
    topic: str
    payload: bytes
    retain: bool = True
    qos: int = 1


class TlsSetupError(ValueError):
    """The CA file for mqtts:// is missing or not a certificate bundle."""


class PublishFailed(Exception):
    """The broker did not acknowledge in time, or we are not connected. Safe to retry (QoS 1)."""


class MqttClient:
    """One MQTT connection. Start it, subscribe, read `events`, publish; all methods are thread-safe."""

    def __init__(
        self,
        settings: BrokerSettings,
        client_id: str,
        *,
        clean_session: bool = True,
        will: Will | None = None,
        max_inflight: int = 200,
    ) -> None:
        self.settings = settings
        self.client_id = client_id
        #: Messages and connection changes, in arrival order. Only the network thread puts.
        self.events: queue.Queue[Event] = queue.Queue()
        self._subscriptions: dict[str, int] = {}
        self._lock = threading.Lock()
        self._connected = threading.Event()
        self._started = False
        self.last_error = ""
        #: Why the broker last refused us (bad credentials), until the next successful connection.
        self.refusal = ""
        #: Successful connections so far; a consumer compares it to notice a reconnect.
        self.connection_count = 0
        self._client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=client_id,
            clean_session=clean_session,
            protocol=MQTTProtocolVersion.MQTTv311,
        )
        if settings.username:
            self._client.username_pw_set(settings.username, settings.password or None)
        if settings.tls:
            try:
                self._client.tls_set(
                    ca_certs=settings.ca_file or None,
                    cert_reqs=ssl.CERT_REQUIRED,
                    tls_version=ssl.PROTOCOL_TLS_CLIENT,
                )
            except (OSError, ssl.SSLError) as exc:
                raise TlsSetupError(f"cannot use CA file {settings.ca_file!r}: {exc}") from None
        if will is not None:
            self._client.will_set(will.topic, will.payload, qos=will.qos, retain=will.retain)
        self._client.reconnect_delay_set(RECONNECT_MIN_DELAY, RECONNECT_MAX_DELAY)
        self._client.max_inflight_messages_set(max_inflight)
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = self._on_disconnect
        self._client.on_message = self._on_message
        self._client.on_connect_fail = self._on_connect_fail
        self._client.on_socket_open = _no_delay

    # --- lifecycle ---------------------------------------------------------------------------------

    def start(self) -> None:
        """Connect in the background; paho keeps retrying (with backoff) until `stop`."""
        if self._started:
            return
        self._started = True
        self._client.connect_async(self.settings.host, self.settings.port, keepalive=KEEPALIVE_SECONDS)
        self._client.loop_start()

    def stop(self) -> None:
        """Disconnect cleanly (no last will) and end the network thread."""
        if not self._started:
            return
        self._started = False
        try:
            if self._connected.is_set():
                self._client.disconnect()
        finally:
            self._client.loop_stop()
            self._connected.clear()

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    def wait_connected(self, timeout: float) -> bool:
        return self._connected.wait(timeout)

    # --- subscriptions -----------------------------------------------------------------------------

    def subscribe(self, topic: str, qos: int = 1) -> None:
        """Subscribe now (if connected) and after every reconnect.

        Subscribing again to the same filter makes the broker resend its retained messages (MQTT 3.1.1
        3.8.4), which is how a kiosk asks for a fresh snapshot.
        """
        with self._lock:
            self._subscriptions[topic] = qos
        if self.connected:
            self._client.subscribe(topic, qos)

    def unsubscribe(self, topic: str, *, force: bool = False) -> None:
        """`force` also ends a subscription this client did not make (one a persistent session kept)."""
        with self._lock:
            known = self._subscriptions.pop(topic, None) is not None
        if (known or force) and self.connected:
            self._client.unsubscribe(topic)

    def subscribed(self, topic: str) -> bool:
        with self._lock:
            return topic in self._subscriptions

    # --- publishing --------------------------------------------------------------------------------

    def publish(
        self, topic: str, payload: bytes, *, qos: int = 1, retain: bool = False
    ) -> mqtt.MQTTMessageInfo:
        """Queue a message; paho sends it (and resends QoS 1 after a reconnect) in the background."""
        return self._client.publish(topic, payload, qos=qos, retain=retain)

    def publish_all(self, messages: Iterable[tuple[str, bytes, bool]], *, timeout: float) -> None:
        """Publish (topic, payload, retain) at QoS 1, in order, and wait for every PUBACK.

        Raises PublishFailed when not connected or not acknowledged within `timeout`; the caller
        retries the lot (duplicates are harmless: receivers drop what is not newer).
        """
        if not self.connected:
            raise PublishFailed(f"not connected to {self.settings.url}")
        infos = []
        for topic, payload, retain in messages:
            info = self._client.publish(topic, payload, qos=1, retain=retain)
            if info.rc != MQTTErrorCode.MQTT_ERR_SUCCESS:
                raise PublishFailed(f"publish to {topic} failed: {mqtt.error_string(info.rc)}")
            infos.append(info)
        deadline = time.monotonic() + timeout
        for info in infos:
            try:
                info.wait_for_publish(max(0.0, deadline - time.monotonic()))
                published = info.is_published()
            except (RuntimeError, ValueError) as exc:
                raise PublishFailed(str(exc)) from None
            if not published:
                raise PublishFailed(f"no acknowledgement from {self.settings.url} within {timeout:.0f} s")

    # --- paho callbacks: network thread, must return at once ---------------------------------------

    def _on_connect(
        self,
        client: mqtt.Client,
        userdata: object,
        flags: mqtt.ConnectFlags,
        reason_code: mqtt.ReasonCode,
        properties: object,
    ) -> None:
        if reason_code.is_failure:
            self.refusal = str(reason_code)
            self._note_error(f"broker {self.settings.url} refused the connection: {reason_code}")
            return
        self.last_error = self.refusal = ""
        self.connection_count += 1
        with self._lock:
            topics = list(self._subscriptions.items())
        if topics:
            client.subscribe(topics)
        self._connected.set()
        log.info("connected to %s as %s", self.settings.url, self.settings.username or "(anonymous)")
        self.events.put(ConnectionChange(True, bool(flags.session_present)))

    def _on_disconnect(
        self,
        client: mqtt.Client,
        userdata: object,
        flags: mqtt.DisconnectFlags,
        reason_code: mqtt.ReasonCode,
        properties: object,
    ) -> None:
        was_connected = self._connected.is_set()
        self._connected.clear()
        if was_connected:
            reason = str(reason_code)
            if self._started:
                log.warning("lost the connection to %s (%s); reconnecting", self.settings.url, reason)
            self.events.put(ConnectionChange(False, reason=reason))
        elif self._started:
            self._note_error(f"cannot connect to {self.settings.url} ({reason_code})")

    def _on_connect_fail(self, client: mqtt.Client, userdata: object) -> None:
        # paho calls this from inside its `except OSError`, so the cause (refused, TLS verification
        # failed, unknown host) is still the exception being handled.
        cause = sys.exc_info()[1]
        self._note_error(f"cannot reach {self.settings.url} ({cause or 'connection failed'}); retrying")

    def _on_message(self, client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
        self.events.put(Message(message.topic, bytes(message.payload), bool(message.retain)))

    def _note_error(self, text: str) -> None:
        # Logged once per distinct problem: a broker that stays down must not flood the log.
        if text != self.last_error:
            log.warning("%s", text)
        self.last_error = text


def _no_delay(client: mqtt.Client, userdata: object, sock: object) -> None:
    """Send each packet at once. paho leaves Nagle's algorithm on, so a publish written while the
    previous one is unacknowledged at the TCP level waits for the broker's delayed ACK (~40 ms):
    that was most of serve's commit -> publish time when a change and its head went out together."""
    setsockopt = getattr(sock, "setsockopt", None)  # a TCP or TLS socket; not a websocket wrapper
    if setsockopt is not None:
        with contextlib.suppress(OSError):
            setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
