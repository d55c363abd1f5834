"""Unit tests of the command gate's clock and replay rules and of the answer's size limits; the
end-to-end path (real broker, real kiosk) is tests/kiosk/sync/test_ops_remote_commands.py."""

from __future__ import annotations

import base64
import gzip
import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from broker.commands import MAX_REPLY_BYTES, MAX_SCREENSHOT_BYTES, Command, parse_reply, seal_command
from kiosk.ports import RemoteCommand
from kiosk.sync.commands import CommandGate, answer_payload

KEY = Ed25519PrivateKey.generate()


def command(at: datetime, action: str = "identify") -> tuple[str, bytes]:
    return seal_command(KEY, Command("lobby-1", action, "ab" * 16, at))  # type: ignore[arg-type]


def gate(tmp_path: Path, now: datetime) -> CommandGate:
    return CommandGate("lobby-1", KEY.public_key(), tmp_path / "replica.db.commands", clock=lambda: now)


def test_a_genuine_command_from_a_wrong_clock_is_answered_not_run(tmp_path: Path) -> None:
    now = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    verdict = gate(tmp_path, now).check(*command(now - timedelta(minutes=10)))
    assert verdict is not None
    assert verdict.refusal.startswith("the command's time differs from the kiosk's clock by 600 s")


def test_the_newest_accepted_time_survives_a_restart(tmp_path: Path) -> None:
    now = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    first = command(now, "restart")
    accepted = gate(tmp_path, now).check(*first)
    assert accepted is not None and accepted.refusal == ""
    # A fresh gate (the restarted process) reads the file and drops the same command as a replay.
    again = gate(tmp_path, now)
    assert again.check(*first) is None
    assert again.dropped["stale"] == 1
    later = again.check(*command(now + timedelta(seconds=1)))
    assert later is not None and later.refusal == ""


def test_an_unwritable_state_file_refuses_the_command(tmp_path: Path) -> None:
    now = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    blocked = CommandGate("lobby-1", KEY.public_key(), tmp_path / "missing" / "x.commands", clock=lambda: now)
    verdict = blocked.check(*command(now))
    assert verdict is not None and verdict.refusal.startswith("the kiosk cannot record the command")


def test_a_screenshot_over_the_cap_is_answered_with_the_reason() -> None:
    noise = os.urandom(MAX_REPLY_BYTES)  # does not compress
    payload = answer_payload(RemoteCommand("screenshot", "ab" * 16, ""), ok=True, screenshot=noise)
    reply = parse_reply(payload)
    assert reply is not None and not reply.ok and reply.error.startswith("the screenshot is too large")


def test_a_compressed_bomb_is_not_inflated() -> None:
    bomb = base64.b64encode(gzip.compress(b"\0" * (MAX_SCREENSHOT_BYTES + 1))).decode()
    body = {"v": 1, "type": "reply", "id": "ab" * 16, "action": "screenshot", "ok": True, "svg_gzip": bomb}
    assert parse_reply(json.dumps(body).encode()) is None
