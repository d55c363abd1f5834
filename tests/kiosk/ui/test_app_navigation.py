"""Moving around the kiosk with keys and touches; the idle timeout; the language switch."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from kiosk.config import BrokerSettings, KioskConfig
from kiosk.ui.app import KioskApp, run_app
from kiosk.ui.screens.attract import AttractScreen
from kiosk.ui.screens.directory import DirectoryScreen
from kiosk.ui.screens.event import EventScreen
from kiosk.ui.screens.events import EventsScreen
from kiosk.ui.screens.listing import ListingScreen
from kiosk.ui.screens.rooms import RoomsScreen
from kiosk.ui.screens.visit import VisitScreen
from tests.kiosk.ui.conftest import AppFactory
from tests.kiosk.ui.fixtures import FakeClock, FakeSyncPort, Replica, screen_text, tenants

SECTIONS = [
    ("1", "nav-attract", AttractScreen, "Välkommen till Innovatum"),
    ("2", "nav-directory", DirectoryScreen, "Företag och partner"),
    ("3", "nav-events", EventsScreen, "Robotverkstad för barn"),
    ("4", "nav-rooms", RoomsScreen, "Projektarenan · rum"),
    ("5", "nav-visit", VisitScreen, "Gärdhemsvägen 9"),
]


async def test_starts_on_the_attract_loop_in_swedish(make_app: AppFactory, port: FakeSyncPort) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, AttractScreen)
        text = screen_text(app)
        assert "Välkommen till Innovatum" in text
        assert "onsdag 2 december" in text
        assert port.started
        assert port.screens == ["attract:welcome"]
        assert app.animation_level == "none"  # nothing moves unless TEXTUAL_ANIMATIONS asks for it
    assert port.stopped


@pytest.mark.parametrize(("key", "button", "screen_type", "shown"), SECTIONS)
async def test_number_keys_and_nav_buttons_open_sections(
    make_app: AppFactory, key: str, button: str, screen_type: type, shown: str
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3" if key == "1" else "1")  # start somewhere else
        await pilot.press(key)
        await pilot.pause()
        assert isinstance(app.screen, screen_type)
        assert shown in screen_text(app)
        await pilot.press("3" if key == "1" else "1")
        await pilot.click(f"#{button}")
        await pilot.pause()
        assert isinstance(app.screen, screen_type)
        assert shown in screen_text(app)
        assert app.screen.query_one(f"#{button}").has_class("-active")


async def test_escape_closes_a_page_then_goes_home(make_app: AppFactory, port: FakeSyncPort) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        await pilot.pause()
        await pilot.press("down", "enter")  # from the first event (day headings are skipped) to the second
        await pilot.pause()
        assert isinstance(app.screen, EventScreen)
        assert "Robotverkstad för barn" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, EventsScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, AttractScreen)
        assert len(app.screen_stack) == 2
        assert port.screens[-4:] == ["events", "event:1", "events", "attract:welcome"]


async def test_a_section_key_from_a_page_leaves_the_page(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        app.open_listing("tenant", "robotlabbet")
        await pilot.pause()
        assert isinstance(app.screen, ListingScreen)
        await pilot.press("4")
        await pilot.pause()
        assert isinstance(app.screen, RoomsScreen)
        assert len(app.screen_stack) == 2


async def test_touching_the_attract_loop_opens_the_directory(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.click("#body", offset=(10, 5))
        await pilot.pause()
        assert isinstance(app.screen, DirectoryScreen)


async def test_attract_loop_cycles_its_panels(make_app: AppFactory, port: FakeSyncPort) -> None:
    app = make_app(attract_cycle=0.05)
    async with app.run_test(size=(160, 45)) as pilot:
        for _ in range(100):
            await pilot.pause(0.02)
            if "attract:announcements" in port.screens:
                break
        assert port.screens[:5] == [
            "attract:welcome",
            "attract:featured",
            "attract:events",
            "attract:rooms",
            "attract:announcements",
        ]


async def test_language_switch_changes_strings_and_dates(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        await pilot.pause()
        swedish = screen_text(app)
        assert "I dag · onsdag 2 december" in swedish
        assert "I morgon · torsdag 3 december" in swedish
        assert "3 Evenemang" in swedish and "L English" in swedish
        await pilot.press("l")
        await pilot.pause()
        english = screen_text(app)
        assert "Today · Wednesday 2 December" in english
        assert "Tomorrow · Thursday 3 December" in english
        assert "Robot workshop for kids" in english
        assert "3 Events" in english and "L Svenska" in english
        assert "onsdag" not in english
        await pilot.click("#nav-language")
        await pilot.pause()
        assert "I dag · onsdag 2 december" in screen_text(app)


async def test_idle_timeout_returns_to_attract_in_swedish(make_app: AppFactory) -> None:
    # The timeout is long against the 0.2 s between key presses, so a loaded machine that stretches
    # a pause cannot fake an idle visitor; it is set only once the page is open (opening it may take
    # seconds on a loaded machine), and the return is then awaited with a generous deadline.
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        app.open_listing("tenant", "robotlabbet")
        await pilot.pause()
        await pilot.click("#nav-language")
        await pilot.pause()
        assert "Where to find us" in screen_text(app)
        app.idle_timeout = 3.0
        started = time.monotonic()
        for _ in range(20):  # keep using it for longer than the timeout: no return while someone is there
            await pilot.pause(0.2)
            await pilot.press("shift")
        assert time.monotonic() - started > 3.0
        assert isinstance(app.screen, ListingScreen)
        assert "Where to find us" in screen_text(app)
        deadline = time.monotonic() + 15
        while not isinstance(app.screen, AttractScreen) and time.monotonic() < deadline:
            await pilot.pause(0.1)
        await pilot.pause()
        assert isinstance(app.screen, AttractScreen)
        assert len(app.screen_stack) == 2
        text = screen_text(app)
        assert "Välkommen till Innovatum" in text
        assert app.language == "sv"


def test_run_app_builds_the_kiosk_from_its_config(
    monkeypatch: pytest.MonkeyPatch, replica: Replica, port: FakeSyncPort
) -> None:
    started: list[KioskApp] = []
    monkeypatch.setattr(KioskApp, "run", lambda self, *args, **kwargs: started.append(self))
    config = KioskConfig(
        kiosk_id="lobby-2",
        group="lobby",
        location="Entré",
        database=replica.path,
        broker=BrokerSettings("localhost", 1883, False, "u", "p"),
        admin_public_key="x",
        language="en",
        idle_timeout=45.0,
    )
    run_app(config, port)
    (app,) = started
    assert (app.kiosk_id, app.group, app.location) == ("lobby-2", "lobby", "Entré")
    assert (app.language, app.home_language, app.idle_timeout, app.port) == ("en", "en", 45.0, port)
    assert app.queries.path == replica.path
    app.queries.close()


async def test_attract_loop_gains_the_announcements_panel_when_a_window_opens(
    make_app: AppFactory, replica: Replica, clock: FakeClock, port: FakeSyncPort
) -> None:
    replica.delete("announcement", "1")
    replica.delete("announcement", "2")
    clock.advance(timedelta(days=1, hours=-3))  # tomorrow 07:30, before announcement 5 opens at 08:00
    app = make_app(attract_cycle=0.05)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        assert "announcements" not in app.screen.panel_names()  # type: ignore[attr-defined]
        clock.advance(timedelta(hours=1))
        for _ in range(100):
            await pilot.pause(0.02)
            if "Meddelanden" in screen_text(app):  # the panel's title (the text itself is in the banner too)
                break
        text = screen_text(app)
        assert "Meddelanden" in text
        assert text.count("Kommer i morgon") == 2  # banner and panel
        assert "attract:announcements" in port.screens


async def test_the_attract_loop_builds_each_panel_when_it_is_first_shown(
    make_app: AppFactory, clock: FakeClock
) -> None:
    """Only the panel on screen is built at start (the first frame does not wait for QR codes,
    logos and events); a new round of the loop rebuilds a panel only when what it shows changed."""
    app = make_app()
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, AttractScreen)

        def built() -> list[str | None]:
            return [child.id for child in screen.query_one("#panels").children]

        assert built() == ["welcome"]
        await screen.show_panel("events")
        await screen.show_panel("featured")
        await pilot.pause()
        assert built() == ["welcome", "events", "featured"]
        assert "I dag på Innovatum" not in screen_text(app)  # built, not shown
        events_panel = screen.query_one("#events")
        await screen.show_panel("welcome", fresh=True)  # a new round, the same minute
        # The featured company turns every round; today's events are as they were.
        assert built() == ["welcome", "events"]
        assert screen.query_one("#events") is events_panel
        clock.advance(timedelta(hours=5))  # 15:30: the robot workshop is over
        await screen.show_panel("welcome", fresh=True)
        assert "events" not in built()
        await screen.show_panel("events")
        await pilot.pause()
        text = screen_text(app)
        assert "I dag på Innovatum" in text and "Öppet hus i projektarenan" in text
        assert "Robotverkstad för barn" not in text


async def test_a_content_update_during_a_panel_switch_shows_the_new_panel(
    make_app: AppFactory, replica: Replica, port: FakeSyncPort
) -> None:
    app = make_app()
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, AttractScreen)
        renamed = {**tenants()[0], "name": "Nytt Namn AB"}
        port.emit("applied", replica.put("tenant", renamed["slug"], renamed))
        await screen.show_panel("featured")  # while the update rebuilds the screen
        for _ in range(3):
            await pilot.pause()
        assert app.is_running
        text = screen_text(app)
        assert "Företag på Innovatum" in text and "Nytt Namn AB" in text
