"""One event: when, where, for whom, and a QR code to register (unless it is cancelled).

The code goes beside the text, else below it, only where it fits whole (a phone cannot scan half a
code). A code that fits neither place gets a "Show QR code" button (key q) that opens it on its own
screen (kiosk/ui/screens/qr_view.py).
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Label, Static

from kiosk.replica.queries import Event
from kiosk.ui.context import ui_context
from kiosk.ui.i18n import format_range
from kiosk.ui.navigation import OpenPage
from kiosk.ui.safe import literal
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.screens.qr_view import QrContent, QrScreen, plan_for
from kiosk.ui.screens.wayfinding import action_way_there, way_to_place
from kiosk.ui.widgets.qr_card import QrCard, fitting_border

INFO_MIN_COLUMNS = 36


class EventScreen(KioskScreen):
    section = "events"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "show_qr", "QR code", show=False),
        Binding("w", "way_there", "The way there", show=False),
    ]

    def __init__(self, event_id: int) -> None:
        super().__init__()
        self.event_id = event_id

    def report_name(self) -> str:
        return f"event:{self.event_id}"

    def screen_title(self) -> str:
        return self._("Event")

    def compose_body(self) -> ComposeResult:
        context = ui_context()
        event = context.queries.event(self.event_id)
        if event is None:
            yield Static(self._("This event is no longer in the calendar."), classes="empty")
            yield Static(self._("Press Esc or touch a section below."), classes="hint")
            return
        language = context.language
        rows, columns = self.body_rows(), self.body_columns() - 2
        # A code goes beside the text if it fits whole there, else below it if it fits whole in the
        # rows a visitor sees when scrolled to it, else on its own screen behind a button.
        code = self._code(event)
        caption = self._caption(event)
        border_beside = fitting_border(code, columns - INFO_MIN_COLUMNS, rows) if code else None
        border_below = None
        if code and border_beside is None:
            border_below = fitting_border(code, columns - 2, rows)
        own_screen = bool(code) and border_beside is None and border_below is None
        with Horizontal(id="event"):
            with VerticalScroll(id="event-info"):
                yield Label(literal(event.title(language), 200, overflow="fold"), classes="title")
                if event.cancelled:
                    yield Label(self._("Cancelled"), classes="badge -cancelled")
                elif event.full:
                    yield Label(self._("Fully booked"), classes="badge -full")
                when = format_range(event.start, event.end, language, all_day=event.all_day)
                yield Label(self._("When"), classes="heading")
                yield Static(when, classes="field")
                if event.place:
                    yield Label(self._("Where"), classes="heading")
                    yield Static(literal(event.place, 200, overflow="fold"), classes="field")
                    yield from way_to_place(self, event.place, event.title(language))
                if event.audience:
                    yield Label(self._("For"), classes="heading")
                    yield Static(literal(event.audience, 200, overflow="fold"), classes="field")
                description = event.description(language)
                if description:
                    yield Static(literal(description, 2000, overflow="fold"), classes="description")
                if code and border_below is not None:
                    yield QrCard(caption, code, border=border_below, id="event-code")
            if code and border_beside is not None:
                yield QrCard(caption, code, border=border_beside, id="event-code")
        if own_screen:
            yield from self._qr_button(code)

    def _qr_button(self, code: str) -> ComposeResult:
        # Offered only when the QR view can show the code whole; else the page has no code at all.
        if plan_for(self, code) is not None:
            with Horizontal(classes="qr-buttons"):
                yield Button(self._("Q Show QR code"), id="event-qr", classes="qr-button")

    def _code(self, event: Event) -> str:
        """The registration URL, or "" for a cancelled event (nobody should register for it)."""
        return event.registration_url if not event.cancelled else ""

    def _caption(self, event: Event) -> str:
        return self._("Scan for more information") if event.full else self._("Scan to register")

    def qr_content(self) -> QrContent | None:
        """The event's code as the QR view shows it: read again, so it follows edits and the language."""
        event = ui_context().queries.event(self.event_id)
        code = self._code(event) if event is not None else ""
        if event is None or not code:
            return None
        return QrContent(event.title(ui_context().language), self._caption(event), code)

    def action_way_there(self) -> None:
        action_way_there(self)

    def action_show_qr(self) -> None:
        # Only where the page offers the button: a code that fits on the page stays on the page.
        if self.query("#event-qr"):
            self._open_qr()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "event-qr":
            event.stop()
            self._open_qr()

    def _open_qr(self) -> None:
        self.post_message(OpenPage(QrScreen(self.qr_content, section=self.section, page=self.report_name())))
