"""One client connection of the embedded broker: its subscriptions and its outgoing queue.

Routing a message only appends to the subscriber's queue; a writer task per connection drains the queue
into the socket. So a subscriber that reads slowly delays nobody but itself, and when its queue grows
past the limit the broker drops that one client rather than buffering without bound.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from dataclasses import dataclass

from broker import embedded_packets as packets
from broker.embedded_topics import matches, split_filter

log = logging.getLogger("broker.embedded")

#: Bytes written before the writer waits for the socket to take them.
_WRITE_CHUNK = 64 * 1024
#: Outgoing QoS 1 messages the client has not acknowledged yet; past this the client is not reading
#: its acknowledgements properly and is dropped (packet ids would run out at 65535 anyway).
MAX_UNACKED = 20_000


@dataclass(frozen=True, slots=True)
class Message:
    topic: str
    payload: bytes
    qos: int
    retain: bool


@dataclass(frozen=True, slots=True)
class _Delivery:
    """A message on its way to this client; encoded when written, so the packet id is assigned in order."""

    topic: str
    payload: bytes
    qos: int
    retain: bool
    queued_bytes: int


class Session:
    """The broker's view of one connected client. Lives on the broker's event loop only."""

    def __init__(self, writer: asyncio.StreamWriter, peer: str, max_queued_bytes: int) -> None:
        self.writer = writer
        self.peer = peer
        self.client_id = ""
        self.will: packets.Will | None = None
        self.subscriptions: dict[str, tuple[tuple[str, ...], int]] = {}
        #: Inbound QoS 2 packet ids between PUBREC and PUBREL: a resent PUBLISH is not routed twice.
        self.awaiting_release: set[int] = set()
        self.closed = False
        self.close_reason = ""
        self._max_queued_bytes = max_queued_bytes
        self._queue: deque[bytes | _Delivery] = deque()
        self._queued_bytes = 0
        self._wake = asyncio.Event()
        self._unacked: set[int] = set()
        self._next_packet_id = 1
        self._writer_task: asyncio.Task[None] | None = None

    @property
    def label(self) -> str:
        return f"{self.client_id!r} from {self.peer}" if self.client_id else self.peer

    # Subscriptions ---------------------------------------------------------------------------

    def subscribe(self, topic_filter: str, qos: int) -> None:
        self.subscriptions[topic_filter] = (split_filter(topic_filter), qos)

    def unsubscribe(self, topic_filter: str) -> None:
        self.subscriptions.pop(topic_filter, None)

    def granted_qos(self, topic_levels: list[str]) -> int | None:
        """The highest QoS among this client's matching subscriptions (one copy per client), or None."""
        best: int | None = None
        for levels, qos in self.subscriptions.values():
            if (best is None or qos > best) and matches(levels, topic_levels):
                best = qos
        return best

    # Outgoing ----------------------------------------------------------------------------------

    def start_writer(self) -> None:
        self._writer_task = asyncio.get_running_loop().create_task(self._write_loop())

    def send(self, packet: bytes) -> None:
        """Queue a control packet (CONNACK, PUBACK, SUBACK, ...) behind everything queued before it."""
        if not self.closed:
            self._queue.append(packet)
            self._wake.set()

    def deliver(self, message: Message, qos: int, retain: bool, bounded: bool = True) -> bool:
        """Queue a message; False (and the client is being dropped) when its queue is over the limit.

        Retained messages sent on SUBSCRIBE are not bounded: they are the broker's own store, already in
        memory, and a kiosk bootstrapping thousands of retained records must not be mistaken for a slow
        reader.
        """
        if self.closed:
            return True
        size = len(message.topic) + len(message.payload) + 16 if bounded else 0
        if self._queued_bytes + size > self._max_queued_bytes:
            self.abort(f"outgoing queue over {self._max_queued_bytes} bytes (client reads too slowly)")
            return False
        self._queued_bytes += size
        self._queue.append(_Delivery(message.topic, message.payload, qos, retain, size))
        self._wake.set()
        return True

    def acknowledged(self, packet_id: int) -> None:
        self._unacked.discard(packet_id)

    def abort(self, reason: str) -> None:
        """Stop sending and drop the connection now; the reader then sees the socket close and cleans up."""
        if self.closed:
            return
        self.closed = True
        self.close_reason = reason
        self._queue.clear()
        self._wake.set()
        self.writer.transport.abort()

    async def flush_and_close(self) -> None:
        """Write what is queued (a refusing CONNACK, say), then close the socket."""
        while self._queue and not self.closed:
            item = self._queue.popleft()
            if isinstance(item, bytes):
                self.writer.write(item)
        self.closed = True
        with contextlib.suppress(ConnectionError, OSError):
            await self.writer.drain()
        self.writer.close()

    async def stop_writer(self) -> None:
        if self._writer_task is not None:
            self._writer_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._writer_task

    def _encode(self, item: bytes | _Delivery) -> bytes:
        if isinstance(item, bytes):
            return item
        self._queued_bytes -= item.queued_bytes
        packet_id = self._allocate_packet_id() if item.qos else None
        return packets.encode_publish(item.topic, item.payload, item.qos, item.retain, packet_id)

    def _allocate_packet_id(self) -> int:
        if len(self._unacked) >= MAX_UNACKED:
            raise _TooManyUnacked
        while self._next_packet_id in self._unacked:
            self._next_packet_id = self._next_packet_id % 65535 + 1
        packet_id = self._next_packet_id
        self._next_packet_id = packet_id % 65535 + 1
        self._unacked.add(packet_id)
        return packet_id

    async def _write_loop(self) -> None:
        try:
            while not self.closed:
                await self._wake.wait()
                self._wake.clear()
                while self._queue and not self.closed:
                    written = 0
                    while self._queue and written < _WRITE_CHUNK:
                        data = self._encode(self._queue.popleft())
                        self.writer.write(data)
                        written += len(data)
                    await self.writer.drain()
        except _TooManyUnacked:
            self.abort(f"more than {MAX_UNACKED} QoS 1 messages left unacknowledged")
        except (ConnectionError, OSError) as exc:
            self.abort(f"write failed: {exc}")


class _TooManyUnacked(Exception):
    pass
