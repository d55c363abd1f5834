"""The subscribed feeds (table `calendars`) and what the last poll of each found.

A feed's name is the `source` of the rows it imports, so removing a feed can remove exactly its rows.
Poll bookkeeping (ETag, last error, what the last poll imported and skipped, a held reply) is not
content: it is written outside the revision machinery and never reaches the kiosks. health.py turns it
into what `calendar status` shows staff.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlite_utils

from admin.calendars.apply import Report
from admin.calendars.errors import CalendarError
from admin.calendars.expand import DEFAULT_DAYS
from admin.calendars.fetch import normalise_url
from admin.calendars.importer import KINDS, Kind, check_source, require_room
from admin.calendars.shrink import DEFAULT_MAX_DROP
from admin.store.changes import transaction
from broker.times import now_iso, parse_iso, to_iso

DEFAULT_EVERY = 15
MAX_EVERY = 7 * 24 * 60
MAX_DAYS = 366
#: How many skipped events and warnings of the last import are kept for `calendar status`.
KEEP_PROBLEMS = 50


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
    last_result: str | None  # "imported", "not-modified", "failed" or "held"
    last_imported: int | None  # occurrences of the feed on the screens after its last import
    last_skipped: int | None  # unreadable events the last import skipped
    last_warnings: int | None
    last_problems: list[str]  # their lines, warnings first (at most KEEP_PROBLEMS)
    failures: int  # failed polls in a row
    failing_since: str | None
    held_reason: str | None  # why the last reply was held back, while it is
    held_fingerprint: str | None
    held_since: str | None
    max_drop: int  # per cent, see shrink.py

    def due(self, at: datetime) -> bool:
        if self.last_polled is None:
            return True
        return at - parse_iso(self.last_polled) >= timedelta(minutes=self.every_minutes)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["every"] = data.pop("every_minutes")
        return data


def _feed(row: dict[str, Any]) -> Feed:
    values = {name: row[name] for name in Feed.__dataclass_fields__}
    values["last_problems"] = json.loads(row["last_problems"] or "[]")
    return Feed(**values)


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
    max_drop: int = DEFAULT_MAX_DROP,
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
    _check_max_drop(max_drop)
    with transaction(db, actor, f"calendar add {name}") as tx:
        if get(db, name) is not None:
            raise CalendarError(f"a calendar feed named {name!r} already exists")
        if room:
            require_room(db, room)
        db.execute(
            "INSERT INTO calendars (name, url, kind, room, every_minutes, days, max_drop, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [name, url, kind, room, every, days, max_drop, now_iso()],
        )
        details = {"url": url, "kind": kind, "room": room, "every": every, "max_drop": max_drop}
        tx.audit("calendar.add", "calendar", name, details)
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


def _check_max_drop(max_drop: int) -> None:
    if not 1 <= max_drop <= 100:
        raise CalendarError(f"--max-drop must be between 1 and 100 (per cent), not {max_drop}")


def set_max_drop(db: sqlite_utils.Database, actor: str, name: str, max_drop: int) -> Feed:
    _check_max_drop(max_drop)
    with transaction(db, actor, f"calendar set {name}") as tx:
        require(db, name)
        db.execute("UPDATE calendars SET max_drop = ? WHERE name = ?", [max_drop, name])
        tx.audit("calendar.set", "calendar", name, {"max_drop": max_drop})
    return require(db, name)


#: An answer from the feed clears a failure streak and a held reply.
_ANSWERED = (
    "failures = 0, failing_since = NULL, held_reason = NULL, held_fingerprint = NULL, held_since = NULL"
)


def record_success(
    db: sqlite_utils.Database,
    name: str,
    at: datetime,
    *,
    report: Report,
    etag: str | None,
    last_modified: str | None,
    digest: str,
) -> None:
    stamp = to_iso(at)
    problems = [f"warning: {n.describe()}" for n in report.notices]  # in the order `calendar poll` prints
    problems += [f"event skipped: {s.describe()}" for s in report.skipped]
    db.execute(
        "UPDATE calendars SET last_polled = ?, last_ok = ?, last_error = NULL, last_summary = ?, "
        "etag = ?, last_modified = ?, digest = ?, last_result = 'imported', last_imported = ?, "
        f"last_skipped = ?, last_warnings = ?, last_problems = ?, {_ANSWERED} WHERE name = ?",
        [
            stamp,
            stamp,
            report.summary(),
            etag,
            last_modified,
            digest,
            report.imported,
            len(report.skipped),
            len(report.notices),
            json.dumps(problems[:KEEP_PROBLEMS], ensure_ascii=False),
            name,
        ],
    )


def record_not_modified(db: sqlite_utils.Database, name: str, at: datetime) -> None:
    """The reply is the data we have: the counts of its import still describe it."""
    stamp = to_iso(at)
    db.execute(
        "UPDATE calendars SET last_polled = ?, last_ok = ?, last_error = NULL, "
        f"last_result = 'not-modified', {_ANSWERED} WHERE name = ?",
        [stamp, stamp, name],
    )


def record_held(db: sqlite_utils.Database, name: str, at: datetime, reason: str, fingerprint: str) -> None:
    """The reply is not applied (shrink.py): the last good data and its validators stay."""
    stamp = to_iso(at)
    db.execute(
        "UPDATE calendars SET last_polled = ?, last_error = NULL, last_result = 'held', failures = 0, "
        "failing_since = NULL, held_reason = ?, held_fingerprint = ?, "
        "held_since = COALESCE(held_since, ?) WHERE name = ?",
        [stamp, reason, fingerprint, stamp, name],
    )


def record_failure(db: sqlite_utils.Database, name: str, at: datetime, error: str) -> None:
    """The feed's imported rows and validators stay as they were: its last good data keeps showing."""
    stamp = to_iso(at)
    db.execute(
        "UPDATE calendars SET last_polled = ?, last_error = ?, last_result = 'failed', "
        "failures = failures + 1, failing_since = COALESCE(failing_since, ?) WHERE name = ?",
        [stamp, error[:500], stamp, name],
    )
