"""The tenant's side of the wire: one short MQTT session with the credentials file, no database.

The client id is the account's user name (the broker lets an account connect only as itself). What
the admin node sends back (the tenant's listing, the reply about its requests) is signed; it is
verified with the admin public key from the credentials file before anything is shown.
"""

from __future__ import annotations

import logging
import os
import queue
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from admin.tenants.access import TenantCredentials
from broker import tenant_wire, topics
from broker.client import Message, MqttClient, PublishFailed, TlsSetupError
from broker.envelope import Rejected, open_envelope
from broker.keys import load_public_key_b64
from broker.schema import parse_state

CONNECT_SECONDS = 10.0

# The CLI prints one line per problem itself; the client's own warnings must not reach the terminal.
logging.getLogger("broker.client").addHandler(logging.NullHandler())
#: Retained messages arrive right after subscribing; this is how long an absent one is waited for.
RETAINED_SECONDS = 3.0


class RemoteError(Exception):
    """Something the person at the keyboard must hear about, as one line."""


@dataclass
class Reply:
    requests: list[dict[str, Any]] = field(default_factory=list)
    dropped: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Listing:
    rev: int
    data: dict[str, Any]


class TenantSession:
    def __init__(self, credentials: TenantCredentials, client: MqttClient) -> None:
        self.credentials = credentials
        self.client = client
        self.slug = credentials.slug
        self._stash: dict[str, list[bytes]] = {}
        try:
            self.public_key = load_public_key_b64(credentials.admin_public_key)
        except Exception as exc:
            raise RemoteError(f"trust.admin_public_key in the credentials file is not a key: {exc}") from None

    def _next(self, topic: str, deadline: float) -> bytes | None:
        """The next message on `topic`; messages on other topics are kept for their own turn."""
        if self._stash.get(topic):
            return self._stash[topic].pop(0)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            try:
                event = self.client.events.get(timeout=left)
            except queue.Empty:
                return None
            if isinstance(event, Message):
                if event.topic == topic:
                    return event.payload
                self._stash.setdefault(event.topic, []).append(event.payload)

    def _open(self, topic: str, payload: bytes) -> dict[str, Any]:
        try:
            return open_envelope(self.public_key, topic, payload)
        except Rejected as exc:
            raise RemoteError(
                f"the answer on {topic} is not signed by this Innovatum admin node ({exc})"
            ) from None

    def listing(self) -> Listing | None:
        """The listing as the kiosks have it (the retained, signed state), or None if not published."""
        topic = topics.state("tenant", self.slug)
        self.client.subscribe(topics.state("logo", self._logo_key), qos=1)  # for `logo()`, if asked
        self.client.subscribe(topic, qos=1)
        payload = self._next(topic, time.monotonic() + RETAINED_SECONDS)
        if payload is None:
            return None
        try:
            state = parse_state(self._open(topic, payload), "tenant", self.slug)
        except Rejected as exc:
            raise RemoteError(f"the published listing is malformed ({exc})") from None
        if state.record.data is None:
            raise RemoteError(f"tenant {self.slug} has been removed from the screens")
        return Listing(state.rev, dict(state.record.data))

    @property
    def _logo_key(self) -> str:
        return f"tenant:{self.slug}"

    def logo(self) -> str | None:
        """The published logo (base64 PNG) after `listing()` said it has one; None if none arrives."""
        topic = topics.state("logo", self._logo_key)
        payload = self._next(topic, time.monotonic() + RETAINED_SECONDS)
        if payload is None:
            return None
        try:
            state = parse_state(self._open(topic, payload), "logo", self._logo_key)
        except Rejected as exc:
            raise RemoteError(f"the published logo is malformed ({exc})") from None
        data = state.record.data
        return str(data["data"]) if data is not None else None

    def watch_replies(self) -> None:
        self.client.subscribe(topics.reply(self.slug), qos=1)

    def next_reply(self, deadline: float) -> Reply | None:
        topic = topics.reply(self.slug)
        payload = self._next(topic, deadline)
        if payload is None:
            return None
        body = self._open(topic, payload)
        try:
            items = tenant_wire.parse_reply(body, self.slug)
        except ValueError as exc:
            raise RemoteError(f"the admin node's reply is malformed ({exc})") from None
        dropped = body.get("dropped")
        return Reply(items, dict(dropped) if isinstance(dropped, dict) else {})

    def send(self, request: tenant_wire.EditRequest) -> None:
        """Publish at QoS 1 and wait for the broker's acknowledgement (then the broker holds it)."""
        try:
            self.client.publish_all(
                [(topics.request(self.slug), tenant_wire.encode_edit(request), False)],
                timeout=CONNECT_SECONDS,
            )
        except PublishFailed as exc:
            raise RemoteError(f"the broker did not accept the request: {exc}") from None


@contextmanager
def session(credentials: TenantCredentials) -> Iterator[TenantSession]:
    with _ca_file(credentials.ca_pem) as ca_file:
        settings = replace(credentials.broker, ca_file=ca_file) if ca_file else credentials.broker
        try:
            client = MqttClient(settings, credentials.username)
        except TlsSetupError as exc:
            raise RemoteError(f"broker.ca_pem in the credentials file: {exc}") from None
        client.start()
        try:
            _connect(client, credentials.username)
            yield TenantSession(credentials, client)
        finally:
            client.stop()


def _connect(client: MqttClient, username: str) -> None:
    """Connected, or RemoteError with the first reason (a refusal is final: no point in retrying)."""
    deadline = time.monotonic() + CONNECT_SECONDS
    while not client.wait_connected(0.1):
        problem = client.last_error
        if client.refusal:
            raise RemoteError(
                f"cannot connect: the broker refused {username}: the credentials are wrong or were "
                "revoked (ask Innovatum's reception for a new file)"
            )
        if time.monotonic() > deadline:
            problem = problem.removesuffix("; retrying") or f"no answer from {client.settings.url}"
            raise RemoteError(f"cannot connect: {problem}")


@contextmanager
def _ca_file(pem: str) -> Iterator[str]:
    """paho wants a CA file: the inline certificate goes to a private temporary one."""
    if not pem:
        yield ""
        return
    fd, path = tempfile.mkstemp(prefix="innovatum-ca-", suffix=".pem")
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(pem)
        yield path
    finally:
        os.unlink(path)
