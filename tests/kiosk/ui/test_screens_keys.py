"""The keys the nav bar shows work on every screen, the search field included; Enter opens a hit.

Every key the nav bar names is a digit (1-5 the sections, 0 the language), and the digits go before
the focused widget, so a visitor in the middle of a search can still press 3 for the events.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from kiosk.ui.screens.attract import AttractScreen
from kiosk.ui.screens.directory import DirectoryScreen
from kiosk.ui.screens.events import EventsScreen
from kiosk.ui.screens.listing import ListingScreen
from kiosk.ui.screens.qr_view import QrContent, QrScreen
from kiosk.ui.screens.rooms import RoomsScreen
from kiosk.ui.screens.visit import VisitScreen
from kiosk.ui.widgets.result_list import MARK
from tests.kiosk.ui.conftest import AppFactory
from tests.kiosk.ui.fixtures import screen_text

Start = Callable[[Any, Pilot[Any]], Awaitable[None]]

SECTION_KEYS = [
    ("1", AttractScreen),
    ("2", DirectoryScreen),
    ("3", EventsScreen),
    ("4", RoomsScreen),
    ("5", VisitScreen),
]


def _press(*keys: str) -> Start:
    async def run(app: Any, pilot: Pilot[Any]) -> None:
        await pilot.press(*keys)
        await pilot.pause()

    return run


async def _tenant(app: Any, pilot: Pilot[Any]) -> None:
    app.open_listing("tenant", "robotlabbet")
    await pilot.pause()


async def _event(app: Any, pilot: Pilot[Any]) -> None:
    app.open_event(1)
    await pilot.pause()


async def _qr_view(app: Any, pilot: Pilot[Any]) -> None:
    app.open_listing("tenant", "robotlabbet")
    await pilot.pause()
    content = QrContent("Robotlabbet Väst AB", "Scan", "https://robotlabbet.example.se/")
    app.open_page(QrScreen(lambda: content, section="directory", page="tenant:robotlabbet"))
    await pilot.pause()
    assert isinstance(app.screen, QrScreen)


STARTS: dict[str, Start] = {
    "attract": _press("1"),
    "search-field": _press("2", *"rob"),
    "events": _press("3"),
    "rooms": _press("4"),
    "visit": _press("5"),
    "tenant": _tenant,
    "event": _event,
    "qr-view": _qr_view,
}


@pytest.mark.parametrize("start", list(STARTS))
async def test_every_nav_key_works_on_every_screen(make_app: AppFactory, start: str) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        for key, screen_type in SECTION_KEYS:
            await STARTS[start](app, pilot)
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, screen_type), (start, key)
            assert len(app.screen_stack) == 2  # the page was closed, not left under the section
        await STARTS[start](app, pilot)
        assert "0 English" in screen_text(app)
        await pilot.press("0")
        await pilot.pause()
        assert app.language == "en"
        assert "0 Svenska" in screen_text(app)


async def test_the_search_field_keeps_letters_and_leaves_the_nav_keys_alone(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2", *"sol", "slash", "0")
        await pilot.pause()
        assert isinstance(app.screen, DirectoryScreen)
        field = app.screen.query_one("#search", Input)
        assert field.value == "sol"  # neither / nor 0 was typed; l was
        assert app.focused is field
        assert app.language == "en"
        assert "Solkraft Energi" in screen_text(app)
        await pilot.press("3")
        await pilot.pause()
        assert isinstance(app.screen, EventsScreen)


async def test_enter_in_the_field_opens_the_only_hit(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2", *"vävs", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ListingScreen)
        assert app.screen.slug == "vavstolen"


async def test_enter_opens_the_marked_first_hit_and_down_moves_the_mark(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2", *"robotik")
        await pilot.pause()
        lines = screen_text(app).splitlines()
        marked = [line for line in lines if MARK in line]
        # One row is marked with a sign, not only a colour: the first, which Enter opens.
        assert len(marked) == 1 and "Nordic Drone Systems" in marked[0]
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ListingScreen) and app.screen.slug == "nordic-drone"
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("down", "down")
        await pilot.pause()
        marked = [line for line in screen_text(app).splitlines() if MARK in line]
        assert len(marked) == 1 and "Robotlabbet Väst AB" in marked[0]
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ListingScreen) and app.screen.slug == "robotlabbet"


async def test_enter_with_no_hit_stays_in_the_field(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2", *"zzzz", "enter")
        await pilot.pause()
        assert isinstance(app.screen, DirectoryScreen)
        assert app.focused is app.screen.query_one("#search", Input)


async def test_the_welcome_panel_names_the_keys_that_work(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert "Tangentbord: 1–5 byt sida · 0 språk · / sök · Esc tillbaka" in screen_text(app)
        await pilot.press("0")
        await pilot.pause()
        assert "Keyboard: 1–5 pages · 0 language · / search · Esc back" in screen_text(app)
