"""The kiosk's gate for remote commands: verify like content, refuse replays, remember what it took.

Checks, in order (`broker.commands` describes the wire format):

1. topic, size and Ed25519 signature (`broker.envelope.open_envelope`, the admin key content uses);
2. schema: version, type, this kiosk's id, a known action, a 32-hex id, a time with an offset;
3. replay: the command's time must be newer than the newest command this kiosk ever accepted;
4. freshness: within `MAX_CLOCK_SKEW` of the kiosk's clock.

A failure of 1-3 is dropped and counted by reason (`dropped`), silently: answering a forged or
replayed command would let anyone who can publish make the kiosk talk. A genuine command that fails
4 is answered with the reason (the admin node's clock or the kiosk's is wrong, and staff should
know), and not acted on.

The newest accepted time is written to `state_path` (beside the replica) *before* the command runs,
so a `restart` is not replayed onto the restarted process. If that file cannot be written the
command is refused: acting without remembering would reopen the replay. A lost file (a wiped disk)
allows at most the commands of the last `MAX_CLOCK_SKEW`, which freshness bounds.
"""

from __future__ import annotations

import logging
import os
import socket
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from broker import topics
from broker.commands import MAX_CLOCK_SKEW, Command, ReplyTooLarge, parse_command, reply_payload
from broker.envelope import Rejected, open_envelope
from broker.keys import load_public_key_b64
from broker.settings import BrokerSettings
from kiosk.config import KioskConfig
from kiosk.ports import RemoteCommand, SyncPort

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Verdict:
    command: Command
    #: Empty: run it. Otherwise a genuine command that must not run; the reason is its answer.
    refusal: str = ""


def state_path_for(database: Path) -> Path:
    return database.with_name(database.name + ".commands")


class CommandGate:
    def __init__(
        self,
        kiosk_id: str,
        key: Ed25519PublicKey,
        state_path: Path,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.kiosk_id = kiosk_id
        self.topic = topics.command(kiosk_id)
        self._key = key
        self._state_path = state_path
        self._clock = clock
        self.dropped: Counter[str] = Counter()
        self._newest = self._load()

    def _load(self) -> datetime | None:
        try:
            value = datetime.fromisoformat(self._state_path.read_text(encoding="utf-8").strip())
        except FileNotFoundError:
            return None
        except (OSError, ValueError, UnicodeDecodeError) as exc:
            log.warning("cannot read %s (%s): only freshness guards against replays", self._state_path, exc)
            return None
        return value if value.tzinfo is not None else None

    def _remember(self, when: datetime) -> bool:
        tmp = self._state_path.with_name(self._state_path.name + ".tmp")
        try:
            tmp.write_text(when.astimezone(UTC).isoformat(timespec="microseconds"), encoding="utf-8")
            with tmp.open("rb") as handle:
                os.fsync(handle.fileno())
            os.replace(tmp, self._state_path)
        except OSError as exc:
            log.error("cannot record the command in %s (%s): refusing it", self._state_path, exc)
            return False
        self._newest = when
        return True

    def _drop(self, reason: str, detail: str = "") -> None:
        self.dropped[reason] += 1
        log.warning("dropped a command (%s%s)", reason, f": {detail}" if detail else "")

    def check(self, topic: str, payload: bytes) -> Verdict | None:
        """What to do with a message on the command topic; None when it is dropped."""
        if topic != self.topic:
            self._drop("malformed", f"topic {topic}")
            return None
        try:
            command = parse_command(open_envelope(self._key, topic, payload), self.kiosk_id)
        except Rejected as exc:
            self._drop(exc.reason, exc.detail)
            return None
        if self._newest is not None and command.at <= self._newest:
            self._drop("stale", f"{command.action} from {command.at.isoformat()}, a replay")
            return None
        skew = command.at - self._clock()
        if abs(skew) > MAX_CLOCK_SKEW:
            # Remembered too: the same refused command replayed later is a replay, not news.
            self._remember(command.at)
            return Verdict(
                command,
                f"the command's time differs from the kiosk's clock by {abs(skew.total_seconds()):.0f} s "
                f"(at most {MAX_CLOCK_SKEW.total_seconds():.0f} s): check both clocks",
            )
        if not self._remember(command.at):
            return Verdict(command, f"the kiosk cannot record the command in {self._state_path}")
        return Verdict(command)


# --- the sync client's glue -------------------------------------------------------------------------


def gate(config: KioskConfig) -> CommandGate:
    """The gate for this kiosk: the admin key its content is verified with, state beside the replica."""
    key = load_public_key_b64(config.admin_public_key)
    return CommandGate(config.kiosk_id, key, state_path_for(config.database))


def local_address(broker: BrokerSettings) -> str:
    """The address this kiosk uses towards the broker (what a technician sees in the router's table).

    A UDP "connection" only picks the route and source address; nothing is sent.
    """
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect((broker.host, broker.port))
            return str(probe.getsockname()[0])
    except OSError:
        return ""


def port_command(command: Command, broker: BrokerSettings) -> RemoteCommand:
    return RemoteCommand(command.action, command.id, local_address(broker))


def answer_payload(
    command: RemoteCommand, *, ok: bool, error: str = "", detail: str = "", screenshot: bytes = b""
) -> bytes:
    """The answer on the wire; a screenshot over the cap is answered with the reason instead."""
    try:
        return reply_payload(
            command.id, command.action, ok=ok, error=error, detail=detail, screenshot=screenshot or None
        )
    except ReplyTooLarge as exc:
        log.warning("screenshot not sent: %s", exc)
        error = f"the screenshot is too large ({exc})"
        return reply_payload(command.id, command.action, ok=False, error=error)


def run_headless(command: RemoteCommand, port: SyncPort, restart: Callable[[], None]) -> None:
    """A kiosk without a screen: it can restart, but has nothing to show or photograph."""
    log.info("remote command %s (%s)", command.action, command.id)
    if command.action == "restart":
        log.info("restarting: asked to by the admin node")
        port.answer(command, ok=True, detail="restarting (headless)")
        restart()
    else:
        port.answer(command, ok=False, error=f"this kiosk runs headless: no screen to {command.action}")
