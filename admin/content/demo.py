"""The demo installation: real partners (facts from the city's page only), fictional tenants marked as
demo, science-center events over the coming three weeks, project-arena rooms booked today and tomorrow,
and one announcement.

The data is in assets/demo/*.json; dates there are days relative to today (Europe/Stockholm), turned into
times here. Everything is upserted by a stable identity (slug, or source 'demo' + source_uid) in ONE
transaction, so loading twice on the same day creates no revision, and loading on a later day moves the
events and bookings along instead of duplicating them.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any

import sqlite_utils
from PIL import Image, ImageDraw, ImageFont

from admin.content import announcements, demo_building, events, listings, rooms, sql, validate
from admin.content.validate import Invalid
from admin.store.changes import transaction
from assets import ASSETS
from broker.times import STOCKHOLM, now, to_iso

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


def _at(today: date, day: int, hhmm: str) -> str:
    return to_iso(datetime.combine(today + timedelta(days=day), clock.fromisoformat(hhmm), tzinfo=STOCKHOLM))


def _dated(
    items: list[dict[str, Any]], today: date, clean: Callable[[Mapping[str, object]], dict[str, Any]]
) -> list[tuple[str, dict[str, Any]]]:
    """Events or bookings as (key, validated values): `day` plus `start`/`end` clock times become times."""
    return [
        (
            item["key"],
            clean(
                {
                    **{k: v for k, v in item.items() if k not in ("key", "day")},
                    "start": _at(today, item["day"], item["start"]),
                    "end": _at(today, item["day"], item["end"]),
                }
            ),
        )
        for item in items
    ]


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
    db: sqlite_utils.Database, actor: str, *, today: date | None = None, directory: Path = DEMO_DIR
) -> DemoResult:
    """Load (or refresh) the demo installation; returns the revision (None when nothing changed)."""
    today = today or now().date()
    partners = _listing_rows(_load("partners.json", directory), listings.PARTNER, demo=False)
    tenants = _listing_rows(_load("tenants.json", directory), listings.TENANT, demo=True)
    event_rows = _dated(_load("events.json", directory), today, events.clean)
    room_rows = [
        (validate.slug(r["slug"]), rooms.clean_room({k: v for k, v in r.items() if k != "slug"}))
        for r in _load("rooms.json", directory)
    ]
    booking_rows = _dated(_load("bookings.json", directory), today, rooms.clean_booking)
    notice = _load("announcement.json", directory)
    building = demo_building.read(directory)

    result = DemoResult(rev=None)
    with transaction(db, actor, "demo-data") as tx:
        for kind, rows in ((listings.PARTNER, partners), (listings.TENANT, tenants)):
            for row in rows:
                result.bump(kind.kind + "s", listings.upsert_one(tx, kind, row))
        for key, values in event_rows:
            old = _by_source(tx.db, "events", key)
            if old is None:
                events.insert(tx, values, source=SOURCE, source_uid=key)
                result.bump("events", "added")
            else:
                result.bump("events", "changed" if events.update(tx, old, values) else "unchanged")
        for slug, values in room_rows:
            result.bump("rooms", rooms.upsert_room(tx, slug, values))
        # Moves first, latest first: when every booking moves forward by the same number of days (loaded
        # again on a later day), none can land on the old slot of another that has not moved yet.
        existing = [(key, values, _by_source(tx.db, "bookings", key)) for key, values in booking_rows]
        for _key, values, old in sorted(existing, key=lambda item: item[1]["start"], reverse=True):
            if old is not None:
                result.bump("bookings", "changed" if rooms.update_booking(tx, old, values) else "unchanged")
        for key, values, old in sorted(existing, key=lambda item: item[1]["start"]):
            if old is None:
                rooms.insert_booking(
                    tx, {"private": 0, "organiser": "", **values}, source=SOURCE, source_uid=key
                )
                result.bump("bookings", "added")
        cleaned = announcements.clean(notice)
        shown = tx.db.execute(
            "SELECT COUNT(*) FROM announcements WHERE text_sv = ? AND retracted = 0", [cleaned["text_sv"]]
        ).fetchone()[0]
        if shown:
            result.bump("announcements", "unchanged")
        else:
            announcements.insert(tx, cleaned)
            result.bump("announcements", "added")
        result.counts.update(demo_building.apply(tx, building))
    result.rev = tx.rev
    return result


def _by_source(db: sqlite_utils.Database, table: str, key: str) -> dict[str, Any] | None:
    return sql.first(db, f"SELECT * FROM {table} WHERE source = ? AND source_uid = ?", [SOURCE, key])
