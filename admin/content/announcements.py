"""Announcements staff push to the screens: a text (sv, optionally en), a priority, a window, a target.

Retracting publishes a signed tombstone, so the kiosks drop it at once; the row stays (marked retracted)
so `announce list` and the audit log still tell what was shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlite_utils

from admin.content import public, sql, validate
from admin.content.listings import Outcome
from admin.content.validate import Invalid
from admin.store.changes import Change, transaction
from broker import times
from broker.schema import PRIORITIES


def target(value: object) -> str:
    """`all`, `group:G` or `kiosk:K`, where G and K are identifiers as in broker.topics.safe_id."""
    if not isinstance(value, str) or not value:
        raise Invalid("target must be all, group:NAME or kiosk:ID")
    if value == "all":
        return value
    scope, _, name = value.partition(":")
    if scope not in ("group", "kiosk") or not name:
        raise Invalid(f"target {value!r} is not all, group:NAME or kiosk:ID")
    validate.slug(name, f"target {scope}")
    return value


def check_reaches_a_kiosk(db: sqlite_utils.Database, target_value: str) -> None:
    """An announcement aimed at a kiosk or group that does not exist is shown nowhere, silently (an
    emergency among them): refused, naming the kiosks or groups there are. `--force` skips this
    (an announcement prepared before its kiosks are added)."""
    scope, _, name = target_value.partition(":")
    if scope not in ("group", "kiosk"):
        return
    column = '"group"' if scope == "group" else "id"
    known = [row[0] for row in db.execute(f"SELECT DISTINCT {column} FROM kiosks ORDER BY 1").fetchall()]
    if name not in known:
        listing = ", ".join(known[:20]) + (" ..." if len(known) > 20 else "") if known else "none yet"
        raise Invalid(
            f"target {target_value!r} matches no kiosk (known {scope}s: {listing}); "
            "use --force to push it anyway"
        )


def clean(values: Mapping[str, object]) -> dict[str, Any]:
    """Validate a new announcement: text, en, priority, from, until, target (the CLI's names)."""
    priority = values.get("priority")
    if priority not in PRIORITIES:
        raise Invalid(f"priority must be one of {', '.join(PRIORITIES)}, not {priority!r}")
    start = validate.time(values["from"], "from") if values.get("from") else None
    until = validate.time(values["until"], "until") if values.get("until") else None
    if start and until:
        validate.end_after_start(start, until, what="until")
    if until and times.parse_iso(until) <= times.now():
        raise Invalid(f"until {until} is already in the past")
    return {
        "text_sv": validate.text(values.get("text"), "text", validate.ANNOUNCEMENT_MAX, required=True),
        "text_en": validate.text(values.get("en"), "en", validate.ANNOUNCEMENT_MAX),
        "priority": priority,
        "start": start,
        "until": until,
        "target": target(values.get("target", "all")),
    }


def get(db: sqlite_utils.Database, announcement_id: int) -> dict[str, Any] | None:
    return sql.first(db, "SELECT * FROM announcements WHERE id = ?", [announcement_id])


def list_all(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """All announcements, newest first, each with `shown_by`: the kiosks that acknowledged it."""
    acks: dict[int, list[str]] = {}
    if "announcement_acks" in db.table_names():
        for row in db.query("SELECT announcement_id, kiosk_id FROM announcement_acks ORDER BY kiosk_id"):
            acks.setdefault(row["announcement_id"], []).append(row["kiosk_id"])
    rows = list(db.query("SELECT * FROM announcements ORDER BY id DESC"))
    for row in rows:
        row["shown_by"] = acks.get(row["id"], [])
    return rows


def status(row: Mapping[str, Any], now: datetime | None = None) -> str:
    """retracted, expired, scheduled or active."""
    now = now or times.now()
    if row["retracted"]:
        return "retracted"
    if row["until"] and times.parse_iso(row["until"]) <= now:
        return "expired"
    if row["start"] and times.parse_iso(row["start"]) > now:
        return "scheduled"
    return "active"


def as_json(row: Mapping[str, Any]) -> dict[str, Any]:
    """Keys are the `announce push` option names: text, en, priority, from, until, target."""
    return {
        "id": row["id"],
        "text": row["text_sv"],
        "en": row["text_en"],
        "priority": row["priority"],
        "from": row["start"],
        "until": row["until"],
        "target": row["target"],
        "status": status(row),
        "retracted": bool(row["retracted"]),
        "created_by": row["created_by"],
        "created_at": row["created_at"],
        "shown_by": list(row.get("shown_by", [])),
    }


def insert(tx: Change, values: Mapping[str, Any]) -> int:
    row = {**values, "retracted": 0, "created_by": tx.actor, "created_at": times.now_iso()}
    announcement_id = sql.insert(tx.db, "announcements", row)
    row["id"] = announcement_id
    tx.record("announcement", str(announcement_id), public.announcement(row))
    tx.audit("announce.push", "announcement", str(announcement_id), dict(values))
    return announcement_id


def push(
    db: sqlite_utils.Database, actor: str, values: Mapping[str, object], *, force: bool = False
) -> tuple[int, Outcome]:
    cleaned = clean(values)
    if not force:
        check_reaches_a_kiosk(db, cleaned["target"])
    with transaction(db, actor, f"announce push ({cleaned['priority']})") as tx:
        announcement_id = insert(tx, cleaned)
    return announcement_id, Outcome("added", tx.rev)


def retract(db: sqlite_utils.Database, actor: str, announcement_id: int) -> Outcome:
    with transaction(db, actor, f"announce retract {announcement_id}") as tx:
        row = get(db, announcement_id)
        if row is None:
            raise Invalid(f"no announcement with id {announcement_id}")
        if row["retracted"]:
            raise Invalid(f"announcement {announcement_id} is already retracted")
        db.execute("UPDATE announcements SET retracted = 1 WHERE id = ?", [announcement_id])
        tx.delete("announcement", str(announcement_id))
        tx.audit("announce.retract", "announcement", str(announcement_id))
    return Outcome("removed", tx.rev)
