"""The pages a visitor opens, checked on what the screen shows: untrusted text, badges, rooms, visit."""

from __future__ import annotations

import pytest
from textual.widgets import OptionList

from kiosk.ui.qr import QRCode
from kiosk.ui.screens.event import EventScreen
from tests.kiosk.ui.conftest import AppFactory
from tests.kiosk.ui.fixtures import LONG_WORD, MARKUP_NAME, screen_text
from tests.kiosk.ui.screen_image import screen_image

SIZES = [(80, 24), (160, 45), (240, 67)]


async def show(app: object, pilot: object) -> str:
    for _ in range(3):
        await pilot.pause()  # type: ignore[attr-defined]
    return screen_text(app)


@pytest.mark.parametrize("size", SIZES)
async def test_markup_and_escapes_in_a_tenant_are_shown_literally(
    make_app: AppFactory, size: tuple[int, int]
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        app.open_listing("tenant", "markup")
        text = await show(app, pilot)
        assert MARKUP_NAME in text
        assert "[link=https://evil.example]klicka[/link] och [blink]blinka[/]" in text
        assert "Rum [i]101[/i]" in text  # the room is tenant text too
        app.open_listing("tenant", "escape")
        text = await show(app, pilot)
        assert "EvilCorp" in text
        assert "\x1b" not in text and "pwned" not in text and "\x07" not in text
        # The 300-letter word is folded inside the text column: every row is exactly the screen's width
        # and the nav bar is still in its place at the bottom.
        lines = text.splitlines()
        assert len(lines) == size[1]
        folded = [line for line in lines if "Supercalifragilistic" in line]
        assert len(folded) >= 2  # folded over several rows, not cut at the edge
        assert all(len(line.strip()) < len(LONG_WORD) for line in folded)
        assert all(len(line) == size[0] for line in lines)
        assert "1 Hem" in lines[-2]


async def test_tenant_page_shows_where_hiring_and_falls_back_to_the_other_language(
    make_app: AppFactory,
) -> None:
    app = make_app(home_language="en")
    async with app.run_test(size=(160, 45)) as pilot:
        app.open_listing("tenant", "robotlabbet")
        text = await show(app, pilot)
        assert "Robotlabbet Väst AB" in text
        assert "We build collaborative robots" in text
        assert "Floor 2 · Room 204" in text
        assert "We're hiring!" in text
        assert "Scan for our website" in text and "Scan for open positions" in text
        app.open_listing("tenant", "solkraft")  # has only a Swedish description
        text = await show(app, pilot)
        assert "Solceller på industritak." in text
        assert "Floor 3 · Room 310" in text
        assert "hiring" not in text


async def test_a_logo_is_drawn_in_colour(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(160, 45)) as pilot:
        app.open_listing("tenant", "robotlabbet")
        await show(app, pilot)
        image = screen_image(app, scale=1)  # one pixel per half cell
        colours = {image.getpixel((x, y)) for x in range(0, 30) for y in range(2 * 3, 2 * 14)}
        yellow = [c for c in colours if isinstance(c, tuple) and c[0] > 200 and c[1] > 150 and c[2] < 80]
        assert yellow  # the logo's yellow square


async def test_event_page_badges_and_registration(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(160, 45)) as pilot:
        app.open_event(3)
        text = await show(app, pilot)
        assert "Öppet hus i projektarenan" in text
        assert "Fullbokat" in text
        assert "Skanna för mer information" in text
        assert "onsdag 2 december 16:00–18:00" in text
        app.open_event(5)
        text = await show(app, pilot)
        assert "Rymdvecka" in text and "Inställt" in text
        assert not app.screen.query(QRCode)  # nobody registers for a cancelled event
        app.open_event(999)
        text = await show(app, pilot)
        assert "Det här evenemanget finns inte längre i kalendern." in text


async def test_events_list_marks_full_and_cancelled(make_app: AppFactory) -> None:
    app = make_app(home_language="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        text = await show(app, pilot)
        rows = {line.strip() for line in text.splitlines()}
        assert any(row.startswith("08:00–09:00") and row.endswith("Full") for row in rows)
        assert any(
            row.startswith("10:00–16:00") and "Space week" in row and row.endswith("Cancelled")
            for row in rows
        )
        assert "Wednesday 9 December" in text
        event_list = app.screen.query_one("#event-list", OptionList)
        assert event_list.option_count == 9  # 3 day headings + 6 events


async def test_room_board_now_next_and_private_bookings(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("4")
        text = await show(app, pilot)
        lines = text.splitlines()
        ada = next(i for i, line in enumerate(lines) if line.strip().startswith("Ada"))
        assert (
            "Upptaget" in lines[ada + 1]
            and "till 11:30" in lines[ada + 1]
            and "Designsprint" in lines[ada + 1]
        )
        assert "Nästa: 13:00–14:00 Bokad" in lines[ada + 1]
        turing = next(i for i, line in enumerate(lines) if line.strip().startswith("Turing"))
        assert "Ledigt" in lines[turing + 1] and "Nästa: 11:00–12:00 Bokad" in lines[turing + 1]
        polhem = next(i for i, line in enumerate(lines) if line.strip().startswith("Polhem"))
        assert "resten av dagen" in lines[polhem + 1]
        assert "Styrelsemöte" not in text  # tomorrow's booking is not on today's board
        await pilot.press("l")
        text = await show(app, pilot)
        assert "Next: 13:00–14:00 Booked" in text and "Busy" in text


async def test_visit_page_hours_address_partners(make_app: AppFactory) -> None:
    app = make_app(home_language="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("5")
        text = await show(app, pilot)
        assert "You are here" in text and "Entré, plan 1" in text
        assert "Gärdhemsvägen 9, 461 83 Trollhättan" in text
        assert "Monday–Friday 8:00–16:30" in text
        assert "Högskolan Väst" in text and "Almi Väst" in text
        await pilot.click("#partner-list", offset=(4, 1))  # Högskolan Väst (Almi is first)
        text = await show(app, pilot)
        assert "University in Trollhättan" in text


@pytest.mark.parametrize("size", [(80, 24), (240, 67)])
async def test_every_screen_fits_small_and_large(make_app: AppFactory, size: tuple[int, int]) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        for key in "12345":
            await pilot.press(key)
            text = await show(app, pilot)
            lines = text.splitlines()
            assert len(lines) == size[1] and all(len(line) == size[0] for line in lines)
            assert "1 Hem" in lines[-2] and "5 Besök" in lines[-2]
            assert lines[0].startswith(" INNOVATUM")
        app.open_event(1)
        text = await show(app, pilot)
        assert isinstance(app.screen, EventScreen) and "Robotverkstad för barn" in text
