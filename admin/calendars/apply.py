"""Making the stored events or bookings of one source match a feed's occurrences, inside a transaction.

Rows are matched by (source, source_uid, recurrence_id): a match is updated in place (same id, so the
kiosks see an edit, not a removal and a new record), a new occurrence is inserted, and a stored row of
this source that overlaps the window but is no longer in the feed is removed. Rows entirely before the
window are history and stay; rows after it are left until a window reaches them.

Only the columns a feed provides are written, so what staff add by hand to an imported event
(an English title, an audience, capacity, "full") survives the next import.

Cancelled occurrences (STATUS:CANCELLED): an event stays, marked cancelled, so the screens can say
"Inställt" to visitors who came for it; a booking is removed, because a cancelled booking frees the room.
Private occurrences (CLASS:PRIVATE or CONFIDENTIAL): a booking keeps its time and is stored without
title or organiser; an event is skipped, because a public screen has nothing to show for it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from admin.calendars.expand import Expanded, Occurrence, Progress, Window
from admin.calendars.overlaps import Overlap, manual_overlaps
from admin.content import public, sql, validate
from admin.content.english import counted
from admin.store.changes import Change
from broker.times import now, now_iso, parse_iso, to_iso

UNTITLED = "(utan titel)"


@dataclass
class Report:
    """What one import did; `rev` is the revision it created, None when it changed nothing."""

    source: str
    kind: str  # "event" or "booking"
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    cancelled: int = 0
    skipped_private: int = 0
    duplicates: int = 0
    overlaps: list[Overlap] = field(default_factory=list)
    rev: int | None = None

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)

    def summary(self) -> str:
        parts = [f"{self.added} added", f"{self.updated} updated", f"{self.removed} removed"]
        parts.append(f"{self.unchanged} unchanged")
        if self.cancelled:
            # A cancelled event stays on the screens, marked; a cancelled booking is not stored at all.
            if self.kind == "event":
                parts.append(f"{self.cancelled} marked cancelled")
            else:
                parts.append(f"{counted(self.cancelled, 'cancelled booking')} left out")
        if self.skipped_private:
            parts.append(f"{counted(self.skipped_private, 'private event')} skipped")
        if self.duplicates:
            parts.append(f"{counted(self.duplicates, 'duplicate occurrence')} dropped")
        if self.overlaps:
            parts.append(counted(len(self.overlaps), "overlapping manual booking"))
        return ", ".join(parts)

    def counts(self) -> dict[str, int]:
        return {
            "added": self.added,
            "updated": self.updated,
            "removed": self.removed,
            "unchanged": self.unchanged,
            "cancelled": self.cancelled,
            "skipped_private": self.skipped_private,
            "duplicates": self.duplicates,
            "overlaps": len(self.overlaps),
        }


@dataclass(frozen=True)
class _Target:
    table: str
    kind: str  # the record kind on the wire
    to_public: Callable[[dict[str, Any]], dict[str, Any]]


_EVENTS = _Target("events", "event", public.event)
_BOOKINGS = _Target("bookings", "booking", public.booking)


#: The fields of an event that its feed sets on every import (`_event_values`): an `event edit` of one
#: of them is undone by the next import; the others (English text, audience, capacity) are staff's.
EVENT_FEED_FIELDS = frozenset(
    ("title_sv", "description_sv", "start", "end", "all_day", "place", "registration_url", "cancelled")
)


def _event_values(occurrence: Occurrence) -> dict[str, Any]:
    try:
        registration_url = validate.url(occurrence.url, "URL")
    except validate.Invalid:
        registration_url = ""  # a feed's bad link is dropped, not shown as a QR code to nowhere
    return {
        "title_sv": occurrence.summary or UNTITLED,
        "description_sv": occurrence.description,
        "start": to_iso(occurrence.start),
        "end": to_iso(occurrence.end),
        "all_day": int(occurrence.all_day),
        "place": occurrence.location,
        "registration_url": registration_url,
        "cancelled": int(occurrence.cancelled),
    }


def _booking_values(occurrence: Occurrence, room: str) -> dict[str, Any]:
    return {
        "room": room,
        "start": to_iso(occurrence.start),
        "end": to_iso(occurrence.end),
        "title": "" if occurrence.private else occurrence.summary or UNTITLED,
        "organiser": "" if occurrence.private else occurrence.organiser,
        "private": int(occurrence.private),
    }


def apply_events(
    tx: Change, source: str, expanded: Expanded, window: Window, progress: Progress | None = None
) -> Report:
    report = Report(source, "event", duplicates=expanded.duplicates)
    wanted: list[tuple[Occurrence, dict[str, Any]]] = []
    for occurrence in expanded.occurrences:
        if occurrence.private:
            report.skipped_private += 1
            continue
        report.cancelled += occurrence.cancelled
        wanted.append((occurrence, _event_values(occurrence)))
    _sync(tx, _EVENTS, source, wanted, window, report, progress)
    return report


def apply_bookings(
    tx: Change, source: str, room: str, expanded: Expanded, window: Window, progress: Progress | None = None
) -> Report:
    report = Report(source, "booking", duplicates=expanded.duplicates)
    wanted: list[tuple[Occurrence, dict[str, Any]]] = []
    for occurrence in expanded.occurrences:
        if occurrence.cancelled:
            report.cancelled += 1
            continue
        wanted.append((occurrence, _booking_values(occurrence, room)))
    _sync(tx, _BOOKINGS, source, wanted, window, report, progress)
    report.overlaps = manual_overlaps(tx.db, source, since=max(window.start, now()))
    return report


def _sync(
    tx: Change,
    target: _Target,
    source: str,
    wanted: list[tuple[Occurrence, dict[str, Any]]],
    window: Window,
    report: Report,
    progress: Progress | None,
) -> None:
    db = tx.db
    existing = {
        (row["source_uid"], row["recurrence_id"] or ""): row
        for row in db.query(f"SELECT * FROM {target.table} WHERE source = ?", [source])
    }
    stamp = now_iso()
    seen: set[tuple[str, str]] = set()
    total = len(wanted)
    for done, (occurrence, values) in enumerate(wanted, start=1):
        key = (occurrence.uid, occurrence.recurrence_id)
        seen.add(key)
        old = existing.get(key)
        if old is None:
            row = {
                **values,
                "source": source,
                "source_uid": occurrence.uid,
                "recurrence_id": occurrence.recurrence_id,
                "created_at": stamp,
                "updated_at": stamp,
            }
            row["id"] = sql.insert(db, target.table, row)
            tx.record(target.kind, str(row["id"]), target.to_public(row))
            report.added += 1
        else:
            changed = {name: value for name, value in values.items() if old[name] != value}
            if changed:
                changed["updated_at"] = stamp
                sql.update(db, target.table, changed, key="id", value=old["id"])
                tx.record(target.kind, str(old["id"]), target.to_public({**old, **changed}))
                report.updated += 1
            else:
                report.unchanged += 1
        if progress is not None and (done % 200 == 0 or done == total):
            progress(done, total)
    for key, row in existing.items():
        if key in seen or not window.overlaps(parse_iso(row["start"]), parse_iso(row["end"])):
            continue
        db.execute(f"DELETE FROM {target.table} WHERE id = ?", [row["id"]])
        tx.delete(target.kind, str(row["id"]))
        report.removed += 1
    if report.changed:
        tx.audit(f"{target.kind}.import", "calendar", source, report.counts())
