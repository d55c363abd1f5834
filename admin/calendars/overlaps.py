"""Imported bookings that collide with a booking staff typed in by hand.

A feed is not allowed to override a manual booking, and silently dropping either would hide a real
double booking, so both are kept and the collision is reported: at import time, and by `calendar list`
for as long as it lasts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlite_utils

from broker.times import parse_iso, to_iso


@dataclass(frozen=True)
class Overlap:
    booking_id: int  # the imported booking
    manual_id: int
    room: str
    start: str  # the imported booking's time
    end: str
    title: str  # "" for a private booking: its title is not shown anywhere
    manual_title: str

    def describe(self) -> str:
        what = f"'{self.title}'" if self.title else "private"
        other = f"'{self.manual_title}'" if self.manual_title else "private"
        return (
            f"booking #{self.booking_id} ({what}, {self.start} to {self.end}) in room {self.room} "
            f"overlaps manual booking #{self.manual_id} ({other})"
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "booking_id": self.booking_id,
            "manual_id": self.manual_id,
            "room": self.room,
            "start": self.start,
            "end": self.end,
        }


def _spans(rows: list[dict[str, Any]]) -> list[tuple[datetime, datetime, dict[str, Any]]]:
    # Stored times carry their own offsets (+01:00/+02:00), so compare instants, never the strings.
    return sorted(((parse_iso(r["start"]), parse_iso(r["end"]), r) for r in rows), key=lambda s: s[0])


def manual_overlaps(db: sqlite_utils.Database, source: str, *, since: datetime) -> list[Overlap]:
    """Bookings imported from `source` ending after `since` that overlap a manual one in the same room."""
    imported = [
        r
        for r in db.query("SELECT * FROM bookings WHERE source = ?", [source])
        if parse_iso(r["end"]) > since
    ]
    found: list[Overlap] = []
    for room in sorted({r["room"] for r in imported}):
        manual = _spans(list(db.query("SELECT * FROM bookings WHERE room = ? AND source = 'manual'", [room])))
        for start, end, row in _spans([r for r in imported if r["room"] == room]):
            for m_start, m_end, other in manual:
                if m_start >= end:
                    break  # sorted by start: none of the rest can overlap either
                if m_end > start:
                    found.append(_overlap(row, other, to_iso(start), to_iso(end)))
    return found


def _overlap(row: dict[str, Any], manual: dict[str, Any], start: str, end: str) -> Overlap:
    return Overlap(
        booking_id=row["id"],
        manual_id=manual["id"],
        room=row["room"],
        start=start,
        end=end,
        title="" if row["private"] else row["title"],
        manual_title="" if manual["private"] else manual["title"],
    )
