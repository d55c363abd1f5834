"""One event: when, where, for whom, and a QR code to register (unless it is cancelled)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Label, Static

from kiosk.ui.i18n import format_range
from kiosk.ui.safe import literal
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.widgets.context import kiosk
from kiosk.ui.widgets.qr_card import QrCard, fitting_border

INFO_MIN_COLUMNS = 36


class EventScreen(KioskScreen):
    section = "events"

    def __init__(self, event_id: int) -> None:
        super().__init__()
        self.event_id = event_id

    def report_name(self) -> str:
        return f"event:{self.event_id}"

    def screen_title(self) -> str:
        return self._("Event")

    def compose_body(self) -> ComposeResult:
        app = kiosk(self)
        event = app.queries.event(self.event_id)
        if event is None:
            yield Static(self._("This event is no longer in the calendar."), classes="empty")
            yield Static(self._("Press Esc or touch a section below."), classes="hint")
            return
        language = app.language
        rows, columns = self.body_rows(), self.body_columns() - 2
        # No registration for a cancelled event. A code goes beside the text if it fits whole there,
        # else below it (scrollable).
        code = event.registration_url if not event.cancelled else ""
        caption = self._("Scan for more information") if event.full else self._("Scan to register")
        border_beside = fitting_border(code, columns - INFO_MIN_COLUMNS, rows) if code else None
        border_below = None
        if code and border_beside is None:
            border_below = fitting_border(code, columns - 2, rows) or fitting_border(
                code, columns - 2, 10_000
            )
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
