"""The kiosk reads the building from its replica file, and a route it kept follows an edit of the plans."""

from __future__ import annotations

from pathlib import Path

from broker.wayfinding.route import NoRoute, Route
from kiosk.replica.queries import Queries
from tests.broker.wayfinding.plans import records, ui_records
from tests.kiosk.ui.fixtures import Replica


def test_routes_follow_edits_and_bad_records_are_skipped(tmp_path: Path) -> None:
    replica = Replica(tmp_path / "replica.db")
    queries = Queries(replica.path)
    try:
        assert queries.route("lobby-1", "204") == NoRoute(
            "kiosk_not_placed", "kiosk lobby-1 is not placed on a floor plan"
        )
        replica.put_many(list(ui_records()))
        first = queries.route("lobby-1", "204")
        assert isinstance(first, Route) and first.target.rect.x == 11
        assert queries.route("lobby-1", "204") is first  # kept while nothing changed

        moved = {"room": "204", "level": 2, "x": 1, "y": 1, "w": 3, "h": 2}
        replica.put("plan_room", "204", moved)
        second = queries.route("lobby-1", "204")
        assert isinstance(second, Route) and second.target.rect.x == 1

        # A record the kiosk cannot use (a room off its plan) is left out, never raised.
        replica.put("plan_room", "204", {**moved, "x": 500})
        assert queries.route("lobby-1", "204") == NoRoute(
            "room_not_placed", "room 204 is not placed on a floor plan"
        )
        assert sorted(queries.building().floors) == [f["level"] for f in records()["floors"]]
    finally:
        queries.close()
        replica.close()
