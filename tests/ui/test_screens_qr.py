"""The QR codes scan from the real screen: the app's own cells, painted as a terminal would, decoded
by zxing-cpp, give back exactly the record's URL, on the smallest and a large screen."""

from __future__ import annotations

import pytest

from tests.ui.conftest import AppFactory
from tests.ui.fixtures import ROBOT_JOBS, ROBOT_SITE, WORKSHOP_URL, Replica, screen_text
from tests.ui.screen_image import decode_qr_codes, screen_image

SIZES = [(80, 24), (160, 45)]


async def settle(pilot: object) -> None:
    for _ in range(3):
        await pilot.pause()  # type: ignore[attr-defined]


@pytest.mark.parametrize("size", SIZES)
async def test_tenant_page_code_scans(
    make_app: AppFactory, quiet_replica: Replica, size: tuple[int, int]
) -> None:
    app = make_app(replica=quiet_replica)
    async with app.run_test(size=size) as pilot:
        app.open_listing("tenant", "robotlabbet")
        await settle(pilot)
        decoded = decode_qr_codes(screen_image(app))
        assert ROBOT_SITE in decoded
        if size[0] >= 140:
            assert sorted(decoded) == sorted([ROBOT_SITE, ROBOT_JOBS])  # both codes side by side


@pytest.mark.parametrize("size", SIZES)
async def test_event_page_code_scans(
    make_app: AppFactory, quiet_replica: Replica, size: tuple[int, int]
) -> None:
    app = make_app(replica=quiet_replica)
    async with app.run_test(size=size) as pilot:
        app.open_event(1)
        await settle(pilot)
        assert decode_qr_codes(screen_image(app)) == [WORKSHOP_URL]


async def test_with_a_banner_a_code_below_the_text_scrolls_into_view_whole(make_app: AppFactory) -> None:
    """At 80x24 with two banner lines the hiring code does not fit beside the text: it goes below the
    text, and scrolled to, it is on screen whole and scans."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        app.open_listing("tenant", "robotlabbet")
        await settle(pilot)
        assert "Hissen på plan 2" in screen_text(app)
        assert decode_qr_codes(screen_image(app)) == [ROBOT_SITE]
        app.screen.query_one("#hiring-code").scroll_visible(animate=False, top=True)
        await settle(pilot)
        assert ROBOT_JOBS in decode_qr_codes(screen_image(app))


async def test_attract_cards_scan(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        panels = app.screen.query_one("#panels")
        panels.current = "featured"  # type: ignore[attr-defined]
        await settle(pilot)
        assert decode_qr_codes(screen_image(app)) == ["https://drone.example.se"]
        panels.current = "events"  # type: ignore[attr-defined]
        await settle(pilot)
        assert decode_qr_codes(screen_image(app)) == [WORKSHOP_URL]


async def test_code_is_laid_out_again_when_the_terminal_shrinks(
    make_app: AppFactory, quiet_replica: Replica
) -> None:
    app = make_app(replica=quiet_replica)
    async with app.run_test(size=(160, 45)) as pilot:
        app.open_listing("tenant", "robotlabbet")
        await settle(pilot)
        assert app.screen.query_one("#hiring-code").parent.id == "listing-codes"  # type: ignore[union-attr]
        await pilot.resize_terminal(80, 24)
        await settle(pilot)
        # Too narrow for two codes side by side: the second moved below the text.
        assert app.screen.query_one("#hiring-code").parent.id == "listing-info"  # type: ignore[union-attr]
        assert decode_qr_codes(screen_image(app)) == [ROBOT_SITE]


async def test_attract_leaves_out_a_code_that_would_not_fit_and_says_where_to_find_it(
    make_app: AppFactory,
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        panels = app.screen.query_one("#panels")
        panels.current = "events"  # type: ignore[attr-defined]
        await settle(pilot)
        assert not app.screen.query("#event-code")  # never a code cut in half
        assert decode_qr_codes(screen_image(app)) == []
        assert "Tryck på 3 Evenemang och sedan på ett evenemang för att få QR-koden." in screen_text(app)
