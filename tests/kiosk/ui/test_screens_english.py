"""English mode is English: categories, partner kinds and the kiosk's location come from the data in
both languages (`category_en`, `kind_en`, the config's `location_en`), Swedish where no English exists."""

from __future__ import annotations

from tests.kiosk.ui.conftest import AppFactory
from tests.kiosk.ui.fixtures import screen_text
from tests.kiosk.ui.test_screens_directory import chip, result_names


async def test_the_directory_in_english(make_app: AppFactory) -> None:
    app = make_app(home_language="en")
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        text = screen_text(app)
        assert "Robotlabbet Väst AB  Robotics · Floor 2" in text
        assert "Almi Väst  Business support · Floor" not in text  # no floor given
        assert "Almi Väst  Business support " in text
        assert "Business support · Business support" not in text  # a kind that is the category: once
        assert "Högskolan Väst  University · Utbildning" in text  # no English category given: Swedish
        assert "Företagsstöd" not in text and "Robotik" not in text
        await pilot.click(chip(app, "Robotics"))
        await pilot.pause()
        assert result_names(app) == ["Nordic Drone Systems", "Robotlabbet Väst AB"]
        await pilot.press("0")  # Swedish again: the Swedish names
        await pilot.pause()
        text = screen_text(app)
        assert "Robotlabbet Väst AB  Robotik · Plan 2" in text
        assert " Robotik " in text and "Robotics" not in text  # the chip, lit
        assert result_names(app) == ["Nordic Drone Systems", "Robotlabbet Väst AB"]  # the filter stays


async def test_the_company_page_and_the_visit_page_in_english(make_app: AppFactory) -> None:
    app = make_app(home_language="en")
    async with app.run_test(size=(160, 45)) as pilot:
        app.open_listing("tenant", "robotlabbet")
        await pilot.pause()
        assert "Robotics · automation · AI" in screen_text(app)
        await pilot.press("5")
        await pilot.pause()
        text = screen_text(app)
        assert "Entrance, floor 1" in text and "Entré" not in text
        assert "Municipality" in text and "University" in text and "Kommun" not in text
        await pilot.press("0")
        await pilot.pause()
        text = screen_text(app)
        assert "Entré, plan 1" in text and "Kommun" in text


async def test_the_event_page_says_who_it_suits(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(160, 45)) as pilot:
        app.open_event(1)
        await pilot.pause()
        assert "Passar för" in screen_text(app) and "Familjer" in screen_text(app)
        await pilot.press("0")
        await pilot.pause()
        assert "Suitable for" in screen_text(app)


async def test_events_that_ended_today_go_last_dimmed_and_marked(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        await pilot.pause()
        lines = screen_text(app).splitlines()

        def row(text: str) -> int:
            return next(number for number, line in enumerate(lines) if text in line)

        # The breakfast (08:00–09:00, before the fixed clock's 10:30) comes after every upcoming event.
        assert row("Robotverkstad för barn") < row("Pitchkväll") < row("Avslutade i dag") < row("Frukostmöte")
        assert "Avslutat  08:00–09:00" in lines[row("Frukostmöte")]  # marked in words, not only dimmed
        await pilot.press("0")
        await pilot.pause()
        assert "Ended today" in screen_text(app) and "Ended  08:00–09:00" in screen_text(app)
