"""Floors, their plans, the rooms placed on them, lifts and stairs, and where each kiosk stands.

Every write checks the whole building it would leave behind, in the same transaction, so nothing a
kiosk receives can place a room outside its plan, on top of another room, or a kiosk, lift or stairs
in a wall: a room inside its floor's plan with a walkable cell (its door), rooms on a floor never
overlapping, a connector's cell walkable on every level it serves, a kiosk on a walkable cell of a
floor that has a plan. A plan replaced later must still hold everything placed on it.

A floor is published (record kind `floor`, key: the level) once it has a plan; the other kinds are
`plan_room` (key: the room's label), `connector` (its id) and `kiosk_spot` (the kiosk's id).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import sqlite_utils

from admin.content import validate
from admin.content.listings import Outcome
from admin.content.validate import Invalid
from admin.store.changes import Change, transaction
from broker import topics
from broker.times import now_iso
from broker.wayfinding.plan import (
    Building,
    Connector,
    ConnectorKind,
    Facing,
    Floor,
    KioskSpot,
    PlanError,
    PlanRoom,
    Rect,
    check_id,
    check_level,
    check_rows,
)


def _check(call: Any, *args: Any) -> Any:
    try:
        return call(*args)
    except PlanError as exc:
        raise Invalid(str(exc)) from None


def load_building(db: sqlite_utils.Database) -> Building:
    """The building as the kiosks will see it (floors without a plan are not part of it)."""
    floors = {
        row["level"]: Floor(row["level"], row["name_sv"], row["name_en"], tuple(json.loads(row["plan"])))
        for row in db.query("SELECT * FROM floors WHERE plan IS NOT NULL")
    }
    rooms = {
        row["room"]: PlanRoom(row["room"], row["level"], Rect(row["x"], row["y"], row["w"], row["h"]))
        for row in db.query("SELECT * FROM plan_rooms")
    }
    connectors = {
        row["id"]: Connector(row["id"], row["kind"], tuple(json.loads(row["levels"])), row["x"], row["y"])
        for row in db.query("SELECT * FROM connectors")
    }
    kiosks = {
        row["kiosk"]: KioskSpot(row["kiosk"], row["level"], row["x"], row["y"], row["facing"])
        for row in db.query("SELECT * FROM kiosk_spots")
    }
    return Building(floors, rooms, connectors, kiosks)


def list_floors(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Each floor with its plan's size and what is placed on it (for `floor list`)."""
    building = load_building(db)
    result = []
    for row in db.query("SELECT level, name_sv, name_en, plan FROM floors ORDER BY level"):
        level = row["level"]
        floor = building.floors.get(level)
        result.append(
            {
                "level": level,
                "name_sv": row["name_sv"],
                "name_en": row["name_en"],
                "width": floor.width if floor else None,
                "height": floor.height if floor else None,
                "rooms": sorted(room.room for room in building.rooms_on(level)),
                "connectors": sorted(c.id for c in building.connectors_on(level)),
                "kiosks": sorted(k.kiosk for k in building.kiosks.values() if k.level == level),
            }
        )
    return result


def _floor_with_plan(building: Building, level: int, what: str) -> Floor:
    floor = building.floors.get(level)
    if floor is None:
        raise Invalid(f"{what}: level {level} has no floor plan (add it with `floor add` and `floor plan`)")
    return floor


def _problems(building: Building) -> list[str]:
    """Everything that would make the building wrong on a screen, as one-line reasons."""
    problems = []
    for room in building.rooms.values():
        floor = building.floors.get(room.level)
        if floor is None:
            problems.append(f"room {room.room}: level {room.level} has no floor plan")
        elif not floor.holds(room.rect):
            problems.append(
                f"room {room.room} at {room.rect.text()} lies outside the plan of level {room.level} "
                f"({floor.width}x{floor.height} cells)"
            )
        elif not any(floor.walkable(x, y) for x, y in room.rect.cells()):
            problems.append(
                f"room {room.room} at {room.rect.text()} has no walkable cell (no door) on the plan"
            )
    for level in building.floors:
        on_floor = sorted(building.rooms_on(level), key=lambda room: room.room)
        for i, room in enumerate(on_floor):
            for other in on_floor[i + 1 :]:
                if room.rect.overlaps(other.rect):
                    problems.append(f"room {room.room} overlaps room {other.room} on level {level}")
    for connector in building.connectors.values():
        for level in connector.levels:
            floor = building.floors.get(level)
            if floor is None:
                problems.append(f"{connector.kind} {connector.id}: level {level} has no floor plan")
            elif not floor.walkable(connector.x, connector.y):
                problems.append(
                    f"{connector.kind} {connector.id} at {connector.x},{connector.y} is not on a walkable "
                    f"cell of level {level}"
                )
    for spot in building.kiosks.values():
        floor = building.floors.get(spot.level)
        if floor is None:
            problems.append(f"kiosk {spot.kiosk}: level {spot.level} has no floor plan")
        elif not floor.walkable(spot.x, spot.y):
            problems.append(
                f"kiosk {spot.kiosk} at {spot.x},{spot.y} is not on a walkable cell of level {spot.level}"
            )
    return problems


def _require_sound(before: Building, after: Building) -> None:
    """Refuse a write that adds a problem (problems already there are not this write's fault)."""
    new = [problem for problem in _problems(after) if problem not in set(_problems(before))]
    if new:
        raise Invalid(new[0])


# --- floors ----------------------------------------------------------------------------------------


def add_floor(db: sqlite_utils.Database, actor: str, level: int, name_sv: str, name_en: str) -> Outcome:
    """Add a floor, or rename one (its plan and placements stay)."""
    level = _check(check_level, level)
    name_sv = validate.text(name_sv, "name-sv", 80)
    name_en = validate.text(name_en, "name-en", 80)
    stamp = now_iso()
    with transaction(db, actor, f"floor add {level}") as tx:
        old = db.execute("SELECT name_sv, name_en FROM floors WHERE level = ?", [level]).fetchone()
        if old is not None and tuple(old) == (name_sv, name_en):
            return Outcome("unchanged", None)
        db.execute(
            "INSERT INTO floors (level, name_sv, name_en, created_at, updated_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (level) DO UPDATE SET name_sv = excluded.name_sv, name_en = excluded.name_en, "
            "updated_at = excluded.updated_at",
            [level, name_sv, name_en, stamp, stamp],
        )
        _publish_floor(tx, level)
        tx.audit("floor.add" if old is None else "floor.edit", "floor", str(level), {"name_sv": name_sv})
    return Outcome("added" if old is None else "changed", tx.rev)


def set_plan(db: sqlite_utils.Database, actor: str, level: int, rows: Sequence[str]) -> Outcome:
    rows = _check(check_rows, list(rows))
    with transaction(db, actor, f"floor plan {level}") as tx:
        if db.execute("SELECT 1 FROM floors WHERE level = ?", [level]).fetchone() is None:
            raise Invalid(f"no floor with level {level} (add it with `floor add {level}`)")
        before = load_building(db)
        db.execute(
            "UPDATE floors SET plan = ?, updated_at = ? WHERE level = ?",
            [json.dumps(list(rows)), now_iso(), level],
        )
        _require_sound(before, load_building(db))
        changed = _publish_floor(tx, level)
        tx.audit("floor.plan", "floor", str(level), {"width": len(rows[0]), "height": len(rows)})
    return Outcome("changed" if changed else "unchanged", tx.rev)


def remove_floor(db: sqlite_utils.Database, actor: str, level: int) -> Outcome:
    with transaction(db, actor, f"floor remove {level}") as tx:
        if db.execute("SELECT 1 FROM floors WHERE level = ?", [level]).fetchone() is None:
            raise Invalid(f"no floor with level {level}")
        building = load_building(db)
        placed = [room.room for room in building.rooms_on(level)]
        placed += [c.id for c in building.connectors_on(level)]
        placed += [k.kiosk for k in building.kiosks.values() if k.level == level]
        if placed:
            raise Invalid(f"level {level} still has {', '.join(sorted(placed))} on it; remove them first")
        db.execute("DELETE FROM floors WHERE level = ?", [level])
        tx.delete("floor", str(level))
        tx.audit("floor.remove", "floor", str(level))
    return Outcome("removed", tx.rev)


def _publish_floor(tx: Change, level: int) -> bool:
    row = tx.db.execute("SELECT name_sv, name_en, plan FROM floors WHERE level = ?", [level]).fetchone()
    if row is None or row[2] is None:
        return False
    floor = Floor(level, row[0], row[1], tuple(json.loads(row[2])))
    return tx.record("floor", str(level), floor.record())


# --- rooms, connectors, kiosks ---------------------------------------------------------------------


def parse_ints(text: str, count: int, what: str) -> tuple[int, ...]:
    """ "3,4,10,5" as whole numbers >= 0 (rectangles and cells), or one clear line."""
    parts = [part.strip() for part in text.split(",")]
    if len(parts) != count or not all(part.isdigit() for part in parts):
        names = {2: "x,y", 4: "x,y,w,h"}[count]
        raise Invalid(f"{what} must be {names} in plan cells (whole numbers, 0 or more), not {text!r}")
    return tuple(int(part) for part in parts)


def place_room(db: sqlite_utils.Database, actor: str, room: str, level: int, rect: Rect) -> Outcome:
    room = _check(check_id, room.strip(), "room")
    if rect.w < 1 or rect.h < 1:
        raise Invalid(f"room {room}: width and height must be at least 1 cell")
    placed = PlanRoom(room, level, rect)
    with transaction(db, actor, f"room place {room}") as tx:
        before = load_building(db)
        _floor_with_plan(before, level, f"room {room}")
        clash = before.room(room)
        if clash is not None and clash.room != room:
            raise Invalid(f"room {room} is already placed as {clash.room}; use that label")
        old = before.rooms.get(room)
        db.execute(
            "INSERT INTO plan_rooms (room, level, x, y, w, h, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (room) DO UPDATE SET level = excluded.level, x = excluded.x, y = excluded.y, "
            "w = excluded.w, h = excluded.h, updated_at = excluded.updated_at",
            [room, level, rect.x, rect.y, rect.w, rect.h, now_iso()],
        )
        _require_sound(before, load_building(db))
        changed = tx.record("plan_room", room, placed.record())
        tx.audit("room.place", "plan_room", room, placed.record())
    return Outcome("unchanged" if not changed else "added" if old is None else "changed", tx.rev)


def unplace_room(db: sqlite_utils.Database, actor: str, room: str) -> Outcome:
    with transaction(db, actor, f"room unplace {room}") as tx:
        if db.execute("DELETE FROM plan_rooms WHERE room = ?", [room]).rowcount == 0:
            raise Invalid(f"room {room!r} is not placed on any floor")
        tx.delete("plan_room", room)
        tx.audit("room.unplace", "plan_room", room)
    return Outcome("removed", tx.rev)


def connect(
    db: sqlite_utils.Database,
    actor: str,
    ident: str,
    kind: ConnectorKind,
    levels: Sequence[int],
    at: tuple[int, int],
) -> Outcome:
    ident = _check(check_id, ident, "connector")
    checked = sorted({_check(check_level, level) for level in levels})
    if len(checked) < 2:
        raise Invalid(f"{kind} {ident} must connect at least two different levels")
    connector = Connector(ident, kind, tuple(checked), *at)
    with transaction(db, actor, f"floor connect {ident}") as tx:
        before = load_building(db)
        for level in checked:
            _floor_with_plan(before, level, f"{kind} {ident}")
        old = before.connectors.get(ident)
        db.execute(
            "INSERT INTO connectors (id, kind, levels, x, y, updated_at) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, levels = excluded.levels, "
            "x = excluded.x, y = excluded.y, updated_at = excluded.updated_at",
            [ident, kind, json.dumps(checked), at[0], at[1], now_iso()],
        )
        _require_sound(before, load_building(db))
        changed = tx.record("connector", ident, connector.record())
        tx.audit("floor.connect", "connector", ident, connector.record())
    return Outcome("unchanged" if not changed else "added" if old is None else "changed", tx.rev)


def disconnect(db: sqlite_utils.Database, actor: str, ident: str) -> Outcome:
    with transaction(db, actor, f"floor disconnect {ident}") as tx:
        if db.execute("DELETE FROM connectors WHERE id = ?", [ident]).rowcount == 0:
            raise Invalid(f"no lift or stairs with id {ident!r}")
        tx.delete("connector", ident)
        tx.audit("floor.disconnect", "connector", ident)
    return Outcome("removed", tx.rev)


def place_kiosk(
    db: sqlite_utils.Database, actor: str, kiosk: str, level: int, at: tuple[int, int], facing: Facing
) -> Outcome:
    try:
        kiosk = topics.safe_id(kiosk)
    except ValueError as exc:
        raise Invalid(f"kiosk id: {exc}") from None
    spot = KioskSpot(kiosk, level, at[0], at[1], facing)
    with transaction(db, actor, f"kiosk place {kiosk}") as tx:
        before = load_building(db)
        floor = _floor_with_plan(before, level, f"kiosk {kiosk}")
        if not floor.inside(*at):
            raise Invalid(
                f"kiosk {kiosk} at {at[0]},{at[1]} lies outside the plan of level {level} "
                f"({floor.width}x{floor.height} cells)"
            )
        old = before.kiosks.get(kiosk)
        db.execute(
            "INSERT INTO kiosk_spots (kiosk, level, x, y, facing, updated_at) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (kiosk) DO UPDATE SET level = excluded.level, x = excluded.x, y = excluded.y, "
            "facing = excluded.facing, updated_at = excluded.updated_at",
            [kiosk, level, at[0], at[1], facing, now_iso()],
        )
        _require_sound(before, load_building(db))
        changed = tx.record("kiosk_spot", kiosk, spot.record())
        tx.audit("kiosk.place", "kiosk_spot", kiosk, spot.record())
    return Outcome("unchanged" if not changed else "added" if old is None else "changed", tx.rev)


def unplace_kiosk(db: sqlite_utils.Database, actor: str, kiosk: str) -> Outcome:
    with transaction(db, actor, f"kiosk unplace {kiosk}") as tx:
        if db.execute("DELETE FROM kiosk_spots WHERE kiosk = ?", [kiosk]).rowcount == 0:
            raise Invalid(f"kiosk {kiosk!r} is not placed on any floor")
        tx.delete("kiosk_spot", kiosk)
        tx.audit("kiosk.unplace", "kiosk_spot", kiosk)
    return Outcome("removed", tx.rev)


# --- a whole building at once (the demo) ------------------------------------------------------------


def _upsert(db: sqlite_utils.Database, table: str, key: str, row: dict[str, Any], stamp: str) -> None:
    """Insert `row`, or update the row with its key where any value differs (table and column names
    are this module's own)."""
    columns = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    others = [name for name in row if name != key]
    assignments = ", ".join(f"{name} = excluded.{name}" for name in others)
    differs = " OR ".join(f"{table}.{name} IS NOT excluded.{name}" for name in others)
    db.execute(
        f"INSERT INTO {table} ({columns}, updated_at) VALUES ({marks}, ?) ON CONFLICT ({key}) DO UPDATE "
        f"SET {assignments}, updated_at = excluded.updated_at WHERE {differs}",
        [*row.values(), stamp],
    )


def apply_building(tx: Change, building: Building) -> dict[str, int]:
    """Upsert every floor (with its plan), room, connector and kiosk spot of `building` in the caller's
    transaction, with the same checks as one at a time; returns how many records changed per kind.
    Nothing else is removed: staff's own additions stay."""
    db, stamp = tx.db, now_iso()
    before = load_building(db)
    for floor in building.floors.values():
        db.execute(
            "INSERT INTO floors (level, name_sv, name_en, plan, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (level) DO UPDATE SET name_sv = excluded.name_sv, "
            "name_en = excluded.name_en, plan = excluded.plan, updated_at = excluded.updated_at "
            "WHERE floors.name_sv IS NOT excluded.name_sv OR floors.name_en IS NOT excluded.name_en "
            "OR floors.plan IS NOT excluded.plan",
            [floor.level, floor.name_sv, floor.name_en, json.dumps(list(floor.rows)), stamp, stamp],
        )
    # Rows are written only where something differs, so loading the same building again leaves the
    # database as it was (updated_at included).
    for room in building.rooms.values():
        r = room.rect
        _upsert(
            db,
            "plan_rooms",
            "room",
            {"room": room.room, "level": room.level, "x": r.x, "y": r.y, "w": r.w, "h": r.h},
            stamp,
        )
    for c in building.connectors.values():
        _upsert(
            db,
            "connectors",
            "id",
            {"id": c.id, "kind": c.kind, "levels": json.dumps(list(c.levels)), "x": c.x, "y": c.y},
            stamp,
        )
    for k in building.kiosks.values():
        _upsert(
            db,
            "kiosk_spots",
            "kiosk",
            {"kiosk": k.kiosk, "level": k.level, "x": k.x, "y": k.y, "facing": k.facing},
            stamp,
        )
    _require_sound(before, load_building(db))
    changed = {
        "floors": sum(tx.record("floor", str(f.level), f.record()) for f in building.floors.values()),
        "plan_rooms": sum(tx.record("plan_room", r.room, r.record()) for r in building.rooms.values()),
        "connectors": sum(tx.record("connector", c.id, c.record()) for c in building.connectors.values()),
        "kiosk_spots": sum(tx.record("kiosk_spot", k.kiosk, k.record()) for k in building.kiosks.values()),
    }
    if any(changed.values()):
        tx.audit("floor.building", "floor", "", changed)
    return changed
