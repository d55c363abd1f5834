"""Reading the audit log: who changed what, when, and in which revision."""

from __future__ import annotations

from typing import Any

import sqlite_utils

JSON_FIELDS = ("id", "at", "actor", "action", "kind", "key", "rev", "detail")


def entries(db: sqlite_utils.Database, *, limit: int | None = None) -> list[dict[str, Any]]:
    """Newest first; `limit` None means all."""
    sql = "SELECT * FROM audit ORDER BY id DESC"
    if limit is not None:
        return list(db.query(sql + " LIMIT ?", [limit]))
    return list(db.query(sql))


def as_json(row: dict[str, Any]) -> dict[str, Any]:
    return {name: row.get(name) for name in JSON_FIELDS}
