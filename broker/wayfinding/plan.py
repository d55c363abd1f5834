"""The building's records as both sides read them: floors, rooms placed on them, lifts and stairs,
and where each kiosk stands.

A floor's plan is a grid of cells (plan coordinates: x to the right, y down; row 0 is north): ``.`` is
walkable, ``#`` is a wall, a space is outside the building. A room is a rectangle of cells on one
floor; a connector (lift or stairs) stands at the same cell on every floor it serves; a kiosk has a
cell and the direction a visitor looks when reading its screen.

Invariants (checked by `check_*`, used by the admin node before anything is published, and by the
kiosk when it reads a record, so a bad record is skipped, never drawn): plans are at most
`MAX_WIDTH` x `MAX_HEIGHT` cells of the three characters, every rectangle lies inside its floor's plan,
and identifiers are short and safe as topic levels.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

#: A plan bigger than this is refused (the admin node scales images down to fit). 160 x 80 cells is
#: about 13 KB on the wire and plenty for a lobby map drawn in a terminal.
MAX_WIDTH = 160
MAX_HEIGHT = 80
MIN_SIDE = 4

WALK, WALL, VOID = ".", "#", " "
CELLS = frozenset(WALK + WALL + VOID)

Facing = Literal["n", "e", "s", "w"]
FACINGS: tuple[Facing, ...] = ("n", "e", "s", "w")
ConnectorKind = Literal["lift", "stairs"]
CONNECTOR_KINDS: tuple[ConnectorKind, ...] = ("lift", "stairs")

#: Room labels ("B204", "projektrum-1") and connector ids ("lift-a"): safe as record keys.
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
LEVEL_RANGE = range(-9, 100)


class PlanError(ValueError):
    """A record that does not describe a usable plan; the message says what, in one line."""


def check_id(value: str, what: str) -> str:
    if not _ID.match(value):
        raise PlanError(f"{what} {value!r} must be 1-40 letters, digits, '.', '_' or '-'")
    return value


def check_level(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value not in LEVEL_RANGE:
        raise PlanError(f"level {value!r} must be a whole number from -9 to 99")
    return value


@dataclass(frozen=True)
class Rect:
    x: int
    y: int
    w: int
    h: int

    def cells(self) -> Iterable[tuple[int, int]]:
        for y in range(self.y, self.y + self.h):
            for x in range(self.x, self.x + self.w):
                yield x, y

    def contains(self, x: int, y: int) -> bool:
        return self.x <= x < self.x + self.w and self.y <= y < self.y + self.h

    def overlaps(self, other: Rect) -> bool:
        return (
            self.x < other.x + other.w
            and other.x < self.x + self.w
            and self.y < other.y + other.h
            and other.y < self.y + self.h
        )

    def text(self) -> str:
        return f"{self.x},{self.y},{self.w},{self.h}"


@dataclass(frozen=True)
class Floor:
    level: int
    name_sv: str
    name_en: str
    rows: tuple[str, ...]

    @property
    def width(self) -> int:
        return len(self.rows[0])

    @property
    def height(self) -> int:
        return len(self.rows)

    def inside(self, x: int, y: int) -> bool:
        return 0 <= x < self.width and 0 <= y < self.height

    def walkable(self, x: int, y: int) -> bool:
        return self.inside(x, y) and self.rows[y][x] == WALK

    def holds(self, rect: Rect) -> bool:
        return (
            rect.x >= 0 and rect.y >= 0 and rect.x + rect.w <= self.width and rect.y + rect.h <= self.height
        )

    def record(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "name_sv": self.name_sv,
            "name_en": self.name_en,
            "width": self.width,
            "height": self.height,
            "rows": list(self.rows),
        }


@dataclass(frozen=True)
class PlanRoom:
    """A room's place on a floor. `room` is its label as tenants and signs write it ("B204")."""

    room: str
    level: int
    rect: Rect

    def record(self) -> dict[str, Any]:
        r = self.rect
        return {"room": self.room, "level": self.level, "x": r.x, "y": r.y, "w": r.w, "h": r.h}


@dataclass(frozen=True)
class Connector:
    """A lift or stairs at cell (x, y) on each of `levels`."""

    id: str
    kind: ConnectorKind
    levels: tuple[int, ...]
    x: int
    y: int

    def record(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "levels": list(self.levels), "x": self.x, "y": self.y}


@dataclass(frozen=True)
class KioskSpot:
    """Where a kiosk stands; `facing` is the way a visitor looks while reading its screen."""

    kiosk: str
    level: int
    x: int
    y: int
    facing: Facing

    def record(self) -> dict[str, Any]:
        return {"kiosk": self.kiosk, "level": self.level, "x": self.x, "y": self.y, "facing": self.facing}


def check_rows(rows: object) -> tuple[str, ...]:
    if not isinstance(rows, list | tuple) or not all(isinstance(row, str) for row in rows):
        raise PlanError("a plan is a list of text rows")
    if not MIN_SIDE <= len(rows) <= MAX_HEIGHT:
        raise PlanError(f"a plan has {MIN_SIDE} to {MAX_HEIGHT} rows, not {len(rows)}")
    width = len(rows[0])
    if not MIN_SIDE <= width <= MAX_WIDTH:
        raise PlanError(f"a plan is {MIN_SIDE} to {MAX_WIDTH} cells wide, not {width}")
    for number, row in enumerate(rows, 1):
        if len(row) != width:
            raise PlanError(f"row {number} of the plan is {len(row)} cells wide; row 1 is {width}")
        bad = set(row) - CELLS
        if bad:
            raise PlanError(f"row {number} of the plan has {sorted(bad)[0]!r}; use '.', '#' or a space")
    if not any(WALK in row for row in rows):
        raise PlanError("the plan has no walkable cell ('.')")
    return tuple(rows)


def _int(data: Mapping[str, Any], name: str, minimum: int = 0) -> int:
    value = data.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise PlanError(f"{name} must be a whole number >= {minimum}")
    return value


def _str(data: Mapping[str, Any], name: str) -> str:
    value = data.get(name, "")
    if not isinstance(value, str):
        raise PlanError(f"{name} must be text")
    return value[:80]


def floor_from(data: Mapping[str, Any]) -> Floor:
    return Floor(
        check_level(data.get("level")),
        _str(data, "name_sv"),
        _str(data, "name_en"),
        check_rows(data.get("rows")),
    )


def plan_room_from(data: Mapping[str, Any]) -> PlanRoom:
    rect = Rect(_int(data, "x"), _int(data, "y"), _int(data, "w", 1), _int(data, "h", 1))
    return PlanRoom(check_id(str(data.get("room")), "room"), check_level(data.get("level")), rect)


def connector_from(data: Mapping[str, Any]) -> Connector:
    kind = data.get("kind")
    if kind not in CONNECTOR_KINDS:
        raise PlanError(f"connector kind {kind!r} must be lift or stairs")
    levels = data.get("levels")
    if not isinstance(levels, list) or len(levels) < 2:
        raise PlanError("a connector serves at least two levels")
    checked = tuple(sorted({check_level(level) for level in levels}))
    if len(checked) < 2:
        raise PlanError("a connector serves at least two different levels")
    return Connector(
        check_id(str(data.get("id")), "connector"), kind, checked, _int(data, "x"), _int(data, "y")
    )


def kiosk_spot_from(data: Mapping[str, Any]) -> KioskSpot:
    facing = data.get("facing", "n")
    if facing not in FACINGS:
        raise PlanError(f"facing {facing!r} must be one of n, e, s, w")
    return KioskSpot(
        check_id(str(data.get("kiosk")), "kiosk"),
        check_level(data.get("level")),
        _int(data, "x"),
        _int(data, "y"),
        facing,
    )


@dataclass(frozen=True)
class Building:
    """Every floor, placed room, connector and kiosk spot, as one consistent value."""

    floors: Mapping[int, Floor]
    rooms: Mapping[str, PlanRoom]
    connectors: Mapping[str, Connector]
    kiosks: Mapping[str, KioskSpot]

    def room(self, label: str) -> PlanRoom | None:
        """A room by its label, ignoring case, accents, spaces and dashes ("b 204" finds "B204",
        "Projektrum 1" finds "projektrum-1", "Älvsalen" finds "alvsalen")."""
        wanted = fold_label(label)
        if not wanted:
            return None
        return next((room for room in self.rooms.values() if fold_label(room.room) == wanted), None)

    def room_for_place(self, place: str) -> PlanRoom | None:
        """The room an event's place names: all of it ("Älvsalen"), or what comes before a comma
        ("Projektrum 1, plan 1")."""
        return self.room(place) or self.room(place.split(",", 1)[0])

    def rooms_on(self, level: int) -> list[PlanRoom]:
        return [room for room in self.rooms.values() if room.level == level]

    def connectors_on(self, level: int) -> list[Connector]:
        return [c for c in self.connectors.values() if level in c.levels]


def fold_label(label: str) -> str:
    decomposed = unicodedata.normalize("NFKD", label)
    return "".join(char for char in decomposed if char.isalnum()).casefold()


def building_from(
    floors: Iterable[Mapping[str, Any]],
    rooms: Iterable[Mapping[str, Any]] = (),
    connectors: Iterable[Mapping[str, Any]] = (),
    kiosks: Iterable[Mapping[str, Any]] = (),
) -> Building:
    """Records as replicated; any record that is malformed or does not fit its floor is left out (a
    kiosk draws what it can rather than nothing)."""
    built_floors: dict[int, Floor] = {}
    for data in floors:
        try:
            floor = floor_from(data)
        except PlanError:
            continue
        built_floors[floor.level] = floor
    built_rooms: dict[str, PlanRoom] = {}
    for data in rooms:
        try:
            room = plan_room_from(data)
        except PlanError:
            continue
        floor_of = built_floors.get(room.level)
        if floor_of is not None and floor_of.holds(room.rect):
            built_rooms[room.room] = room
    built_connectors: dict[str, Connector] = {}
    for data in connectors:
        try:
            connector = connector_from(data)
        except PlanError:
            continue
        if all(
            level in built_floors and built_floors[level].inside(connector.x, connector.y)
            for level in connector.levels
        ):
            built_connectors[connector.id] = connector
    built_kiosks: dict[str, KioskSpot] = {}
    for data in kiosks:
        try:
            spot = kiosk_spot_from(data)
        except PlanError:
            continue
        floor_of = built_floors.get(spot.level)
        if floor_of is not None and floor_of.inside(spot.x, spot.y):
            built_kiosks[spot.kiosk] = spot
    return Building(built_floors, built_rooms, built_connectors, built_kiosks)


#: The record kinds wayfinding adds to the sync (broker/schema.py), with the fields a kiosk needs
#: before it reads one further (the rest is checked by the `*_from` functions above).
WAYFINDING_FIELDS: dict[str, dict[str, tuple[type, ...]]] = {
    "floor": {"level": (int,), "rows": (list,)},
    "plan_room": {"room": (str,), "level": (int,)},
    "connector": {"id": (str,), "kind": (str,), "levels": (list,)},
    "kiosk_spot": {"kiosk": (str,), "level": (int,)},
}
