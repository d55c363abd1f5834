"""The replica's tables. The UI reads `records` (deleted = 0), `search` and `directory`; only the sync
client writes."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from kiosk.replica import directory

SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    rev INTEGER NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,   -- tombstones stay, so an older replayed version stays stale
    data TEXT,                            -- the record's JSON (same fields as `innovatum-admin --json`)
    PRIMARY KEY (kind, key)
);
CREATE INDEX IF NOT EXISTS records_kind ON records(kind, deleted);
-- Full-text search over tenants and partners; diacritics-insensitive so 'hogskolan' finds 'Högskolan'.
CREATE VIRTUAL TABLE IF NOT EXISTS search USING fts5(
    kind UNINDEXED, key UNINDEXED, name, body,
    tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3'
);
-- A stable rowid for each searchable record, so `search` rows are replaced by rowid (kind and key are
-- UNINDEXED in fts5: deleting by them would scan the whole index on every edit).
CREATE TABLE IF NOT EXISTS search_ids (
    id INTEGER PRIMARY KEY, kind TEXT NOT NULL, key TEXT NOT NULL, UNIQUE (kind, key)
);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS dropped (reason TEXT PRIMARY KEY, count INTEGER NOT NULL);
-- A snapshot being assembled from retained state messages during bootstrap/recovery; invisible to the UI.
CREATE TABLE IF NOT EXISTS staging (
    kind TEXT NOT NULL, key TEXT NOT NULL, rev INTEGER NOT NULL, deleted INTEGER NOT NULL, data TEXT,
    PRIMARY KEY (kind, key)
);
"""

SCHEMA += directory.SCHEMA

SEARCHABLE_KINDS = ("tenant", "partner")

#: SQLite page cache per connection, in KiB.
PAGE_CACHE_KIB = 512


def connect(path: Path, *, readonly: bool = False) -> sqlite3.Connection:
    """WAL lets the UI read a consistent snapshot while the sync client commits the next one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if readonly:
        conn = sqlite3.connect(
            f"file:{path}?mode=ro", uri=True, isolation_level=None, check_same_thread=False, timeout=10.0
        )
    else:
        conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=10.0)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.executescript(SCHEMA)
        directory.migrate(conn, SEARCHABLE_KINDS)
    conn.execute("PRAGMA busy_timeout = 10000")
    # SQLite's own page cache is 2 MiB per connection by default; a kiosk has two (the screen's and
    # the sync client's) and an 80 MB budget, and the kernel caches the file anyway: a page SQLite
    # no longer holds costs a read() from memory, not from the SD card.
    conn.execute(f"PRAGMA cache_size = -{PAGE_CACHE_KIB}")
    return conn
