"""What the directory search indexes for a tenant or partner: its name, and the rest as the body."""

from __future__ import annotations

from typing import Any

from kiosk.replica.schema import SEARCHABLE_KINDS

#: Fields whose text a visitor may type to find a listing, besides its name.
_BODY_FIELDS = ("category", "tags", "description_sv", "description_en", "room")


def search_entry(kind: str, data: dict[str, Any] | None) -> tuple[str, str] | None:
    """(name, body) for the `search` table, or None when the record must not be findable.

    Hidden listings are left out of the index entirely, so no query can surface them.
    """
    if kind not in SEARCHABLE_KINDS or data is None or data.get("visible") is not True:
        return None
    parts: list[str] = []
    for field in _BODY_FIELDS:
        value = data.get(field)
        if isinstance(value, str):
            parts.append(value)
        elif isinstance(value, list):
            parts.extend(item for item in value if isinstance(item, str))
    name = data.get("name")
    return (name if isinstance(name, str) else "", " ".join(part for part in parts if part))
