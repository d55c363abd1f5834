"""A QR code on its own screen, for a page whose code does not fit whole beside or below its text.

Half a code does not scan, so a page that cannot show its code whole (a long registration URL on an
80x24 screen with banners) offers a "Show QR code" button instead, and this view gives the code the
screen: error correction M with the biggest quiet zone that fits; if M does not fit between the top
bar, banner and nav bar, those are hidden (the view then brings its own Back and language buttons);
only if M does not fit the whole screen either, L (see kiosk/ui/qr.py). A page offers the button only
when `plan_for` says the code fits here, so the button never leads to a code that does not fit.

It is a page like the others, pushed over the page that opened it: Esc and Back pop it, the idle
timeout returns to the attract loop, an emergency is pushed over it, and a language switch or a
replica update rebuilds it from the page's record as it is then (`QrContent` comes from the page).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Container, Horizontal, Vertical
from textual.widgets import Button, Label, Static

from kiosk.replica.queries import Announcement
from kiosk.ui.context import ui_context
from kiosk.ui.navigation import LANGUAGE_KEY
from kiosk.ui.qr import Level, QRCode
from kiosk.ui.safe import literal
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.widgets.chrome import AnnouncementBanner, NavBar, TopBar

#: The text column beside the code never gets narrower than this (the Back button's width and more).
TEXT_MIN_COLUMNS = 24
#: Columns between the text and the code beside it, and rows between the text and the code below it:
#: a small quiet zone needs plain background around it, not text right next to it (kiosk.tcss agrees).
GAP_COLUMNS = 2
#: Title, caption and a row of buttons (3 rows) above the code, then the gap row.
TEXT_ABOVE_ROWS = 6


@dataclass(frozen=True)
class QrContent:
    """What the view shows, read from the page's record in the current language."""

    title: str
    caption: str
    url: str


@dataclass(frozen=True)
class Plan:
    """How the code is drawn: error correction, quiet zone, with or without the chrome, text beside it
    or above it."""

    level: Level
    border: int
    chrome: bool
    beside: bool


def plan(url: str, columns: int, rows_with_chrome: int, rows_without_chrome: int) -> Plan | None:
    """The best way to show `url` whole in a body `columns` wide, or None when it cannot be.

    Preference: M before L; then the chrome kept (its banner may be news) before hidden; then the
    biggest quiet zone; then the text beside the code before above it.
    """
    arrangements = [(chrome, beside) for chrome in (True, False) for beside in (True, False)]
    spaces = [
        _space(columns, rows_with_chrome if chrome else rows_without_chrome, beside=beside)
        for chrome, beside in arrangements
    ]
    fit = QRCode.fitting_code(url, *spaces)
    if fit is None:
        return None
    chrome, beside = arrangements[fit.space]
    return Plan(fit.level, fit.border, chrome=chrome, beside=beside)


def _space(columns: int, rows: int, *, beside: bool) -> tuple[int, int]:
    if beside:
        return (columns - TEXT_MIN_COLUMNS - GAP_COLUMNS, rows)
    return (columns, rows - TEXT_ABOVE_ROWS)


def plan_for(screen: KioskScreen, url: str) -> Plan | None:
    """`plan` for the screen size and banners now: what a page asks before offering the button."""
    # The body keeps its one-column padding on each side, with the chrome or without.
    return plan(url, screen.body_columns() - 2, screen.body_rows(), screen.app.size.height)


class QrScreen(KioskScreen):
    def __init__(self, content: Callable[[], QrContent | None], *, section: str, page: str) -> None:
        """`content` is asked on every build; `section` is the page's nav button, `page` its report name."""
        super().__init__()
        self._content = content
        self._section = section
        self._page = page
        self._plan: Plan | None = None
        self._url = ""

    def report_name(self) -> str:
        return f"qr:{self._page}"

    def screen_title(self) -> str:
        return self._("QR code")

    def compose(self) -> ComposeResult:
        self._composed_for = self.app.size
        content = self._content()
        self._url = content.url if content is not None else ""
        self._plan = plan_for(self, self._url) if content is not None else None
        chrome = self._plan is None or self._plan.chrome
        if chrome:
            yield TopBar(self.screen_title())
            yield AnnouncementBanner()
        with Container(id="body"):
            if content is None:
                yield Static(self._("This QR code is no longer available."), classes="empty")
                yield from self._buttons(chrome=True)
            elif self._plan is None:
                yield Static(self._("The QR code does not fit on this screen."), classes="empty")
                yield from self._buttons(chrome=True)
            else:
                yield from self._view(content, self._plan)
        if chrome:
            yield NavBar(self._section)

    def _view(self, content: QrContent, plan: Plan) -> ComposeResult:
        arrangement = Horizontal if plan.beside else Vertical
        with arrangement(id="qr-view", classes="-beside" if plan.beside else "-above"):
            with Vertical(id="qr-text"):
                # Above the code the title gets one row, so the code's place does not depend on it.
                title = (
                    literal(content.title, 200, overflow="fold")
                    if plan.beside
                    else literal(content.title, 200, single_line=True, no_wrap=True, overflow="ellipsis")
                )
                yield Label(title, id="qr-view-title")
                yield Label(
                    literal(content.caption, single_line=True, no_wrap=True, overflow="ellipsis"),
                    id="qr-view-caption",
                )
                yield from self._buttons(chrome=plan.chrome)
            with Container(id="qr-code-box"):
                yield QRCode(content.url, border=plan.border, level=plan.level, id="qr-view-code")

    def _buttons(self, *, chrome: bool) -> ComposeResult:
        with Horizontal(id="qr-buttons", classes="qr-buttons"):
            buttons = [Button(self._("Esc Back"), id="qr-back", name="back", action="app.go_back")]
            if not chrome:
                # The nav bar's language switch is hidden with it; labelled in the language it switches to.
                other = "English" if ui_context().language == "sv" else "Svenska"
                buttons.append(
                    Button(
                        f"{LANGUAGE_KEY} {other}",
                        id="qr-language",
                        name="language",
                        action="app.toggle_language",
                    )
                )
            for button in buttons:
                # Touch targets like the nav bar's: the keyboard has Esc and 0.
                button.can_focus = False
                yield button

    def on_mount(self) -> None:
        super().on_mount()
        ui_context().subscribe(self, "announcements", self._on_announcements, init=False)

    async def _on_announcements(self, _active: tuple[Announcement, ...]) -> None:
        # A banner that comes or goes changes the rows left for the code: a code that fitted with the
        # chrome may now be cut off, or one that needed the whole screen may now have room for it.
        if self._url and plan_for(self, self._url) != self._plan:
            await self._rebuild()
