"""Remote actions for one kiosk (screenshot, identify, restart) and the kiosk's answers.

A command is signed by the admin key exactly like content (`broker.envelope`) and published, not
retained, on `command/<kiosk-id>`, which only that kiosk may read. The signature covers the topic and
the body names the kiosk, so a command for one kiosk is worthless on another's topic.

Replay: a command carries the admin node's time to the microsecond. A kiosk acts only on a command
newer than the newest it ever accepted (it persists that time before acting, so a replayed `restart`
cannot restart it again after the restart) and no further than `MAX_CLOCK_SKEW` from its own clock
(so a command captured and held back cannot be played later). Both checks live in
`kiosk.sync.commands`; this module is the wire format both sides share.

Answers go, unsigned, on `answer/<kiosk-id>`: only that kiosk may write it (ACL) and only the admin
account may read it, so a screenshot of the lobby is not visible to tenants or other kiosks. An answer
is capped at `MAX_REPLY_BYTES`, below the broker's packet limit; a screenshot travels gzip-compressed.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import json
import re
import secrets
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, cast

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from broker import topics
from broker.envelope import Rejected, seal

SCHEMA_VERSION = 1
Action = Literal["screenshot", "identify", "restart"]
ACTIONS: tuple[Action, ...] = ("screenshot", "identify", "restart")
#: How far a command's time may be from the kiosk's clock. The CLI waits seconds, not minutes, for
#: an answer; two minutes leaves room for a kiosk clock that drifted before NTP caught it.
MAX_CLOCK_SKEW = timedelta(seconds=120)
#: An answer's size on the wire: well below the broker's packet limit (broker.mosquitto).
MAX_REPLY_BYTES = 192 * 1024
#: What a screenshot may inflate to on the admin node: a compressed bomb from a broken kiosk stops here.
MAX_SCREENSHOT_BYTES = 16 * 1024 * 1024
_ID = re.compile(r"^[0-9a-f]{32}$")


def _time_text(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class Command:
    kiosk: str
    action: Action
    id: str
    at: datetime

    def body(self) -> dict[str, Any]:
        return {
            "v": SCHEMA_VERSION,
            "type": "command",
            "kiosk": self.kiosk,
            "action": self.action,
            "id": self.id,
            "at": _time_text(self.at),
        }


def new_command(kiosk_id: str, action: Action) -> Command:
    return Command(topics.safe_id(kiosk_id), action, secrets.token_hex(16), datetime.now(UTC))


def seal_command(key: Ed25519PrivateKey, command: Command) -> tuple[str, bytes]:
    topic = topics.command(command.kiosk)
    return topic, seal(key, topic, command.body())


def parse_command(body: dict[str, Any], kiosk_id: str) -> Command:
    """The command in a verified body; Rejected (reason `wrong_version` or `malformed`) otherwise."""
    if body.get("v") != SCHEMA_VERSION:
        raise Rejected("wrong_version", f"schema version {body.get('v')!r}")
    if body.get("type") != "command":
        raise Rejected("malformed", f"expected a command, got {body.get('type')!r}")
    if body.get("kiosk") != kiosk_id:
        raise Rejected("malformed", f"a command for {body.get('kiosk')!r}")
    action, command_id, at = body.get("action"), body.get("id"), body.get("at")
    if action not in ACTIONS:
        raise Rejected("malformed", f"unknown action {action!r}")
    if not isinstance(command_id, str) or not _ID.match(command_id):
        raise Rejected("malformed", "id is not 32 hex digits")
    try:
        when = datetime.fromisoformat(at) if isinstance(at, str) else None
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        raise Rejected("malformed", "at is not an ISO time with an offset")
    return Command(kiosk_id, cast(Action, action), command_id, when)


# --- answers ---------------------------------------------------------------------------------------


class ReplyTooLarge(ValueError):
    """The answer would not fit in MAX_REPLY_BYTES."""


@dataclass(frozen=True)
class Reply:
    id: str
    action: str
    ok: bool
    error: str = ""
    detail: str = ""  # what a successful action reports (identify: the address shown)
    screenshot: bytes | None = None  # the SVG, inflated


def reply_payload(
    command_id: str,
    action: str,
    *,
    ok: bool,
    error: str = "",
    detail: str = "",
    screenshot: bytes | None = None,
) -> bytes:
    body: dict[str, Any] = {
        "v": SCHEMA_VERSION,
        "type": "reply",
        "id": command_id,
        "action": action,
        "ok": ok,
        "error": error[:500],
        "detail": detail[:500],
        "at": _time_text(datetime.now(UTC)),
    }
    if screenshot is not None:
        body["svg_gzip"] = base64.b64encode(gzip.compress(screenshot, compresslevel=9)).decode("ascii")
    payload = json.dumps(body, separators=(",", ":")).encode("utf-8")
    if len(payload) > MAX_REPLY_BYTES:
        raise ReplyTooLarge(f"{len(payload)} bytes, the limit is {MAX_REPLY_BYTES}")
    return payload


def _inflate(text: str) -> bytes | None:
    try:
        inflater = zlib.decompressobj(wbits=31)  # gzip
        data = inflater.decompress(base64.b64decode(text, validate=True), MAX_SCREENSHOT_BYTES)
    except (binascii.Error, zlib.error, ValueError):
        return None
    if inflater.unconsumed_tail or not inflater.eof:
        return None  # larger than MAX_SCREENSHOT_BYTES, or truncated
    return data


def parse_reply(payload: bytes) -> Reply | None:
    """An answer as the admin node reads it (unsigned: the ACL says who wrote it); None if malformed."""
    if len(payload) > MAX_REPLY_BYTES:
        return None
    try:
        body = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(body, dict) or body.get("v") != SCHEMA_VERSION or body.get("type") != "reply":
        return None
    command_id, action, ok = body.get("id"), body.get("action"), body.get("ok")
    if not isinstance(command_id, str) or not isinstance(action, str) or not isinstance(ok, bool):
        return None
    error, detail = body.get("error", ""), body.get("detail", "")
    screenshot = None
    if "svg_gzip" in body:
        svg = body["svg_gzip"]
        screenshot = _inflate(svg) if isinstance(svg, str) else None
        if screenshot is None:
            return None
    return Reply(
        command_id,
        action,
        ok,
        error if isinstance(error, str) else "",
        detail if isinstance(detail, str) else "",
        screenshot,
    )
