"""The QR codes scan from the real screen: the app's own cells, painted as a terminal would, decoded
by zxing-cpp, give back exactly the record's URL, on the smallest and a large screen."""

from __future__ import annotations

from typing import Any

import pytest
import zxingcpp

from kiosk.ui.qr import QRCode
from kiosk.ui.screens.event import EventScreen
from kiosk.ui.screens.qr_view import QrScreen
from tests.kiosk.ui.conftest import AppFactory
from tests.kiosk.ui.fixtures import ROBOT_JOBS, ROBOT_SITE, WORKSHOP_URL, Replica, events, screen_text, settle
from tests.kiosk.ui.screen_image import decode_qr_codes, screen_image
from tests.kiosk.ui.test_screens_qr_view import LONG_EVENT_ID, LONG_EVENT_URL, add_long_urls

SIZES = [(80, 24), (160, 45)]


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
        await app.screen.show_panel("featured")  # type: ignore[attr-defined]
        await settle(pilot)
        assert decode_qr_codes(screen_image(app)) == ["https://drone.example.se"]
        await app.screen.show_panel("events")  # type: ignore[attr-defined]
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
        await settle(pilot)
        await app.screen.show_panel("events")  # type: ignore[attr-defined]
        await settle(pilot)
        assert not app.screen.query("#event-code")  # never a code cut in half
        assert decode_qr_codes(screen_image(app)) == []
        assert "Tryck på 3 Evenemang och sedan på ett evenemang för att få QR-koden." in screen_text(app)


def error_correction_on_screen(app: object) -> list[str]:
    """The error correction level of each code zxing-cpp reads off the screen."""
    found = zxingcpp.read_barcodes(screen_image(app), try_invert=False)  # type: ignore[arg-type]
    return [barcode.ec_level for barcode in found if barcode.valid]


async def open_qr_view(app: Any, pilot: object) -> None:
    """The long-URL event's QR view: by its button where the page offers one, else opened directly
    (at 160x45 the code fits on the page, but the view must still scan there)."""
    app.open_event(LONG_EVENT_ID)
    await settle(pilot)
    page = app.screen
    assert isinstance(page, EventScreen)
    if page.query("#event-qr"):
        await pilot.press("q")  # type: ignore[attr-defined]
    else:
        app.open_page(QrScreen(page.qr_content, section=page.section, page=page.report_name()))
    await settle(pilot)
    assert isinstance(app.screen, QrScreen)


@pytest.mark.parametrize("size", SIZES)
async def test_the_qr_view_scans_with_banners_showing(
    make_app: AppFactory, replica: Replica, size: tuple[int, int]
) -> None:
    add_long_urls(replica)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await open_qr_view(app, pilot)
        if size == (80, 24):
            assert "Hissen på plan 2" not in screen_text(app)  # the chrome made room for the code
        else:
            assert "Hissen på plan 2" in screen_text(app)
        assert decode_qr_codes(screen_image(app)) == [LONG_EVENT_URL]
        assert error_correction_on_screen(app) == ["M"]


async def test_the_qr_view_falls_back_to_level_l_only_when_m_does_not_fit_and_still_scans(
    make_app: AppFactory, replica: Replica
) -> None:
    """116 characters at 80x24: M needs 25 rows even with the small quiet zone, L fits in 23."""
    url = LONG_EVENT_URL + "&grupp=familj-2"
    assert QRCode.cell_size(url, 2, "M")[1] > 24 >= QRCode.cell_size(url, 2, "L")[1]
    add_long_urls(replica)
    workshop = next(data for data in events() if data["id"] == 1)
    replica.put("event", str(LONG_EVENT_ID), {**workshop, "id": LONG_EVENT_ID, "registration_url": url})
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_qr_view(app, pilot)
        assert decode_qr_codes(screen_image(app)) == [url]
        assert error_correction_on_screen(app) == ["L"]
