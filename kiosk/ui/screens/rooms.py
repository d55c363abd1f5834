"""The project arena's room board: each room free or busy now, what is next, today's timeline."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll

from kiosk.ui.context import ui_context
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.screens.wayfinding import ways_to_rooms
from kiosk.ui.widgets.room_board import RoomBoard


class RoomsScreen(KioskScreen):
    section = "rooms"
    follows_clock = True

    def screen_title(self) -> str:
        return self._("Project arena · rooms")

    def compose_body(self) -> ComposeResult:
        context = ui_context()
        now = context.now()
        rooms = context.queries.rooms(now.date())
        with VerticalScroll(id="rooms"):
            yield RoomBoard(rooms, now)
            yield from ways_to_rooms(self, [(room.slug, room.name) for room in rooms])
