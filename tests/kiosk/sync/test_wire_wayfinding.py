"""Floor plans travel like every other record: admin CLI → `serve` → Mosquitto → headless kiosk, signed,
and the kiosk's replica routes over what it received. A moved or unplaced room follows."""

from __future__ import annotations

from pathlib import Path

import pytest

from broker.wayfinding.directions import steps
from broker.wayfinding.route import NoRoute, Route, find_route
from kiosk.replica.queries import Queries
from tests.broker.wayfinding.plans import LEVEL_1, LEVEL_2
from tests.kiosk.sync.conftest import Site

pytestmark = pytest.mark.mosquitto


def _grid(root: Path, name: str, rows: list[str]) -> str:
    path = root / name
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return str(path)


def test_the_building_reaches_a_kiosk_and_routes_there(site: Site, tmp_path: Path) -> None:
    site.add_kiosk("lobby-1")
    site.admin("floor", "add", "1", "--name-sv", "Entréplan")
    site.admin("floor", "add", "2")
    site.admin("floor", "plan", "1", _grid(tmp_path, "l1.txt", LEVEL_1))
    site.admin("floor", "plan", "2", _grid(tmp_path, "l2.txt", LEVEL_2))
    site.admin("room", "place", "B1", "--floor", "2", "--rect", "11,6,8,2")
    site.admin("floor", "connect", "lift-a", "--floors", "1,2", "--at", "17,4")
    site.admin("kiosk", "place", "lobby-1", "--floor", "1", "--at", "9,6")
    site.serve()
    site.kiosk("lobby-1")
    state = site.wait_converged("lobby-1")
    assert [f["level"] for f in state["floors"]] == [1, 2]
    assert site.dump("lobby-1")["dropped"] == {}

    queries = Queries(site.root / "lobby-1.db")
    try:
        route = find_route(queries.building(), "lobby-1", "B1")
        assert isinstance(route, Route)
        assert "Take the lift to level 2" in [step.english() for step in steps(route)]

        site.admin("room", "place", "B1", "--floor", "2", "--rect", "1,1,3,2")
        site.wait_converged("lobby-1", timeout=30)
        moved = find_route(queries.building(), "lobby-1", "B1")
        assert isinstance(moved, Route) and moved.target.rect.x == 1

        site.admin("room", "unplace", "B1")
        site.wait_converged("lobby-1", timeout=30)
        assert find_route(queries.building(), "lobby-1", "B1") == NoRoute(
            "room_not_placed", "room B1 is not placed on a floor plan"
        )
    finally:
        queries.close()
