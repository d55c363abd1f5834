"""Topic + payload → a verified, parsed message, or `Rejected` with the reason it is counted under."""

from __future__ import annotations

import json
import re

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from broker import topics
from broker.envelope import MAGIC, MAX_MESSAGE_BYTES, SIGNATURE_SIZE, Rejected, open_envelope
from broker.schema import (
    SCHEMA_VERSION,
    ChangeMessage,
    HeadMessage,
    StateMessage,
    parse_change,
    parse_head,
    parse_state,
)

Message = StateMessage | ChangeMessage | HeadMessage

#: SQLite stores integers in 64 bits. A larger (signed!) revision could not be stored or compared,
#: and a head that large would make every later genuine head look like a rollback.
MAX_INT = (1 << 63) - 1
_HEX64 = re.compile(r"[0-9a-fA-F]{64}")


def decode(public_key: Ed25519PublicKey, topic: str, payload: bytes) -> Message:
    """Verify first, then parse. Raises Rejected for anything a kiosk must not apply."""
    try:
        return _decode(public_key, topic, payload)
    except RecursionError:
        # json.loads on thousands of nested brackets; only possible with the admin's key.
        raise Rejected("malformed", "nested too deeply") from None


def _decode(public_key: Ed25519PublicKey, topic: str, payload: bytes) -> Message:
    if topic == topics.CHANGES:
        change = parse_change(open_envelope(public_key, topic, payload))
        _bounded(change.rev, change.prev, change.part, change.parts)
        if change.head is not None:
            _bounded(change.head.count)
        return change
    if topic == topics.HEAD:
        head = parse_head(open_envelope(public_key, topic, payload))
        _bounded(head.rev, head.count)
        if not _HEX64.fullmatch(head.digest):
            raise Rejected("malformed", "digest is not 64 hex digits")
        return head
    where = topics.parse_state(topic)
    if where is None:
        raise Rejected("malformed", f"not a content topic: {topic[:100]!r}")
    state = parse_state(open_envelope(public_key, topic, payload), *where)
    _bounded(state.rev)
    return state


def _bounded(*numbers: int) -> None:
    if any(number > MAX_INT for number in numbers):
        raise Rejected("malformed", "number out of range")


def unverified_head_claim(payload: bytes) -> tuple[int, int, str] | None:
    """(rev, count, digest) of a head payload, read WITHOUT verifying it; None if it does not parse.

    Only good for recognising a copy of a head the replica already trusts (the retained head resent on
    every subscription, the live head after a change that carried the same manifest): such a message
    cannot change anything, whoever sent it, so the engine may skip its verification. Anything else
    this returns must still go through `decode`.
    """
    if not isinstance(payload, bytes) or len(payload) > MAX_MESSAGE_BYTES or not payload.startswith(MAGIC):
        return None  # not bytes: a bug in the glue, which `decode` counts
    try:
        body = json.loads(payload[len(MAGIC) + SIGNATURE_SIZE :])
    except (ValueError, RecursionError):
        return None
    if not isinstance(body, dict) or body.get("v") != SCHEMA_VERSION or body.get("type") != "head":
        return None
    rev, count, digest = body.get("rev"), body.get("count"), body.get("digest")
    if type(rev) is not int or type(count) is not int or not isinstance(digest, str):
        return None
    return rev, count, digest.lower()
