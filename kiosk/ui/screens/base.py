"""The frame every kiosk screen shares: top bar, banner, body, nav bar.

A screen's content is a function of (replica, language, current minute). When one of those changes
the screen recomposes its body from scratch: the data is small, and rebuilding is the simplest way to
never show a mix of old and new. Screens whose state must survive (the directory's search text) keep
it in attributes and restore it when they compose.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Container
from textual.geometry import Size
from textual.screen import Screen

from kiosk.ui.context import ui_context
from kiosk.ui.widgets.chrome import AnnouncementBanner, NavBar, TopBar

log = logging.getLogger(__name__)


class KioskScreen(Screen[None]):
    #: Which nav button is lit.
    section: ClassVar[str] = ""
    #: A page below a section (a company, an event): the nav bar gets a Back button.
    is_page: ClassVar[bool] = False
    #: Recompose when the minute changes (screens that show "now", like the room board).
    follows_clock: ClassVar[bool] = False
    BINDINGS: ClassVar[list[BindingType]] = []
    _composed_for = Size(0, 0)

    def _(self, message: str) -> str:
        return ui_context().gettext(message)

    def screen_title(self) -> str:
        return ""

    def report_name(self) -> str:
        return self.section

    def compose(self) -> ComposeResult:
        # Layouts that must fit whole (QR codes) are worked out for this size: see on_resize.
        self._composed_for = self.app.size
        yield TopBar(self.screen_title())
        yield AnnouncementBanner()
        with Container(id="body"):
            yield from self.compose_body()
        yield NavBar(self.section, back=self.is_page)

    def compose_body(self) -> ComposeResult:
        yield from ()

    def on_mount(self) -> None:
        context = ui_context()
        context.subscribe(self, "language", self._on_language, init=False)
        context.subscribe(self, "content_version", self._on_content, init=False)
        if self.follows_clock:
            context.subscribe(self, "minute", self._on_minute, init=False)

    def on_resize(self, event: events.Resize) -> None:
        if event.size != self._composed_for:
            self.call_later(self._rebuild)

    def on_screen_resume(self) -> None:
        ui_context().report_screen(self.report_name())

    async def _on_language(self, _language: str) -> None:
        await self._rebuild()

    async def _on_content(self, _version: int) -> None:
        await self._rebuild()

    async def _on_minute(self, _minute: datetime) -> None:
        await self._rebuild()

    async def _rebuild(self) -> None:
        # A replica that cannot be read right now (disk error, replaced file) must not blank the
        # screen: what is shown stays, and the next update or minute tries again.
        if not ui_context().queries.readable():
            log.warning("replica unreadable; keeping the %s screen as it is", self.report_name())
            return
        await self.refresh_content()

    async def refresh_content(self) -> None:
        """Rebuild from the replica; override to keep state a rebuild would lose."""
        await self.recompose()

    # Space left for the body, for widgets that must fit whole (a QR code cut off does not scan).

    def body_rows(self) -> int:
        context, size = ui_context(), self.app.size
        width = max(size.width, 1)
        banner = 0
        for item in context.banner_announcements():
            banner += -(-(len(item.text(context.language)) + 2) // width)
        return max(size.height - CHROME_ROWS - min(banner, BANNER_MAX_ROWS), 1)

    def body_columns(self) -> int:
        return self.app.size.width


#: Top bar (1) and nav bar (3); kiosk.tcss must agree.
CHROME_ROWS = 4
#: The banner's max-height in kiosk.tcss.
BANNER_MAX_ROWS = 4
