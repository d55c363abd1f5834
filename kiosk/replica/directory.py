"""The directory table: per listing, what the directory screen filters and sorts on.

The replica's writer keeps it in step with `records` in the same transaction (see `ReplicaStore`),
so a keystroke in the directory is one indexed query over ready columns: no JSON parsed, no Swedish
sort key computed, and nothing for the read side to rebuild after a content update. A counter in
`directory_state` moves with every listing written, so the read side knows when its result cache
is stale with one single-row read instead of scanning the listings.
"""

from __future__ import annotations

import json
import sqlite3
import unicodedata
from typing import Any

#: Bump when what a directory row holds (or how `sort_key` orders) changes: `migrate` refills the table.
DIRECTORY_FORMAT = 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS directory (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    search_id INTEGER,              -- the listing's rowid in `search` (search_ids.id)
    visible INTEGER NOT NULL,
    name TEXT NOT NULL,             -- what the list shows: the name, else the key
    name_key TEXT NOT NULL,         -- `sort_key(name)`: Swedish alphabetical order
    category,                       -- the JSON values as they are (no affinity): filters compare exactly
    floor,
    has_website INTEGER NOT NULL,   -- the attract loop features listings a phone can open
    PRIMARY KEY (kind, key)
);
-- Covering: the directory walks it in name order, testing visibility, filters and search hits
-- without reading the table.
CREATE INDEX IF NOT EXISTS directory_order
    ON directory (name_key, name, kind, key, visible, search_id, category, floor);
CREATE INDEX IF NOT EXISTS directory_search ON directory (search_id);
CREATE TABLE IF NOT EXISTS directory_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT OR IGNORE INTO directory_state (id, version) VALUES (1, 0);
"""

UPSERT = (
    "INSERT INTO directory (kind, key, search_id, visible, name, name_key, category, floor, has_website) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (kind, key) DO UPDATE SET "
    "search_id = excluded.search_id, visible = excluded.visible, name = excluded.name, "
    "name_key = excluded.name_key, category = excluded.category, floor = excluded.floor, "
    "has_website = excluded.has_website"
)
DELETE = "DELETE FROM directory WHERE kind = ? AND key = ?"
BUMP = "UPDATE directory_state SET version = version + 1 WHERE id = 1"
VERSION = "SELECT version FROM directory_state WHERE id = 1"

_SWEDISH_ORDER = str.maketrans({"å": "{", "ä": "|", "æ": "|", "ö": "}", "ø": "}"})

DirectoryRow = tuple[str, str, "int | None", int, str, str, Any, Any, int]


def sort_key(name: str) -> str:
    """Swedish alphabetical order: Å, Ä, Ö after Z; other accents sort with their base letter."""
    if name.isascii():  # most names: nothing to translate or decompose
        return name.lower()
    folded = name.casefold().translate(_SWEDISH_ORDER)
    decomposed = unicodedata.normalize("NFKD", folded)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _scalar(value: Any) -> Any:
    """A filterable JSON value (text or number), else NULL: a list or object never equals a filter."""
    return value if isinstance(value, str | int | float) and not isinstance(value, bool) else None


def directory_row(kind: str, key: str, search_id: int | None, data: dict[str, Any]) -> DirectoryRow:
    """The row for one live listing. Hidden listings keep a row (visible = 0) so filters stay exact."""
    visible = data.get("visible", True)
    name = data.get("name")
    website = data.get("website")
    shown = name if isinstance(name, str) and name else key
    return (
        kind,
        key,
        search_id,
        0 if visible is False or (isinstance(visible, int | float) and visible == 0) else 1,
        name if isinstance(name, str) else "",
        sort_key(shown),
        _scalar(data.get("category")),
        _scalar(data.get("floor")),
        1 if isinstance(website, str) and website else 0,
    )


def migrate(conn: sqlite3.Connection, listing_kinds: tuple[str, ...]) -> None:
    """Fill the directory table from `records` when the replica predates this format (or is new).

    Runs when the writer opens the replica; one transaction, so a kiosk killed half way refills next
    time. A record that is not JSON gets no row (the screen skips such records everywhere).
    """
    (current,) = conn.execute("PRAGMA user_version").fetchone()
    if current >= DIRECTORY_FORMAT:
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        # Another connection (the UI's and the sync client's both open the writer) may have filled
        # it while this one waited for the lock.
        (current,) = conn.execute("PRAGMA user_version").fetchone()
        if current >= DIRECTORY_FORMAT:
            conn.execute("ROLLBACK")
            return
        conn.execute("DELETE FROM directory")
        marks = ", ".join("?" for _ in listing_kinds)
        rows = conn.execute(
            "SELECT r.kind, r.key, s.id, r.data FROM records r "
            "LEFT JOIN search_ids s ON s.kind = r.kind AND s.key = r.key "
            f"WHERE r.kind IN ({marks}) AND r.deleted = 0 AND r.data IS NOT NULL",
            listing_kinds,
        ).fetchall()
        entries = []
        for kind, key, search_id, text in rows:
            try:
                data = json.loads(text)
            except ValueError:
                continue
            if isinstance(data, dict):
                entries.append(directory_row(kind, key, search_id, data))
        conn.executemany(UPSERT, entries)
        conn.execute(BUMP)
        conn.execute(f"PRAGMA user_version = {DIRECTORY_FORMAT}")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
