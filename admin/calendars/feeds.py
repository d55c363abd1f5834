"""The subscribed feeds (table `calendars`) and what the last poll of each found.

A feed's name is the `source` of the rows it imports, so removing a feed can remove exactly its rows.
Poll bookkeeping (ETag, last error, ...) is not content: it is written outside the revision machinery
and never reaches the kiosks.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlite_utils

from admin.calendars.errors import CalendarError
from admin.calendars.expand import DEFAULT_DAYS
from admin.calendars.fetch import normalise_url
from admin.calendars.importer import KINDS, Kind, check_source, require_room
from admin.store.changes import transaction
from broker.times import now_iso, parse_iso, to_iso

DEFAULT_EVERY = 15
MAX_EVERY = 7 * 24 * 60
MAX_DAYS = 366


@dataclass(frozen=True)
class Feed:
    name: str
    url: str
    kind: Kind
    room: str | None
    every_minutes: int
    days: int
    etag: str | None
    last_modified: str | None
    last_polled: str | None
    last_ok: str | None
    last_error: str | None
    last_summary: str
    digest: str | None  # SHA-256 of the text last imported, for servers that send no validators
    created_at: str

    def due(self, at: datetime) -> bool:
        if self.last_polled is None:
            return True
        return at - parse_iso(self.last_polled) >= timedelta(minutes=self.every_minutes)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["every"] = data.pop("every_minutes")
        return data


def _feed(row: dict[str, Any]) -> Feed:
    return Feed(**{name: row[name] for name in Feed.__dataclass_fields__})


def get(db: sqlite_utils.Database, name: str) -> Feed | None:
    rows = list(db.query("SELECT * FROM calendars WHERE name = ?", [name]))
    return _feed(rows[0]) if rows else None


def require(db: sqlite_utils.Database, name: str) -> Feed:
    feed = get(db, name)
    if feed is None:
        raise CalendarError(f"no calendar feed named {name!r} (see `innovatum-admin calendar list`)")
    return feed


def all_feeds(db: sqlite_utils.Database) -> list[Feed]:
    return [_feed(row) for row in db.query("SELECT * FROM calendars ORDER BY name")]


def add(
    db: sqlite_utils.Database,
    actor: str,
    name: str,
    url: str,
    kind: str,
    *,
    room: str | None = None,
    every: int = DEFAULT_EVERY,
    days: int = DEFAULT_DAYS,
) -> Feed:
    name = check_source(name)
    url = normalise_url(url)
    if kind not in KINDS:
        raise CalendarError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    if kind == "bookings" and not room:
        raise CalendarError("a bookings feed needs --room: the room whose calendar it is")
    if kind == "events" and room:
        raise CalendarError("--room is only for a bookings feed")
    if not 1 <= every <= MAX_EVERY:
        raise CalendarError(f"--every must be between 1 and {MAX_EVERY} minutes, not {every}")
    if not 1 <= days <= MAX_DAYS:
        raise CalendarError(f"--days must be between 1 and {MAX_DAYS}, not {days}")
    with transaction(db, actor, f"calendar add {name}") as tx:
        if get(db, name) is not None:
            raise CalendarError(f"a calendar feed named {name!r} already exists")
        if room:
            require_room(db, room)
        db.execute(
            "INSERT INTO calendars (name, url, kind, room, every_minutes, days, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [name, url, kind, room, every, days, now_iso()],
        )
        tx.audit("calendar.add", "calendar", name, {"url": url, "kind": kind, "room": room, "every": every})
    return require(db, name)


def remove(db: sqlite_utils.Database, actor: str, name: str, *, keep_data: bool = False) -> int:
    """Forget the feed and, unless keep_data, remove what it imported. Returns the rows removed."""
    with transaction(db, actor, f"calendar remove {name}") as tx:
        feed = require(db, name)
        removed = 0
        if not keep_data:
            table, kind = ("events", "event") if feed.kind == "events" else ("bookings", "booking")
            for (row_id,) in db.execute(f"SELECT id FROM {table} WHERE source = ?", [name]).fetchall():
                db.execute(f"DELETE FROM {table} WHERE id = ?", [row_id])
                tx.delete(kind, str(row_id))
                removed += 1
        db.execute("DELETE FROM calendars WHERE name = ?", [name])
        tx.audit("calendar.remove", "calendar", name, {"removed": removed, "kept_data": keep_data})
    return removed


def record_success(
    db: sqlite_utils.Database,
    name: str,
    at: datetime,
    *,
    summary: str,
    etag: str | None,
    last_modified: str | None,
    digest: str,
) -> None:
    stamp = to_iso(at)
    db.execute(
        "UPDATE calendars SET last_polled = ?, last_ok = ?, last_error = NULL, last_summary = ?, "
        "etag = ?, last_modified = ?, digest = ? WHERE name = ?",
        [stamp, stamp, summary, etag, last_modified, digest, name],
    )


def record_not_modified(db: sqlite_utils.Database, name: str, at: datetime) -> None:
    stamp = to_iso(at)
    db.execute(
        "UPDATE calendars SET last_polled = ?, last_ok = ?, last_error = NULL WHERE name = ?",
        [stamp, stamp, name],
    )


def record_failure(db: sqlite_utils.Database, name: str, at: datetime, error: str) -> None:
    """The feed's imported rows and validators stay as they were: its last good data keeps showing."""
    db.execute(
        "UPDATE calendars SET last_polled = ?, last_error = ? WHERE name = ?", [to_iso(at), error[:500], name]
    )
