"""One import of one feed's text into events or bookings: check, expand, then one transaction.

Everything that can be wrong with the feed is found before the transaction starts, and the transaction
is all or nothing, so a refused feed leaves the database exactly as it was. An event that cannot be read
is not a refusal (unless strict): it is skipped and reported, and the rest of the feed is imported.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import sqlite_utils

from admin.calendars.apply import Report, apply_bookings, apply_events
from admin.calendars.errors import CalendarError
from admin.calendars.expand import MAX_OCCURRENCES, Window, expand
from admin.calendars.shrink import ShrinkGuard
from admin.content import validate
from admin.store.changes import transaction

Kind = Literal["events", "bookings"]
KINDS: tuple[Kind, ...] = ("events", "bookings")

#: Called as progress(phase, done, total); phase is "expanding" (events in the feed) or "writing" (rows).
PhaseProgress = Callable[[str, int, int], None]


def check_source(source: str) -> str:
    """A source names where rows came from; 'manual' is what staff type in, never a feed."""
    try:
        source = validate.slug(source, "source")
    except validate.Invalid as exc:
        raise CalendarError(str(exc)) from None
    if source == "manual":
        raise CalendarError("source 'manual' is reserved for what staff add by hand; choose another name")
    return source


def require_room(db: sqlite_utils.Database, room: str) -> None:
    if not db.execute("SELECT 1 FROM rooms WHERE slug = ?", [room]).fetchone():
        raise CalendarError(f"no room {room!r} (see `innovatum-admin room list`)")


def import_text(
    db: sqlite_utils.Database,
    actor: str,
    text: str,
    *,
    kind: Kind,
    source: str,
    window: Window,
    room: str | None = None,
    progress: PhaseProgress | None = None,
    cap: int = MAX_OCCURRENCES,
    strict: bool = False,
    guard: ShrinkGuard | None = None,
) -> Report:
    """Import what can be read; unreadable events are skipped and listed in the report (with strict=True
    the first one refuses the whole feed instead, and nothing is written). A guard (polled feeds) raises
    shrink.HeldReply for a reply that would empty or shrink the screens at once, writing nothing."""
    source = check_source(source)
    if kind == "bookings":
        if not room:
            raise CalendarError("a bookings feed needs a room")
        require_room(db, room)
    expanding = (lambda done, total: progress("expanding", done, total)) if progress else None
    writing = (lambda done, total: progress("writing", done, total)) if progress else None
    expanded = expand(text, window, cap=cap, progress=expanding, strict=strict)
    with transaction(db, actor, f"{kind} import-ics {source}") as tx:
        if kind == "bookings":
            assert room is not None
            require_room(db, room)  # again under the write lock: it may have been removed meanwhile
            report = apply_bookings(tx, source, room, expanded, window, writing, guard)
        else:
            report = apply_events(tx, source, expanded, window, writing, guard)
        if strict and report.skipped:  # refused by a content check while the rows were made
            raise report.skipped[0].error()
    report.rev = tx.rev
    return report
