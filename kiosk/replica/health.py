"""A damaged replica file is moved aside and rebuilt from the broker, never left to keep a screen dark.

The replica is a cache: everything in it can be fetched again from the broker's retained state (a
new kiosk does exactly that). So when SQLite cannot open it, when `PRAGMA quick_check` or the search
index's own integrity check fails at start, or when a read or write fails with a corruption error
while running, the file (with its WAL and shared-memory files) is renamed to `<name>.damaged` for
diagnosis, replacing any older damaged copy (at most one is kept: an SD card that keeps failing must
not fill up), and a fresh replica bootstraps from the broker.

Invariants: only the sync client (the replica's one writer) moves the file; `innovatum-kiosk dump`
reports a damaged file and changes nothing.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
from pathlib import Path

log = logging.getLogger(__name__)

#: SQLite's primary result codes for a damaged file (the low byte of an extended code).
SQLITE_CORRUPT = 11
SQLITE_NOTADB = 26
DAMAGED_SUFFIX = ".damaged"
_COMPANIONS = ("", "-wal", "-shm")


def is_corruption(exc: BaseException | None) -> bool:
    """Whether an exception says the database file is damaged (not busy, not full, not a bug)."""
    if not isinstance(exc, sqlite3.DatabaseError):
        return False
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int) and code & 0xFF in (SQLITE_CORRUPT, SQLITE_NOTADB):
        return True
    text = str(exc).lower()
    return "malformed" in text or "not a database" in text or "corrupt" in text


def damage(path: Path) -> str | None:
    """Why the replica file cannot be trusted, or None when it is sound (or does not exist yet)."""
    if not path.exists():
        return None
    try:
        conn = sqlite3.connect(str(path), isolation_level=None, timeout=10.0)
    except sqlite3.Error as exc:
        return str(exc)
    try:
        rows = conn.execute("PRAGMA quick_check").fetchall()
        if [tuple(row) for row in rows] != [("ok",)]:
            return "quick_check: " + "; ".join(str(row[0]) for row in rows[:3])
        has_search = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'search'"
        ).fetchone()
        if has_search:
            # quick_check sees the b-trees, not whether the full-text index agrees with its rows.
            conn.execute("INSERT INTO search(search) VALUES ('integrity-check')")
    except sqlite3.Error as exc:
        return str(exc)
    finally:
        conn.close()
    return None


def move_aside(path: Path) -> Path:
    """Rename the file and its WAL/SHM to `<name>.damaged`, replacing an older damaged copy."""
    target = path.with_name(path.name + DAMAGED_SUFFIX)
    for suffix in _COMPANIONS:
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    for suffix in _COMPANIONS:
        source = Path(f"{path}{suffix}")
        if source.exists():
            os.replace(source, f"{target}{suffix}")
    return target


def inode(path: Path) -> int | None:
    try:
        return path.stat().st_ino
    except OSError:
        return None


def reopen_if_replaced(
    path: Path, conn: sqlite3.Connection, opened: int | None
) -> tuple[sqlite3.Connection, int | None]:
    """The screen's read-only connection, opened again when the file was replaced by a rebuild."""
    now = inode(path)
    if now is None or now == opened:
        return conn, opened
    from kiosk.replica.schema import connect  # schema imports nothing of ours; kept local for clarity

    try:
        fresh = connect(path, readonly=True)
    except sqlite3.Error:
        return conn, opened
    with contextlib.suppress(sqlite3.Error):
        conn.close()
    return fresh, now


def ensure_sound(path: Path) -> None:
    """At start: move a damaged replica aside (one log line) so a fresh one bootstraps."""
    why = damage(path)
    if why is not None:
        moved = move_aside(path)
        log.error("replica %s is damaged (%s): moved to %s; rebuilding from the broker", path, why, moved)
