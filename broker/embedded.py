"""A small MQTT 3.1.1 broker on asyncio, for the one-command demo and a laptop without Mosquitto.

A convenience, not the product: production and the integration tests run Mosquitto with the config
`innovatum-admin broker-config` writes. This broker has no ACLs and no TLS, and it treats every session
as clean (CONNACK always says "no session present", so a client knows to subscribe again). What it does
implement, it implements by the spec, so the product's paho clients work against it unchanged:
QoS 0/1/2 in (QoS 2 completed with PUBREC/PUBREL/PUBCOMP), at most QoS 1 out, retained messages,
wills, `+`/`#` wildcards, keepalive, client-id takeover and optional user/password checks (with
users, a client's id is its user name, as the generated Mosquitto config enforces).

Every client problem (garbage, malformed or oversized packets, silence past its keepalive, a queue it
does not read) closes that client's connection with one log line and a counter in `stats()`; the broker
itself carries on.

    with EmbeddedBroker() as broker:          # its own thread and event loop
        client.connect("127.0.0.1", broker.port)

    python -m broker.embedded --port 1884 [--user NAME:PASSWORD]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hmac
import ipaddress
import itertools
import logging
import signal
import socket
import sys
import threading
from collections import Counter
from collections.abc import Mapping
from types import TracebackType

from broker import embedded_packets as packets
from broker.embedded_session import Message, Session, log
from broker.embedded_topics import matches, topic_filter_error, topic_name_error

DEFAULT_MAX_PACKET = 1024 * 1024
DEFAULT_MAX_QUEUED_BYTES = 16 * 1024 * 1024
#: A client that connects but sends no CONNECT within this many seconds is dropped.
DEFAULT_CONNECT_TIMEOUT = 10.0
#: MQTT 3.1.1 [MQTT-3.1.2-24]: a client silent for 1.5 times its keepalive is gone.
KEEPALIVE_GRACE = 1.5
#: The highest QoS this broker grants a subscription (delivery is at most QoS 1).
MAX_GRANTED_QOS = 1


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class BrokerCore:
    """The broker proper: sessions, subscriptions, retained messages. Runs on one asyncio loop."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        users: Mapping[str, str] | None = None,
        max_packet: int = DEFAULT_MAX_PACKET,
        max_queued_bytes: int = DEFAULT_MAX_QUEUED_BYTES,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    ) -> None:
        if users is None and not _is_loopback(host):
            raise ValueError(
                f"refusing anonymous access on {host}: bind to 127.0.0.1 or pass users={{name: password}}"
            )
        if max_packet < 2 or max_packet > packets.MAX_REMAINING_LENGTH:
            raise ValueError(f"max_packet must be between 2 and {packets.MAX_REMAINING_LENGTH} bytes")
        self.host = host
        self.port = port
        self._users = dict(users) if users is not None else None
        self._max_packet = max_packet
        self._max_queued_bytes = max_queued_bytes
        self._connect_timeout = connect_timeout
        self._server: asyncio.Server | None = None
        self._sessions: dict[str, Session] = {}
        self._connections: set[Session] = set()
        self._retained: dict[str, Message] = {}
        self._generated_ids = itertools.count(1)
        self.stats: Counter[str] = Counter()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        log.info("embedded MQTT broker listening on %s:%d", self.host, self.port)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for session in list(self._connections):
            session.abort("broker stopping")
        # Let the connection handlers see their sockets close and finish.
        for _ in range(50):
            if not self._connections:
                break
            await asyncio.sleep(0.01)
        if self._server is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._server.wait_closed(), 1.0)

    # Routing -----------------------------------------------------------------------------------

    def route(self, message: Message) -> None:
        """Store or clear a retained message, then queue it for every matching subscriber."""
        self.stats["messages_in"] += 1
        if message.retain:
            if message.payload:
                self._retained[message.topic] = message
            else:
                self._retained.pop(message.topic, None)  # [MQTT-3.3.1-10]: empty payload clears
        levels = message.topic.split("/")
        for session in list(self._sessions.values()):
            granted = session.granted_qos(levels)
            if granted is not None and not session.deliver(message, min(message.qos, granted), False):
                self.stats["dropped_slow_clients"] += 1
                log.warning("dropping client %s: %s", session.label, session.close_reason)

    def _send_retained(self, session: Session, topic_filter: str, granted: int) -> None:
        levels = tuple(topic_filter.split("/"))
        for message in list(self._retained.values()):
            if matches(levels, message.topic.split("/")):
                session.deliver(message, min(message.qos, granted), True, bounded=False)

    # Connections -------------------------------------------------------------------------------

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = _peer_name(writer)
        with contextlib.suppress(OSError):
            sock = writer.get_extra_info("socket")
            if sock is not None:  # let the kernel notice a peer that vanished during keepalive 0
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        session = Session(writer, peer, self._max_queued_bytes)
        self._connections.add(session)
        self.stats["connections"] += 1
        graceful = False
        try:
            graceful = await self._serve(session, reader)
        except packets.OversizedPacket as exc:
            self._client_error(session, "oversized", str(exc))
        except packets.MalformedPacket as exc:
            self._client_error(session, "malformed", str(exc))
        except TimeoutError:
            self._client_error(session, "timeouts", "silent past its keepalive or connect timeout")
        except (asyncio.IncompleteReadError, ConnectionError, OSError):
            if not session.closed:
                log.info("client %s closed the connection without DISCONNECT", session.label)
        except Exception:  # a bug here must cost one client, never the broker
            self.stats["internal_errors"] += 1
            log.exception("internal error serving %s; closing that connection", session.label)
        finally:
            self._end(session, publish_will=not graceful)
            await session.stop_writer()
            self._connections.discard(session)
            with contextlib.suppress(Exception):
                writer.close()

    def _client_error(self, session: Session, counter: str, reason: str) -> None:
        self.stats[counter] += 1
        log.warning("closing client %s: %s", session.label, reason)
        session.abort(reason)

    async def _serve(self, session: Session, reader: asyncio.StreamReader) -> bool:
        """Run one connection to its end; True when it ended with DISCONNECT (no will)."""
        async with asyncio.timeout(self._connect_timeout):
            kind, flags, body = await packets.read_packet(reader, self._max_packet, only=packets.CONNECT)
        try:
            connect = packets.decode(kind, flags, body)
        except packets.UnacceptableProtocol as exc:
            await self._refuse(session, packets.REFUSED_PROTOCOL_VERSION, str(exc))
            return True
        if not isinstance(connect, packets.Connect):  # read_packet(only=CONNECT) makes this unreachable
            raise packets.MalformedPacket("first packet is not CONNECT")
        if not await self._accept(session, connect):
            return True
        timeout = connect.keepalive * KEEPALIVE_GRACE if connect.keepalive else None
        while not session.closed:
            async with asyncio.timeout(timeout):
                kind, flags, body = await packets.read_packet(reader, self._max_packet)
            packet = packets.decode(kind, flags, body)
            if isinstance(packet, packets.Bare) and packet.kind == packets.DISCONNECT:
                log.debug("client %s disconnected", session.label)
                return True
            self._dispatch(session, packet)
            # Reading buffered packets does not yield to the loop by itself: without this, one
            # publisher's burst would be routed whole before any subscriber's writer got to run.
            await asyncio.sleep(0)
        return False

    async def _accept(self, session: Session, connect: packets.Connect) -> bool:
        """Check a CONNECT, take over an older connection with the same id, send CONNACK."""
        if connect.will is not None and (problem := topic_name_error(connect.will.topic)):
            raise packets.MalformedPacket(f"will: {problem}")
        client_id = connect.client_id
        if not client_id:
            if not connect.clean_session:  # [MQTT-3.1.3-8]
                await self._refuse(session, packets.REFUSED_IDENTIFIER, "empty client id, clean session 0")
                return False
            client_id = f"embedded-{next(self._generated_ids)}"
        session.client_id = client_id
        if self._users is not None:
            if connect.username is None or connect.password is None:
                await self._refuse(session, packets.REFUSED_NOT_AUTHORIZED, "no user name or password")
                return False
            expected = self._users.get(connect.username)
            if expected is None or not hmac.compare_digest(expected.encode(), connect.password):
                await self._refuse(session, packets.REFUSED_BAD_CREDENTIALS, "wrong user name or password")
                return False
            # As Mosquitto with `use_username_as_clientid true` (the generated config): an account
            # connects only under its own name, so no credential can take over another's client id.
            client_id = session.client_id = connect.username
        previous = self._sessions.get(client_id)
        if previous is not None:
            self.stats["takeovers"] += 1
            log.info("client id %r connected again from %s; closing the older one", client_id, session.peer)
            # Synchronously, before the new connection's packets are read: its own "online" status
            # must come after the old connection's will, never before.
            previous.abort("taken over by a new connection with the same client id")
            self._end(previous, publish_will=True)
        session.will = connect.will
        self._sessions[client_id] = session
        session.start_writer()
        session.send(packets.encode_connack(False, packets.ACCEPTED))
        log.debug("client %s connected (keepalive %ds)", session.label, connect.keepalive)
        return True

    async def _refuse(self, session: Session, code: int, reason: str) -> None:
        self.stats["refused"] += 1
        log.warning("refusing client %s: %s", session.label, reason)
        session.send(packets.encode_connack(False, code))
        await session.flush_and_close()

    def _end(self, session: Session, publish_will: bool) -> None:
        """Forget a session (once) and publish its will when it did not say goodbye."""
        if self._sessions.get(session.client_id) is session:
            del self._sessions[session.client_id]
        will, session.will = session.will, None
        session.subscriptions.clear()
        session.closed = True
        if will is not None and publish_will:
            log.info("publishing the will of %s on %s", session.label, will.topic)
            self.route(Message(will.topic, will.payload, will.qos, will.retain))

    def _dispatch(self, session: Session, packet: packets.Packet) -> None:
        if isinstance(packet, packets.Publish):
            self._on_publish(session, packet)
        elif isinstance(packet, packets.PacketIdOnly):
            if packet.kind == packets.PUBACK:
                session.acknowledged(packet.packet_id)
            elif packet.kind == packets.PUBREL:
                session.awaiting_release.discard(packet.packet_id)
                session.send(packets.encode_ack(packets.PUBCOMP, packet.packet_id))
            else:  # PUBREC/PUBCOMP answer a QoS 2 delivery, and this broker never delivers QoS 2
                raise packets.MalformedPacket(f"unexpected {packets.name(packet.kind)}")
        elif isinstance(packet, packets.Subscribe):
            self._on_subscribe(session, packet)
        elif isinstance(packet, packets.Unsubscribe):
            for topic_filter in packet.filters:
                session.unsubscribe(topic_filter)
            session.send(packets.encode_ack(packets.UNSUBACK, packet.packet_id))
        elif isinstance(packet, packets.Bare) and packet.kind == packets.PINGREQ:
            session.send(packets.PINGRESP_PACKET)
        else:
            raise packets.MalformedPacket("a second CONNECT")

    def _on_publish(self, session: Session, packet: packets.Publish) -> None:
        if problem := topic_name_error(packet.topic):
            raise packets.MalformedPacket(problem)
        message = Message(packet.topic, packet.payload, packet.qos, packet.retain)
        if packet.qos == 0:
            self.route(message)
        elif packet.qos == 1:
            self.route(message)
            session.send(packets.encode_ack(packets.PUBACK, packet.packet_id or 0))
        else:
            packet_id = packet.packet_id or 0
            if packet_id not in session.awaiting_release:  # a resent PUBLISH is not routed twice
                session.awaiting_release.add(packet_id)
                self.route(message)
            session.send(packets.encode_ack(packets.PUBREC, packet_id))

    def _on_subscribe(self, session: Session, packet: packets.Subscribe) -> None:
        codes: list[int] = []
        accepted: list[tuple[str, int]] = []
        for topic_filter, requested in packet.requests:
            if problem := topic_filter_error(topic_filter):
                log.info("client %s: refusing subscription: %s", session.label, problem)
                codes.append(packets.SUBSCRIBE_FAILURE)
                continue
            granted = min(requested, MAX_GRANTED_QOS)
            session.subscribe(topic_filter, granted)
            codes.append(granted)
            accepted.append((topic_filter, granted))
        session.send(packets.encode_suback(packet.packet_id, codes))
        for topic_filter, granted in accepted:
            self._send_retained(session, topic_filter, granted)


def _peer_name(writer: asyncio.StreamWriter) -> str:
    peer = writer.get_extra_info("peername")
    if isinstance(peer, tuple) and len(peer) >= 2:
        return f"{peer[0]}:{peer[1]}"
    return str(peer)


class EmbeddedBroker:
    """The broker on its own thread and event loop, so synchronous code (the demo, tests) can use it."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        users: Mapping[str, str] | None = None,
        max_packet: int = DEFAULT_MAX_PACKET,
        max_queued_bytes: int = DEFAULT_MAX_QUEUED_BYTES,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    ) -> None:
        self._core = BrokerCore(host, port, users, max_packet, max_queued_bytes, connect_timeout)
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    @property
    def host(self) -> str:
        return self._core.host

    @property
    def port(self) -> int:
        """The port actually listened on (the one the OS chose when constructed with port 0)."""
        return self._core.port

    @property
    def url(self) -> str:
        """How the product's clients are pointed at it (`--broker`, kiosk.toml)."""
        return f"mqtt://{self.host}:{self.port}"

    def start(self) -> EmbeddedBroker:
        """Start listening; returns once clients can connect, raises OSError when the port is taken."""
        if self._thread is not None:
            raise RuntimeError("the embedded broker is already started")
        self._thread = threading.Thread(target=self._run, name="embedded-mqtt-broker", daemon=True)
        self._thread.start()
        self._ready.wait()
        if self._error is not None:
            self._thread.join()
            self._thread = None
            raise self._error
        return self

    def stop(self) -> None:
        """Close every connection and the listener, and end the thread. Safe to call twice."""
        thread, loop, stopping = self._thread, self._loop, self._stopping
        if thread is None or loop is None or stopping is None:
            return
        with contextlib.suppress(RuntimeError):  # the loop already ended
            loop.call_soon_threadsafe(stopping.set)
        thread.join()
        self._thread = None

    def stats(self) -> dict[str, int]:
        """Counters (connections, refused, malformed, oversized, timeouts, dropped_slow_clients, ...)."""
        loop = self._loop
        if loop is None or self._thread is None:
            return dict(self._core.stats)

        async def snapshot() -> dict[str, int]:
            return dict(self._core.stats)

        return asyncio.run_coroutine_threadsafe(snapshot(), loop).result(timeout=5)

    def __enter__(self) -> EmbeddedBroker:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:  # reported to start() when it happened before listening
            if not self._ready.is_set():
                self._error = exc
            else:
                log.exception("embedded broker thread ended with an error")
        finally:
            self._ready.set()

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        await self._core.start()
        self._ready.set()
        await self._stopping.wait()
        await self._core.close()


def _parse_user(value: str) -> tuple[str, str]:
    user, sep, password = value.partition(":")
    if not sep or not user or not password:
        raise argparse.ArgumentTypeError(f"{value!r} is not NAME:PASSWORD")
    return user, password


async def _serve_forever(core: BrokerCore) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # not on Windows
            loop.add_signal_handler(sig, stop.set)
    await core.start()
    print(f"embedded MQTT broker listening on {core.host}:{core.port} (Ctrl-C stops it)", flush=True)
    await stop.wait()
    await core.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m broker.embedded",
        description="A small MQTT 3.1.1 broker for the demo and development (production runs Mosquitto).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=1883, help="port to listen on; 0 picks a free one")
    parser.add_argument(
        "--user",
        dest="users",
        action="append",
        type=_parse_user,
        metavar="NAME:PASSWORD",
        help="accept only these credentials (repeatable); without it anyone on 127.0.0.1 may connect",
    )
    parser.add_argument("--max-packet", type=int, default=DEFAULT_MAX_PACKET, help="largest packet, bytes")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every connection")
    args = parser.parse_args(argv)
    if not 0 <= args.port <= 65535:
        parser.error(f"--port {args.port} is not between 0 and 65535")
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO, format="%(asctime)s %(levelname)s %(message)s"
    )
    try:
        core = BrokerCore(args.host, args.port, dict(args.users) if args.users else None, args.max_packet)
        asyncio.run(_serve_forever(core))
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
