""" "Did you mean …?" / "Menade du …?": a one-letter typo that finds nothing offers the near names."""

from __future__ import annotations

from pathlib import Path

from kiosk.replica import suggest
from kiosk.replica.queries import Queries
from kiosk.ui.screens.listing import ListingScreen
from tests.kiosk.ui.conftest import AppFactory
from tests.kiosk.ui.fixtures import Replica, build_replica, screen_text
from tests.kiosk.ui.test_screens_directory import listing_data, result_names


async def test_a_typo_offers_the_name_and_enter_opens_it(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2", *"robt")
        await pilot.pause()
        text = screen_text(app)
        assert "Inga träffar" in text
        assert "Menade du Robotlabbet Väst AB?" in text
        assert result_names(app) == ["Robotlabbet Väst AB"]
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ListingScreen) and app.screen.slug == "robotlabbet"


async def test_a_typo_in_english_and_the_line_goes_with_a_hit(make_app: AppFactory, replica: Replica) -> None:
    replica.put("tenant", "nordljus", listing_data("nordljus", "Nordljus Optik"))
    app = make_app(home_language="en")
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.press("2", *"nordljs")
        await pilot.pause()
        assert "Did you mean Nordljus Optik?" in screen_text(app)
        await pilot.press("backspace", "backspace")  # "nordl": found as typed
        await pilot.pause()
        text = screen_text(app)
        assert "Did you mean" not in text
        assert result_names(app) == ["Nordljus Optik"]


async def test_nothing_near_says_no_matches_only(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2", *"zzzz")
        await pilot.pause()
        text = screen_text(app)
        assert "Inga träffar" in text and "Menade du" not in text
        assert result_names(app) == []


def test_only_visible_names_are_suggested(tmp_path: Path) -> None:
    replica = build_replica(tmp_path / "replica.db")
    replica.put("tenant", "lab", listing_data("lab", "Labbet") | {"description_sv": "Kvantdatorer"})
    queries = Queries(tmp_path / "replica.db")
    try:
        assert [item.name for item in queries.suggestions("hemligr")] == []  # "Hemligt Bolag" is hidden
        assert [item.name for item in queries.suggestions("kvamt")] == []  # only a description word
        assert [item.name for item in queries.suggestions("labet")] == ["Labbet"]
        assert [item.name for item in queries.suggestions("robt labet")] == []  # no name has both
        replica.put("tenant", "robotlabet", listing_data("robotlabet", "Robot Labet"))
        assert [item.name for item in queries.suggestions("robt labet")] == ["Robot Labet"]  # an edit
    finally:
        queries.close()
        replica.close()


def test_one_edit_of_a_prefix() -> None:
    vocabulary = sorted(["nordljus", "robotlabbet", "solkraft", "vavstolen", "orebro"])
    assert suggest.near_words("robt", vocabulary) == ["robotlabbet"]  # a letter left out
    assert suggest.near_words("rbo", vocabulary) == ["robotlabbet"]  # two letters swapped
    assert suggest.near_words("nordljs", vocabulary) == ["nordljus"]
    assert suggest.near_words("solkrat", vocabulary) == ["solkraft"]
    assert suggest.near_words("vxvstolen", vocabulary) == ["vavstolen"]  # a letter replaced
    assert suggest.near_words("zzzz", vocabulary) == []
    assert suggest.fold("Örebro") == "orebro"
