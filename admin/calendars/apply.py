"""Making the stored events or bookings of one source match a feed's occurrences, inside a transaction.

Rows are matched by (source, source_uid, recurrence_id): a match is updated in place (same id, so the
kiosks see an edit, not a removal and a new record), a new occurrence is inserted, and a stored row of
this source that overlaps the window but is no longer in the feed is removed. Rows entirely before the
window are history and stay; rows after it are left until a window reaches them.

Only the columns a feed provides are written, so what staff add by hand to an imported event
(an English title, an audience, capacity, "full") survives the next import.

An event the feed has but that could not be read (skipped, see problems.py) keeps the rows an earlier
import stored for its UID: the screens go on showing its last good version rather than losing it.

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
from admin.calendars.problems import Notice, Skipped
from admin.calendars.shrink import ShrinkGuard, fingerprint
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
    skipped: list[Skipped] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
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
        if self.skipped:
            parts.append(f"{counted(len(self.skipped), 'unreadable event')} skipped")
        if self.notices:
            parts.append(counted(len(self.notices), "warning"))
        return ", ".join(parts)

    @property
    def imported(self) -> int:
        """Occurrences the feed now has on the screens (added, updated or already there)."""
        return self.added + self.updated + self.unchanged

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
            "skipped": len(self.skipped),
            "warnings": len(self.notices),
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


def _report(source: str, kind: str, expanded: Expanded) -> Report:
    return Report(
        source,
        kind,
        duplicates=expanded.duplicates,
        skipped=list(expanded.skipped),
        notices=list(expanded.notices),
    )


def _values(
    expanded: Expanded,
    report: Report,
    make: Callable[[Occurrence], dict[str, Any] | None],
) -> tuple[list[tuple[Occurrence, dict[str, Any]]], frozenset[str]]:
    """The rows to store, per occurrence; an occurrence a shared content check refuses (validate.Invalid:
    a time out of range, ...) skips its whole event, as an unreadable one would, and its earlier rows stay.
    Returns the rows and the UIDs whose rows stay."""
    made: list[tuple[Occurrence, dict[str, Any]]] = []
    refused: dict[str, Skipped] = {}
    for occurrence in expanded.occurrences:
        if occurrence.uid in refused:
            continue
        try:
            values = make(occurrence)
        except validate.Invalid as exc:
            refused[occurrence.uid] = Skipped(occurrence.line, occurrence.shown_uid, str(exc))
            continue
        if values is not None:
            made.append((occurrence, values))
    if refused:
        report.skipped = sorted([*report.skipped, *refused.values()], key=lambda skipped: skipped.line)
    wanted = [(occurrence, values) for occurrence, values in made if occurrence.uid not in refused]
    return wanted, expanded.kept_uids | frozenset(refused)


def apply_events(
    tx: Change,
    source: str,
    expanded: Expanded,
    window: Window,
    progress: Progress | None = None,
    guard: ShrinkGuard | None = None,
) -> Report:
    report = _report(source, "event", expanded)

    def make(occurrence: Occurrence) -> dict[str, Any] | None:
        if occurrence.private:
            return None
        return _event_values(occurrence)

    wanted, kept_uids = _values(expanded, report, make)
    report.skipped_private = sum(o.private for o in expanded.occurrences if o.uid not in kept_uids)
    report.cancelled = sum(o.cancelled for o, _ in wanted)
    _sync(tx, _EVENTS, source, wanted, window, report, progress, kept_uids, guard)
    return report


def apply_bookings(
    tx: Change,
    source: str,
    room: str,
    expanded: Expanded,
    window: Window,
    progress: Progress | None = None,
    guard: ShrinkGuard | None = None,
) -> Report:
    report = _report(source, "booking", expanded)

    def make(occurrence: Occurrence) -> dict[str, Any] | None:
        if occurrence.cancelled:
            return None
        return _booking_values(occurrence, room)

    wanted, kept_uids = _values(expanded, report, make)
    report.cancelled = sum(o.cancelled for o in expanded.occurrences if o.uid not in kept_uids)
    _sync(tx, _BOOKINGS, source, wanted, window, report, progress, kept_uids, guard)
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
    kept_uids: frozenset[str],
    guard: ShrinkGuard | None,
) -> None:
    db = tx.db
    existing = {
        (row["source_uid"], row["recurrence_id"] or ""): row
        for row in db.query(f"SELECT * FROM {target.table} WHERE source = ?", [source])
    }
    wanted_keys = {(occurrence.uid, occurrence.recurrence_id) for occurrence, _ in wanted}
    in_window = [
        key
        for key, row in existing.items()
        if window.overlaps(parse_iso(row["start"]), parse_iso(row["end"]))
    ]
    # Rows of this source in the window that the feed no longer has; a skipped event's rows stay.
    removing = [key for key in in_window if key not in wanted_keys and key[0] not in kept_uids]
    if guard is not None:  # before anything is written: a held reply changes nothing
        guard.check(
            before=len(in_window),
            after=len(wanted_keys),
            removing=len(removing),
            fingerprint=fingerprint(wanted_keys),
        )
    stamp = now_iso()
    total = len(wanted)
    for done, (occurrence, values) in enumerate(wanted, start=1):
        old = existing.get((occurrence.uid, occurrence.recurrence_id))
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
    for key in removing:
        row = existing[key]
        db.execute(f"DELETE FROM {target.table} WHERE id = ?", [row["id"]])
        tx.delete(target.kind, str(row["id"]))
        report.removed += 1
    if report.changed:
        tx.audit(f"{target.kind}.import", "calendar", source, report.counts())
