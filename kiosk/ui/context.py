"""What a screen or widget may read from the running kiosk, and how it gets it: `ui_context()`.

Screens and widgets never see the app class (import-linter forbids `kiosk.ui.app` to them). They see
`UIContext`, a small protocol: the replica's read API, the translator and language, the clock, the
banner announcements, a few settings, `report_screen` for the status line, and `subscribe` to redraw
when shared state changes. They move the visitor around with messages instead (kiosk/ui/navigation.py).

How it is provided (the way posting provides its settings): a ContextVar, set by the app for the
whole time it runs, in every asyncio context Textual runs the app's code in (its message loop, the
tasks of every widget, which copy the context they are started from, and a test's `run_test` block).
Outside a running kiosk app `ui_context()` raises, with a message that says so.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    from textual.dom import DOMNode

    from kiosk.replica.queries import Announcement, Queries
    from kiosk.ui.i18n import Translator
    from kiosk.ui.screens.sections import Section

#: The shared state a screen can follow. Each changes on the app and every subscriber redraws itself:
#: `language` (the visitor's switch), `content_version` (a replica update), `minute` (the clock),
#: `offline_since` (the sync link), `updating` (the replica is not complete: rebuilding or behind) and
#: `announcements` (active ones, emergencies included).
State = Literal["language", "content_version", "minute", "offline_since", "updating", "announcements"]


class UIContext(Protocol):
    """What screens and widgets read. The kiosk app implements it; a screen never needs more."""

    @property
    def queries(self) -> Queries:
        """The replica's read API."""

    @property
    def translator(self) -> Translator: ...

    @property
    def language(self) -> str:
        """The visitor's language now, "sv" or "en"."""

    def gettext(self, message: str) -> str: ...

    def ngettext(self, singular: str, plural: str, count: int) -> str: ...

    def now(self) -> datetime:
        """The current time in Europe/Stockholm (an injected clock in tests)."""

    def banner_announcements(self) -> tuple[Announcement, ...]:
        """Active info and warning announcements, most urgent first (emergencies take the screen)."""

    @property
    def sections(self) -> tuple[Section, ...]:
        """The sections of the nav bar, in order (kiosk/ui/screens/sections.py)."""

    @property
    def kiosk_id(self) -> str:
        """This kiosk's id: its spot on the floor plans, where "you are here" is."""

    @property
    def location(self) -> str:
        """Where this kiosk stands ("you are here"), as staff configured it."""

    @property
    def attract_cycle(self) -> float:
        """Seconds each attract-loop panel stays; 0 holds the first."""

    @property
    def allow_quit(self) -> bool:
        """Ctrl+Q quits (the demo in a developer's terminal), so the welcome panel says so."""

    @property
    def offline_since(self) -> datetime | None:
        """When the sync link went down (None while it is up)."""

    @property
    def updating(self) -> bool:
        """The replica is not complete (being rebuilt, or behind after a failed write)."""

    def report_screen(self, name: str) -> None:
        """Tell the admin node what the screen shows now (sent only when it changes)."""

    def subscribe(
        self, node: DOMNode, state: State, callback: Callable[[Any], Any], *, init: bool = True
    ) -> None:
        """Call `callback(value)` on `node` whenever `state` changes, for as long as `node` lives."""


_current: ContextVar[UIContext] = ContextVar("kiosk_ui_context")


def ui_context() -> UIContext:
    """The running kiosk's context; only valid inside the app (its handlers, compose, timers)."""
    try:
        return _current.get()
    except LookupError:
        raise RuntimeError("kiosk UI context is only available while a kiosk app runs") from None


@contextmanager
def providing(context: UIContext) -> Iterator[None]:
    """Make `context` what `ui_context()` returns inside the block (the app wraps its run in this)."""
    token = _current.set(context)
    try:
        yield
    finally:
        _current.reset(token)
