"""The attract loop: what a passer-by sees from two metres when nobody is touching the screen.

Panels change on a timer (no animation): welcome, featured companies with a QR card, today's events
with a QR card, the project arena's rooms, and announcements (only when there are any). Touching the
panel area, or Enter, opens the directory; the nav bar works as everywhere else.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import ContentSwitcher, Digits, Static

from kiosk.replica.queries import Event, Tenant
from kiosk.ui.context import ui_context
from kiosk.ui.i18n import format_day, format_time
from kiosk.ui.navigation import ShowSection
from kiosk.ui.safe import literal
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.screens.events import event_row
from kiosk.ui.widgets.qr_card import QrCard, fitting_border
from kiosk.ui.widgets.room_board import RoomBoard

#: Rows of a panel's list taken by its title and margins; the rest hold one name or event each.
LIST_CHROME_ROWS = 3
LIST_MIN_COLUMNS = 30


class AttractScreen(KioskScreen):
    section = "attract"
    # Not rebuilt every minute (CPU on a Pi): the big clock follows the minute by itself, and the
    # panels are rebuilt once per round of the loop, which keeps "today" current.
    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "start", show=False)]

    def __init__(self) -> None:
        super().__init__()
        self.panel_index = 0
        self.featured_index = 0
        self._cycle: Timer | None = None
        self._switching = False
        #: The `_panel_key` each built panel was built for.
        self._built_for: dict[str, object] = {}

    def report_name(self) -> str:
        return f"attract:{self.panel_names()[self.panel_index % len(self.panel_names())]}"

    def screen_title(self) -> str:
        return self._("Welcome")

    def panel_names(self) -> list[str]:
        names = ["welcome", "featured", "events", "rooms"]
        if ui_context().banner_announcements():
            names.append("announcements")
        return names

    def on_mount(self) -> None:
        super().on_mount()
        ui_context().subscribe(self, "minute", self._show_time, init=False)
        cycle = ui_context().attract_cycle
        if cycle > 0:
            self._cycle = self.set_interval(cycle, self.next_panel)

    def next_panel(self) -> None:
        """Show the next panel; each full round features the next company.

        The work is requested, not awaited: the timer callback returns at once, so a shutdown never
        has to cancel it half way.
        """
        if self._switching:  # the last switch is still being built: this tick waits for the next
            return
        names = self.panel_names()
        self.panel_index = (self.panel_index + 1) % len(names)
        if ui_context().queries.readable():
            fresh = self.panel_index == 0
            if fresh:
                self.featured_index += 1
            self._switching = True
            self.call_later(self._switch, names[self.panel_index], fresh)
        else:  # keep cycling what was built; a panel never built waits for a readable replica
            switcher = self.query_one("#panels", ContentSwitcher)
            if not switcher.query_children(f"#{names[self.panel_index]}"):
                self.panel_index = 0
            switcher.current = names[self.panel_index]
            ui_context().report_screen(self.report_name())

    async def _switch(self, name: str, fresh: bool) -> None:
        try:
            await self.show_panel(name, fresh=fresh)
        finally:
            self._switching = False

    async def show_panel(self, name: str, *, fresh: bool = False) -> None:
        """Show a panel, building it on first use; `fresh` (a new round) first drops every built
        panel whose content changed since it was built (`_unchanged`), and the featured one.

        Only the panel on screen is built when the loop starts (the others cost QR codes, logos and
        thousands of events read before the first frame), and a new round keeps "today" and the
        featured company current without rebuilding the whole screen.
        """
        names = self.panel_names()
        if name in names:
            self.panel_index = names.index(name)  # what a rebuild of the screen meanwhile would show
        found = self.query("#panels").results(ContentSwitcher)
        switcher = next(iter(found), None)
        if switcher is None:  # the screen is being rebuilt: it builds the current panel itself
            return
        if fresh:  # a new round: what time alone has changed (and the next featured company) is rebuilt
            stale = [panel for panel in switcher.children if not self._unchanged(panel.id)]
            if stale:
                await switcher.remove_children(stale)
        if not switcher.query_children(f"#{name}"):
            await switcher.mount(self._panel(name))
        # A content update may have rebuilt the screen while the panel was mounted (the mount then
        # went nowhere): the rebuilt screen already shows this panel.
        if switcher.is_attached and switcher.query_children(f"#{name}"):
            switcher.current = name
        ui_context().report_screen(f"attract:{name}")

    def compose_body(self) -> ComposeResult:
        names = self.panel_names()
        self.panel_index %= len(names)
        name = names[self.panel_index]
        with ContentSwitcher(initial=name, id="panels"):
            yield self._panel(name)

    def _upcoming_today(self, now: datetime) -> list[Event]:
        return [
            item
            for item in ui_context().queries.events_from(now, 1)
            if item.start >= now and not item.cancelled
        ]

    def _events_today(self, now: datetime) -> list[Event]:
        return [event for event in ui_context().queries.events_from(now, 1) if event.end >= now]

    def _panel_key(self, name: str | None) -> object:
        """What a panel shows that time alone can change, read without building it; None for the
        featured panel, which turns to the next company every round. Content updates and the
        language switch rebuild the whole screen anyway."""
        context = ui_context()
        now = context.now()
        if name == "welcome":
            upcoming = self._upcoming_today(now)
            return (now.date(), upcoming[0] if upcoming else None)
        if name == "events":
            today = self._events_today(now)
            return (now.date(), today, self._next_open_event(today))
        if name == "rooms":
            rooms = context.queries.rooms(now.date())
            return (now.date(), [(room, room.current(now), room.next(now)) for room in rooms])
        if name == "announcements":
            return context.banner_announcements()
        return None

    def _unchanged(self, name: str | None) -> bool:
        """Whether a built panel would come out the same: building one costs far more than asking."""
        if name is None or name not in self._built_for:
            return False
        key = self._panel_key(name)
        return key is not None and key == self._built_for[name]

    def _panel(self, name: str) -> Widget:
        self._built_for[name] = self._panel_key(name)
        builders = {
            "welcome": self._welcome,
            "featured": self._featured,
            "events": self._events,
            "rooms": self._rooms,
            "announcements": self._announcements,
        }
        return builders[name]()

    def _show_time(self, minute: datetime) -> None:
        context = ui_context()
        for clock in self.query("#welcome-clock").results(Digits):
            clock.update(format_time(minute, context.language))
        for day in self.query(".attract-date").results(Static):
            day.update(format_day(minute, context.language))

    def action_start(self) -> None:
        self.post_message(ShowSection("directory"))

    def on_click(self, event: events.Click) -> None:
        # A touch anywhere on the panels starts; the nav bar's buttons handle their own touches.
        if self.query_one("#body").region.contains(event.screen_x, event.screen_y):
            event.stop()
            self.action_start()

    # Panels -----------------------------------------------------------------------------------

    def _welcome(self) -> Vertical:
        context = ui_context()
        now = context.now()
        lines: list[Widget] = [
            Static(self._("Welcome to Innovatum"), classes="attract-title"),
            Static(
                self._("Science park in Trollhättan: companies, events and meeting rooms."),
                classes="attract-sub",
            ),
            # Big digits: the time is what a passer-by reads first, from across the lobby.
            Digits(format_time(now, context.language), id="welcome-clock"),
            Static(format_day(now, context.language), classes="attract-date"),
        ]
        upcoming = self._upcoming_today(now)
        if upcoming:
            line = Text(self._("Next today:") + " ", "bold", end="")
            line.append(format_time(upcoming[0].start, context.language) + " ")
            line.append_text(literal(upcoming[0].title(context.language), 80, single_line=True))
            line.no_wrap, line.overflow = True, "ellipsis"
            lines.append(Static(line, classes="attract-next"))
        lines += [
            Static(self._("Touch the screen to find a company, an event or a room."), classes="attract-hint"),
            Static(self._("Keyboard: 1–5 pages · 0 language · / search · Esc back"), classes="hint"),
        ]
        if (
            context.allow_quit
        ):  # the demo in someone's terminal; a lobby kiosk cannot be quit from its keyboard
            lines.append(Static(self._("Ctrl+Q quits the demo"), classes="hint", id="quit-hint"))
        return Vertical(*lines, id="welcome", classes="panel")

    def _featured(self) -> Horizontal:
        context = ui_context()
        rows = self._list_rows()
        # Only what fits is read: a directory of thousands is not parsed on every turn of the loop.
        tenants = context.queries.tenants_in_order(rows + 1)
        children: list[Static | Vertical | QrCard] = []
        names = [Static(self._("Companies at Innovatum"), classes="panel-title")]
        if not tenants:
            names.append(Static(self._("No companies to show yet."), classes="empty"))
        featured = context.queries.featured_tenant(self.featured_index)
        # The featured company first, then the others in order, as many as fit.
        others = [tenant for tenant in tenants if featured is None or tenant.slug != featured.slug]
        ordered = ([featured] if featured else []) + others
        lines = [self._tenant_line(tenant, tenant is featured) for tenant in ordered[:rows]]
        if lines:
            names.append(_rows_static(lines, "featured-rows"))
        children.append(Vertical(*names, classes="panel-list"))
        if featured is not None:
            card = self._card(
                featured.name, self._("Scan for the website"), featured.website, "featured-code"
            )
            if card is not None:
                children.append(card)
        return Horizontal(*children, id="featured", classes="panel")

    def _tenant_line(self, tenant: Tenant, featured: bool) -> Text:
        line = Text("▶ " if featured else "  ", end="")
        line.append_text(literal(tenant.name, 60, "bold", single_line=True))
        category = tenant.category_in(ui_context().language)
        if category:
            line.append("  ")
            line.append_text(literal(category, 40, "dim", single_line=True))
        if tenant.hiring:
            line.append("  ")
            line.append(self._("Hiring"), "reverse")
        line.no_wrap, line.overflow = True, "ellipsis"
        return line

    def _events(self) -> Horizontal:
        context = ui_context()
        now = context.now()
        today = self._events_today(now)
        rows: list[Static] = [Static(self._("Today at Innovatum"), classes="panel-title")]
        if not today:
            rows.append(
                Static(self._("No more events today. Touch 3 Events for the coming days."), classes="empty")
            )
        shown = today[: self._list_rows()]
        lines = [event_row(event, context.language, self._, today=now.date()) for event in shown]
        if lines:
            rows.append(_rows_static(lines, "event-rows"))
        highlight = self._next_open_event(today)
        card = None
        if highlight is not None:
            title = highlight.title(context.language)
            card = self._card(title, self._("Scan to register"), highlight.registration_url, "event-code")
            if card is None:  # a small screen: the event's own page has room for the code
                rows.append(Static(self._("Touch 3 Events and an event for its QR code."), classes="hint"))
        children: list[Vertical | QrCard] = [Vertical(*rows, classes="panel-list")]
        if card is not None:
            children.append(card)
        return Horizontal(*children, id="events", classes="panel")

    def _list_rows(self) -> int:
        """As many list rows as the screen has room for: a bigger screen lists more companies."""
        return max(self.body_rows() - LIST_CHROME_ROWS, 3)

    def _card(self, title: str, caption: str, url: str, card_id: str) -> QrCard | None:
        """A card beside the panel's list, or none when the code would not fit whole (small screens)."""
        columns = self.body_columns() - 2 - LIST_MIN_COLUMNS
        border = fitting_border(url, columns, self.body_rows(), titled=True)
        if border is None:
            return None
        return QrCard(caption, url, border=border, title=title, id=card_id)

    @staticmethod
    def _next_open_event(events_today: list[Event]) -> Event | None:
        """The first event today a visitor can still register for."""
        return next(
            (
                event
                for event in events_today
                if event.registration_url and not event.full and not event.cancelled
            ),
            None,
        )

    def _rooms(self) -> Vertical:
        context = ui_context()
        now = context.now()
        return Vertical(
            Static(self._("Project arena: rooms right now"), classes="panel-title"),
            RoomBoard(context.queries.rooms(now.date()), now, compact=True),
            id="rooms",
            classes="panel",
        )

    def _announcements(self) -> Vertical:
        context = ui_context()
        rows: list[Static] = [Static(self._("Announcements"), classes="panel-title")]
        for item in context.banner_announcements():
            rows.append(
                Static(
                    literal(item.text(context.language), 500, overflow="fold"),
                    classes=f"announcement -{item.priority}",
                )
            )
        return Vertical(*rows, id="announcements", classes="panel")


def _rows_static(lines: list[Text], classes: str) -> Static:
    """A panel's list as one widget, a line per row (each cut with an ellipsis). One widget instead
    of one per row: the attract loop builds its panels afresh every round, and on a Pi each widget
    mounted and laid out costs more than the text in it."""
    text = Text("\n", end="").join(lines)
    text.no_wrap, text.overflow = True, "ellipsis"
    return Static(text, classes=classes)
