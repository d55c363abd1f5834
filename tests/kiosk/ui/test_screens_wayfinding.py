"""The way there, as a visitor uses it: from a tenant's page to the map and on to the next floor, by key
and by touch, in both languages, with a QR code a phone reads; and what the page does without a map."""

from __future__ import annotations

from typing import Any

import pytest

from broker.wayfinding.directions import MESSAGES
from kiosk.ui.screens.listing import ListingScreen
from kiosk.ui.screens.qr_view import QrScreen
from kiosk.ui.screens.wayfinding import WayScreen
from tests.broker.wayfinding.plans import ui_records
from tests.kiosk.ui.conftest import AppFactory
from tests.kiosk.ui.fixtures import Replica, screen_text
from tests.kiosk.ui.screen_image import decode_qr_codes, screen_image
from tests.kiosk.ui.test_app_catalog import catalog


@pytest.fixture
def placed(replica: Replica) -> Replica:
    replica.put_many(list(ui_records()))
    return replica


async def _open_from_tenant_page(pilot: Any, *, touch: bool) -> None:
    pilot.app.open_listing("tenant", "robotlabbet")
    await pilot.pause()
    assert isinstance(pilot.app.screen, ListingScreen)
    if touch:
        await pilot.click("#way-there")
    else:
        await pilot.press("w")
    await pilot.pause()
    assert isinstance(pilot.app.screen, WayScreen)


@pytest.mark.parametrize("size", [(80, 24), (160, 45), (240, 67)])
async def test_the_way_from_a_tenant_page_in_swedish(
    make_app: AppFactory, placed: Replica, size: tuple[int, int]
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await _open_from_tenant_page(pilot, touch=False)
        text = screen_text(app)
        assert "Rum 204, Robotlabbet Väst AB" in text
        assert "Plan 1 · Entréplan  (karta 1 av 2)" in text
        # The markers are glyphs, named in the legend: they read without colour.
        assert text.count("@") == 2  # on the map and in the legend
        assert "•" in text and "@ Du är här" in text and "H Hiss" in text and "T Trappa" in text
        assert "1. Gå rakt fram" in text and "3. Ta hissen till plan 2" in text
        assert "204" not in text.split("Rum 204", 1)[1]  # the room is not on this floor's map

        await pilot.press("n")
        await pilot.pause()
        text = screen_text(app)
        assert "Plan 2  (karta 2 av 2)" in text
        assert "@" not in text and "▒ 204" in text and "▒204▒" in text.replace("▒▒", "▒")
        assert "6. Här är rum 204" in text
        await pilot.press("p")
        await pilot.pause()
        assert "(karta 1 av 2)" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ListingScreen)


async def test_the_way_by_touch_in_english(make_app: AppFactory, placed: Replica) -> None:
    app = make_app(home_language="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_from_tenant_page(pilot, touch=True)
        text = screen_text(app)
        assert "Level 1 · Entrance level  (map 1 of 2)" in text
        assert "@ You are here" in text and "L Lift" in text and "S Stairs" in text
        assert "3. Take the lift to level 2" in text
        await pilot.click("#way-next")
        await pilot.pause()
        assert "4. Leave the lift on level 2 and follow the line" in screen_text(app)
        await pilot.click("#way-previous")
        await pilot.pause()
        assert "(map 1 of 2)" in screen_text(app)
        # Switching language keeps the visitor on the same map.
        await pilot.press("l")
        await pilot.pause()
        assert "(karta 1 av 2)" in screen_text(app)
        # Back by touch, to the company's page the map was opened from.
        assert "Esc Tillbaka" in screen_text(app)
        await pilot.click("#nav-back")
        await pilot.pause()
        assert isinstance(app.screen, ListingScreen)


async def test_the_map_follows_the_screen_facing(make_app: AppFactory, replica: Replica) -> None:
    """A screen facing south shows the plan upside down: the lift, east on the plan, is on the left."""
    replica.put_many(list(ui_records(facing="s")))
    app = make_app(home_language="en")
    async with app.run_test(size=(160, 45)) as pilot:
        await _open_from_tenant_page(pilot, touch=False)
        map_rows = [row for row in screen_text(app).splitlines() if "█" in row]
        lift_row = next(row for row in map_rows if " L " in row or "L█" in row or " L" in row)
        assert lift_row.index("L") < lift_row.index("S")
        # Reading the screen the visitor faces south; the hall's door is north of the kiosk.
        assert "1. Turn round and go straight on" in screen_text(app)


async def test_the_directions_scan_from_the_map_and_from_their_own_screen(
    make_app: AppFactory, placed: Replica
) -> None:
    app = make_app()
    async with app.run_test(size=(160, 45)) as pilot:
        await _open_from_tenant_page(pilot, touch=False)
        [decoded] = decode_qr_codes(screen_image(app))
        assert decoded == (
            "Rum 204, Robotlabbet Väst AB: 1 Gå rakt fram, 2 Sväng höger, 3 Ta hissen till plan 2, "
            "4 Sväng vänster."
        )
    app = make_app(home_language="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_from_tenant_page(pilot, touch=False)
        assert decode_qr_codes(screen_image(app)) == []  # no room for it beside a small map
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, QrScreen)
        [decoded] = decode_qr_codes(screen_image(app))
        assert "3 Take the lift to level 2" in decoded and decoded.startswith("Room 204, Robotlabbet")


async def test_no_way_button_where_the_kiosk_cannot_show_one(make_app: AppFactory, placed: Replica) -> None:
    app = make_app(kiosk_id="hall-2")  # a kiosk that is not placed on any plan
    async with app.run_test(size=(80, 24)) as pilot:
        app.open_listing("tenant", "robotlabbet")
        await pilot.pause()
        assert not app.screen.query("#way-there")
        await pilot.press("w")
        await pilot.pause()
        assert isinstance(app.screen, ListingScreen)
        # Opened anyway (a stale page after an edit), the map screen says why, in words.
        app.open_page(WayScreen("204", "Robotlabbet Väst AB", section="directory", page="tenant:robotlabbet"))
        await pilot.pause()
        assert "Den här skärmen finns inte på planritningarna" in screen_text(app)


async def test_a_room_without_a_door_is_a_message_not_a_crash(make_app: AppFactory, placed: Replica) -> None:
    app = make_app(home_language="en")
    async with app.run_test(size=(80, 24)) as pilot:
        app.open_page(WayScreen("A9", "Nowhere AB", section="directory", page="tenant:x"))
        await pilot.pause()
        assert "There is no way to room A9 on the floor plans. Please ask at the reception." in " ".join(
            screen_text(app).split()
        )
        app.open_page(WayScreen("Z1", "Nowhere AB", section="directory", page="tenant:y"))
        await pilot.pause()
        assert "Room Z1 is not on the floor plans." in screen_text(app)


async def test_a_plan_that_changes_while_shown_is_redrawn(make_app: AppFactory, placed: Replica) -> None:
    app = make_app(home_language="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_from_tenant_page(pilot, touch=False)
        placed.delete("plan_room", "204")
        app.content_version += 1
        await pilot.pause()
        assert "Room 204 is not on the floor plans." in screen_text(app)


def test_every_step_is_translated() -> None:
    swedish, english = catalog("sv"), catalog("en")
    for message in MESSAGES.values():
        assert message in swedish and swedish[message].string, message
        assert message in english, message


async def test_the_way_from_an_event_whose_place_is_a_room(make_app: AppFactory, placed: Replica) -> None:
    # Event 1's place is "Science center, plan 1"; the science centre's hall is A2 on the plans.
    placed.put(
        "plan_room", "science-center", {"room": "science-center", "level": 1, "x": 15, "y": 6, "w": 4, "h": 2}
    )
    app = make_app(home_language="en")
    async with app.run_test(size=(160, 45)) as pilot:
        app.open_event(4)  # its place, "Aulan", is on no plan: no button
        await pilot.pause()
        assert "Pitch night" in screen_text(app) and not app.screen.query("#way-there")
        app.open_event(1)
        await pilot.pause()
        await pilot.press("w")
        await pilot.pause()
        assert isinstance(app.screen, WayScreen)
        text = screen_text(app)
        assert "Room science-center" in text and "Room science-center is here" in text
        assert "@" in text and "▒" in text


async def test_the_way_from_the_room_board(make_app: AppFactory, placed: Replica) -> None:
    # Arena rooms are placed under their slugs: ada where A2 is, turing in the room with no door.
    placed.put("plan_room", "ada", {"room": "ada", "level": 1, "x": 15, "y": 6, "w": 4, "h": 2})
    placed.put("plan_room", "turing", {"room": "turing", "level": 1, "x": 1, "y": 6, "w": 4, "h": 2})
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("4")
        await pilot.pause()
        buttons = [str(button.label) for button in app.screen.query(".way-button")]
        assert buttons == ["Vägen till Ada"]  # Turing cannot be reached, Polhem is on no plan
        app.screen.query_one("#way-to-0").scroll_visible(animate=False)  # below the board and its legend
        await pilot.pause()
        await pilot.click("#way-to-0")
        await pilot.pause()
        assert isinstance(app.screen, WayScreen)
        text = screen_text(app)
        assert "Rum Ada" in text and "Här är rum ada" in text
