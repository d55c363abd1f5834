"""The three SQL statements every content table needs, written once: read one row, insert a row,
update some columns of a row.

Table and column names come from this package's own field lists, never from input. Column names are
always quoted, because some of them ("end", "full") are SQL keywords.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import sqlite_utils


def _quoted(names: Iterable[str]) -> str:
    return ", ".join(f'"{name}"' for name in names)


def first(db: sqlite_utils.Database, query: str, params: Sequence[Any]) -> dict[str, Any] | None:
    """The first row of a query (by key: the only one), or None."""
    rows = list(db.query(query, params))  # read to the end, so no statement is left open
    return rows[0] if rows else None


def insert(db: sqlite_utils.Database, table: str, row: Mapping[str, Any]) -> int:
    """Insert one row; returns its rowid (the `id` of tables that have one)."""
    marks = ", ".join("?" for _ in row)
    cursor = db.execute(f"INSERT INTO {table} ({_quoted(row)}) VALUES ({marks})", list(row.values()))
    return int(cursor.lastrowid or 0)


def update(
    db: sqlite_utils.Database, table: str, changes: Mapping[str, Any], *, key: str, value: object
) -> None:
    """Set the `changes` columns of the row whose `key` column equals `value`."""
    assignments = ", ".join(f'"{name}" = ?' for name in changes)
    db.execute(f"UPDATE {table} SET {assignments} WHERE {key} = ?", [*changes.values(), value])
