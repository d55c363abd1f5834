"""Routing on the fixture plans: the same floor, another floor, and every kind of "no way there"."""

from __future__ import annotations

import itertools
from collections import deque

from hypothesis import given, settings
from hypothesis import strategies as st

from broker.wayfinding.directions import steps
from broker.wayfinding.plan import Building, Floor, KioskSpot, PlanRoom, Rect
from broker.wayfinding.route import NoRoute, Route, find_route
from tests.broker.wayfinding.plans import building, records


def _route(b: Building, kiosk: str, room: str) -> Route:
    result = find_route(b, kiosk, room)
    assert isinstance(result, Route), result
    return result


def _walkable_steps(b: Building, route: Route) -> None:
    for leg in route.legs:
        floor = b.floors[leg.level]
        assert all(floor.walkable(x, y) for x, y in leg.cells)
        for (x0, y0), (x1, y1) in itertools.pairwise(leg.cells):
            assert abs(x1 - x0) + abs(y1 - y0) == 1


def test_same_floor_route_is_shortest_and_told_relative_to_the_screen() -> None:
    b = building()
    route = _route(b, "lobby", "A2")
    assert route.transfers == ()
    [leg] = route.legs
    assert leg.level == 1
    assert leg.cells[0] == (9, 6)
    assert route.target.rect.contains(*leg.cells[-1])
    # Up the door at x=9, along the corridor to x=15, down into A2: 2 + 6 + 2 steps.
    assert route.length == 10
    _walkable_steps(b, route)
    assert [s.english() for s in steps(route)] == [
        "Go straight ahead",
        "Turn right",
        "Turn right",
        "Room A2 is here",
    ]


def test_another_floor_goes_through_the_nearest_connector() -> None:
    b = building()
    route = _route(b, "lobby", "B1")
    assert [leg.level for leg in route.legs] == [1, 2]
    [transfer] = route.transfers
    assert (transfer.connector.id, transfer.from_level, transfer.to_level) == ("lift-a", 1, 2)
    assert route.legs[0].cells[-1] == route.legs[1].cells[0] == (17, 4)
    _walkable_steps(b, route)
    told = [s.english() for s in steps(route)]
    assert "Take the lift to level 2" in told
    leave = "Leave the lift on level 2 and follow the line"
    assert told.index("Take the lift to level 2") < told.index(leave)
    assert told[-1] == "Room B1 is here"


def test_without_the_lift_the_stairs_take_over() -> None:
    data = records()
    b = building(connectors=[c for c in data["connectors"] if c["kind"] == "stairs"])
    route = _route(b, "lobby", "B1")
    assert route.transfers[0].connector.id == "stairs-w"
    assert "Take the stairs to level 2" in [s.english() for s in steps(route)]


def test_a_room_with_no_door_is_a_clear_no_route() -> None:
    result = find_route(building(), "lobby", "A9")
    assert result == NoRoute("unreachable", "no walkable way from kiosk lobby to room A9")


def test_no_connector_between_the_floors_is_a_clear_no_route() -> None:
    result = find_route(building(connectors=[]), "lobby", "B1")
    assert isinstance(result, NoRoute) and result.reason == "unreachable"


def test_unknown_room_and_unplaced_kiosk_are_clear_no_routes() -> None:
    b = building()
    assert find_route(b, "lobby", "Z99") == NoRoute(
        "room_not_placed", "room Z99 is not placed on a floor plan"
    )
    assert find_route(b, "hall-9", "A1") == NoRoute(
        "kiosk_not_placed", "kiosk hall-9 is not placed on a floor plan"
    )
    # A kiosk whose floor has no plan is as good as unplaced.
    b = building(floors=[records()["floors"][1]])
    assert isinstance(find_route(b, "lobby", "B1"), NoRoute)


def test_room_labels_are_found_ignoring_case_and_spaces() -> None:
    assert _route(building(), "lobby", " a 2").target.room == "A2"


def test_standing_in_the_room_says_so() -> None:
    kiosks = [{"kiosk": "inside", "level": 1, "x": 16, "y": 7, "facing": "s"}]
    route = _route(building(kiosks=kiosks), "inside", "A2")
    assert [s.english() for s in steps(route)] == ["You are already at room A2"]


def test_facing_turns_the_first_step() -> None:
    # The upstairs kiosk faces east; B1 is reached by going east along the corridor first.
    route = _route(building(), "upstairs", "B1")
    assert steps(route)[0].english() == "Go straight ahead"
    kiosks = [{"kiosk": "upstairs", "level": 2, "x": 2, "y": 2, "facing": "n"}]
    route = _route(building(kiosks=kiosks), "upstairs", "B1")
    assert steps(route)[0].english() == "Go to your right"


def test_malformed_records_are_left_out_not_raised() -> None:
    data = records()
    b = building(
        floors=[*data["floors"], {"level": 3, "rows": ["..", "#"]}, {"level": "x"}],
        rooms=[*data["rooms"], {"room": "OUT", "level": 1, "x": 18, "y": 7, "w": 5, "h": 5}, {"room": 7}],
        connectors=[
            *data["connectors"],
            {"id": "lift-z", "kind": "escalator", "levels": [1, 2], "x": 1, "y": 1},
        ],
        kiosks=[*data["kiosks"], {"kiosk": "far", "level": 1, "x": 99, "y": 0}],
    )
    assert sorted(b.floors) == [1, 2]
    assert "OUT" not in b.rooms and "lift-z" not in b.connectors and "far" not in b.kiosks
    assert isinstance(find_route(b, "lobby", "OUT"), NoRoute)


# --- property: on random grids the route is a real shortest path, or there is none ---------------


def _bfs(floor: Floor, start: tuple[int, int], goals: set[tuple[int, int]]) -> int:
    seen = {start: 0}
    queue = deque([start])
    while queue:
        cell = queue.popleft()
        if cell in goals:
            return seen[cell]
        for dx, dy in ((0, 1), (1, 0), (0, -1), (-1, 0)):
            nxt = (cell[0] + dx, cell[1] + dy)
            if floor.walkable(*nxt) and nxt not in seen:
                seen[nxt] = seen[cell] + 1
                queue.append(nxt)
    return -1


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_random_grids_give_shortest_paths_or_no_route(data: st.DataObject) -> None:
    width, height = data.draw(st.integers(4, 14)), data.draw(st.integers(4, 10))
    rows = tuple("".join(data.draw(st.sampled_from(".....#")) for _ in range(width)) for _ in range(height))
    rows = ("." + rows[0][1:], *rows[1:])
    floor = Floor(1, "", "", rows)
    rect = Rect(data.draw(st.integers(0, width - 2)), data.draw(st.integers(0, height - 2)), 2, 2)
    b = Building({1: floor}, {"R": PlanRoom("R", 1, rect)}, {}, {"k": KioskSpot("k", 1, 0, 0, "s")})
    result = find_route(b, "k", "R")
    expected = _bfs(floor, (0, 0), {c for c in rect.cells() if floor.walkable(*c)})
    if expected < 0:
        assert isinstance(result, NoRoute) and result.reason == "unreachable"
    else:
        assert isinstance(result, Route)
        assert result.length == expected
        _walkable_steps(b, result)
        assert steps(result)[-1].action in ("arrive", "here")


# --- property: whatever a replica holds, reading it never raises and routing answers --------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 200) | st.text(".# x", max_size=6),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.sampled_from(list("xywh")), inner),
    max_leaves=12,
)
FIELDS = ["level", "rows", "room", "x", "y", "w", "h", "id", "kind", "levels", "kiosk", "facing"]
RECORD = st.dictionaries(st.sampled_from(FIELDS), JSON | st.sampled_from(["lift", "stairs", "n", "A1"]))


@settings(max_examples=150, deadline=None)
@given(st.lists(RECORD, max_size=4), st.lists(RECORD, max_size=4), st.lists(RECORD, max_size=4))
def test_junk_records_are_left_out_and_routing_still_answers(
    rooms: list[dict[str, object]], connectors: list[dict[str, object]], kiosks: list[dict[str, object]]
) -> None:
    data = records()
    b = building(
        rooms=[*data["rooms"], *rooms],
        connectors=[*data["connectors"], *connectors],
        kiosks=[*data["kiosks"], *kiosks],
    )
    for kiosk in b.kiosks:
        for room in b.rooms:
            assert isinstance(find_route(b, kiosk, room), Route | NoRoute)
