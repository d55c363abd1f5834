"""Where a visitor can go, as messages a screen posts and the app handles (`@on` in kiosk/ui/app.py).

A screen does not move the screen stack itself: it posts one of these to itself, the message bubbles
up the DOM (widget, screen, app) and the app, which owns the stack, decides (nothing moves while an
emergency is on screen or the replica cannot be read). Keys and the nav bar's buttons run the app's
actions instead (`section`, `search`, `toggle_language`, `go_back`), which end in the same methods.
"""

from __future__ import annotations

from textual.message import Message
from textual.screen import Screen

#: The language switch's key, shown on its nav button: a digit, like the sections' keys (see
#: kiosk/ui/screens/sections.py for why every nav key is a digit).
LANGUAGE_KEY = "0"


class ShowSection(Message):
    """Leave any open page and show a section (a name in kiosk/ui/screens/sections.py)."""

    def __init__(self, section: str) -> None:
        super().__init__()
        self.section = section


class OpenListing(Message):
    """Open a tenant's or a partner's page over the current screen."""

    def __init__(self, kind: str, slug: str) -> None:
        super().__init__()
        self.kind = kind
        self.slug = slug


class OpenEvent(Message):
    """Open an event's page over the current screen."""

    def __init__(self, event_id: int) -> None:
        super().__init__()
        self.event_id = event_id


class OpenPage(Message):
    """Open a page the screen built itself (the QR view) over the current screen."""

    def __init__(self, page: Screen[None]) -> None:
        super().__init__()
        self.page = page
