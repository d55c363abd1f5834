"""The directory's result list under fast typing: one search per frame, one line per listing."""

from __future__ import annotations

from typing import Any

from textual import events
from textual.widgets import Input

from kiosk.replica.queries import SearchResult
from kiosk.ui.app import KioskApp
from kiosk.ui.screens.directory import DirectoryScreen
from kiosk.ui.screens.listing import ListingScreen
from tests.kiosk.ui.conftest import AppFactory
from tests.kiosk.ui.fixtures import LONG_WORD, Replica, screen_text


def count_searches(app: KioskApp) -> list[str]:
    """The texts the directory searches for, in order (the real query still runs)."""
    searched: list[str] = []
    search = app.queries.search

    def counting(text: str = "", **filters: Any) -> SearchResult:
        searched.append(text)
        return search(text, **filters)

    app.queries.search = counting  # type: ignore[method-assign]
    return searched


def send_keys_at_once(app: KioskApp, keys: str | list[str]) -> None:
    """Keys as a fast typist (or a paste) delivers them: all queued before the app handles any."""
    driver = app._driver
    assert driver is not None
    for key in keys:
        event = events.Key(key, key if len(key) == 1 else None)
        event.set_sender(app)
        driver.send_message(event)


async def test_a_burst_of_keys_is_shown_at_once_and_searched_once_per_frame(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        searched = count_searches(app)
        send_keys_at_once(app, "hogskolan")
        await pilot.pause()
        assert app.screen.query_one("#search", Input).value == "hogskolan"
        assert searched[-1] == "hogskolan"
        assert len(searched) < len("hogskolan")  # not one search per key
        text = screen_text(app)
        assert "Högskolan Väst" in text and "1 träff " in text


async def test_enter_right_after_a_burst_opens_what_was_typed(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        send_keys_at_once(app, [*"vävs", "enter"])  # Enter moves to the results: for "vävs", not "v"
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ListingScreen)
        assert "Vävstolen Design" in screen_text(app)


async def test_a_long_name_takes_one_row_cut_with_an_ellipsis(make_app: AppFactory, replica: Replica) -> None:
    replica.put("tenant", "lang", {"slug": "lang", "name": f"Aaa {LONG_WORD}", "visible": True, "floor": 2})
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        assert isinstance(app.screen, DirectoryScreen)
        lines = screen_text(app).splitlines()
        first = next(number for number, line in enumerate(lines) if "Aaa Supercali" in line)
        assert lines[first].rstrip().endswith("…")
        assert "Supercali" not in lines[first + 1]  # no second line: the next listing follows
        assert lines[first + 1].strip()
