"""The directory with Pilot: search as you type, filters, opening a listing and coming back."""

from __future__ import annotations

import pytest
from textual.widgets import Input, OptionList, Select

from kiosk.ui.screens.directory import DirectoryScreen
from kiosk.ui.screens.listing import ListingScreen
from kiosk.ui.widgets.category_chips import CategoryChips
from tests.kiosk.ui.conftest import AppFactory
from tests.kiosk.ui.fixtures import MARKUP_NAME, FakeSyncPort, Replica, screen_text, tenants


def listing_data(slug: str, name: str) -> dict[str, object]:
    return {"slug": slug, "name": name, "visible": True, "category": "Test", "floor": 1}


def chip(app: object, label: str) -> str:
    """The selector of the category chip labelled `label` (on the chips' page shown)."""
    chips = app.screen.query_one(CategoryChips)  # type: ignore[attr-defined]
    return f"#chip-{chips.labels.index(label)}"


def result_names(app: object) -> list[str]:
    results = app.screen.query_one("#results", OptionList)  # type: ignore[attr-defined]
    return [str(results.get_option_at_index(i).prompt).split("  ")[0] for i in range(results.option_count)]


async def test_search_as_you_type_is_diacritics_insensitive(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        assert isinstance(app.screen, DirectoryScreen)
        assert "10 träffar" in screen_text(app)
        await pilot.press(*"hogskolan")
        await pilot.pause()
        text = screen_text(app)
        assert "Högskolan Väst" in text
        assert "Robotlabbet" not in text
        assert "1 träff " in text


async def test_slash_focuses_search_from_anywhere(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3", "slash")
        await pilot.pause()
        assert isinstance(app.screen, DirectoryScreen)
        assert isinstance(app.focused, Input)
        assert app.focused.cursor_blink is False  # a steady cursor: no redraw twice a second
        await pilot.press(*"vävs")
        await pilot.pause()
        assert result_names(app) == ["Vävstolen Design"]


@pytest.mark.parametrize("typed", ['"', "*", "(", ")", "AND", '"robot*', "NOT OR", "^", ":", "-"])
async def test_fts_syntax_characters_do_not_crash(make_app: AppFactory, typed: str) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        await pilot.press(*typed)
        await pilot.pause()
        assert app.screen.query_one("#search", Input).value == typed
        assert app.return_code is None  # still running, no exception
        assert "Sök" not in screen_text(app).splitlines()[4]  # the placeholder gave way to the text


async def test_no_matches_says_so(make_app: AppFactory) -> None:
    app = make_app(home_language="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2", *"zzzz")
        await pilot.pause()
        assert "No matches" in screen_text(app)
        assert result_names(app) == []


async def test_filters_by_category_and_floor(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        await pilot.click(chip(app, "Robotik"))
        await pilot.pause()
        assert result_names(app) == ["Nordic Drone Systems", "Robotlabbet Väst AB"]
        app.screen.query_one("#floor", Select).value = 3
        await pilot.pause()
        assert result_names(app) == []
        assert "Inga träffar" in screen_text(app)
        await pilot.click(chip(app, "Alla kategorier"))
        await pilot.pause()
        assert result_names(app) == ["Kodkollektivet", "Solkraft Energi"]


async def test_filter_by_touch(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        await pilot.click("#floor")
        await pilot.pause()
        assert "Plan 3" in screen_text(app)  # the list of floors is open
        await pilot.click("#floor SelectOverlay", offset=(4, 2))  # below its border and "All floors"
        await pilot.pause()
        assert app.screen.query_one("#floor", Select).value == 1
        assert "Plan 1" in screen_text(app)
        assert set(result_names(app)) >= {"Vävstolen Design", MARKUP_NAME}
        assert "Robotlabbet Väst AB" not in result_names(app)


async def test_open_a_tenant_and_come_back_to_the_same_search(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2", *"robot")
        await pilot.pause()
        await pilot.press("down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ListingScreen)
        text = screen_text(app)
        assert "Robotlabbet Väst AB" in text
        assert "Vi bygger samarbetande robotar" in text
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, DirectoryScreen)
        assert app.screen.query_one("#search", Input).value == "robot"
        assert result_names(app)[0] == "Robotlabbet Väst AB"


async def test_open_a_tenant_by_touch(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.click("#nav-directory")
        await pilot.pause()
        names = result_names(app)
        row = names.index("Vävstolen Design")
        await pilot.click("#results", offset=(4, row))
        await pilot.pause()
        assert isinstance(app.screen, ListingScreen)
        assert "Textil formgivning" in screen_text(app)


async def test_markup_in_a_name_is_shown_literally(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        assert MARKUP_NAME in screen_text(app)
        assert "EvilCorp" in screen_text(app)


async def test_language_switch_keeps_the_search_and_redraws_the_rows(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2", *"robot")
        await pilot.pause()
        assert "Plan 2" in screen_text(app) and "2 träffar" in screen_text(app)
        await pilot.click("#nav-language")
        await pilot.pause()
        text = screen_text(app)
        assert "Floor 2" in text and "Plan 2" not in text
        assert "2 matches" in text
        assert app.screen.query_one("#search", Input).value == "robot"
        await pilot.press("z")  # typing goes on where it was
        await pilot.pause()
        assert "No matches" in screen_text(app)
        await pilot.click("#nav-language")
        await pilot.pause()
        assert "Inga träffar" in screen_text(app)


async def test_a_row_scrolled_into_view_opens_by_touch(make_app: AppFactory, replica: Replica) -> None:
    """Rows are found under the pointer by their line: after scrolling, a touch opens the row shown."""
    replica.put_many(
        [("tenant", f"extra-{n:02d}", listing_data(f"extra-{n:02d}", f"Zeta {n:02d}")) for n in range(40)]
    )
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        results = app.screen.query_one("#results", OptionList)
        results.scroll_to(y=30, animate=False)
        await pilot.pause()
        assert results.scroll_offset.y == 30
        shown = result_names(app)[30 + 2]
        await pilot.hover("#results", offset=(4, 2))
        await pilot.click("#results", offset=(4, 2))
        await pilot.pause()
        assert isinstance(app.screen, ListingScreen)
        assert shown in screen_text(app)


async def test_an_edited_listing_shows_its_new_row(
    make_app: AppFactory, replica: Replica, port: FakeSyncPort
) -> None:
    """Rows are drawn from a cache keyed by what they show: an edit must not leave the old row."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2", *"vavstolen")
        await pilot.pause()
        assert "Design · Plan 1" in screen_text(app)
        data = next(tenant for tenant in tenants() if tenant["slug"] == "vavstolen")
        port.emit("applied", replica.put("tenant", "vavstolen", {**data, "floor": 4, "hiring": True}))
        for _ in range(3):
            await pilot.pause()
        text = screen_text(app)
        assert "Design · Plan 4  Rekryterar" in text
        assert "Plan 1" not in text


async def test_an_edit_that_keeps_the_filters_updates_the_results_in_place(
    make_app: AppFactory, replica: Replica, port: FakeSyncPort
) -> None:
    """A renamed listing (no new category or floor) shows at once, and the visitor typing on is not
    interrupted: the search field keeps its text and the focus, the filters their choice."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2", *"vav")
        await pilot.pause()
        select = app.screen.query_one("#floor", Select)
        chips = app.screen.query_one(CategoryChips)
        data = next(tenant for tenant in tenants() if tenant["slug"] == "vavstolen")
        port.emit("applied", replica.put("tenant", "vavstolen", {**data, "name": "Vävstolen Nya AB"}))
        for _ in range(3):
            await pilot.pause()
        assert "Vävstolen Nya AB" in screen_text(app)
        assert app.screen.query_one("#floor", Select) is select  # not rebuilt under the visitor
        assert app.screen.query_one(CategoryChips) is chips
        await pilot.press("s")  # typing goes on in the field
        await pilot.pause()
        assert app.screen.query_one("#search", Input).value == "vavs"
        assert "Vävstolen Nya AB" in screen_text(app)
