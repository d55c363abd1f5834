"""MQTT 3.1.1 packets for the embedded broker: bytes from a client in, typed packets out, and back.

Every way a packet can be wrong raises `MalformedPacket` with a short reason, so the broker core only
has to close that one connection and log the reason; it never has to reason about bad bytes itself.
Only what a server needs is here: decoders for what clients send, encoders for what servers send.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

CONNECT, CONNACK, PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP = 1, 2, 3, 4, 5, 6, 7
SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK, PINGREQ, PINGRESP, DISCONNECT = 8, 9, 10, 11, 12, 13, 14

#: CONNACK return codes (MQTT 3.1.1 section 3.2.2.3).
ACCEPTED = 0
REFUSED_PROTOCOL_VERSION = 1
REFUSED_IDENTIFIER = 2
REFUSED_BAD_CREDENTIALS = 4
REFUSED_NOT_AUTHORIZED = 5

#: SUBACK code for a filter the broker will not accept.
SUBSCRIBE_FAILURE = 0x80

#: The largest remaining length a 4-byte variable-length integer can express.
MAX_REMAINING_LENGTH = 268_435_455

_NAMES = {
    CONNECT: "CONNECT",
    CONNACK: "CONNACK",
    PUBLISH: "PUBLISH",
    PUBACK: "PUBACK",
    PUBREC: "PUBREC",
    PUBREL: "PUBREL",
    PUBCOMP: "PUBCOMP",
    SUBSCRIBE: "SUBSCRIBE",
    SUBACK: "SUBACK",
    UNSUBSCRIBE: "UNSUBSCRIBE",
    UNSUBACK: "UNSUBACK",
    PINGREQ: "PINGREQ",
    PINGRESP: "PINGRESP",
    DISCONNECT: "DISCONNECT",
}
#: The spec fixes the low header nibble of every packet type except PUBLISH.
_REQUIRED_FLAGS = {PUBREL: 0b0010, SUBSCRIBE: 0b0010, UNSUBSCRIBE: 0b0010}
_PROTOCOLS = {"MQTT": 4, "MQIsdp": 3}


class MalformedPacket(ValueError):
    """The client broke the protocol; the message says how, in a few words, for the log."""


class OversizedPacket(MalformedPacket):
    """The packet announced a length above the broker's limit; its body was never read."""


class UnacceptableProtocol(MalformedPacket):
    """A well-formed CONNECT for a protocol level this broker does not speak (answered with CONNACK 1)."""


@dataclass(frozen=True, slots=True)
class Will:
    topic: str
    payload: bytes
    qos: int
    retain: bool


@dataclass(frozen=True, slots=True)
class Connect:
    protocol_level: int
    client_id: str
    clean_session: bool
    keepalive: int
    will: Will | None
    username: str | None
    password: bytes | None


@dataclass(frozen=True, slots=True)
class Publish:
    topic: str
    payload: bytes
    qos: int
    retain: bool
    dup: bool
    packet_id: int | None


@dataclass(frozen=True, slots=True)
class Subscribe:
    packet_id: int
    requests: tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class Unsubscribe:
    packet_id: int
    filters: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PacketIdOnly:
    """PUBACK, PUBREC, PUBREL or PUBCOMP: a type and the packet identifier it refers to."""

    kind: int
    packet_id: int


@dataclass(frozen=True, slots=True)
class Bare:
    """PINGREQ or DISCONNECT: a packet that is only its type."""

    kind: int


Packet = Connect | Publish | Subscribe | Unsubscribe | PacketIdOnly | Bare


def name(kind: int) -> str:
    return _NAMES.get(kind, f"reserved type {kind}")


async def read_packet(
    reader: asyncio.StreamReader, max_packet: int, only: int | None = None
) -> tuple[int, int, bytes]:
    """(type, header flags, body) of the next packet; the length is checked before the body is read.

    With `only`, any other packet type is refused on its first byte, so a stray HTTP request or other
    garbage is closed at once instead of waiting for the body its bytes seem to announce.
    """
    first = (await reader.readexactly(1))[0]
    if only is not None and first >> 4 != only:
        raise MalformedPacket(f"first packet is {name(first >> 4)}, not {name(only)}")
    length, multiplier = 0, 1
    for _ in range(4):
        byte = (await reader.readexactly(1))[0]
        length += (byte & 0x7F) * multiplier
        if not byte & 0x80:
            break
        multiplier *= 128
    else:
        raise MalformedPacket("remaining length runs past 4 bytes")
    if length > max_packet:
        raise OversizedPacket(f"{name(first >> 4)} of {length} bytes is over the {max_packet}-byte limit")
    body = await reader.readexactly(length) if length else b""
    return first >> 4, first & 0x0F, body


class _Cursor:
    """Reads the length-prefixed fields of one packet body, refusing to run past its end."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._pos = 0

    def take(self, count: int, what: str) -> bytes:
        if self._pos + count > len(self._data):
            raise MalformedPacket(f"{what} runs past the end of the packet")
        chunk = self._data[self._pos : self._pos + count]
        self._pos += count
        return chunk

    def byte(self, what: str) -> int:
        return self.take(1, what)[0]

    def u16(self, what: str) -> int:
        return int.from_bytes(self.take(2, what), "big")

    def binary(self, what: str) -> bytes:
        return self.take(self.u16(what), what)

    def utf8(self, what: str) -> str:
        raw = self.binary(what)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise MalformedPacket(f"{what} is not valid UTF-8") from None
        if "\x00" in text:  # [MQTT-1.5.3-2]
            raise MalformedPacket(f"{what} contains U+0000")
        return text

    def rest(self) -> bytes:
        chunk = self._data[self._pos :]
        self._pos = len(self._data)
        return chunk

    @property
    def at_end(self) -> bool:
        return self._pos >= len(self._data)

    def expect_end(self, what: str) -> None:
        if not self.at_end:
            raise MalformedPacket(f"{what} has {len(self._data) - self._pos} unexpected trailing bytes")


def decode(kind: int, flags: int, body: bytes) -> Packet:
    """The typed packet a client sent; MalformedPacket for anything a client must not send."""
    if kind != PUBLISH and flags != _REQUIRED_FLAGS.get(kind, 0):
        raise MalformedPacket(f"{name(kind)} with reserved header flags {flags:#06b}")
    cursor = _Cursor(body)
    if kind == CONNECT:
        return _connect(cursor)
    if kind == PUBLISH:
        return _publish(flags, cursor)
    if kind in (PUBACK, PUBREC, PUBREL, PUBCOMP):
        packet_id = cursor.u16(f"{name(kind)} packet id")
        cursor.expect_end(name(kind))
        return PacketIdOnly(kind, packet_id)
    if kind == SUBSCRIBE:
        return _subscribe(cursor)
    if kind == UNSUBSCRIBE:
        return _unsubscribe(cursor)
    if kind in (PINGREQ, DISCONNECT):
        cursor.expect_end(name(kind))
        return Bare(kind)
    raise MalformedPacket(f"a client must not send {name(kind)}")


def _connect(cursor: _Cursor) -> Connect:
    protocol = cursor.utf8("protocol name")
    level = cursor.byte("protocol level")
    if protocol not in _PROTOCOLS:
        raise MalformedPacket(f"unknown protocol name {protocol!r}")
    if level != _PROTOCOLS[protocol]:
        raise UnacceptableProtocol(f"protocol {protocol!r} level {level} is not supported")
    flags = cursor.byte("connect flags")
    keepalive = cursor.u16("keep alive")
    if flags & 0x01:
        raise MalformedPacket("CONNECT reserved flag is set")
    has_user, has_password = bool(flags & 0x80), bool(flags & 0x40)
    will_retain, will_qos, has_will = bool(flags & 0x20), (flags >> 3) & 0x03, bool(flags & 0x04)
    if not has_will and (will_qos or will_retain):
        raise MalformedPacket("will QoS or retain set without a will")
    if will_qos == 3:
        raise MalformedPacket("will QoS 3")
    if has_password and not has_user:
        raise MalformedPacket("password without a user name")
    client_id = cursor.utf8("client id")
    will = None
    if has_will:
        will_topic = cursor.utf8("will topic")
        will = Will(will_topic, cursor.binary("will message"), will_qos, will_retain)
    username = cursor.utf8("user name") if has_user else None
    password = cursor.binary("password") if has_password else None
    cursor.expect_end("CONNECT")
    return Connect(level, client_id, bool(flags & 0x02), keepalive, will, username, password)


def _publish(flags: int, cursor: _Cursor) -> Publish:
    qos = (flags >> 1) & 0x03
    if qos == 3:
        raise MalformedPacket("PUBLISH with QoS 3")
    dup = bool(flags & 0x08)
    if dup and qos == 0:
        raise MalformedPacket("PUBLISH QoS 0 with DUP set")
    topic = cursor.utf8("topic name")
    packet_id = None
    if qos:
        packet_id = cursor.u16("packet id")
        if packet_id == 0:
            raise MalformedPacket("PUBLISH with packet id 0")
    return Publish(topic, cursor.rest(), qos, bool(flags & 0x01), dup, packet_id)


def _subscribe(cursor: _Cursor) -> Subscribe:
    packet_id = _nonzero_id(cursor, "SUBSCRIBE")
    requests: list[tuple[str, int]] = []
    while not cursor.at_end:
        topic_filter = cursor.utf8("topic filter")
        options = cursor.byte("requested QoS")
        if options > 2:
            raise MalformedPacket(f"SUBSCRIBE requested QoS byte {options:#04x}")
        requests.append((topic_filter, options))
    if not requests:
        raise MalformedPacket("SUBSCRIBE without a topic filter")
    return Subscribe(packet_id, tuple(requests))


def _unsubscribe(cursor: _Cursor) -> Unsubscribe:
    packet_id = _nonzero_id(cursor, "UNSUBSCRIBE")
    filters: list[str] = []
    while not cursor.at_end:
        filters.append(cursor.utf8("topic filter"))
    if not filters:
        raise MalformedPacket("UNSUBSCRIBE without a topic filter")
    return Unsubscribe(packet_id, tuple(filters))


def _nonzero_id(cursor: _Cursor, what: str) -> int:
    packet_id = cursor.u16(f"{what} packet id")
    if packet_id == 0:
        raise MalformedPacket(f"{what} with packet id 0")
    return packet_id


def _remaining_length(length: int) -> bytes:
    if not 0 <= length <= MAX_REMAINING_LENGTH:
        raise ValueError(f"a packet body of {length} bytes cannot be encoded")
    out = bytearray()
    while True:
        byte, length = length % 128, length // 128
        out.append(byte | 0x80 if length else byte)
        if not length:
            return bytes(out)


def _packet(first: int, body: bytes) -> bytes:
    return bytes((first,)) + _remaining_length(len(body)) + body


def encode_connack(session_present: bool, code: int) -> bytes:
    return _packet(CONNACK << 4, bytes((int(session_present), code)))


def encode_publish(topic: str, payload: bytes, qos: int, retain: bool, packet_id: int | None) -> bytes:
    raw_topic = topic.encode("utf-8")
    body = len(raw_topic).to_bytes(2, "big") + raw_topic
    if qos:
        if not packet_id:
            raise ValueError("a QoS 1 or 2 PUBLISH needs a packet id")
        body += packet_id.to_bytes(2, "big")
    return _packet(PUBLISH << 4 | qos << 1 | int(retain), body + payload)


def encode_ack(kind: int, packet_id: int) -> bytes:
    """PUBACK, PUBREC, PUBCOMP or UNSUBACK for a packet id."""
    return _packet(kind << 4 | _REQUIRED_FLAGS.get(kind, 0), packet_id.to_bytes(2, "big"))


def encode_suback(packet_id: int, codes: list[int]) -> bytes:
    return _packet(SUBACK << 4, packet_id.to_bytes(2, "big") + bytes(codes))


PINGRESP_PACKET = _packet(PINGRESP << 4, b"")
