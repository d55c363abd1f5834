"""What the screen does with a remote command the sync client verified (kiosk.sync.commands).

- `screenshot`: Textual's SVG export of what is on screen now, answered through the port;
- `identify`: the kiosk's id, location and address, large, over whatever is shown, for
  `IDENTIFY_SECONDS` (a technician with a dozen screens in a building finds the right one);
- `restart`: answer, then exit the app; systemd (`Restart=always`) or the console session starts it
  again, which is also how a kiosk picks up a new version.

The UI never talks MQTT: the command arrives as a message posted from the sync client's thread, and
the answer leaves through `SyncPort.answer`.
"""

from __future__ import annotations

import logging
from typing import Any

from textual.app import App, ComposeResult
from textual.containers import Center, Middle
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Static

from kiosk.ports import RemoteCommand, SyncPort

log = logging.getLogger(__name__)

IDENTIFY_SECONDS = 30.0


class RemoteCommandReceived(Message):
    """Posted from the sync client's thread; handled on the app's loop."""

    def __init__(self, command: RemoteCommand) -> None:
        super().__init__()
        self.command = command


class IdentifyScreen(ModalScreen[None]):
    """Who this screen is, as large as a terminal can make it; closes by itself."""

    DEFAULT_CSS = """
    IdentifyScreen { align: center middle; background: $background 90%; }
    IdentifyScreen #identify-box {
        width: 90%; height: auto; padding: 2 4; border: heavy $warning;
        background: $warning; color: $text; text-align: center; text-style: bold;
    }
    """

    def __init__(self, kiosk_id: str, location: str, address: str, seconds: float = IDENTIFY_SECONDS) -> None:
        super().__init__(id="identify")
        self.kiosk_id = kiosk_id
        self.location = location
        self.address = address
        self.seconds = seconds

    def compose(self) -> ComposeResult:
        lines = [f"█ {self.kiosk_id} █", self.location, self.address or "(no network address)"]
        text = "\n\n".join(line for line in lines if line)
        with Middle(), Center():
            yield Static(text, id="identify-box", markup=False)

    def on_mount(self) -> None:
        self.set_timer(self.seconds, self.dismiss)


def run(
    app: App[Any], port: SyncPort | None, command: RemoteCommand, *, kiosk_id: str, location: str
) -> None:
    """Carry out a verified command on the app's loop and answer it."""
    if port is None:
        return
    log.info("remote command %s (%s)", command.action, command.id)
    if command.action == "screenshot":
        port.answer(command, ok=True, screenshot=app.export_screenshot().encode("utf-8"))
    elif command.action == "identify":
        for screen in app.screen_stack:
            if isinstance(screen, IdentifyScreen):
                screen.dismiss()
        app.push_screen(IdentifyScreen(kiosk_id, location, command.address))
        shown = f"showing {kiosk_id} {command.address} for {IDENTIFY_SECONDS:.0f} s"
        port.answer(command, ok=True, detail=shown)
    elif command.action == "restart":
        log.info("restarting: asked to by the admin node")
        port.answer(command, ok=True, detail="restarting")
        app.exit()
    else:
        port.answer(command, ok=False, error=f"unknown action {command.action!r}")
