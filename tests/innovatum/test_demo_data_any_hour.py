"""The demo is never empty: its data, loaded at any hour of any day, gives the kiosk something upcoming
in the attract loop and in every section (the evening demo used to say there was nothing more today).

The demo data goes through the admin node's own loader into a real admin database; the records it
publishes are written into a real replica, and the kiosk app is driven by Pilot with its clock fixed
at the load time.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from admin.content import demo
from admin.store.db import connect
from broker.times import STOCKHOLM
from kiosk.replica.queries import Queries
from kiosk.replica.store import ReplicaStore, Row
from kiosk.ui.app import KioskApp
from kiosk.ui.screens.attract import AttractScreen
from tests.kiosk.ui.fixtures import FakeClock, FakeSyncPort, screen_text

MOMENTS = {
    "weekday morning": datetime(2026, 12, 2, 8, 10, tzinfo=STOCKHOLM),
    "weekday 17:30": datetime(2026, 12, 2, 17, 30, tzinfo=STOCKHOLM),
    "weekday 23:50": datetime(2026, 12, 2, 23, 50, tzinfo=STOCKHOLM),
    "Sunday noon": datetime(2026, 12, 6, 12, 5, tzinfo=STOCKHOLM),
    "summer-time night": datetime(2026, 6, 20, 1, 15, tzinfo=STOCKHOLM),
}


def demo_replica(tmp_path: Path, moment: datetime) -> Path:
    """Load the demo at `moment` and copy what the admin node publishes into a kiosk replica."""
    db = connect(tmp_path / "admin.db", create=True)
    try:
        demo.load(db, "tester", at=moment)
        published = list(db.execute("SELECT kind, key, rev, data FROM sync_state WHERE op = 'upsert'"))
    finally:
        db.close()
    path = tmp_path / "replica.db"
    store = ReplicaStore(path)
    try:
        with store.transaction():
            store.write_records([Row(kind, key, rev, json.loads(data)) for kind, key, rev, data in published])
    finally:
        store.close()
    return path


@pytest.mark.parametrize("moment", MOMENTS.values(), ids=MOMENTS.keys())
async def test_the_demo_shows_upcoming_content_at_any_hour(tmp_path: Path, moment: datetime) -> None:
    queries = Queries(demo_replica(tmp_path, moment))
    app = KioskApp(
        queries,
        kiosk_id="demo-lobby",
        group="lobby",
        port=FakeSyncPort(),
        clock=FakeClock(moment),
        home_language="en",
        attract_cycle=0,
        tick_interval=0.05,
    )
    try:
        async with app.run_test(size=(160, 45)) as pilot:
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, AttractScreen)

            if moment.hour < 22:  # later, what starts next is after midnight: tomorrow's
                assert "Next today:" in screen_text(app)
            await screen.show_panel("events")
            await pilot.pause()
            shown = screen_text(app)
            assert "No more events today" not in shown
            assert "Open workshop: try the 3D printer" in shown  # on now, whatever the hour
            assert screen.query("#event-code"), "a registration QR code for an event still open"

            await screen.show_panel("rooms")
            await pilot.pause()
            shown = screen_text(app)
            assert "Sprintplanering" in shown and "Prototypbygge" in shown  # rooms busy now

            await screen.show_panel("featured")
            await pilot.pause()
            assert "Hiring" in screen_text(app)

            await pilot.press("3")
            await pilot.pause()
            shown = screen_text(app)
            # Later today or tonight, tomorrow, and more to come.
            assert "Drop-in: virtual reality" in shown
            assert "Experiment workshop for families" in shown

            await pilot.press("4")
            await pilot.pause()
            shown = screen_text(app)
            assert "Sprintplanering" in shown
            assert "Busy" in shown and "Sprintplanering" in shown
            if moment.hour < 22:  # later, the next bookings are after midnight: tomorrow's board
                assert "Next: " in shown

            await pilot.press("2")
            await pilot.pause()
            assert "Nordljus Robotik" in screen_text(app)
    finally:
        queries.close()


def test_loading_again_later_moves_the_demo_along_and_drops_what_it_no_longer_has(tmp_path: Path) -> None:
    morning, evening = MOMENTS["weekday morning"], MOMENTS["weekday 17:30"]
    db = connect(tmp_path / "admin.db", create=True)
    try:
        demo.load(db, "tester", at=morning)
        # An older demo's booking, at the hour a relative one is about to move to.
        db.execute(
            'INSERT INTO bookings (room, start, "end", title, organiser, private, source, source_uid, '
            "created_at, updated_at) VALUES ('projektrum-1', ?, ?, 'Gammal', '', 0, 'demo', 'old', '', '')",
            ["2026-12-02T17:00:00+01:00", "2026-12-02T18:00:00+01:00"],
        )
        counts = {table: db[table].count for table in ("events", "bookings")}
        again = demo.load(db, "tester", at=morning.replace(minute=50))  # the same hour: nothing moves
        assert again.counts["bookings"]["changed"] == 0 and again.counts["events"]["changed"] == 0
        later = demo.load(db, "tester", at=evening)
        assert later.rev is not None
        assert {table: db[table].count for table in ("events", "bookings")} == {
            "events": counts["events"],
            "bookings": counts["bookings"] - 1,  # the older demo's booking is gone
        }
        busy = [
            row["title"]
            for row in db.query('SELECT title, start, "end" FROM bookings')
            if datetime.fromisoformat(row["start"]) <= evening < datetime.fromisoformat(row["end"])
        ]
        assert "Sprintplanering" in busy
    finally:
        db.close()
