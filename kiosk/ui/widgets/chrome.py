"""What surrounds every screen: the top bar (section, offline mark, clock), the announcement banner and
the nav bar. Each subscribes to the shared state it shows (kiosk/ui/context.py) and redraws itself, so a
screen never has to."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Label, Static

from kiosk.replica.queries import Announcement
from kiosk.ui.context import ui_context
from kiosk.ui.i18n import format_date_short, format_time
from kiosk.ui.safe import literal


class TopBar(Horizontal):
    """INNOVATUM · section title … [offline since 14:02] weekday date time."""

    def __init__(self, title: str) -> None:
        super().__init__(id="top-bar")
        self.title_text = title
        self._offline = Label("", id="offline")
        self._clock = Label("", id="clock")

    def compose(self) -> ComposeResult:
        yield Label("INNOVATUM", id="brand")
        yield Label(self.title_text, id="section-title")
        yield self._offline
        yield self._clock

    def on_mount(self) -> None:
        context = ui_context()
        context.subscribe(self, "minute", self._show_clock)
        context.subscribe(self, "offline_since", self._show_offline)
        context.subscribe(self, "updating", lambda _updating: self._show_offline(context.offline_since))

    def _show_clock(self, minute: datetime) -> None:
        language = ui_context().language
        text = f"{format_date_short(minute, language)}  {format_time(minute, language)}"
        self._clock.update(text)

    def _show_offline(self, since: datetime | None) -> None:
        """Offline wins; else "updating" while the replica is not complete (the same mark)."""
        label = self._offline
        context = ui_context()
        label.display = since is not None or context.updating
        if since is not None:
            label.update(
                context.gettext("offline since {time}").format(time=format_time(since, context.language))
            )
        elif context.updating:
            label.update(context.gettext("updating"))


class AnnouncementBanner(Vertical):
    """Active info and warning announcements, most urgent first, one wrapped paragraph each."""

    def __init__(self) -> None:
        super().__init__(id="banner")

    def on_mount(self) -> None:
        ui_context().subscribe(self, "announcements", self._show)

    async def _show(self, _active: tuple[Announcement, ...]) -> None:
        context = ui_context()
        shown = context.banner_announcements()
        await self.remove_children()
        self.display = bool(shown)
        lines = []
        for item in shown:
            marker = "⚠ " if item.priority == "warning" else "• "
            text = Text(marker, end="")
            text.append_text(literal(item.text(context.language), 500, single_line=True, overflow="fold"))
            lines.append(Static(text, classes=f"announcement -{item.priority}"))
        await self.mount_all(lines)


class NavBar(Horizontal):
    """Big touch targets for the sections and the language switch: each runs the app action its key
    runs (`section('events')` for 3, `toggle_language` for L)."""

    def __init__(self, active: str) -> None:
        super().__init__(id="nav-bar")
        self.active = active

    def compose(self) -> ComposeResult:
        context = ui_context()
        buttons = []
        for section in context.sections:
            button = Button(
                context.gettext(section.label),
                id=f"nav-{section.name}",
                name=section.name,
                action=f"app.section('{section.name}')",
            )
            button.set_class(section.name == self.active, "-active")
            buttons.append(button)
        # The switch is labelled in the language it switches to, so a visitor can read it.
        other = "English" if context.language == "sv" else "Svenska"
        buttons.append(Button(f"L {other}", id="nav-language", name="language", action="app.toggle_language"))
        for button in buttons:
            # Touch targets, not focus stops: a touch on them leaves the focus (the search field) alone,
            # and the keyboard has the number keys.
            button.can_focus = False
            yield button
