"""Signed envelopes: MAGIC, a 64-byte Ed25519 signature, then the UTF-8 JSON body.

The signature covers the topic as well as the body, so a genuine message cannot be replayed onto
another topic (a tenant's record onto another tenant's key, a state message onto the change stream).
"""

from __future__ import annotations

import json
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

MAGIC = b"IKS1"
SIGNATURE_SIZE = 64
#: Anything larger is dropped before any parsing; mosquitto's max_packet_size is set above this.
MAX_MESSAGE_BYTES = 256 * 1024
_DOMAIN = b"innovatum-kiosk/v1\x00"


class Rejected(Exception):
    """A message a kiosk must drop. `reason` is the counter it is counted under."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


def canonical_json(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")


def _signed_bytes(topic: str, body: bytes) -> bytes:
    return _DOMAIN + topic.encode("utf-8") + b"\x00" + body


def seal(key: Ed25519PrivateKey, topic: str, body: dict[str, Any]) -> bytes:
    raw = canonical_json(body)
    return MAGIC + key.sign(_signed_bytes(topic, raw)) + raw


def open_envelope(key: Ed25519PublicKey, topic: str, payload: bytes) -> dict[str, Any]:
    """Verify and parse; raise Rejected with the reason a kiosk counts the drop under."""
    if len(payload) > MAX_MESSAGE_BYTES:
        raise Rejected("oversized", f"{len(payload)} bytes")
    if not payload.startswith(MAGIC) or len(payload) < len(MAGIC) + SIGNATURE_SIZE + 2:
        raise Rejected("unsigned")
    signature = payload[len(MAGIC) : len(MAGIC) + SIGNATURE_SIZE]
    raw = payload[len(MAGIC) + SIGNATURE_SIZE :]
    try:
        key.verify(signature, _signed_bytes(topic, raw))
    except InvalidSignature:
        raise Rejected("bad_signature") from None
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        # Only reachable with the real key: a bug on the admin side, still never a crash here.
        raise Rejected("malformed", str(exc)) from None
    if not isinstance(body, dict):
        raise Rejected("malformed", "body is not an object")
    return body
