"""The fleet monitor: kiosk status and announcement acknowledgements, from the broker into the database.

Status and acks are not signed (the broker's ACL is what stops a kiosk speaking for another), and they
are not content: writing them creates no revision. Anything malformed is ignored with a log line; a
kiosk the admin node does not know (removed, or a retained status left behind) is ignored too.

Everything in them is untrusted input to the admin's terminal (a kiosk's credentials are enough to
send one): each field is checked for type and range (integers SQLite can store, a finite uptime, a
time in the sane range), texts lose their control characters (admin.content.validate.printable),
and a field that fails is treated as absent, so `innovatum-admin kiosks` and its `--json` (RFC 8259)
show only what is sound.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlite_utils

from admin.content import validate
from broker import topics
from broker.times import in_sane_range, now, now_iso, parse_iso, to_iso

log = logging.getLogger(__name__)

#: Kiosks publish their status every 30 s; three missed reports make a kiosk stale.
STATUS_INTERVAL_SECONDS = 30
STALE_AFTER = timedelta(seconds=3 * STATUS_INTERVAL_SECONDS)
#: A kiosk that came online this many times within FLAP_WINDOW has a flapping connection (a bad link,
#: two processes sharing its account, a restart loop): flagged, never shown as healthy.
FLAP_CONNECTS = 3
FLAP_WINDOW = timedelta(minutes=10)
#: How many connection times are kept per kiosk (enough to judge the window).
CONNECTS_KEPT = 10


def _json_object(payload: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):  # ValueError: also a 5,000-digit number
        return None
    return value if isinstance(value, dict) else None


#: What SQLite can store in an INTEGER column.
MAX_INT = (1 << 63) - 1
#: Ten years: a longer uptime is a lie, and a float beyond it (or inf) must not reach the table.
MAX_UPTIME_SECONDS = 10 * 365 * 86400.0
TEXT_LIMIT = 64


def _int(value: Any) -> int | None:
    ok = isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_INT
    return value if ok else None


def _uptime(value: Any) -> float | None:
    if not isinstance(value, int | float) or isinstance(value, bool):
        return None
    number = float(value)
    return number if math.isfinite(number) and 0 <= number <= MAX_UPTIME_SECONDS else None


def _text(value: Any) -> str | None:
    return validate.printable(value, TEXT_LIMIT) if isinstance(value, str) else None


def _time(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = parse_iso(value)
        return to_iso(parsed) if in_sane_range(parsed) else None
    except (ValueError, OverflowError):
        return None


def record_status(db: sqlite_utils.Database, kiosk_id: str, payload: bytes, *, retained: bool) -> bool:
    """Store a kiosk's status report. Returns False when it was ignored."""
    body = _json_object(payload)
    if body is None or not isinstance(body.get("online"), bool):
        log.warning("ignored a malformed status from %r", kiosk_id)
        return False
    # A retained report is as old as it says; a live one is seen now (kiosk clocks may drift).
    seen = _time(body.get("at")) if retained else now_iso()
    uptime = body.get("uptime")
    screen, version = body.get("screen"), body.get("version")
    complete = body.get("complete")
    row = db.execute("SELECT online, connects FROM kiosks WHERE id = ?", (kiosk_id,)).fetchone()
    if row is None:
        return False
    connects = _connects(row[1])
    if body["online"] and not row[0] and not retained:  # it came (back) online just now
        connects = [*connects, now_iso()][-CONNECTS_KEPT:]
    cursor = db.execute(
        "UPDATE kiosks SET online = ?, applied_rev = COALESCE(?, applied_rev), "
        "version = COALESCE(?, version), uptime = COALESCE(?, uptime), screen = COALESCE(?, screen), "
        "last_seen = COALESCE(?, last_seen), complete = COALESCE(?, complete), connects = ? WHERE id = ?",
        (
            int(body["online"]),
            _int(body.get("applied_rev")),
            _text(version),
            _uptime(uptime),
            _text(screen),
            seen,
            int(complete) if isinstance(complete, bool) else None,
            json.dumps(connects),
            kiosk_id,
        ),
    )
    return cursor.rowcount > 0


def _connects(text: str) -> list[str]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return []
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def _recent(connects: list[str], at: datetime) -> int:
    count = 0
    for item in connects:
        try:
            if at - parse_iso(item) <= FLAP_WINDOW:
                count += 1
        except ValueError:
            continue
    return count


def record_ack(db: sqlite_utils.Database, kiosk_id: str, payload: bytes) -> bool:
    """A kiosk showed an announcement. The first acknowledgement per kiosk is kept."""
    body = _json_object(payload)
    announcement_id = _int(body.get("announcement")) if body else None
    if body is None or announcement_id is None:
        log.warning("ignored a malformed acknowledgement from %r", kiosk_id)
        return False
    known = db.execute(
        "SELECT (SELECT 1 FROM kiosks WHERE id = ?) AND (SELECT 1 FROM announcements WHERE id = ?)",
        (kiosk_id, announcement_id),
    ).fetchone()[0]
    if not known:
        return False
    db.execute(
        "INSERT OR IGNORE INTO announcement_acks (announcement_id, kiosk_id, shown_at) VALUES (?, ?, ?)",
        (announcement_id, kiosk_id, _time(body.get("at")) or now_iso()),
    )
    return True


def handle(db: sqlite_utils.Database, topic: str, payload: bytes, *, retained: bool) -> bool:
    """Route a status/ack message; each write is its own short transaction (autocommit)."""
    kiosk_id = topics.last_level(topic)
    if topic == topics.status(kiosk_id):
        return record_status(db, kiosk_id, payload, retained=retained)
    if topic == topics.ack(kiosk_id):
        return record_ack(db, kiosk_id, payload)
    return False


# --- reading the fleet for `innovatum-admin kiosks` ------------------------------------------------


@dataclass(frozen=True)
class KioskState:
    id: str
    group: str
    location: str
    online: bool
    applied_rev: int | None
    lag: int | None
    version: str
    uptime: float | None
    screen: str
    last_seen: str | None
    stale: bool
    #: What the kiosk last reported about its replica; None if it never said.
    complete: bool | None = None
    #: Connections begun within FLAP_WINDOW.
    recent_connects: int = 0

    @property
    def flapping(self) -> bool:
        return self.recent_connects >= FLAP_CONNECTS

    @property
    def behind(self) -> bool:
        """Online, but its replica says it does not hold the admin's current state (e.g. a full disk)."""
        return self.online and self.complete is False

    @property
    def health(self) -> str:
        """One word for the table: the worst thing known about the kiosk."""
        if not self.online:
            return "offline"
        if self.stale:
            return "STALE"
        if self.flapping:
            return "FLAPPING"
        if self.behind:
            return "BEHIND"
        return "online"

    #: The last answer to a remote command (admin.sync.remote).
    last_answer: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "group": self.group,
            "location": self.location,
            "online": self.online,
            "applied_rev": self.applied_rev,
            "lag": self.lag,
            "version": self.version,
            "uptime": self.uptime,
            "screen": self.screen,
            "last_seen": self.last_seen,
            "stale": self.stale,
            "complete": self.complete,
            "recent_connects": self.recent_connects,
            "flapping": self.flapping,
            "behind": self.behind,
            "health": self.health,
            "last_answer": self.last_answer,
        }


def fleet(db: sqlite_utils.Database, at: datetime | None = None) -> list[KioskState]:
    """Every kiosk with its lag behind the admin's newest revision; a silent online kiosk is stale."""
    at = at or now()
    head = int(db.execute("SELECT COALESCE(MAX(rev), 0) FROM revisions").fetchone()[0])
    result = []
    for row in db.execute(
        'SELECT id, "group", location, online, applied_rev, version, uptime, screen, last_seen, '
        "complete, connects, last_answer FROM kiosks ORDER BY id"
    ).fetchall():
        kiosk_id, group, location, online, applied, version, uptime, screen, last_seen = row[:9]
        complete, connects, answer = row[9:]
        silent = last_seen is None or at - parse_iso(last_seen) > STALE_AFTER
        result.append(
            KioskState(
                kiosk_id,
                group,
                location,
                bool(online),
                applied,
                head - applied if applied is not None else None,
                _text(version) or "",
                _uptime(uptime),  # rows stored before these checks existed are read through them too
                _text(screen) or "",
                last_seen,
                bool(online) and silent,
                None if complete is None else bool(complete),
                _recent(_connects(connects), at),
                answer,
            )
        )
    return result
