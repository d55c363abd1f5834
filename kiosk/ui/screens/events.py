"""Events: today and the coming two weeks, grouped by day, in the visitor's language."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from kiosk.replica.queries import Event
from kiosk.ui.context import ui_context
from kiosk.ui.i18n import format_day, format_range, format_time
from kiosk.ui.navigation import OpenEvent
from kiosk.ui.safe import literal
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.widgets.result_list import ResultList

#: How far ahead the events screen looks.
EVENT_DAYS = 14


def day_heading(day: datetime, today: date, language: str, gettext: Callable[[str], str]) -> str:
    """'Today · Wednesday 3 December'; the day names come from the translator and Babel."""
    label = format_day(day, language)
    if day.date() == today:
        return gettext("Today") + " · " + label
    if day.date() == today + timedelta(days=1):
        return gettext("Tomorrow") + " · " + label
    return label


def time_span(event: Event, language: str, gettext: Callable[[str], str], *, today: date) -> str:
    """The time part of a row under a day heading: '13:00–15:00', 'All day', 'until 12:00'."""
    if event.all_day:
        return gettext("All day")
    if event.start.date() < today:
        return gettext("until {time}").format(time=format_time(event.end, language))
    if event.end.date() != event.start.date():
        return format_range(event.start, event.end, language)
    if event.end == event.start:
        return format_time(event.start, language)
    return f"{format_time(event.start, language)}–{format_time(event.end, language)}"


def event_row(event: Event, language: str, gettext: Callable[[str], str], *, today: date) -> Text:
    """One line: time range, title, place, and a badge when it is full or cancelled."""
    row = Text(f"{time_span(event, language, gettext, today=today):<13} ", style="bold", end="")
    title_style = "strike dim" if event.cancelled else ""
    row.append_text(literal(event.title(language), 120, title_style, single_line=True))
    if event.place:
        row.append("  ")
        row.append_text(literal(event.place, 60, "dim", single_line=True))
    if event.cancelled:
        row.append("  ")
        row.append(" " + gettext("Cancelled") + " ", "bold reverse red")
    elif event.full:
        row.append("  ")
        # Not bold: many 16-colour terminals draw bold black as dark grey.
        row.append(" " + gettext("Full") + " ", "black on yellow")
    row.no_wrap = True
    row.overflow = "ellipsis"
    return row


class EventsScreen(KioskScreen):
    section = "events"

    def screen_title(self) -> str:
        return self._("Events")

    def compose_body(self) -> ComposeResult:
        context = ui_context()
        now = context.now()
        events = context.queries.events_from(now, EVENT_DAYS)
        if not events:
            yield Static(self._("No events in the coming two weeks."), classes="empty")
            return
        # What already ended today goes last, dimmed and marked, under its own heading: a visitor
        # looks for what is still to come.
        ended = [event for event in events if event.end <= now]
        upcoming = [event for event in events if event.end > now]
        options: list[Option] = []
        current: date | None = None
        for event in upcoming:
            day = max(event.start, now).date() if event.start.date() < now.date() else event.start.date()
            if day != current:
                current = day
                heading = datetime.combine(day, event.start.timetz())
                options.append(
                    Option(
                        Text(day_heading(heading, now.date(), context.language, self._), "bold"),
                        disabled=True,
                    )
                )
            options.append(
                Option(event_row(event, context.language, self._, today=now.date()), id=f"event:{event.id}")
            )
        if ended:
            options.append(Option(Text(self._("Ended today"), "bold"), disabled=True))
            for event in ended:
                row = Text(self._("Ended") + "  ", style="italic", end="")
                row.append_text(event_row(event, context.language, self._, today=now.date()))
                row.stylize("dim")
                row.no_wrap, row.overflow = True, "ellipsis"
                options.append(Option(row, id=f"event:{event.id}"))
        # Every row is one line: ResultList lays out two weeks of events (hundreds of rows) without
        # wrapping each one, which cost most of a switch to this screen (bench/pi.py).
        yield ResultList(*options, id="event-list")

    @on(OptionList.OptionSelected, "#event-list")
    def _opened(self, event: OptionList.OptionSelected) -> None:
        _, _, event_id = (event.option.id or "").partition(":")
        if event_id.isdigit():
            self.post_message(OpenEvent(int(event_id)))
