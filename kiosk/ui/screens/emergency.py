"""The emergency takeover: the whole screen, both languages, nothing a visitor can dismiss.

It leaves only when the announcement expires or is retracted (the app re-checks on every update and
every tick and pops this screen). Visitors cannot switch language here, so both texts are shown.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Center, Vertical
from textual.reactive import reactive
from textual.screen import ModalScreen
from textual.widgets import Static

from kiosk.replica.queries import Announcement
from kiosk.ui.context import ui_context
from kiosk.ui.safe import literal

#: Both headings, always: the visitor may read either language.
HEADINGS = ("VIKTIGT MEDDELANDE", "IMPORTANT MESSAGE")


class EmergencyScreen(ModalScreen[None]):
    # Esc is the one key a visitor would try; it is swallowed here (the app's actions refuse too).
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "ignore", show=False)]
    AUTO_FOCUS = None

    announcement: reactive[Announcement | None] = reactive(None, recompose=True)

    def __init__(self, announcement: Announcement) -> None:
        super().__init__(id="emergency")
        self.set_reactive(EmergencyScreen.announcement, announcement)

    def compose(self) -> ComposeResult:
        item = self.announcement
        if item is None:
            return
        first, second = ("en", "sv") if ui_context().language == "en" else ("sv", "en")
        primary, secondary = item.text(first), item.text(second)
        with Center(), Vertical(id="emergency-box"):
            yield Static("⚠  " + "  ·  ".join(HEADINGS) + "  ⚠", id="emergency-heading")
            yield Static(literal(primary, 500, overflow="fold"), id="emergency-text")
            if secondary and secondary != primary:
                yield Static(literal(secondary, 500, overflow="fold"), id="emergency-text-other")

    def on_screen_resume(self) -> None:
        ui_context().report_screen("emergency")

    def action_ignore(self) -> None:
        """Nothing: an emergency message stays until staff retract it or it expires."""
