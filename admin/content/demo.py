"""The demo installation: real partners (facts from the city's page only), fictional tenants marked as
demo, science-center events from now over the coming three weeks, project-arena rooms busy now, soon and
tomorrow, and one announcement.

The data is in assets/demo/*.json; its times are relative to the moment it is loaded (see
`admin.content.demo_times`), so the screen is never empty, whatever the hour or the day: something is on
now, something starts later, tomorrow and next week, and a room is busy now. Everything is upserted by a
stable identity (slug, or source 'demo' + source_uid) in ONE transaction, so loading twice within the same
hour creates no revision, loading later moves the events and bookings along instead of duplicating them,
and demo events or bookings no longer in the data set are removed.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlite_utils
from PIL import Image, ImageDraw, ImageFont

from admin.content import announcements, demo_building, demo_times, events, listings, rooms, sql, validate
from admin.content.validate import Invalid
from admin.store.changes import Change, transaction
from assets import ASSETS
from broker.times import now

DEMO_DIR = ASSETS / "demo"
SOURCE = "demo"


@dataclass
class DemoResult:
    rev: int | None
    counts: dict[str, dict[str, int]] = field(default_factory=dict)

    def bump(self, kind: str, action: str) -> None:
        self.counts.setdefault(kind, {"added": 0, "changed": 0, "unchanged": 0})[action] += 1


def _load(name: str, directory: Path) -> Any:
    path = directory / name
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise Invalid(f"demo data {path} cannot be read: {exc}") from None


def _dated(
    items: list[dict[str, Any]], moment: datetime, clean: Callable[[Mapping[str, object]], dict[str, Any]]
) -> list[tuple[str, dict[str, Any]]]:
    """Events or bookings as (key, validated values), their relative times (`demo_times`) made real."""
    rows = []
    for item in items:
        start, end = demo_times.resolve(item, moment)
        values = {k: v for k, v in item.items() if k not in ("key", *demo_times.TIME_FIELDS)}
        rows.append((item["key"], clean({**values, "start": start, "end": end})))
    return rows


_COLOURS = ("#1b5e7a", "#2e7d32", "#8e3b46", "#5d4a9c", "#b35c00", "#00695c")


def demo_logo(name: str, index: int) -> bytes:
    """A plain initials badge, so the demo directory shows logos without borrowing anyone's brand."""
    initials = "".join(word[0] for word in name.split()[:2]).upper()
    image = Image.new("RGBA", (128, 128), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((4, 4, 123, 123), radius=22, fill=_COLOURS[index % len(_COLOURS)])
    font = ImageFont.load_default(size=52)
    draw.text((64, 66), initials, fill="white", font=font, anchor="mm")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _listing_rows(
    data: list[dict[str, Any]], kind: listings.ListingKind, *, demo: bool
) -> list[listings.Upsert]:
    rows = []
    for index, item in enumerate(data):
        values = dict(item)
        slug = validate.slug(values.pop("slug"))
        values["demo"] = demo
        logo: object = demo_logo(values["name"], index) if demo else listings.KEEP
        rows.append(listings.Upsert(slug, listings.clean(kind, values), logo, f"{kind.kind} {slug}"))
    return rows


def load(
    db: sqlite_utils.Database, actor: str, *, at: datetime | None = None, directory: Path = DEMO_DIR
) -> DemoResult:
    """Load (or refresh) the demo installation as of `at` (default: now); returns the revision (None
    when nothing changed)."""
    moment = at or now()
    partners = _listing_rows(_load("partners.json", directory), listings.PARTNER, demo=False)
    tenants = _listing_rows(_load("tenants.json", directory), listings.TENANT, demo=True)
    event_rows = _dated(_load("events.json", directory), moment, events.clean)
    room_rows = [
        (validate.slug(r["slug"]), rooms.clean_room({k: v for k, v in r.items() if k != "slug"}))
        for r in _load("rooms.json", directory)
    ]
    booking_rows = _dated(_load("bookings.json", directory), moment, rooms.clean_booking)
    notice = _load("announcement.json", directory)
    building = demo_building.read(directory)

    result = DemoResult(rev=None)
    with transaction(db, actor, "demo-data") as tx:
        # One step per kind of content, in this order (bookings need their rooms); another part of
        # the demo (a building, say) is one more step here, in its own module.
        for kind, rows in ((listings.PARTNER, partners), (listings.TENANT, tenants)):
            for row in rows:
                result.bump(kind.kind + "s", listings.upsert_one(tx, kind, row))
        _upsert_events(tx, event_rows, result)
        for slug, values in room_rows:
            result.bump("rooms", rooms.upsert_room(tx, slug, values))
        _upsert_bookings(tx, booking_rows, result)
        _show_announcement(tx, announcements.clean(notice), result)
        result.counts.update(demo_building.apply(tx, building))
    result.rev = tx.rev
    return result


def _upsert_events(tx: Change, event_rows: list[tuple[str, dict[str, Any]]], result: DemoResult) -> None:
    _remove_stale(tx, "events", {key for key, _values in event_rows})
    for key, values in event_rows:
        old = _by_source(tx.db, "events", key)
        if old is None:
            events.insert(tx, values, source=SOURCE, source_uid=key)
            result.bump("events", "added")
        else:
            result.bump("events", "changed" if events.update(tx, old, values) else "unchanged")


def _upsert_bookings(tx: Change, booking_rows: list[tuple[str, dict[str, Any]]], result: DemoResult) -> None:
    _remove_stale(tx, "bookings", {key for key, _values in booking_rows})
    _move_bookings(tx, booking_rows, result)
    for key, values in booking_rows:
        if _by_source(tx.db, "bookings", key) is None:
            rooms.insert_booking(tx, {"private": 0, "organiser": "", **values}, source=SOURCE, source_uid=key)
            result.bump("bookings", "added")


def _show_announcement(tx: Change, cleaned: dict[str, Any], result: DemoResult) -> None:
    """The demo's welcome, unless it is on the screens already."""
    shown = tx.db.execute(
        "SELECT COUNT(*) FROM announcements WHERE text_sv = ? AND retracted = 0", [cleaned["text_sv"]]
    ).fetchone()[0]
    if shown:
        result.bump("announcements", "unchanged")
    else:
        announcements.insert(tx, cleaned)
        result.bump("announcements", "added")


def _by_source(db: sqlite_utils.Database, table: str, key: str) -> dict[str, Any] | None:
    return sql.first(db, f"SELECT * FROM {table} WHERE source = ? AND source_uid = ?", [SOURCE, key])


def _remove_stale(tx: Change, table: str, keys: set[str]) -> None:
    """Remove the demo's own events or bookings that the data set no longer has (an older demo's)."""
    kind = table[:-1]
    stale = [
        row
        for row in tx.db.query(f"SELECT id, source_uid FROM {table} WHERE source = ?", [SOURCE])
        if row["source_uid"] not in keys
    ]
    for row in stale:
        tx.db.execute(f"DELETE FROM {table} WHERE id = ?", [row["id"]])
        tx.delete(kind, str(row["id"]))
        tx.audit(f"{kind}.remove", kind, str(row["id"]), "no longer in the demo data")


def _move_bookings(tx: Change, booking_rows: list[tuple[str, dict[str, Any]]], result: DemoResult) -> None:
    """Move the demo's existing bookings to their new times.

    Two bookings of a room may never overlap, not even for a moment inside the transaction, so a
    booking whose new slot is still held by another demo booking that has yet to move waits for a
    later pass. The new slots never overlap each other, so each pass moves at least one booking
    unless the moves form a cycle, which forward moves cannot.
    """
    pending = []
    for key, values in booking_rows:
        old = _by_source(tx.db, "bookings", key)
        if old is not None:
            pending.append((old, values))
    while pending:
        waiting = []
        for old, values in pending:
            clash = rooms.overlapping(tx.db, values["room"], values["start"], values["end"], ignore=old["id"])
            if clash is not None and any(clash["id"] == other["id"] for other, _v in pending):
                waiting.append((old, values))
                continue
            result.bump("bookings", "changed" if rooms.update_booking(tx, old, values) else "unchanged")
        if len(waiting) == len(pending):
            raise Invalid("the demo's bookings cannot be moved to their new times (start over with --fresh)")
        pending = waiting
