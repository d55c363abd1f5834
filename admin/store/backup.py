"""Backing up the admin database, and restoring a backup so that every kiosk follows.

A backup is a plain SQLite file made with SQLite's online backup API: consistent even while `serve`
and other `innovatum-admin` processes write (it copies one snapshot of the pages, restarting when a
writer changes a page mid-copy), and a database in its own right.

A restore cannot put the old file back in place: kiosks refuse any revision older than the one they
applied (anti-rollback), so the old revisions would simply be ignored. Instead a restore moves
*forward*: in one `BEGIN IMMEDIATE` transaction it replaces the content tables with the backup's rows
and writes one new revision that carries every record whose published state differs between now and
the backup (an upsert for what the backup has, a signed tombstone for what it does not). `serve`
publishes that revision like any edit; kiosks apply it like any edit, or, if they missed it, recover
from the retained state, which the revision updated too. Afterwards the admin node's `sync_state`
equals the backup's (revision numbers aside), so the kiosks show exactly the backed-up content.

What is not restored, because it describes the installation rather than the content, and going back
would break what works now: the revision history (`revisions`, `outbox`, `sync_state` move forward),
the kiosks and broker accounts (a kiosk added since the backup keeps its password), announcement
acknowledgements, the audit log (the restore is appended to it), and the migration bookkeeping.
Every other table, including ones later migrations add, is content and is restored.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from admin.store.changes import transaction
from admin.store.db import connect

#: Tables that describe the installation, not the content (see the module docstring).
KEPT_TABLES = frozenset(
    {
        "revisions",
        "outbox",
        "sync_state",
        "kiosks",
        "broker_accounts",
        "announcement_acks",
        "audit",
        "migrations",
        "sqlite_sequence",
    }
)
#: SQLite's online backup copies this many pages per step, so a writer is never blocked for long.
PAGES_PER_STEP = 1024


class BackupError(Exception):
    """A backup that cannot be written or a file that cannot be restored; the message is for people."""


def backup(db: sqlite_utils.Database, out: Path) -> Path:
    """Write a consistent copy of `db` to `out` (mode 0600: it holds broker passwords), atomically."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        os.chmod(tmp, 0o600)
        target = sqlite3.connect(tmp)
        try:
            db.conn.backup(target, pages=PAGES_PER_STEP)
            # The copy is a standalone file: no WAL beside it to lose when it is moved or mailed.
            target.execute("PRAGMA journal_mode = DELETE")
        finally:
            target.close()
        os.replace(tmp, out)
    except (OSError, sqlite3.Error) as exc:
        tmp.unlink(missing_ok=True)
        raise BackupError(f"cannot write the backup {out}: {exc}") from None
    return out


@dataclass(frozen=True)
class Restored:
    rev: int | None  # the new revision, None when the backup equals what is published now
    upserts: int
    deletions: int
    tables: tuple[str, ...]


def _open_backup(path: Path, work: Path) -> Path:
    """A migrated private copy of the backup (an older backup gains the newer tables), checked."""
    copy = work / "backup.db"
    try:
        with path.open("rb") as handle:
            if handle.read(16) != b"SQLite format 3\x00":
                raise BackupError(f"{path} is not an SQLite database")
        shutil.copyfile(path, copy)
        conn = sqlite3.connect(copy)
        try:
            names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            conn.close()
    except OSError as exc:
        raise BackupError(f"cannot read {path}: {exc.strerror or exc}") from None
    except sqlite3.Error as exc:
        raise BackupError(f"{path} is not a readable database: {exc}") from None
    if not {"sync_state", "revisions", "tenants"} <= names:
        raise BackupError(f"{path} is not an innovatum-admin backup (no sync_state table)")
    try:
        connect(copy).close()
    except Exception as exc:
        raise BackupError(f"{path} cannot be brought up to this version's schema: {exc}") from None
    return copy


def _content_tables(db: sqlite_utils.Database) -> list[str]:
    rows = db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
    ).fetchall()
    # Virtual tables (full-text search) and their shadow tables are rebuilt by their owners' triggers.
    virtual = {
        row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE sql LIKE 'CREATE VIRTUAL TABLE%'")
    }
    shadow = tuple(f"{name}_" for name in virtual)
    return [name for (name,) in rows if name not in KEPT_TABLES | virtual and not name.startswith(shadow)]


def _columns(db: sqlite_utils.Database, schema: str, table: str) -> list[str]:
    return [row[1] for row in db.execute(f'PRAGMA "{schema}".table_info("{table}")').fetchall()]


def restore(db: sqlite_utils.Database, path: Path, *, actor: str) -> Restored:
    """Bring the content back to the backup's, as one new revision (see the module docstring)."""
    with tempfile.TemporaryDirectory(prefix="innovatum-restore-") as work:
        copy = _open_backup(path, Path(work))
        db.execute("ATTACH DATABASE ? AS backup", (str(copy),))
        try:
            return _restore_attached(db, path, actor)
        finally:
            db.execute("DETACH DATABASE backup")


def _restore_attached(db: sqlite_utils.Database, path: Path, actor: str) -> Restored:
    tables = _content_tables(db)
    upserts = deletions = 0
    with transaction(db, actor=actor, summary=f"restore {path.name}") as tx:
        # Foreign keys (bookings → rooms) are checked at COMMIT, when both sides are back.
        db.execute("PRAGMA defer_foreign_keys = ON")
        for table in tables:
            ours = _columns(db, "main", table)
            theirs = set(_columns(db, "backup", table))
            shared = ", ".join(f'"{c}"' for c in ours if c in theirs)
            db.execute(f'DELETE FROM main."{table}"')
            if shared:
                db.execute(f'INSERT INTO main."{table}" ({shared}) SELECT {shared} FROM backup."{table}"')
        wanted = {
            (kind, key): (op, data)
            for kind, key, op, data in db.execute("SELECT kind, key, op, data FROM backup.sync_state")
        }
        published = db.execute("SELECT kind, key, op FROM main.sync_state WHERE op = 'upsert'").fetchall()
        for (kind, key), (op, data) in sorted(wanted.items()):
            if op == "upsert" and data is not None:
                upserts += tx.record(kind, key, json.loads(data))
            else:
                deletions += tx.delete(kind, key)
        for kind, key, _op in published:
            if (kind, key) not in wanted:
                deletions += tx.delete(kind, key)
        tx.audit("restore", detail={"file": str(path), "tables": tables})
    return Restored(tx.rev, upserts, deletions, tuple(tables))
