"""The project arena's rooms: free or busy now, what is next, and today's bookings on a timeline."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Static

from kiosk.replica.queries import Booking, Room
from kiosk.ui.context import ui_context
from kiosk.ui.i18n import format_time
from kiosk.ui.safe import literal

if TYPE_CHECKING:
    from kiosk.ui.context import UIContext

#: The timeline shows the working day; bookings outside it still count for now/next.
DAY_START_HOUR = 7
DAY_END_HOUR = 19


#: The timeline's cells, named by the legend over the board. Exact colours, not ANSI names: Textual
#: turns those into its own shades, which a 16-colour terminal may show as red (kiosk/ui/theme.py).
BOOKED_STYLE = "bold #FFFFFF on #C00000"
PRIVATE_STYLE = "#FFFFFF on #8B008B"
FREE_STYLE = "#0A8A2A"
NOW_STYLE = "bold #F5C400"


def booking_title(booking: Booking, gettext: Callable[[str], str]) -> Text:
    """A private booking's title never reaches the kiosk: it says so. A public one without a title
    shows as 'Booked'."""
    if booking.private:
        return Text(gettext("Private booking"), end="")
    if not booking.title:
        return Text(gettext("Booked"), end="")
    return literal(booking.title, 80, single_line=True)


def legend(gettext: Callable[[str], str]) -> Text:
    """What the timeline's marks mean, in the visitor's language."""
    text = Text(end="")
    for mark, style, label in (
        ("  ", BOOKED_STYLE, gettext("Booked")),
        ("  ", PRIVATE_STYLE, gettext("Private booking")),
        ("──", FREE_STYLE, gettext("Free")),
        ("┃", NOW_STYLE, gettext("Now")),
    ):
        text.append(mark, style)
        text.append(f" {label}   ")
    text.no_wrap, text.overflow = True, "ellipsis"
    return text


def status_line(room: Room, now: datetime, language: str, gettext: Callable[[str], str]) -> Text:
    """'Busy until 15:00 · Workshop' or 'Free until 15:30' or 'Free all day'."""
    current, upcoming = room.current(now), room.next(now)
    line = Text(end="")
    if current is not None:
        line.append(" " + gettext("Busy") + " ", BOOKED_STYLE)
        line.append(" " + gettext("until {time}").format(time=format_time(current.end, language)) + "  ")
        line.append_text(booking_title(current, gettext))
    else:
        line.append(" " + gettext("Free") + " ", "bold #FFFFFF on #0A8A2A")
        if upcoming is not None and upcoming.start.date() == now.date():
            line.append(" " + gettext("until {time}").format(time=format_time(upcoming.start, language)))
        else:
            line.append(" " + gettext("rest of the day"))
    if upcoming is not None and upcoming.start.date() == now.date():
        line.append("   " + gettext("Next:") + " ", "dim")
        line.append(f"{format_time(upcoming.start, language)}–{format_time(upcoming.end, language)} ")
        line.append_text(booking_title(upcoming, gettext))
    line.no_wrap = True
    line.overflow = "ellipsis"
    return line


class RoomTimeline(Widget):
    """Two lines: hour marks, then the day as a bar (booked cells filled, a marker at now)."""

    DEFAULT_CSS = """
    RoomTimeline { height: 2; width: 1fr; }
    """

    def __init__(self, room: Room, now: datetime) -> None:
        super().__init__(classes="timeline")
        self.room = room
        self.now = now

    def render(self) -> Text:
        width = max(self.size.width, 12)
        day_start = self.now.replace(hour=DAY_START_HOUR, minute=0, second=0, microsecond=0)
        span = timedelta(hours=DAY_END_HOUR - DAY_START_HOUR)
        per_cell = span / width
        marks = [" "] * width
        for hour in range(DAY_START_HOUR, DAY_END_HOUR, 2):
            column = int((timedelta(hours=hour - DAY_START_HOUR)) / per_cell)
            label = f"{hour:02d}"
            if column + len(label) <= width:
                marks[column : column + len(label)] = label
        # Dim is the hour marks' span, not the Text's base style: it would dim the bar too (its green
        # came out grey on a 16-colour console).
        text = Text(end="\n")
        text.append("".join(marks) + "\n", "dim")
        cells: list[tuple[str, str]] = []
        spans: dict[int, list[int]] = {}  # booking id -> its columns
        for column in range(width):
            start = day_start + per_cell * column
            end = start + per_cell
            booked = next((b for b in self.room.bookings if b.start < end and b.end > start), None)
            if start <= self.now < end:
                cells.append(("┃", NOW_STYLE))
            elif booked is not None:
                cells.append((" ", PRIVATE_STYLE if booked.private else BOOKED_STYLE))
                spans.setdefault(booked.id, []).append(column)
            else:
                cells.append(("─", FREE_STYLE))
        # A public booking's title is written on its own span, as far as it fits (never a private one:
        # its title never reaches the kiosk).
        for booking in self.room.bookings:
            columns = spans.get(booking.id, [])
            if booking.private or not booking.title or len(columns) < 4:
                continue
            title = literal(booking.title, 80, single_line=True).plain[: len(columns) - 1]
            for offset, char in enumerate(title):
                column = columns[0] + offset
                if cells[column][1] == BOOKED_STYLE:
                    cells[column] = (char, BOOKED_STYLE)
        for char, style in cells:
            text.append(char, style)
        return text


class RoomCard(Vertical):
    def __init__(self, room: Room, now: datetime, *, compact: bool) -> None:
        super().__init__(classes="room-card")
        self.room, self.now, self.compact = room, now, compact

    def compose(self) -> ComposeResult:
        context = ui_context()
        yield Static(room_heading(self.room, context.gettext, context.ngettext), classes="room-name")
        yield Static(
            status_line(self.room, self.now, context.language, context.gettext), classes="room-status"
        )
        if not self.compact:
            yield RoomTimeline(self.room, self.now)


def room_heading(room: Room, gettext: Callable[[str], str], ngettext: Callable[[str, str, int], str]) -> Text:
    head = literal(room.name, 60, "bold", single_line=True)
    details = []
    if room.floor is not None:
        details.append(gettext("Floor {floor}").format(floor=room.floor))
    if room.capacity:
        details.append(ngettext("{count} seat", "{count} seats", room.capacity).format(count=room.capacity))
    if details:
        head.append("  " + " · ".join(details), "dim")
    head.no_wrap, head.overflow = True, "ellipsis"
    return head


def compact_card(room: Room, now: datetime, context: UIContext) -> Static:
    """The attract loop's card: name and now/next as one two-line widget. The loop rebuilds its
    panels every round, and three widgets a room cost more to mount than to draw."""
    text = Text("\n", end="").join(
        [
            room_heading(room, context.gettext, context.ngettext),
            status_line(room, now, context.language, context.gettext),
        ]
    )
    text.no_wrap, text.overflow = True, "ellipsis"
    return Static(text, classes="room-card -compact")


class RoomBoard(Vertical):
    """Every room as a card; `compact` (the attract loop) leaves out the timelines."""

    def __init__(self, rooms: list[Room], now: datetime, *, compact: bool = False) -> None:
        super().__init__(classes="room-board")
        self.rooms, self.now, self.compact = rooms, now, compact

    def compose(self) -> ComposeResult:
        if not self.rooms:
            yield Static(ui_context().gettext("No rooms to show."), classes="empty")
        if self.rooms and not self.compact:  # first: the board may be taller than the screen
            yield Static(legend(ui_context().gettext), classes="room-legend")
        for room in self.rooms:
            if self.compact:
                yield compact_card(room, self.now, ui_context())
            else:
                yield RoomCard(room, self.now, compact=False)
