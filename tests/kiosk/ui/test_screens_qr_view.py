"""A code too big for its page: the page offers a button instead of half a code, and the QR view shows it
whole, as a page like the others (Esc, Back, idle timeout, language, emergency takeover).

All at 80x24 with the fixture's two banner lines showing, where a ~100-character URL fits neither
beside nor below the page text.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from textual.pilot import Pilot

from kiosk.ui.qr import QRCode
from kiosk.ui.screens.attract import AttractScreen
from kiosk.ui.screens.emergency import EmergencyScreen
from kiosk.ui.screens.event import EventScreen
from kiosk.ui.screens.listing import ListingScreen
from kiosk.ui.screens.qr_view import Plan, QrScreen, plan
from tests.kiosk.ui.conftest import AppFactory
from tests.kiosk.ui.fixtures import (
    ESCAPE_NAME,
    MARKUP_NAME,
    FakeClock,
    FakeSyncPort,
    Replica,
    announcement,
    events,
    screen_text,
    settle,
    tenants,
)
from tests.kiosk.ui.screen_image import decode_qr_codes, screen_image

#: 101 characters each: a version 6 code at M, 45 x 23 cells with the small quiet zone.
LONG_EVENT_URL = (
    "https://innovatum.example.se/evenemang/2026/host/robotverkstad-for-hela-familjen/anmalan?plats=plan-1"
)
LONG_SITE_URL = (
    "https://langa-webbplatsen.example.se/om-oss/kontakt-och-besok/vagbeskrivning?fran=innovatum-kiosken-1"
)
LONG_EVENT_ID = 7
LONG_TENANT = "langa"


def add_long_urls(replica: Replica) -> None:
    """An event and a tenant whose URLs are too long for their page at 80x24 with banners."""
    workshop = next(data for data in events() if data["id"] == 1)
    robot = next(data for data in tenants() if data["slug"] == "robotlabbet")
    event = {**workshop, "id": LONG_EVENT_ID, "registration_url": LONG_EVENT_URL}
    tenant = {
        **robot,
        "slug": LONG_TENANT,
        "name": "Långa Webbplatsen AB",
        "website": LONG_SITE_URL,
        "hiring": False,
        "hiring_url": "",
        "has_logo": False,
    }
    replica.put_many([("event", str(LONG_EVENT_ID), event), ("tenant", LONG_TENANT, tenant)])


@dataclass(frozen=True)
class Page:
    kind: str
    url: str
    button: str
    page_type: type[Any]
    title: str
    caption_sv: str
    caption_en: str

    def open(self, app: Any) -> None:
        if self.kind == "event":
            app.open_event(LONG_EVENT_ID)
        else:
            app.open_listing("tenant", LONG_TENANT)


EVENT = Page(
    "event",
    LONG_EVENT_URL,
    "#event-qr",
    EventScreen,
    "Robotverkstad för barn",
    "Skanna för att anmäla dig",
    "Scan to register",
)
TENANT = Page(
    "tenant",
    LONG_SITE_URL,
    "#website-code-button",
    ListingScreen,
    "Långa Webbplatsen AB",
    "Skanna för vår webbplats",
    "Scan for our website",
)
PAGES = [pytest.param(EVENT, id="event"), pytest.param(TENANT, id="tenant")]


@pytest.fixture
def long_replica(replica: Replica) -> Replica:
    add_long_urls(replica)
    return replica


async def open_page(app: Any, pilot: Pilot[Any], page: Page) -> None:
    page.open(app)
    await settle(pilot)
    assert isinstance(app.screen, page.page_type)


async def open_qr_view(app: Any, pilot: Pilot[Any], page: Page) -> None:
    await open_page(app, pilot, page)
    await pilot.press("q")
    await settle(pilot)
    assert isinstance(app.screen, QrScreen)


@pytest.mark.parametrize("page", PAGES)
async def test_the_page_offers_a_button_and_no_partial_code(
    make_app: AppFactory, long_replica: Replica, page: Page
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_page(app, pilot, page)
        text = screen_text(app)
        assert "Hissen på plan 2" in text and "Fika i foajén" in text  # the banners take their rows
        assert "Q Visa QR-kod" in text
        assert app.screen.query_one(page.button).region.bottom <= 21  # whole, above the nav bar
        assert not app.screen.query(QRCode)  # no code at all, not even one scrolled out of view
        assert decode_qr_codes(screen_image(app)) == []


@pytest.mark.parametrize("page", PAGES)
async def test_the_key_opens_the_code_whole_and_esc_returns_to_the_page(
    make_app: AppFactory, long_replica: Replica, port: FakeSyncPort, page: Page
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_page(app, pilot, page)
        opened_from = app.screen
        await pilot.press("q")
        await settle(pilot)
        assert isinstance(app.screen, QrScreen)
        text = screen_text(app)
        assert page.title in text and page.caption_sv in text
        assert decode_qr_codes(screen_image(app)) == [page.url]
        assert port.screens[-1].startswith("qr:")
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is opened_from
        assert "Q Visa QR-kod" in screen_text(app)


@pytest.mark.parametrize("page", PAGES)
async def test_touching_the_button_opens_it_and_touching_back_returns(
    make_app: AppFactory, long_replica: Replica, page: Page
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_page(app, pilot, page)
        opened_from = app.screen
        assert await pilot.click(page.button)
        await settle(pilot)
        assert isinstance(app.screen, QrScreen)
        assert decode_qr_codes(screen_image(app)) == [page.url]
        assert await pilot.click("#qr-back")
        await settle(pilot)
        assert app.screen is opened_from


async def test_a_code_that_fits_on_the_page_gets_no_button_and_the_key_does_nothing(
    make_app: AppFactory, quiet_replica: Replica
) -> None:
    # Without banners the workshop's 52-character URL fits beside the text at 80x24.
    app = make_app(replica=quiet_replica)
    async with app.run_test(size=(80, 24)) as pilot:
        app.open_event(1)
        await settle(pilot)
        assert app.screen.query("#event-code")
        assert not app.screen.query("#event-qr")
        await pilot.press("q")
        await settle(pilot)
        assert isinstance(app.screen, EventScreen)


async def test_only_the_code_that_does_not_fit_gets_a_button(
    make_app: AppFactory, long_replica: Replica
) -> None:
    """A long website and a short hiring link: the hiring code stays on the page, the website gets
    the button, and j (the hiring code's key) does nothing."""
    robot = next(data for data in tenants() if data["slug"] == "robotlabbet")
    long_replica.put("tenant", "robotlabbet", {**robot, "website": LONG_SITE_URL})
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        app.open_listing("tenant", "robotlabbet")
        await settle(pilot)
        assert app.screen.query("#hiring-code") and not app.screen.query("#website-code")
        assert app.screen.query("#website-code-button") and not app.screen.query("#hiring-code-button")
        await pilot.press("j")
        await settle(pilot)
        assert isinstance(app.screen, ListingScreen)
        await pilot.press("q")
        await settle(pilot)
        assert isinstance(app.screen, QrScreen)
        assert decode_qr_codes(screen_image(app)) == [LONG_SITE_URL]


@pytest.mark.parametrize("page", PAGES)
async def test_the_idle_timeout_returns_from_the_qr_view_to_the_attract_loop(
    make_app: AppFactory, long_replica: Replica, page: Page
) -> None:
    app = make_app()  # the default timeout while the view opens: a loaded machine may take seconds
    async with app.run_test(size=(80, 24)) as pilot:
        await open_qr_view(app, pilot, page)
        await pilot.press("l")
        app.idle_timeout = 1.0  # from now on nobody touches it
        deadline = time.monotonic() + 15
        while not isinstance(app.screen, AttractScreen) and time.monotonic() < deadline:
            await pilot.pause(0.1)
        await settle(pilot)
        assert isinstance(app.screen, AttractScreen)
        assert len(app.screen_stack) == 2  # the page under the view is gone too
        assert app.language == "sv"


@pytest.mark.parametrize("page", PAGES)
async def test_an_emergency_takes_over_from_the_qr_view_and_gives_it_back(
    make_app: AppFactory, long_replica: Replica, port: FakeSyncPort, page: Page
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_qr_view(app, pilot, page)
        view = app.screen
        alarm = announcement(30, "Brandlarm: lämna byggnaden", "Fire alarm: leave the building", "emergency")
        port.emit("applied", long_replica.put("announcement", "30", alarm))
        await settle(pilot)
        assert isinstance(app.screen, EmergencyScreen)
        text = screen_text(app)
        assert "Brandlarm: lämna byggnaden" in text and "Fire alarm: leave the building" in text
        assert decode_qr_codes(screen_image(app)) == []  # nothing of the code shows through
        await pilot.press("escape", "q")
        await settle(pilot)
        assert isinstance(app.screen, EmergencyScreen)
        port.emit("applied", long_replica.delete("announcement", "30"))
        await settle(pilot)
        assert app.screen is view
        assert decode_qr_codes(screen_image(app)) == [page.url]


@pytest.mark.parametrize("page", PAGES)
async def test_the_language_switch_works_in_the_qr_view(
    make_app: AppFactory, long_replica: Replica, page: Page
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_qr_view(app, pilot, page)
        # The chrome is hidden to make room, so the view has its own switch; the key works too.
        assert not app.screen.query("#nav-bar")
        assert await pilot.click("#qr-language")
        await settle(pilot)
        text = screen_text(app)
        assert app.language == "en"
        assert page.caption_en in text and "Esc Back" in text and "L Svenska" in text
        assert decode_qr_codes(screen_image(app)) == [page.url]
        await pilot.press("l")
        await settle(pilot)
        assert page.caption_sv in screen_text(app) and "Esc Tillbaka" in screen_text(app)


async def test_the_qr_view_follows_the_record_and_says_when_it_is_gone(
    make_app: AppFactory, long_replica: Replica, port: FakeSyncPort
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_qr_view(app, pilot, EVENT)
        workshop = next(data for data in events() if data["id"] == 1)
        moved = LONG_EVENT_URL.replace("plan-1", "plan-2")
        data = {**workshop, "id": LONG_EVENT_ID, "registration_url": moved}
        port.emit("applied", long_replica.put("event", str(LONG_EVENT_ID), data))
        await settle(pilot)
        assert decode_qr_codes(screen_image(app)) == [moved]
        port.emit("applied", long_replica.delete("event", str(LONG_EVENT_ID)))
        await settle(pilot)
        assert isinstance(app.screen, QrScreen)
        assert "Den här QR-koden finns inte längre." in screen_text(app)
        assert decode_qr_codes(screen_image(app)) == []
        assert await pilot.click("#qr-back")
        await settle(pilot)
        assert isinstance(app.screen, EventScreen)


@pytest.mark.parametrize(("name", "shown"), [(MARKUP_NAME, MARKUP_NAME), (ESCAPE_NAME, "EvilCorp")])
async def test_the_title_is_untrusted_text_shown_literally(
    make_app: AppFactory, long_replica: Replica, name: str, shown: str
) -> None:
    tenant = next(data for data in tenants() if data["slug"] == "solkraft")
    long_replica.put("tenant", "solkraft", {**tenant, "name": name, "website": LONG_SITE_URL})
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        app.open_listing("tenant", "solkraft")
        await settle(pilot)
        await pilot.press("q")
        await settle(pilot)
        assert isinstance(app.screen, QrScreen)
        text = screen_text(app)
        assert shown in text
        assert "\x1b" not in text and "pwned" not in text
        assert decode_qr_codes(screen_image(app)) == [LONG_SITE_URL]


async def test_the_qr_view_is_laid_out_again_when_the_terminal_grows(
    make_app: AppFactory, long_replica: Replica
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_qr_view(app, pilot, EVENT)
        assert "INNOVATUM" not in screen_text(app)
        await pilot.resize_terminal(160, 45)
        await settle(pilot)
        text = screen_text(app)
        assert "INNOVATUM" in text and "Hissen på plan 2" in text and "1 Hem" in text  # room for the chrome
        assert app.screen.query_one("#qr-view-code", QRCode).border == 4
        assert decode_qr_codes(screen_image(app)) == [LONG_EVENT_URL]


async def test_the_qr_view_is_laid_out_again_when_a_banner_goes(
    make_app: AppFactory, long_replica: Replica, clock: FakeClock
) -> None:
    """At 80x28 the code fits between the chrome with one banner line, not with two. The coffee
    banner's window closes at 15:00: no replica update, only the clock."""
    app = make_app()
    async with app.run_test(size=(80, 28)) as pilot:
        await open_qr_view(app, pilot, EVENT)
        assert "INNOVATUM" not in screen_text(app)
        clock.advance(timedelta(hours=4, minutes=31))  # 15:01
        deadline = time.monotonic() + 10
        while "INNOVATUM" not in screen_text(app) and time.monotonic() < deadline:
            await pilot.pause(0.1)
        await settle(pilot)
        text = screen_text(app)
        assert "INNOVATUM" in text and "1 Hem" in text
        assert "Hissen på plan 2" in text and "Fika i foajén" not in text
        assert decode_qr_codes(screen_image(app)) == [LONG_EVENT_URL]


# The plan: what the view draws in a body of a given size (columns, rows with the chrome, without).


def test_plan_keeps_the_chrome_and_the_full_quiet_zone_on_a_large_screen() -> None:
    assert plan(LONG_EVENT_URL, 158, 39, 45) == Plan("M", 4, chrome=True, beside=True)


def test_plan_hides_the_chrome_before_giving_up_level_m() -> None:
    # 80x24 with two banner lines: 18 rows between the chrome, 24 without; M needs 23 with border 2.
    assert plan(LONG_EVENT_URL, 78, 18, 24) == Plan("M", 2, chrome=False, beside=True)


def test_plan_uses_level_l_only_when_m_does_not_fit_the_whole_screen() -> None:
    assert plan(LONG_EVENT_URL, 78, 16, 22) == Plan("L", 2, chrome=False, beside=True)


def test_plan_puts_the_text_above_the_code_on_a_narrow_screen() -> None:
    assert plan(LONG_EVENT_URL, 48, 34, 40) == Plan("M", 2, chrome=True, beside=False)


def test_plan_says_when_the_code_cannot_be_shown_whole() -> None:
    assert plan(LONG_EVENT_URL, 78, 14, 20) is None
    assert plan(LONG_EVENT_URL, 40, 60, 66) is None
    assert plan("https://example.se/?" + "x" * 4000, 300, 200, 210) is None
