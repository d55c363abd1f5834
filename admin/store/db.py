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


def _create_private(path: Path) -> None:
    """The database holds every broker password: a data directory this creates is 0700 and a new
    database file 0600, before SQLite opens it. SQLite gives the WAL and SHM files the database
    file's mode, so they are 0600 too. Existing files and directories keep the mode they have (an
    operator may have chosen a group on purpose)."""
    if not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.parent.chmod(0o700)  # mkdir's mode is filtered through the umask; chmod is not
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    os.close(fd)
    os.chmod(path, 0o600)


def connect(path: Path, *, create: bool = False) -> sqlite_utils.Database:
    """Open (and upgrade) the database. Without `create`, a missing file is an error, not a new database."""
    if not create and not path.exists():
        raise FileNotFoundError(f"no admin database at {path} (run `innovatum-admin init` first)")
    _create_private(path)
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
