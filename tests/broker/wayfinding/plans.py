"""Fixture plans: two small floors, a lift and stairs, rooms, and kiosks facing different ways."""

from __future__ import annotations

from typing import Any

from broker.wayfinding.plan import Building, building_from

# Level 1: a corridor along row 4, room A1 (top left, door at x=3), room A2 (bottom right, door at x=14),
# a walled-off room A9 with no door, the lift at (17, 4) and the stairs at (1, 4).
LEVEL_1 = [
    "####################",
    "#......#...........#",
    "#......#...........#",
    "###.####...........#",
    "#..................#",
    "#########.#####.####",
    "#####.........#....#",
    "#####.........#....#",
    "####################",
]
# Level 2: one corridor; room B1 at the right end, reached from the lift and the stairs.
LEVEL_2 = [
    "####################",
    "#..................#",
    "#..................#",
    "#..................#",
    "#..................#",
    "###########.########",
    "#.........#........#",
    "#.........#........#",
    "####################",
]


def records() -> dict[str, list[dict[str, Any]]]:
    return {
        "floors": [
            {"level": 1, "name_sv": "Entréplan", "name_en": "Entrance level", "rows": LEVEL_1},
            {"level": 2, "name_sv": "", "name_en": "", "rows": LEVEL_2},
        ],
        "rooms": [
            {"room": "A1", "level": 1, "x": 1, "y": 1, "w": 6, "h": 2},
            {"room": "A2", "level": 1, "x": 15, "y": 6, "w": 4, "h": 2},
            {"room": "A9", "level": 1, "x": 1, "y": 6, "w": 4, "h": 2},
            {"room": "B1", "level": 2, "x": 11, "y": 6, "w": 8, "h": 2},
        ],
        "connectors": [
            {"id": "lift-a", "kind": "lift", "levels": [1, 2], "x": 17, "y": 4},
            {"id": "stairs-w", "kind": "stairs", "levels": [1, 2], "x": 1, "y": 4},
        ],
        "kiosks": [
            {"kiosk": "lobby", "level": 1, "x": 9, "y": 6, "facing": "n"},
            {"kiosk": "upstairs", "level": 2, "x": 2, "y": 2, "facing": "e"},
        ],
    }


def building(**changes: list[dict[str, Any]]) -> Building:
    data = {**records(), **changes}
    return building_from(data["floors"], data["rooms"], data["connectors"], data["kiosks"])


def ui_records(kiosk_id: str = "lobby-1", facing: str = "n") -> list[tuple[str, str, dict[str, Any]]]:
    """The fixture building as replica records for the UI tests' data (tests/kiosk/ui/fixtures.py): the
    tenant robotlabbet's room "204" is B1 on level 2, the kiosk stands in the lobby of level 1."""
    data = records()
    rooms = [{**room, "room": "204"} if room["room"] == "B1" else room for room in data["rooms"]]
    kiosk = {**data["kiosks"][0], "kiosk": kiosk_id, "facing": facing}
    result: list[tuple[str, str, dict[str, Any]]] = []
    result += [("floor", str(floor["level"]), floor) for floor in data["floors"]]
    result += [("plan_room", room["room"], room) for room in rooms]
    result += [("connector", c["id"], c) for c in data["connectors"]]
    result.append(("kiosk_spot", kiosk_id, kiosk))
    return result
