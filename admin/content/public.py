"""The public form of each record: exactly what is replicated to the kiosks.

Private booking titles and organisers never leave the admin node; logos travel as their own records,
so a text edit does not resend an image.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from admin.store.changes import Change

_LISTING_FIELDS = (
    "slug",
    "name",
    "description_sv",
    "description_en",
    "category",
    "category_en",
    "floor",
    "room",
    "website",
    "contact",
    "hiring_url",
)


def _listing(row: dict[str, Any]) -> dict[str, Any]:
    data = {name: row.get(name) for name in _LISTING_FIELDS}
    data["tags"] = json.loads(row.get("tags") or "[]")
    data["hiring"] = bool(row.get("hiring"))
    data["visible"] = bool(row.get("visible", 1))
    data["demo"] = bool(row.get("demo"))
    data["has_logo"] = row.get("logo") is not None
    return data


def tenant(row: dict[str, Any]) -> dict[str, Any]:
    return _listing(row)


def partner(row: dict[str, Any]) -> dict[str, Any]:
    extra = {name: row.get(name) or "" for name in ("kind", "kind_en", "address", "hours_sv", "hours_en")}
    return {**_listing(row), **extra}


def event(row: dict[str, Any]) -> dict[str, Any]:
    fields = (
        "id",
        "title_sv",
        "title_en",
        "description_sv",
        "description_en",
        "start",
        "end",
        "place",
        "audience",
        "registration_url",
        "capacity",
        "source",
    )
    data = {name: row.get(name) for name in fields}
    data["all_day"] = bool(row.get("all_day"))
    data["full"] = bool(row.get("full"))
    data["cancelled"] = bool(row.get("cancelled"))
    return data


def room(row: dict[str, Any]) -> dict[str, Any]:
    return {
        name: row.get(name)
        for name in ("slug", "name", "floor", "capacity", "description_sv", "description_en")
    }


def booking(row: dict[str, Any]) -> dict[str, Any]:
    private = bool(row.get("private"))
    return {
        "id": row["id"],
        "room": row["room"],
        "start": row["start"],
        "end": row["end"],
        "private": private,
        "title": "" if private else row.get("title") or "",
        "organiser": "" if private else row.get("organiser") or "",
        "source": row.get("source") or "manual",
    }


def announcement(row: dict[str, Any]) -> dict[str, Any]:
    return {
        name: row.get(name) for name in ("id", "text_sv", "text_en", "priority", "start", "until", "target")
    }


def logo_key(owner_kind: str, slug: str) -> str:
    return f"{owner_kind}:{slug}"


def publish_logo(tx: Change, owner_kind: str, slug: str, png: bytes | None) -> None:
    """Logos are stored normalised (small PNG) and published as their own record."""
    key = logo_key(owner_kind, slug)
    if png is None:
        tx.delete("logo", key)
        return
    tx.record("logo", key, {"owner": key, "mime": "image/png", "data": base64.b64encode(png).decode("ascii")})
