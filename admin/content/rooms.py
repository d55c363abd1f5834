"""Project-arena rooms and their bookings.

Two bookings of one room may not overlap: the room board would otherwise show two meetings at once.
Times compare as instants (parsed), not as text, because the Stockholm offset changes twice a year.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import sqlite_utils

from admin.content import public, sql, validate
from admin.content.english import counted
from admin.content.listings import Outcome
from admin.content.validate import Invalid
from admin.store.changes import Change, transaction
from broker.times import now_iso, parse_iso, to_iso

ROOM_JSON_FIELDS = ("slug", "name", "floor", "capacity", "description_sv", "description_en")
BOOKING_JSON_FIELDS = ("id", "room", "start", "end", "title", "organiser", "private", "source")


ROOM_FIELDS: dict[str, validate.Checker] = {
    "name": validate.text_of(validate.NAME_MAX, required=True),
    "floor": validate.floor,
    "capacity": validate.capacity,
    "description_sv": validate.text_of(validate.DESCRIPTION_MAX),
    "description_en": validate.text_of(validate.DESCRIPTION_MAX),
}

BOOKING_FIELDS: dict[str, validate.Checker] = {
    "room": validate.slug,
    "start": validate.time,
    "end": validate.time,
    "title": validate.text_of(validate.TITLE_MAX, required=True),
    "organiser": validate.text_of(validate.NAME_MAX),
    "private": validate.flag,
}


def clean_room(values: Mapping[str, object]) -> dict[str, Any]:
    return validate.fields(ROOM_FIELDS, values, "room")


def get_room(db: sqlite_utils.Database, slug: str) -> dict[str, Any] | None:
    return sql.first(db, "SELECT * FROM rooms WHERE slug = ?", [slug])


def require_room(db: sqlite_utils.Database, slug: str) -> dict[str, Any]:
    row = get_room(db, slug)
    if row is None:
        raise Invalid(f"no room with slug {slug!r}")
    return row


def list_rooms(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    return list(db.query("SELECT * FROM rooms ORDER BY name COLLATE NOCASE, slug"))


def room_json(row: Mapping[str, Any]) -> dict[str, Any]:
    return {name: row.get(name) for name in ROOM_JSON_FIELDS}


def upsert_room(tx: Change, slug: str, values: Mapping[str, Any]) -> str:
    """Add or update a room with validated values: "added", "changed" or "unchanged"."""
    old = get_room(tx.db, slug)
    stamp = now_iso()
    if old is None:
        if not values.get("name"):
            raise Invalid("name is required for a new room")
        row = {"slug": slug, "floor": None, "capacity": None, "description_sv": "", "description_en": ""}
        row.update(values, created_at=stamp, updated_at=stamp)
        sql.insert(tx.db, "rooms", row)
        tx.record("room", slug, public.room(row))
        tx.audit("room.add", "room", slug, dict(values))
        return "added"
    changed = [name for name, value in values.items() if old[name] != value]
    if not changed:
        return "unchanged"
    new = {**old, **values, "updated_at": stamp}
    sql.update(tx.db, "rooms", {name: new[name] for name in [*changed, "updated_at"]}, key="slug", value=slug)
    tx.record("room", slug, public.room(new))
    tx.audit("room.edit", "room", slug, {name: values[name] for name in changed})
    return "changed"


def add_room(db: sqlite_utils.Database, actor: str, slug: str, values: Mapping[str, object]) -> Outcome:
    slug = validate.slug(slug)
    cleaned = clean_room(values)
    with transaction(db, actor, f"room add {slug}") as tx:
        if get_room(db, slug) is not None:
            raise Invalid(f"a room with slug {slug!r} already exists")
        upsert_room(tx, slug, cleaned)
    return Outcome("added", tx.rev)


def edit_room(db: sqlite_utils.Database, actor: str, slug: str, values: Mapping[str, object]) -> Outcome:
    cleaned = clean_room(values)
    with transaction(db, actor, f"room edit {slug}") as tx:
        require_room(db, slug)
        action = upsert_room(tx, slug, cleaned)
    return Outcome(action, tx.rev)


def remove_room(db: sqlite_utils.Database, actor: str, slug: str) -> Outcome:
    """Remove a room nothing refers to any more; otherwise say what still does (not a SQLite error)."""
    with transaction(db, actor, f"room remove {slug}") as tx:
        require_room(db, slug)
        # Feeds first: removing a feed also removes the bookings it imported, and removing those
        # bookings one by one would be undone by the feed's next poll.
        feeds = [
            row[0] for row in db.execute("SELECT name FROM calendars WHERE room = ? ORDER BY name", [slug])
        ]
        if feeds:
            names = ", ".join(repr(name) for name in feeds)
            which = (
                f"calendar feed {names}; remove it"
                if len(feeds) == 1
                else f"calendar feeds {names}; remove them"
            )
            raise Invalid(
                f"room {slug!r} is the room of {which} first (`innovatum-admin calendar remove NAME`)"
            )
        count = db.execute("SELECT COUNT(*) FROM bookings WHERE room = ?", [slug]).fetchone()[0]
        if count:
            them = "it" if count == 1 else "them"
            raise Invalid(f"room {slug!r} still has {counted(count, 'booking')}; remove {them} first")
        db.execute("DELETE FROM rooms WHERE slug = ?", [slug])
        tx.delete("room", slug)
        tx.audit("room.remove", "room", slug)
    return Outcome("removed", tx.rev)


# --- bookings ---------------------------------------------------------------------------------------


def clean_booking(values: Mapping[str, object]) -> dict[str, Any]:
    cleaned = validate.fields(BOOKING_FIELDS, values, "booking")
    if "private" in cleaned:
        cleaned["private"] = int(cleaned["private"])
    return cleaned


def overlapping(
    db: sqlite_utils.Database, room: str, start: str, end: str, *, ignore: int | None = None
) -> dict[str, Any] | None:
    """The first booking of `room` that overlaps [start, end), if any."""
    begin, finish = parse_iso(start), parse_iso(end)
    # A text pre-filter with a day of margin (offsets differ by at most an hour), then exact instants.
    low, high = to_iso(begin - timedelta(days=1)), to_iso(finish + timedelta(days=1))
    rows = db.query(
        'SELECT * FROM bookings WHERE room = ? AND start < ? AND "end" > ? ORDER BY start',
        [room, high, low],
    )
    for row in rows:
        if row["id"] != ignore and parse_iso(row["start"]) < finish and parse_iso(row["end"]) > begin:
            return row
    return None


def _clash_message(room: str, clash: Mapping[str, Any]) -> str:
    return f"room {room!r} is already booked {clash['start']} – {clash['end']} (booking {clash['id']})"


def get_booking(db: sqlite_utils.Database, booking_id: int) -> dict[str, Any] | None:
    return sql.first(db, "SELECT * FROM bookings WHERE id = ?", [booking_id])


def list_bookings(db: sqlite_utils.Database, room: str | None = None) -> list[dict[str, Any]]:
    if room is None:
        return list(db.query("SELECT * FROM bookings ORDER BY start, room, id"))
    return list(db.query("SELECT * FROM bookings WHERE room = ? ORDER BY start, id", [room]))


def booking_json(row: Mapping[str, Any]) -> dict[str, Any]:
    data = {name: row.get(name) for name in BOOKING_JSON_FIELDS}
    data["private"] = bool(data["private"])
    return data


def insert_booking(
    tx: Change, values: Mapping[str, Any], *, source: str = "manual", source_uid: str | None = None
) -> int:
    """Insert a validated booking after checking its room and overlaps; returns its id."""
    require_room(tx.db, values["room"])
    validate.end_after_start(values["start"], values["end"])
    clash = overlapping(tx.db, values["room"], values["start"], values["end"])
    if clash is not None:
        raise Invalid(_clash_message(values["room"], clash))
    stamp = now_iso()
    row = {"organiser": "", "private": 0, **values, "source": source, "source_uid": source_uid}
    row.update(created_at=stamp, updated_at=stamp)
    booking_id = sql.insert(tx.db, "bookings", row)
    row["id"] = booking_id
    tx.record("booking", str(booking_id), public.booking(row))
    tx.audit("booking.add", "booking", str(booking_id), {k: v for k, v in values.items() if v != ""})
    return booking_id


def update_booking(tx: Change, old: dict[str, Any], values: Mapping[str, Any]) -> bool:
    """Apply validated changes to a booking (same checks as a new one); False when nothing changes."""
    new = {**old, **values}
    changed = [name for name in values if new[name] != old[name]]
    if not changed:
        return False
    require_room(tx.db, new["room"])
    validate.end_after_start(new["start"], new["end"])
    clash = overlapping(tx.db, new["room"], new["start"], new["end"], ignore=old["id"])
    if clash is not None:
        raise Invalid(_clash_message(new["room"], clash))
    new["updated_at"] = now_iso()
    sql.update(
        tx.db, "bookings", {name: new[name] for name in [*changed, "updated_at"]}, key="id", value=old["id"]
    )
    tx.record("booking", str(old["id"]), public.booking(new))
    tx.audit("booking.edit", "booking", str(old["id"]), {name: values[name] for name in changed})
    return True


def add_booking(db: sqlite_utils.Database, actor: str, values: Mapping[str, object]) -> tuple[int, Outcome]:
    cleaned = clean_booking(values)
    for name in ("room", "start", "end", "title"):
        if name not in cleaned:
            raise Invalid(f"{name} is required for a booking")
    with transaction(db, actor, f"booking add {cleaned['room']}") as tx:
        booking_id = insert_booking(tx, cleaned)
    return booking_id, Outcome("added", tx.rev)


def remove_booking(db: sqlite_utils.Database, actor: str, booking_id: int) -> Outcome:
    with transaction(db, actor, f"booking remove {booking_id}") as tx:
        old = get_booking(db, booking_id)
        if old is None:
            raise Invalid(f"no booking with id {booking_id}")
        db.execute("DELETE FROM bookings WHERE id = ?", [booking_id])
        tx.delete("booking", str(booking_id))
        tx.audit("booking.remove", "booking", str(booking_id), {"room": old["room"], "start": old["start"]})
    return Outcome("removed", tx.rev)
