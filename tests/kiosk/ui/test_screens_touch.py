"""A touch visitor with no keyboard: Back, the lit tab, the letter strip, category chips and the
on-screen keyboard, each clicked with Pilot as a finger would touch it."""

from __future__ import annotations

from textual.widgets import Input

from kiosk.ui.screens.directory import DirectoryScreen
from kiosk.ui.screens.event import EventScreen
from kiosk.ui.screens.events import EventsScreen
from kiosk.ui.screens.listing import ListingScreen
from kiosk.ui.widgets.category_chips import CategoryChips, paginate
from kiosk.ui.widgets.letter_strip import LETTERS
from kiosk.ui.widgets.touch_keyboard import key_id
from tests.kiosk.ui.conftest import AppFactory
from tests.kiosk.ui.fixtures import Replica, screen_text
from tests.kiosk.ui.test_screens_directory import chip, listing_data, result_names


def letter(char: str) -> str:
    return f"#letter-{LETTERS.index(char)}"


def field_value(app: object) -> str:
    return app.screen.query_one("#search", Input).value  # type: ignore[attr-defined, no-any-return]


async def test_back_by_touch_from_a_company_returns_to_the_same_search(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2", *"robot", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ListingScreen)
        assert "Esc Tillbaka" in screen_text(app)
        await pilot.click("#nav-back")
        await pilot.pause()
        assert isinstance(app.screen, DirectoryScreen)
        assert field_value(app) == "robot"


async def test_back_by_touch_from_an_event(make_app: AppFactory) -> None:
    app = make_app(home_language="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3", "enter")
        await pilot.pause()
        assert isinstance(app.screen, EventScreen)
        assert "Esc Back" in screen_text(app)
        await pilot.click("#nav-back")
        await pilot.pause()
        assert isinstance(app.screen, EventsScreen)


async def test_sections_have_no_back_button(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        for key in "12345":
            await pilot.press(key)
            await pilot.pause()
            assert not app.screen.query("#nav-back")


async def test_the_lit_tab_returns_to_its_sections_start(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2", *"robot", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ListingScreen)
        await pilot.click("#nav-directory")  # lit: the company belongs to the directory
        await pilot.pause()
        assert isinstance(app.screen, DirectoryScreen)
        assert len(app.screen_stack) == 2
        assert field_value(app) == ""
        assert "10 träffar" in screen_text(app)
        await pilot.click(letter("S"))
        await pilot.pause()
        await pilot.click("#nav-directory")  # on the section itself: its start again
        await pilot.pause()
        assert "10 träffar" in screen_text(app)


async def test_the_letter_strip_is_in_swedish_order_and_picks_names(
    make_app: AppFactory, replica: Replica
) -> None:
    replica.put("tenant", "oden", listing_data("oden", "Oden Verkstad"))
    replica.put("tenant", "odla", listing_data("odla", "Ödla Robotik"))
    replica.put("tenant", "alg", listing_data("alg", "Älgen Data"))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2", *"robot")
        await pilot.pause()
        assert "X Y Z Å Ä Ö" in screen_text(app)
        await pilot.click(letter("S"))
        await pilot.pause()
        assert field_value(app) == ""  # a letter replaces what was typed
        assert result_names(app) == ["Solkraft Energi"]
        await pilot.click(letter("O"))
        await pilot.pause()
        assert result_names(app) == ["Oden Verkstad"]  # O is not Ö
        await pilot.click(letter("Ö"))
        await pilot.pause()
        assert result_names(app) == ["Ödla Robotik"]
        await pilot.click(letter("Ä"))
        await pilot.pause()
        assert result_names(app) == ["Älgen Data"]
        await pilot.click(letter("Ä"))  # the lit letter again: every name
        await pilot.pause()
        assert len(result_names(app)) == 13
        await pilot.click(letter("V"))
        await pilot.pause()
        await pilot.press(*"kod")  # typing replaces the letter
        await pilot.pause()
        assert result_names(app) == ["Kodkollektivet"]


async def test_category_chips_filter_by_touch(make_app: AppFactory) -> None:
    app = make_app(home_language="en")
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        await pilot.click(chip(app, "Robotics"))
        await pilot.pause()
        assert result_names(app) == ["Nordic Drone Systems", "Robotlabbet Väst AB"]
        await pilot.click(chip(app, "Utbildning"))
        await pilot.pause()
        assert result_names(app) == ["Högskolan Väst"]
        await pilot.click(chip(app, "All categories"))
        await pilot.pause()
        assert len(result_names(app)) == 10


async def test_chips_that_do_not_fit_page_behind_a_more_chip(make_app: AppFactory, replica: Replica) -> None:
    for number in range(12):
        data = {**listing_data(f"c{number}", f"Bolag {number}"), "category": f"Kategori nummer {number}"}
        replica.put("tenant", f"c{number}", data)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        chips = app.screen.query_one(CategoryChips)
        assert len(chips.pages) > 1
        assert "Kategori nummer 9" not in screen_text(app)
        while "Kategori nummer 9" not in screen_text(app):
            await pilot.click("#chips .-more")
            await pilot.pause()
        await pilot.click(chip(app, "Kategori nummer 9"))
        await pilot.pause()
        assert result_names(app) == ["Bolag 9"]


def test_chip_pages_never_overflow_the_width() -> None:
    labels = [f"Kategori {number}" for number in range(30)]
    for columns in (40, 78, 158):
        pages = paginate(labels, columns, 2)
        for page in pages:
            assert len(page) <= 2
            for row_number, row in enumerate(page):
                more = len(pages) > 1 and row_number == len(page) - 1  # the "›" chip, 3 cells and a gap
                assert sum(len(labels[i]) + 2 + 1 for i in row) + (4 if more else 0) <= columns
        shown = [i for page in paginate(labels, columns, 2) for row in page for i in row]
        assert shown == list(range(30))  # every category on some page, once


async def test_the_on_screen_keyboard_types_digits_and_swedish_letters(
    make_app: AppFactory, replica: Replica
) -> None:
    replica.put("tenant", "3d", listing_data("3d", "3D Tryckeriet"))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        assert "0–9 åäö" in screen_text(app)  # where a visitor finds the digits
        await pilot.click("#keyboard-toggle")
        await pilot.pause()
        for char in "3d":
            await pilot.click(f"#{key_id(char)}")
        await pilot.pause()
        assert field_value(app) == "3d"
        assert result_names(app) == ["3D Tryckeriet"]
        await pilot.click("#key-clear")
        for char in "väv":
            await pilot.click(f"#{key_id(char)}")
        await pilot.click(f"#{key_id('x')}")
        await pilot.click("#key-backspace")
        await pilot.pause()
        assert field_value(app) == "väv"
        assert result_names(app) == ["Vävstolen Design"]
        await pilot.click("#key-space")
        for char in "hög":
            await pilot.click(f"#{key_id(char)}")
        await pilot.pause()
        assert field_value(app) == "väv hög"
        await pilot.click("#keyboard-toggle")  # closed again: the letter strip is back
        await pilot.pause()
        assert not app.screen.query("#keyboard")
        assert field_value(app) == "väv hög"
