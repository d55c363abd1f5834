"""The kiosk app: screens over the replica, fed by the sync client through a `SyncPort`.

Threading: the sync client calls `on_event` from its own threads. Those callbacks only ever
`post_message` (thread-safe) and, for content updates, only when no refresh is already pending, so a
burst of a thousand applied revisions costs a handful of screen refreshes, not a thousand.

State the screens share lives in reactives here (language, content version, connection, active
announcements, the current minute); screens and widgets subscribe to them and redraw themselves. They
reach this app only as a `UIContext` (kiosk/ui/context.py), which the app provides for as long as it
runs, and move the visitor around by posting navigation messages (kiosk/ui/navigation.py) that the
`@on` handlers below turn into screen-stack changes. kiosk/ui/__init__.py follows one key press through.
"""

from __future__ import annotations

import gc
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from textual import events, on
from textual.binding import Binding, BindingType
from textual.dom import DOMNode
from textual.reactive import reactive
from textual.screen import Screen

from assets import ASSETS
from broker import times
from kiosk.config import KioskConfig
from kiosk.notify import Notifier, revision_status
from kiosk.ports import SyncEvent, SyncPort
from kiosk.process_memory import limit_malloc_arenas, release_free_memory
from kiosk.replica.queries import Announcement, Queries
from kiosk.ui import remote
from kiosk.ui.context import State, providing
from kiosk.ui.i18n import Translator
from kiosk.ui.messages import CompletenessChanged, ConnectionChanged, ReplicaChanged
from kiosk.ui.navigation import OpenEvent, OpenListing, OpenPage, ShowSection
from kiosk.ui.screens.attract import AttractScreen
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.screens.directory import DirectoryScreen
from kiosk.ui.screens.emergency import EmergencyScreen
from kiosk.ui.screens.event import EventScreen
from kiosk.ui.screens.listing import ListingScreen
from kiosk.ui.screens.sections import BY_NAME, SECTIONS, Section, section_bindings
from kiosk.ui.signals import exit_on_signals
from kiosk.ui.textual_internals import ContextApp, fix_styles_cache_leak, forget_closed_watchers

log = logging.getLogger(__name__)

fix_styles_cache_leak()

Clock = Callable[[], datetime]


#: Textual actions that are for whoever runs the app, not for a visitor at a lobby keyboard. None is
#: bound here (Textual's own App bindings are not inherited), and none runs even if something asks.
STAFF_ACTIONS = frozenset(
    {
        "quit",
        "command_palette",
        "help_quit",
        "screenshot",
        "toggle_dark",
        "change_theme",
        "suspend_process",
        "show_help_panel",
        "hide_help_panel",
    }
)


class KioskApp(ContextApp, inherit_bindings=False):
    """The lobby screen. Construct with a replica (path or `Queries`) and, in production, a `SyncPort`.

    Locked down for a lobby: Textual's App bindings (ctrl+q quit, ctrl+c "how to quit") are not
    inherited and there is no command palette, so a visitor's keyboard can only do what BINDINGS
    below say. `allow_quit=True` (the demo in a developer's terminal) turns ctrl+q and ctrl+c back on,
    and ends the app cleanly on SIGTERM and SIGHUP (`kiosk.ui.signals`).
    """

    CSS_PATH = ASSETS / "styles" / "kiosk.tcss"
    TITLE = "Innovatum"
    ENABLE_COMMAND_PALETTE = False
    # Keys: a digit per section (kiosk/ui/screens/sections.py), / search, l language, Esc back. Shown
    # in the nav bar, so not in a footer.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True),  # only with allow_quit
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True),  # only with allow_quit
        *section_bindings(),
        Binding("slash", "search", "Search", show=False),
        Binding("l", "toggle_language", "Language", show=False),
        Binding("escape", "go_back", "Back", show=False),
    ]

    language: reactive[str] = reactive("sv")
    content_version: reactive[int] = reactive(0)
    offline_since: reactive[datetime | None] = reactive(None)
    #: The replica is not complete (bootstrapping, rebuilding, behind after a failed write): marked
    #: beside the clock like offline, so nobody trusts a screen that may be behind.
    updating: reactive[bool] = reactive(False)
    announcements: reactive[tuple[Announcement, ...]] = reactive(())
    minute: reactive[datetime] = reactive(lambda: times.now().replace(second=0, microsecond=0))

    def __init__(
        self,
        replica: Path | Queries,
        *,
        kiosk_id: str,
        group: str = "",
        location: str = "",
        translator: Translator | None = None,
        port: SyncPort | None = None,
        idle_timeout: float = 90.0,
        clock: Clock = times.now,
        home_language: str = "sv",
        attract_cycle: float = 12.0,
        tick_interval: float = 1.0,
        allow_quit: bool = False,
        freeze_startup: bool = False,
        notifier: Notifier | None = None,
    ) -> None:
        super().__init__()
        self.notifier = notifier or Notifier({})  # systemd's READY/WATCHDOG/STATUS, if run under it
        self.allow_quit = allow_quit
        self._restore_signals: Callable[[], None] = lambda: None
        self.freeze_startup = freeze_startup
        # Motion distracts from across a lobby and costs CPU on a Pi: off unless TEXTUAL_ANIMATIONS says.
        if "TEXTUAL_ANIMATIONS" not in os.environ:
            self.animation_level = "none"
        self._owns_queries = not isinstance(replica, Queries)
        self.queries = replica if isinstance(replica, Queries) else Queries(replica)
        self.kiosk_id = kiosk_id
        self.group = group
        self.location = location
        self.translator = translator or Translator(home_language)
        self.port = port
        self.idle_timeout = idle_timeout
        self.clock = clock
        self.home_language = home_language
        self.attract_cycle = attract_cycle
        self.tick_interval = tick_interval
        self._refresh_lock = threading.Lock()
        self._refresh_pending = False
        self._newest_revision = 0
        self._acknowledged: set[int] = set()
        self._reported_screen = ""
        self._emergency: EmergencyScreen | None = None
        self._next_announcement_change: datetime | None = None
        self._last_input = time.monotonic()
        self.set_reactive(KioskApp.language, home_language)
        self.set_reactive(KioskApp.minute, self._current_minute())
        self.translator.set_language(home_language)

    # Lifecycle ------------------------------------------------------------------------------------

    def provide_context(self) -> AbstractContextManager[None]:
        """Set wherever Textual sets its own context: `ui_context()` is this app in every handler."""
        return providing(self)

    def on_mount(self) -> None:
        self.push_screen(AttractScreen())
        if self.freeze_startup:
            self.call_after_refresh(_freeze_startup_objects)
        self.set_interval(self.tick_interval, self._tick)
        self.check_announcements()
        if self.port is not None:
            self.port.start(self._on_sync_event)
        if self.allow_quit:  # someone's terminal: closing it or `kill -TERM` end the app cleanly
            self._restore_signals = exit_on_signals(self)
        # The watchdog pings from this event loop, so a frozen UI is restarted, not only a dead one.
        if self.notifier.interval is not None:
            self.set_interval(self.notifier.interval, self.notifier.ping)
        self.call_after_refresh(self.notifier.ready, "showing the replica, waiting for the broker")

    def on_unmount(self) -> None:
        self._restore_signals()
        if self.port is not None:
            self.port.stop()
        if self._owns_queries:
            self.queries.close()

    async def on_event(self, event: events.Event) -> None:
        # Every key, touch or scroll restarts the idle countdown; mouse movement alone does not.
        if isinstance(event, events.Key | events.MouseDown | events.MouseScrollDown | events.MouseScrollUp):
            self._last_input = time.monotonic()
        await super().on_event(event)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Refuse the staff actions (see STAFF_ACTIONS), quitting too unless `allow_quit`."""
        if action == "quit":
            return self.allow_quit
        return action not in STAFF_ACTIONS

    async def action_quit(self) -> None:
        if self.allow_quit:
            self.exit()

    def action_command_palette(self) -> None:
        """No command palette on a kiosk: it offers quitting, themes and screenshots."""

    # Sync callbacks (background threads) ------------------------------------------------------------

    def _on_sync_event(self, event: SyncEvent) -> None:
        """Called on the sync client's threads: post a message, never touch widgets."""
        if event.kind == "command":
            if event.command is not None:
                self.post_message(remote.RemoteCommandReceived(event.command))
            return
        if event.kind == "applied":
            self._newest_revision = event.revision  # a burst posts one message: its first revision
            with self._refresh_lock:
                if self._refresh_pending:
                    return
                self._refresh_pending = True
            self.post_message(ReplicaChanged(event.revision))
        elif event.kind in ("complete", "incomplete"):
            self.post_message(CompletenessChanged(event.kind == "complete"))
        else:
            self.post_message(ConnectionChanged(event.kind == "online", event.at))

    def on_completeness_changed(self, message: CompletenessChanged) -> None:
        self.updating = not message.complete

    def on_replica_changed(self, message: ReplicaChanged) -> None:
        # Clear the flag before reading, so an update committed during the reload posts a new message.
        with self._refresh_lock:
            self._refresh_pending = False
        self.notifier.status(revision_status(max(message.revision, self._newest_revision)))
        self.content_version += 1
        self.check_announcements()

    def on_remote_command_received(self, message: remote.RemoteCommandReceived) -> None:
        remote.run(self, self.port, message.command, kiosk_id=self.kiosk_id, location=self.location)

    def on_connection_changed(self, message: ConnectionChanged) -> None:
        if message.online:
            self.offline_since = None
        elif self.offline_since is None:
            self.offline_since = message.at.astimezone(times.STOCKHOLM)

    # Time -----------------------------------------------------------------------------------------

    def now(self) -> datetime:
        return self.clock().astimezone(times.STOCKHOLM)

    def _current_minute(self) -> datetime:
        return self.now().replace(second=0, microsecond=0)

    def _tick(self) -> None:
        """Cheap enough to run every second on a Pi: the replica is only read when a window edge passed."""
        self._forget_closed_watchers()
        self.minute = self._current_minute()
        # Idle is measured on the monotonic clock (the injected clock is for what the screen shows).
        if time.monotonic() - self._last_input >= self.idle_timeout:
            self._last_input = time.monotonic()
            self._return_to_attract()
        if self._next_announcement_change is not None and self.now() >= self._next_announcement_change:
            self.check_announcements()

    def _forget_closed_watchers(self) -> None:
        """Every screen subscribes to the app's language, content version and minute (so does the
        chrome); a closed one must not stay in memory through that (see forget_closed_watchers)."""
        forget_closed_watchers(self)

    def _release_memory(self) -> None:
        self._forget_closed_watchers()
        release_free_memory()

    def _return_to_attract(self) -> None:
        """Nobody touched the screen for `idle_timeout`: back to the attract loop, in the home language."""
        if self._emergency is not None:
            return
        if self.language != self.home_language:
            self.language = self.home_language
        if not isinstance(self.screen, AttractScreen) or len(self.screen_stack) > 2:
            self.show_section("attract")

    # Announcements --------------------------------------------------------------------------------

    def check_announcements(self) -> None:
        """Re-read what should be shown now: on every update and on every tick (windows open and close).

        A replica that cannot be read for a moment (locked past the busy timeout, a disk error) keeps
        what is on screen rather than taking the kiosk down; the next tick tries again.
        """
        now = self.now()
        try:
            active = self.queries.announcements(now, self.kiosk_id, self.group)
            self._next_announcement_change = self.queries.next_announcement_change(
                now, self.kiosk_id, self.group
            )
        except sqlite3.Error as exc:
            log.warning("cannot read announcements from the replica: %s", exc)
            self._next_announcement_change = now  # try again on the next tick
            return
        self.announcements = tuple(active)

    def watch_announcements(self, active: tuple[Announcement, ...]) -> None:
        emergency = next((item for item in active if item.priority == "emergency"), None)
        if emergency is not None:
            if self._emergency is None:
                self._emergency = EmergencyScreen(emergency)
                self.push_screen(self._emergency)
            else:
                self._emergency.announcement = emergency
            self.acknowledge(emergency.id)
            return
        if self._emergency is not None:
            screen, self._emergency = self._emergency, None
            if self.screen is screen:
                self.pop_screen()
        # With no takeover, every other active announcement is in the banner of the screen shown.
        for item in active:
            self.acknowledge(item.id)

    def banner_announcements(self) -> tuple[Announcement, ...]:
        return tuple(item for item in self.announcements if item.priority != "emergency")

    def acknowledge(self, announcement_id: int) -> None:
        """Once per announcement and kiosk run: the admin node counts kiosks that showed it."""
        if announcement_id in self._acknowledged:
            return
        self._acknowledged.add(announcement_id)
        if self.port is not None:
            self.port.acknowledge(announcement_id)

    # Navigation -----------------------------------------------------------------------------------

    @property
    def emergency_active(self) -> bool:
        return self._emergency is not None

    def report_screen(self, name: str) -> None:
        if name != self._reported_screen:
            self._reported_screen = name
            if self.port is not None:
                self.port.report_screen(name)

    # The stack is [Textual's default screen, a section, pages opened from it...]. Navigation changes
    # the stack synchronously and does not await the old screens' removal: awaiting that from inside
    # the app's own message handler would wait on the loop that is running the handler.

    def show_section(self, name: str) -> KioskScreen | None:
        """Leave any open page and show a section. Nothing moves while an emergency is on screen."""
        section = BY_NAME.get(name)
        if self._emergency is not None or section is None or not self._replica_readable():
            return None
        while len(self.screen_stack) > 2:
            self.pop_screen()
        screen = section.screen()
        self.switch_screen(screen)
        if name == "attract":  # the visitor's pages are gone: their memory goes back to the system
            self.call_after_refresh(self._release_memory)
        return screen

    def open_page(self, screen: Screen[None]) -> None:
        if self._emergency is None and self._replica_readable():
            self.push_screen(screen)

    def _replica_readable(self) -> bool:
        """A new screen reads the replica as it is built; if it cannot, the current one stays."""
        if self.queries.readable():
            return True
        log.warning("replica unreadable; staying on the current screen")
        return False

    def action_section(self, name: str) -> None:
        """A section's number key or nav button (see `section_bindings` and `NavBar`)."""
        self.show_section(name)

    @on(ShowSection)
    def _show_section_asked(self, message: ShowSection) -> None:
        self.show_section(message.section)

    @on(OpenListing)
    def _open_listing_asked(self, message: OpenListing) -> None:
        self.open_listing(message.kind, message.slug)

    @on(OpenEvent)
    def _open_event_asked(self, message: OpenEvent) -> None:
        self.open_event(message.event_id)

    @on(OpenPage)
    def _open_page_asked(self, message: OpenPage) -> None:
        self.open_page(message.page)

    async def action_search(self) -> None:
        """/ : the directory with the search field focused (async so a caller may await it)."""
        if self._emergency is not None:
            return
        screen = self.screen if isinstance(self.screen, DirectoryScreen) else self.show_section("directory")
        if isinstance(screen, DirectoryScreen):
            screen.focus_search()

    def action_toggle_language(self) -> None:
        if self._emergency is None:
            self.language = "en" if self.language == "sv" else "sv"

    def action_go_back(self) -> None:
        """Esc: close a page, or from a section go home. A takeover ignores it."""
        if self._emergency is not None:
            return
        if len(self.screen_stack) > 2:
            self.pop_screen()
        elif not isinstance(self.screen, AttractScreen):
            self.show_section("attract")

    def open_listing(self, kind: str, slug: str) -> None:
        self.open_page(ListingScreen(kind, slug))

    def open_event(self, event_id: int) -> None:
        self.open_page(EventScreen(event_id))

    def watch_language(self, language: str) -> None:
        self.translator.set_language(language)

    # The UI context (kiosk/ui/context.py): what screens and widgets read ----------------------------

    @property
    def sections(self) -> tuple[Section, ...]:
        return SECTIONS

    def subscribe(
        self, node: DOMNode, state: State, callback: Callable[[Any], Any], *, init: bool = True
    ) -> None:
        node.watch(self, state, callback, init=init)

    def gettext(self, message: str) -> str:
        return self.translator.gettext(message)

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        return self.translator.ngettext(singular, plural, count)


def _freeze_startup_objects() -> None:
    """Move what start-up built (modules, Textual's and our objects: nearly all live for the whole
    run) out of the cyclic collector's sight. A full collection otherwise walks all of them, a
    40 - 80 ms pause that a visitor sees as a missed keystroke. Only for a process that runs one
    app (`run_app`): in a test run it would keep every earlier app's garbage for good."""
    gc.freeze()


def run_app(config: KioskConfig, port: SyncPort | None, *, allow_quit: bool = False) -> int:
    """The production entry point (`innovatum-kiosk --config FILE`): no way to quit from the keyboard.

    `allow_quit=True` is for `innovatum demo`, run by a person in their own terminal: ctrl+q or ctrl+c
    quits. Returns the exit status: Textual ends `run()` normally after an unhandled exception (it
    prints the traceback and sets `return_code` to 1), so the caller must exit with it for systemd to see.
    """
    limit_malloc_arenas()  # before the app's and the sync client's threads exist
    app = KioskApp(
        config.database,
        kiosk_id=config.kiosk_id,
        group=config.group,
        location=config.location,
        translator=Translator(config.language),
        port=port,
        idle_timeout=config.idle_timeout,
        home_language=config.language,
        allow_quit=allow_quit,
        freeze_startup=True,
        notifier=Notifier(),
    )
    app.run()
    return app.return_code or 0
