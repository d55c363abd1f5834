"""Polling the subscribed feeds: what `innovatum-admin serve` runs from a background thread.

A feed that fails (unreachable, HTML instead of iCalendar, a broken structure) keeps its last good
data: the import is all or nothing, so nothing of it is applied, and the error is recorded for
`calendar list` and `calendar status` (with how many polls in a row have failed). An unreadable event is
not a failure: it is skipped, its earlier version stays, and the poll's log lines and the feed's status
name it. A reply that would empty or shrink the screens at once is held back (shrink.py). Nothing a feed
does can raise out of `poll_due_feeds`.

ETag / Last-Modified are sent only when the last successful import was today: the import window starts
today, so on a new day the feed is read again in full even if it has not changed, otherwise an endless
weekly rule would stop producing occurrences once its first window had passed. For a server that sends
neither, the same rule applies to the SHA-256 of the text: identical text on the same day is not
parsed again.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import sqlite_utils

from admin.calendars import feeds
from admin.calendars.apply import Report
from admin.calendars.errors import CalendarError
from admin.calendars.expand import Window
from admin.calendars.fetch import TIMEOUT, fetch
from admin.calendars.importer import import_text
from admin.calendars.shrink import HeldReply, ShrinkGuard
from admin.store import db as store_db
from broker.times import STOCKHOLM, now, parse_iso

log = logging.getLogger(__name__)

ACTOR = "calendar-poller"


@dataclass(frozen=True)
class PollResult:
    feed: str
    status: str  # "imported", "not-modified", "held" or "failed"
    report: Report | None = None
    error: str | None = None  # for "failed": what went wrong; for "held": why

    def describe(self) -> str:
        if self.status == "imported" and self.report is not None:
            return f"{self.feed}: {self.report.summary()}"
        if self.status == "not-modified":
            return f"{self.feed}: not modified since the last poll"
        if self.status == "held":
            return f"{self.feed}: {held_message(self.feed, self.error or '')}"
        return f"{self.feed}: {self.error}"

    def problems(self) -> list[str]:
        """One line per warning and per skipped event of this poll's import."""
        if self.report is None:
            return []
        lines = [f"{self.feed}: {notice.describe()}" for notice in self.report.notices]
        return lines + [
            f"{self.feed}: event skipped: {skipped.describe()}" for skipped in self.report.skipped
        ]


def held_message(name: str, reason: str) -> str:
    return (
        f"reply held back, the last good data stays: {reason}; it is taken if the next poll says the "
        f"same, or now with `innovatum-admin calendar accept {name}`"
    )


def poll_feed(
    db: sqlite_utils.Database,
    feed: feeds.Feed,
    *,
    actor: str = ACTOR,
    at: datetime | None = None,
    today: date | None = None,
    timeout: float = TIMEOUT,
    accept: bool = False,
) -> PollResult:
    """Fetch and import one feed now, recording the outcome in its `calendars` row. Never raises for
    anything the feed or the network does (only for a database that cannot record it). accept=True
    takes the reply even if it empties or shrinks the screens (`calendar accept`)."""
    at = at or now()
    today = today or at.date()
    conditional = feed.last_ok is not None and parse_iso(feed.last_ok).astimezone(STOCKHOLM).date() == today
    try:
        fetched = fetch(
            feed.url,
            etag=feed.etag if conditional else None,
            last_modified=feed.last_modified if conditional else None,
            timeout=timeout,
        )
        if fetched.text is None:
            feeds.record_not_modified(db, feed.name, at)
            return PollResult(feed.name, "not-modified")
        digest = hashlib.sha256(fetched.text.encode("utf-8")).hexdigest()
        if conditional and digest == feed.digest:
            # Same text as today's import, from a server without ETag/Last-Modified: skip the
            # seconds of parsing a large feed costs on a small admin node.
            feeds.record_not_modified(db, feed.name, at)
            return PollResult(feed.name, "not-modified")
        report = import_text(
            db,
            actor,
            fetched.text,
            kind=feed.kind,
            source=feed.name,
            room=feed.room,
            window=Window.ahead(today, feed.days),
            guard=None if accept else ShrinkGuard(feed.max_drop, confirmed=feed.held_fingerprint),
        )
    except HeldReply as held:
        feeds.record_held(db, feed.name, at, held.reason, held.fingerprint)
        return PollResult(feed.name, "held", error=held.reason)
    except CalendarError as exc:
        error = str(exc)
    except Exception as exc:  # a bug must not take serve down; it is recorded and logged instead
        log.exception("calendar feed %s: unexpected error", feed.name)
        error = f"unexpected error: {type(exc).__name__}: {exc}"
    else:
        feeds.record_success(
            db,
            feed.name,
            at,
            report=report,
            etag=fetched.etag,
            last_modified=fetched.last_modified,
            digest=digest,
        )
        return PollResult(feed.name, "imported", report)
    feeds.record_failure(db, feed.name, at, error)
    return PollResult(feed.name, "failed", error=error)


def poll_due_feeds(db_path: Path) -> None:
    """Poll every feed whose interval has elapsed. Called every ~30 s by `serve`; never raises."""
    try:
        db = store_db.connect(db_path)
    except Exception as exc:  # every 30 s: one line each time, not a traceback
        log.error("calendar polling: cannot open %s: %s", db_path, exc)
        return
    try:
        for feed in feeds.all_feeds(db):
            at = now()
            if not feed.due(at):
                continue
            try:
                result = poll_feed(db, feed, at=at)
            except Exception:  # e.g. the database is locked past its timeout: try again next round
                log.exception("calendar feed %s: could not record the poll", feed.name)
                continue
            # serve's log is where an operator looks when a screen shows something odd.
            if result.status == "failed":
                log.warning("calendar feed %s failed: %s", feed.name, result.error)
            elif result.status == "held":
                log.warning("calendar feed %s", result.describe())
            else:
                for line in result.problems():
                    log.warning("calendar feed %s", line)
                log.info("calendar feed %s", result.describe())
            for overlap in result.report.overlaps if result.report else ():
                log.warning("calendar feed %s: %s", feed.name, overlap.describe())
    except Exception:
        log.exception("calendar polling failed")
    finally:
        db.close()
