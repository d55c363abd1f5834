"""The project arena's room board: each room free or busy now, what is next, today's timeline."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll

from kiosk.ui.context import ui_context
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.widgets.room_board import RoomBoard


class RoomsScreen(KioskScreen):
    section = "rooms"
    follows_clock = True

    def screen_title(self) -> str:
        return self._("Project arena · rooms")

    def compose_body(self) -> ComposeResult:
        context = ui_context()
        now = context.now()
        with VerticalScroll(id="rooms"):
            yield RoomBoard(context.queries.rooms(now.date()), now)
