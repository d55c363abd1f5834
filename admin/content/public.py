"""The public form of each record: exactly what is replicated to the kiosks, built from the record
kinds in broker/records.py (the wire is the contract): one value per field, from the admin row.

Private booking titles and organisers never leave the admin node; logos travel as their own records,
so a text edit does not resend an image.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping
from typing import Any

from admin.store.changes import Change
from broker.records import (
    ANNOUNCEMENT,
    BLANK_TEXT,
    BOOKING,
    EVENT,
    FLAG,
    LOGO,
    PARTNER,
    ROOM,
    TAGS,
    TENANT,
    Field,
    RecordKind,
)

Row = Mapping[str, Any]

#: Fields the admin computes rather than copies from the row: a logo is its own record, and a private
#: booking's title and organiser never leave the admin node.
COMPUTED: dict[str, dict[str, Callable[[Row], Any]]] = {
    "tenant": {"has_logo": lambda row: row.get("logo") is not None},
    "partner": {"has_logo": lambda row: row.get("logo") is not None},
    "booking": {
        "title": lambda row: "" if _private(row) else row.get("title") or "",
        "organiser": lambda row: "" if _private(row) else row.get("organiser") or "",
        "source": lambda row: row.get("source") or "manual",
    },
}


def _private(row: Row) -> bool:
    return bool(row.get("private", BOOKING.field("private").default))


def _value(field: Field, row: Row) -> Any:
    """A field's wire value from the admin row (broker/records.py says what each type is)."""
    if field.type == FLAG:
        return bool(row.get(field.name, int(field.default)))
    if field.type == TAGS:
        return json.loads(row.get(field.name) or "[]")
    if field.type == BLANK_TEXT:
        return row.get(field.name) or ""
    return row.get(field.name)


def public(kind: RecordKind, row: Row) -> dict[str, Any]:
    """The record of `kind` for a row of the admin database: every field of the kind, in its order."""
    computed = COMPUTED.get(kind.name, {})
    return {
        field.name: computed[field.name](row) if field.name in computed else _value(field, row)
        for field in kind.fields
    }


def tenant(row: Row) -> dict[str, Any]:
    return public(TENANT, row)


def partner(row: Row) -> dict[str, Any]:
    return public(PARTNER, row)


def event(row: Row) -> dict[str, Any]:
    return public(EVENT, row)


def room(row: Row) -> dict[str, Any]:
    return public(ROOM, row)


def booking(row: Row) -> dict[str, Any]:
    return public(BOOKING, row)


def announcement(row: Row) -> dict[str, Any]:
    return public(ANNOUNCEMENT, row)


def logo_key(owner_kind: str, slug: str) -> str:
    return f"{owner_kind}:{slug}"


def publish_logo(tx: Change, owner_kind: str, slug: str, png: bytes | None) -> None:
    """Logos are stored normalised (small PNG) and published as their own record."""
    key = logo_key(owner_kind, slug)
    if png is None:
        tx.delete("logo", key)
        return
    data = {"owner": key, "mime": "image/png", "data": base64.b64encode(png).decode("ascii")}
    tx.record("logo", key, public(LOGO, data))
