"""Science-center events typed in by staff (`source = 'manual'`); calendar feeds add their own.

Times are stored as ISO 8601 with their Stockholm offset (broker.times.to_iso).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlite_utils

from admin.content import public, sql, validate
from admin.content.listings import Outcome
from admin.content.validate import Invalid
from admin.store.changes import Change, transaction
from broker.times import now_iso

#: Editable fields and their checks; the names are the CLI options (with _), columns and JSON keys.
FIELDS: dict[str, validate.Checker] = {
    "title_sv": validate.text_of(validate.TITLE_MAX, required=True),
    "title_en": validate.text_of(validate.TITLE_MAX),
    "description_sv": validate.text_of(validate.DESCRIPTION_MAX),
    "description_en": validate.text_of(validate.DESCRIPTION_MAX),
    "start": validate.time,
    "end": validate.time,
    "place": validate.text_of(validate.NAME_MAX),
    "audience": validate.text_of(validate.NAME_MAX),
    "registration_url": validate.url,
    "capacity": validate.capacity,
    "full": validate.flag,
    "cancelled": validate.flag,
}

JSON_FIELDS = ("id", *FIELDS, "all_day", "source")


def clean(values: Mapping[str, object]) -> dict[str, Any]:
    cleaned = validate.fields(FIELDS, values, "event")
    for name in ("full", "cancelled"):
        if name in cleaned:
            cleaned[name] = int(cleaned[name])
    return cleaned


def get(db: sqlite_utils.Database, event_id: int) -> dict[str, Any] | None:
    return sql.first(db, "SELECT * FROM events WHERE id = ?", [event_id])


def require(db: sqlite_utils.Database, event_id: int) -> dict[str, Any]:
    row = get(db, event_id)
    if row is None:
        raise Invalid(f"no event with id {event_id}")
    return row


def list_all(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    return list(db.query('SELECT * FROM events ORDER BY start, "end", id'))


def as_json(row: Mapping[str, Any]) -> dict[str, Any]:
    data = {name: row.get(name) for name in JSON_FIELDS}
    for name in ("full", "cancelled", "all_day"):
        data[name] = bool(data[name])
    return data


def insert(
    tx: Change, values: Mapping[str, Any], *, source: str = "manual", source_uid: str | None = None
) -> int:
    """Insert validated values (title_sv, start, end required) and publish; returns the new id."""
    for name in ("title_sv", "start", "end"):
        if not values.get(name):
            raise Invalid(f"{name} is required for a new event")
    validate.end_after_start(values["start"], values["end"])
    stamp = now_iso()
    row: dict[str, Any] = {**values, "source": source, "source_uid": source_uid}
    row.update(created_at=stamp, updated_at=stamp)
    event_id = sql.insert(tx.db, "events", row)
    stored = get(tx.db, event_id)
    assert stored is not None
    tx.record("event", str(event_id), public.event(stored))
    tx.audit("event.add", "event", str(event_id), {k: v for k, v in values.items() if v not in ("", None)})
    return event_id


def update(tx: Change, old: dict[str, Any], values: Mapping[str, Any]) -> bool:
    """Apply validated changes; False (and nothing written) when they change nothing."""
    new = {**old, **values}
    validate.end_after_start(new["start"], new["end"])
    changed = [name for name in values if new[name] != old[name]]
    if not changed:
        return False
    new["updated_at"] = now_iso()
    sql.update(
        tx.db, "events", {name: new[name] for name in [*changed, "updated_at"]}, key="id", value=old["id"]
    )
    tx.record("event", str(old["id"]), public.event(new))
    tx.audit("event.edit", "event", str(old["id"]), {name: values[name] for name in changed})
    return True


def add(db: sqlite_utils.Database, actor: str, values: Mapping[str, object]) -> tuple[int, Outcome]:
    cleaned = clean(values)
    with transaction(db, actor, "event add") as tx:
        event_id = insert(tx, cleaned)
    return event_id, Outcome("added", tx.rev)


def edit(db: sqlite_utils.Database, actor: str, event_id: int, values: Mapping[str, object]) -> Outcome:
    cleaned = clean(values)
    with transaction(db, actor, f"event edit {event_id}") as tx:
        changed = update(tx, require(db, event_id), cleaned)
    return Outcome("changed" if changed else "unchanged", tx.rev)


def remove(db: sqlite_utils.Database, actor: str, event_id: int) -> Outcome:
    with transaction(db, actor, f"event remove {event_id}") as tx:
        old = require(db, event_id)
        db.execute("DELETE FROM events WHERE id = ?", [event_id])
        tx.delete("event", str(event_id))
        tx.audit("event.remove", "event", str(event_id), {"title_sv": old["title_sv"], "start": old["start"]})
    return Outcome("removed", tx.rev)
