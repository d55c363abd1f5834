"""What surrounds every screen: the top bar (section, offline mark, clock), the announcement banner and
the nav bar. Each watches the app's shared state and redraws itself, so a screen never has to."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Label, Static

from kiosk.replica.queries import Announcement
from kiosk.ui.i18n import format_date_short, format_time
from kiosk.ui.safe import literal
from kiosk.ui.widgets.context import kiosk


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
        app = kiosk(self)
        self.watch(app, "minute", self._show_clock)
        self.watch(app, "offline_since", self._show_offline)
        self.watch(app, "updating", lambda _updating: self._show_offline(app.offline_since))

    def _show_clock(self, minute: datetime) -> None:
        language = kiosk(self).language
        text = f"{format_date_short(minute, language)}  {format_time(minute, language)}"
        self._clock.update(text)

    def _show_offline(self, since: datetime | None) -> None:
        """Offline wins; else "updating" while the replica is not complete (the same mark)."""
        label = self._offline
        app = kiosk(self)
        label.display = since is not None or app.updating
        if since is not None:
            label.update(app.gettext("offline since {time}").format(time=format_time(since, app.language)))
        elif app.updating:
            label.update(app.gettext("updating"))


class AnnouncementBanner(Vertical):
    """Active info and warning announcements, most urgent first, one wrapped paragraph each."""

    def __init__(self) -> None:
        super().__init__(id="banner")

    def on_mount(self) -> None:
        self.watch(kiosk(self), "announcements", self._show)

    async def _show(self, _active: tuple[Announcement, ...]) -> None:
        app = kiosk(self)
        shown = app.banner_announcements()
        await self.remove_children()
        self.display = bool(shown)
        lines = []
        for item in shown:
            marker = "⚠ " if item.priority == "warning" else "• "
            text = Text(marker, end="")
            text.append_text(literal(item.text(app.language), 500, single_line=True, overflow="fold"))
            lines.append(Static(text, classes=f"announcement -{item.priority}"))
        await self.mount_all(lines)


def N_(message: str) -> str:
    """Marks a msgid for extraction where the translation happens later (gettext convention)."""
    return message


#: (section, label msgid). The digit in the label is the key that does the same.
NAV_ITEMS: tuple[tuple[str, str], ...] = (
    ("attract", N_("1 Home")),
    ("directory", N_("2 Companies")),
    ("events", N_("3 Events")),
    ("rooms", N_("4 Rooms")),
    ("visit", N_("5 Visit")),
)


class NavBar(Horizontal):
    """Big touch targets for the five sections and the language switch."""

    def __init__(self, active: str) -> None:
        super().__init__(id="nav-bar")
        self.active = active

    def compose(self) -> ComposeResult:
        app = kiosk(self)
        buttons = []
        for section, label in NAV_ITEMS:
            button = Button(app.gettext(label), id=f"nav-{section}", name=section)
            button.set_class(section == self.active, "-active")
            buttons.append(button)
        # The switch is labelled in the language it switches to, so a visitor can read it.
        other = "English" if app.language == "sv" else "Svenska"
        buttons.append(Button(f"L {other}", id="nav-language", name="language"))
        for button in buttons:
            # Touch targets, not focus stops: a touch on them leaves the focus (the search field) alone,
            # and the keyboard has the number keys.
            button.can_focus = False
            yield button

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        app = kiosk(self)
        if event.button.name == "language":
            app.action_toggle_language()
        elif event.button.name:
            app.show_section(event.button.name)
