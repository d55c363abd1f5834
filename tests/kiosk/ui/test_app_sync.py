"""What the screen does when the sync client reports: updates, bursts, offline, announcements."""

from __future__ import annotations

from datetime import timedelta

from kiosk.ui.screens.attract import AttractScreen
from kiosk.ui.screens.emergency import EmergencyScreen
from kiosk.ui.screens.listing import ListingScreen
from tests.kiosk.ui.conftest import AppFactory
from tests.kiosk.ui.fixtures import (
    NOW,
    FakeClock,
    FakeSyncPort,
    Replica,
    announcement,
    at,
    screen_text,
    settle,
    tenants,
)

ROBOT = next(data for data in tenants() if data["slug"] == "robotlabbet")


async def test_an_update_shows_on_the_open_tenant_page(
    make_app: AppFactory, replica: Replica, port: FakeSyncPort
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        app.open_listing("tenant", "robotlabbet")
        await settle(pilot)
        assert "Vi bygger samarbetande robotar" in screen_text(app)
        revision = replica.put("tenant", "robotlabbet", {**ROBOT, "description_sv": "Nu även svetsrobotar."})
        assert "Vi bygger samarbetande robotar" in screen_text(app)  # nothing shows before the event
        port.emit("applied", revision)
        await settle(pilot)
        text = screen_text(app)
        assert "Nu även svetsrobotar." in text
        assert "Vi bygger samarbetande robotar" not in text
        assert isinstance(app.screen, ListingScreen)


async def test_a_deleted_tenant_page_says_so(
    make_app: AppFactory, replica: Replica, port: FakeSyncPort
) -> None:
    app = make_app(home_language="en")
    async with app.run_test(size=(80, 24)) as pilot:
        app.open_listing("tenant", "solkraft")
        await settle(pilot)
        port.emit("applied", replica.delete("tenant", "solkraft"))
        await settle(pilot)
        text = screen_text(app)
        assert "This listing is no longer available." in text
        assert "Solkraft" not in text


async def test_a_burst_of_updates_costs_a_handful_of_refreshes(
    make_app: AppFactory, replica: Replica, port: FakeSyncPort
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        before = app.content_version
        port.emit("applied", 1, count=1000)
        await settle(pilot, 5)
        assert 1 <= app.content_version - before <= 5


async def test_offline_mark_and_back_online(make_app: AppFactory, port: FakeSyncPort) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await settle(pilot)
        assert "offline" not in screen_text(app)
        port.emit("offline", at=NOW.replace(hour=9, minute=58))
        await settle(pilot)
        text = screen_text(app)
        assert "offline sedan 09:58" in text
        assert "Robotlabbet Väst AB" in text  # the content stays
        port.emit("offline", at=NOW.replace(hour=10, minute=15))  # still the first time it went away
        await settle(pilot)
        assert "offline sedan 09:58" in screen_text(app)
        await pilot.press("escape", "l")
        await settle(pilot)
        assert "offline since 09:58" in screen_text(app)  # survives a screen change and a language switch
        port.emit("online")
        await settle(pilot)
        assert "offline" not in screen_text(app)


async def test_banner_shows_active_announcements_and_acknowledges_each_once(
    make_app: AppFactory, replica: Replica, port: FakeSyncPort
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "Hissen på plan 2 är ur funktion" in text
        assert "Fika i foajén kl. 14" in text
        for hidden in ("Gammalt meddelande", "Till en annan kiosk", "Kommer i morgon", "Utrymningsövning"):
            assert hidden not in text
        banner = app.screen.query_one("#banner")
        styled = [(str(item.render()), sorted(item.classes)) for item in banner.query(".announcement")]
        assert styled == [
            ("⚠ Hissen på plan 2 är ur funktion", ["-warning", "announcement"]),
            ("• Fika i foajén kl. 14", ["-info", "announcement"]),
        ]
        await pilot.press("2", "escape", "3", "l")
        port.emit("applied", replica.put("tenant", "robotlabbet", ROBOT))
        await settle(pilot)
        assert "The lift on floor 2 is out of order" in screen_text(app)
        assert sorted(port.acks) == [1, 2]


async def test_announcement_window_opens_and_closes_with_the_clock(
    make_app: AppFactory, clock: FakeClock, port: FakeSyncPort
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        clock.advance(timedelta(hours=5))  # 15:30: the coffee is over
        await pilot.pause(0.2)
        assert "Fika i foajén" not in screen_text(app)
        clock.advance(timedelta(hours=17))  # tomorrow 08:30
        await pilot.pause(0.2)
        assert "Kommer i morgon" in screen_text(app)
        assert 5 in port.acks


async def test_emergency_takes_over_until_it_expires(
    make_app: AppFactory, replica: Replica, clock: FakeClock, port: FakeSyncPort
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await settle(pilot)
        revision = replica.put(
            "announcement",
            "20",
            announcement(20, "Utrym byggnaden nu", "Evacuate the building now", "emergency", until=at(0, 11)),
        )
        port.emit("applied", revision)
        await settle(pilot)
        assert isinstance(app.screen, EmergencyScreen)
        text = screen_text(app)
        assert "Utrym byggnaden nu" in text and "Evacuate the building now" in text
        assert port.acks.count(20) == 1
        assert port.screens[-1] == "emergency"
        # Visitors cannot get rid of it: keys, the language key, a touch anywhere.
        await pilot.press("escape", "1", "2", "l", "slash", "enter")
        await pilot.click(offset=(40, 22))
        await settle(pilot)
        assert isinstance(app.screen, EmergencyScreen)
        assert app.language == "sv"
        clock.advance(timedelta(minutes=31))  # 11:01: expired
        await pilot.pause(0.2)
        await settle(pilot)
        assert not isinstance(app.screen, EmergencyScreen)
        assert "Utrym byggnaden nu" not in screen_text(app)
        assert "Sök" in screen_text(app)  # back where the visitor was
        assert port.acks.count(20) == 1


async def test_emergency_retracted_leaves_at_once(
    make_app: AppFactory, replica: Replica, port: FakeSyncPort
) -> None:
    app = make_app(idle_timeout=0.3)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        port.emit(
            "applied",
            replica.put("announcement", "21", announcement(21, "Brandlarm", "Fire alarm", "emergency")),
        )
        await settle(pilot)
        assert isinstance(app.screen, EmergencyScreen)
        await pilot.pause(0.5)  # the idle timeout does not move anything under a takeover
        assert isinstance(app.screen, EmergencyScreen)
        port.emit("applied", replica.delete("announcement", "21"))
        await settle(pilot)
        assert isinstance(app.screen, AttractScreen)
        assert "Brandlarm" not in screen_text(app)
        assert "Välkommen till Innovatum" in screen_text(app)


async def test_emergency_aimed_at_another_kiosk_is_not_shown(
    make_app: AppFactory, replica: Replica, port: FakeSyncPort
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        data = announcement(22, "Bara kaféet", "Only the café", "emergency", target="kiosk:cafe-1")
        port.emit("applied", replica.put("announcement", "22", data))
        await settle(pilot)
        assert not isinstance(app.screen, EmergencyScreen)
        assert 22 not in port.acks


async def test_an_unreadable_replica_keeps_the_screen_as_it_was(
    make_app: AppFactory, replica: Replica, port: FakeSyncPort
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2", *"robot")
        await settle(pilot)
        app.open_listing("tenant", "robotlabbet")
        await settle(pilot)
        app.queries.close()  # every query now raises sqlite3.ProgrammingError
        port.emit("applied", replica.put("tenant", "robotlabbet", {**ROBOT, "description_sv": "Ny text."}))
        await pilot.press("l", "escape")  # a language switch and a screen change on top
        await settle(pilot)
        await pilot.pause(0.2)  # a few ticks
        assert app.return_code is None  # still running
        text = screen_text(app)
        assert "Robotlabbet Väst AB" in text  # the directory as it was
        assert "Ny text." not in text
        await pilot.press("escape", "3")  # sections that would have to read the replica: nothing moves
        app.open_event(1)
        await settle(pilot)
        assert app.return_code is None
        assert "Robotlabbet Väst AB" in screen_text(app)
