"""The fleet monitor: kiosk status and announcement acknowledgements, from the broker into the database.

Status and acks are not signed (the broker's ACL is what stops a kiosk speaking for another), and they
are not content: writing them creates no revision. Anything malformed is ignored with a log line; a
kiosk the admin node does not know (removed, or a retained status left behind) is ignored too.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlite_utils

from broker import topics
from broker.times import now, now_iso, parse_iso, to_iso

log = logging.getLogger(__name__)

#: Kiosks publish their status every 30 s; three missed reports make a kiosk stale.
STATUS_INTERVAL_SECONDS = 30
STALE_AFTER = timedelta(seconds=3 * STATUS_INTERVAL_SECONDS)


def _json_object(payload: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    return value if isinstance(value, dict) else None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _time(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        return to_iso(parse_iso(value))
    except ValueError:
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
    cursor = db.execute(
        "UPDATE kiosks SET online = ?, applied_rev = COALESCE(?, applied_rev), "
        "version = COALESCE(?, version), uptime = COALESCE(?, uptime), screen = COALESCE(?, screen), "
        "last_seen = COALESCE(?, last_seen) WHERE id = ?",
        (
            int(body["online"]),
            _int(body.get("applied_rev")),
            version[:64] if isinstance(version, str) else None,
            float(uptime) if isinstance(uptime, int | float) and not isinstance(uptime, bool) else None,
            screen[:64] if isinstance(screen, str) else None,
            seen,
            kiosk_id,
        ),
    )
    return cursor.rowcount > 0


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
    last_answer: str | None = None  # the last answer to a remote command (admin.sync.remote)

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
            "last_answer": self.last_answer,
        }


def fleet(db: sqlite_utils.Database, at: datetime | None = None) -> list[KioskState]:
    """Every kiosk with its lag behind the admin's newest revision; a silent online kiosk is stale."""
    at = at or now()
    head = int(db.execute("SELECT COALESCE(MAX(rev), 0) FROM revisions").fetchone()[0])
    result = []
    for row in db.execute(
        'SELECT id, "group", location, online, applied_rev, version, uptime, screen, last_seen, '
        "last_answer FROM kiosks ORDER BY id"
    ).fetchall():
        kiosk_id, group, location, online, applied, version, uptime, screen, last_seen, answer = row
        silent = last_seen is None or at - parse_iso(last_seen) > STALE_AFTER
        result.append(
            KioskState(
                kiosk_id,
                group,
                location,
                bool(online),
                applied,
                head - applied if applied is not None else None,
                version,
                uptime,
                screen,
                last_seen,
                bool(online) and silent,
                answer,
            )
        )
    return result
