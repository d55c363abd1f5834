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

from kiosk.ui.widgets.chrome import AnnouncementBanner, NavBar, TopBar
from kiosk.ui.widgets.context import kiosk

log = logging.getLogger(__name__)


class KioskScreen(Screen[None]):
    #: Which nav button is lit.
    section: ClassVar[str] = ""
    #: Recompose when the minute changes (screens that show "now", like the room board).
    follows_clock: ClassVar[bool] = False
    BINDINGS: ClassVar[list[BindingType]] = []
    _composed_for = Size(0, 0)

    def _(self, message: str) -> str:
        return kiosk(self).gettext(message)

    def screen_title(self) -> str:
        return ""

    def report_name(self) -> str:
        return self.section

    def compose(self) -> ComposeResult:
        # Layouts that must fit whole (QR codes) are worked out for this size: see on_resize.
        self._composed_for = kiosk(self).size
        yield TopBar(self.screen_title())
        yield AnnouncementBanner()
        with Container(id="body"):
            yield from self.compose_body()
        yield NavBar(self.section)

    def compose_body(self) -> ComposeResult:
        yield from ()

    def on_mount(self) -> None:
        app = kiosk(self)
        self.watch(app, "language", self._on_language, init=False)
        self.watch(app, "content_version", self._on_content, init=False)
        if self.follows_clock:
            self.watch(app, "minute", self._on_minute, init=False)

    def on_resize(self, event: events.Resize) -> None:
        if event.size != self._composed_for:
            self.call_later(self._rebuild)

    def on_screen_resume(self) -> None:
        kiosk(self).report_screen(self.report_name())

    async def _on_language(self, _language: str) -> None:
        await self._rebuild()

    async def _on_content(self, _version: int) -> None:
        await self._rebuild()

    async def _on_minute(self, _minute: datetime) -> None:
        await self._rebuild()

    async def _rebuild(self) -> None:
        # A replica that cannot be read right now (disk error, replaced file) must not blank the
        # screen: what is shown stays, and the next update or minute tries again.
        if not kiosk(self).queries.readable():
            log.warning("replica unreadable; keeping the %s screen as it is", self.report_name())
            return
        await self.refresh_content()

    async def refresh_content(self) -> None:
        """Rebuild from the replica; override to keep state a rebuild would lose."""
        await self.recompose()

    # Space left for the body, for widgets that must fit whole (a QR code cut off does not scan).

    def body_rows(self) -> int:
        app = kiosk(self)
        width = max(app.size.width, 1)
        banner = 0
        for item in app.banner_announcements():
            banner += -(-(len(item.text(app.language)) + 2) // width)
        return max(app.size.height - CHROME_ROWS - min(banner, BANNER_MAX_ROWS), 1)

    def body_columns(self) -> int:
        return kiosk(self).size.width


#: Top bar (1) and nav bar (3); kiosk.tcss must agree.
CHROME_ROWS = 4
#: The banner's max-height in kiosk.tcss.
BANNER_MAX_ROWS = 4
