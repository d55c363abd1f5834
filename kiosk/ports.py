"""The seam between the screen and the sync client.

The UI never talks MQTT (import-linter enforces it); the composition root (`kiosk.cli`) hands the app
an object with this shape. Callbacks arrive on the sync client's threads, so the app must only
`post_message` from them, never touch widgets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

#: "incomplete"/"complete": whether the replica holds the admin's current state (not while it is
#: bootstrapping, rebuilding a damaged file, or retrying after a failed write); the screen marks it.
#: "command": a verified remote action from the admin node (see RemoteCommand).
SyncEventKind = Literal["applied", "online", "offline", "incomplete", "complete", "command"]


@dataclass(frozen=True)
class RemoteCommand:
    """A verified, fresh remote action from the admin node (kiosk.sync.commands checked it)."""

    action: str  # screenshot, identify, restart
    id: str
    address: str  # this kiosk's address on the network that reaches the broker, for `identify`


@dataclass(frozen=True)
class SyncEvent:
    kind: SyncEventKind
    revision: int
    at: datetime
    command: RemoteCommand | None = None  # with kind "command"


class SyncPort(Protocol):
    def start(self, on_event: Callable[[SyncEvent], None]) -> None:
        """Begin syncing in the background; `on_event` is called from background threads."""

    def stop(self) -> None: ...

    def report_screen(self, screen: str) -> None:
        """Which screen is shown, for `innovatum-admin kiosks`."""

    def acknowledge(self, announcement_id: int) -> None:
        """An announcement was displayed (announcements are acknowledged once per kiosk)."""

    def answer(
        self, command: RemoteCommand, *, ok: bool, error: str = "", detail: str = "", screenshot: bytes = b""
    ) -> None:
        """Tell the admin node how a remote command went (a screenshot is the SVG)."""
