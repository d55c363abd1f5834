"""The UI's structure: one section list behind the keys, the nav bar and the app's table; screens reach
the app only through the UI context and navigation messages."""

from __future__ import annotations

import pytest
from textual.widgets import Button

from kiosk.ui.app import KioskApp
from kiosk.ui.context import ui_context
from kiosk.ui.navigation import OpenListing, ShowSection
from kiosk.ui.screens.directory import DirectoryScreen
from kiosk.ui.screens.events import EventsScreen
from kiosk.ui.screens.listing import ListingScreen
from kiosk.ui.screens.sections import SECTIONS
from tests.kiosk.ui.conftest import AppFactory
from tests.kiosk.ui.fixtures import screen_text


def test_each_section_label_starts_with_its_key() -> None:
    # The nav bar tells a visitor the key: "3 Events" must be what 3 does.
    for section in SECTIONS:
        assert section.label.split(" ", 1)[0] == section.key


def test_the_digit_bindings_are_the_sections() -> None:
    digits = [
        (binding.key, binding.action)
        for binding in KioskApp.BINDINGS
        if not isinstance(binding, tuple) and binding.key.isdigit()
    ]
    assert digits == [(section.key, f"section('{section.name}')") for section in SECTIONS]


async def test_the_nav_bar_shows_the_sections_in_order(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        buttons = list(app.screen.query("#nav-bar Button").results(Button))
        assert [button.id for button in buttons] == [f"nav-{s.name}" for s in SECTIONS] + ["nav-language"]
        assert [str(button.label) for button in buttons[:-1]] == [
            "1 Hem",
            "2 Företag",
            "3 Evenemang",
            "4 Rum",
            "5 Besök",
        ]


def test_the_ui_context_outside_a_running_app_says_so() -> None:
    with pytest.raises(RuntimeError, match="only available while a kiosk app runs"):
        ui_context()


async def test_screens_navigate_by_message(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert ui_context() is app  # the app provides the context in the test's block too
        app.screen.post_message(ShowSection("events"))
        await pilot.pause()
        assert isinstance(app.screen, EventsScreen)
        app.screen.post_message(OpenListing("tenant", "robotlabbet"))
        await pilot.pause()
        assert isinstance(app.screen, ListingScreen)
        assert "Robotlabbet" in screen_text(app)
        app.screen.post_message(ShowSection("no-such-section"))
        await pilot.pause()
        assert isinstance(app.screen, ListingScreen)  # an unknown section leaves the screen alone
        app.screen.post_message(ShowSection("directory"))
        await pilot.pause()
        assert isinstance(app.screen, DirectoryScreen)
        assert len(app.screen_stack) == 2  # the page was closed, not left under the section
