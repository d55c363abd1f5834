"""Opening the admin database: WAL, foreign keys, a busy timeout for concurrent writers, migrations."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import platformdirs
import sqlite_utils

from admin.store.migrations import migrate

ENV_VAR = "INNOVATUM_ADMIN_DB"


def default_path() -> Path:
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    return Path(platformdirs.user_data_dir("innovatum-admin")) / "admin.db"


def key_path(db_path: Path) -> Path:
    """The admin node's private signing key lives beside its database (mode 0600)."""
    return db_path.with_suffix(".key")


def connect(path: Path, *, create: bool = False) -> sqlite_utils.Database:
    """Open (and upgrade) the database. Without `create`, a missing file is an error, not a new database."""
    if not create and not path.exists():
        raise FileNotFoundError(f"no admin database at {path} (run `innovatum-admin init` first)")
    path.parent.mkdir(parents=True, exist_ok=True)
    # Autocommit at the driver level: transactions are explicit (BEGIN IMMEDIATE in changes.transaction),
    # and sqlite-utils nests its own work in savepoints inside them.
    conn = sqlite3.connect(str(path), isolation_level=None, timeout=30.0, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout = 30000")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    db = sqlite_utils.Database(conn)
    migrate(db)
    return db
