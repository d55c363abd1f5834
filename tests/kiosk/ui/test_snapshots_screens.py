"""Snapshots of the main screens at the smallest and a large size, in Swedish and English.

Fixed clock and fixed data (tests/kiosk/ui/fixtures.py), so a change in the SVG is a change in what a
visitor sees. Regenerate after an intended change with `pytest tests/kiosk/ui/test_snapshots_screens.py
--snapshot-update` and look at the SVGs before committing them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from textual.pilot import Pilot

from kiosk.ui.screens.qr_view import QrScreen
from tests.kiosk.ui.conftest import AppFactory
from tests.kiosk.ui.fixtures import Replica, announcement
from tests.kiosk.ui.test_screens_qr_view import LONG_EVENT_ID, add_long_urls

pytestmark = pytest.mark.slow  # 44 snapshots: about 20 s of CPU

Step = Callable[[Pilot[Any]], Awaitable[None]]


def keys(*pressed: str) -> Step:
    async def run(pilot: Pilot[Any]) -> None:
        await pilot.press(*pressed)
        await pilot.pause()

    return run


def page(kind: str, key: str) -> Step:
    async def run(pilot: Pilot[Any]) -> None:
        app: Any = pilot.app
        if kind == "event":
            app.open_event(int(key))
        else:
            app.open_listing(kind, key)
        await pilot.pause()

    return run


def panel(name: str) -> Step:
    async def run(pilot: Pilot[Any]) -> None:
        await pilot.pause()  # the screen has finished starting
        await pilot.app.screen.show_panel(name)  # type: ignore[attr-defined]
        await pilot.pause()

    return run


SCREENS: dict[str, Step] = {
    "attract": keys(),
    "attract-featured": panel("featured"),
    "directory": keys("2"),
    "search": keys("2", *"robot"),
    "tenant": page("tenant", "robotlabbet"),
    "events": keys("3"),
    "event": page("event", "1"),
    "rooms": keys("4"),
    "visit": keys("5"),
}
SIZES = {"80x24": (80, 24), "160x45": (160, 45)}


@pytest.mark.parametrize("language", ["sv", "en"])
@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("screen", list(SCREENS))
def test_screen(snap_compare: Any, make_app: AppFactory, screen: str, size: str, language: str) -> None:
    app = make_app(home_language=language)
    assert snap_compare(app, terminal_size=SIZES[size], run_before=SCREENS[screen])


@pytest.mark.parametrize("size", list(SIZES))
def test_emergency(snap_compare: Any, make_app: AppFactory, replica: Replica, size: str) -> None:
    replica.put(
        "announcement",
        "30",
        announcement(
            30,
            "Brandlarm: lämna byggnaden via närmaste nödutgång.",
            "Fire alarm: leave the building by the nearest emergency exit.",
            "emergency",
        ),
    )
    app = make_app()
    assert snap_compare(app, terminal_size=SIZES[size], run_before=keys())


@pytest.mark.parametrize("language", ["sv", "en"])
@pytest.mark.parametrize("size", list(SIZES))
def test_qr_view(snap_compare: Any, make_app: AppFactory, replica: Replica, size: str, language: str) -> None:
    """A ~100-character registration URL on its own screen: at 80x24 without the chrome, at 160x45
    with it (opened directly there: the code also fits on the page at that size)."""
    add_long_urls(replica)

    async def qr_view(pilot: Pilot[Any]) -> None:
        app: Any = pilot.app
        app.open_event(LONG_EVENT_ID)
        await pilot.pause()
        event = app.screen
        app.open_page(QrScreen(event.qr_content, section=event.section, page=event.report_name()))
        await pilot.pause()

    app = make_app(home_language=language)
    assert snap_compare(app, terminal_size=SIZES[size], run_before=qr_view)


@pytest.mark.parametrize("size", list(SIZES))
def test_offline(snap_compare: Any, make_app: AppFactory, size: str) -> None:
    async def offline(pilot: Pilot[Any]) -> None:
        from tests.kiosk.ui.fixtures import NOW

        pilot.app.offline_since = NOW.replace(hour=9, minute=58)  # type: ignore[attr-defined]
        await pilot.press("2")
        await pilot.pause()

    app = make_app()
    assert snap_compare(app, terminal_size=SIZES[size], run_before=offline)
