"""The admin database holds every broker password: nobody else on the machine may read it (issue 9,
point 6). `innovatum-admin init`, run as a person runs it (a real process, the usual umask 022),
creates the data directory 0700 and the database, its WAL and SHM files 0600."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from admin.store import db as store_db

BIN = Path(sys.executable).parent


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _init(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [str(BIN / "innovatum-admin"), *args, "init"],
        env=env,
        check=True,
        capture_output=True,
        preexec_fn=lambda: os.umask(0o022),  # what a login shell has: files 0644 unless told otherwise
    )


def test_init_creates_the_database_and_its_directory_private(tmp_path: Path) -> None:
    db_path = tmp_path / "srv" / "innovatum" / "admin.db"
    env = {k: v for k, v in os.environ.items() if k != store_db.ENV_VAR}
    _init(env, "--db", str(db_path))
    assert _mode(db_path.parent) == 0o700
    assert _mode(db_path) == 0o600
    assert _mode(store_db.key_path(db_path)) == 0o600
    db = store_db.connect(db_path)  # a writer with the WAL and SHM files open, as `serve` has them
    try:
        db.execute("INSERT INTO broker_accounts VALUES ('x', 'tenant', 'x', 'secret', 'now')")
        for suffix in ("-wal", "-shm"):
            companion = Path(f"{db_path}{suffix}")
            assert companion.exists() and _mode(companion) == 0o600, suffix
    finally:
        db.close()


def test_the_default_data_directory_is_private(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != store_db.ENV_VAR}
    env["XDG_DATA_HOME"] = str(tmp_path / "share")
    env["HOME"] = str(tmp_path)
    _init(env)
    (db_path,) = (tmp_path / "share").rglob("admin.db")
    assert _mode(db_path.parent) == 0o700 and _mode(db_path) == 0o600


def test_an_existing_directory_keeps_its_mode(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o750)
    shared.chmod(0o750)
    env = {k: v for k, v in os.environ.items() if k != store_db.ENV_VAR}
    _init(env, "--db", str(shared / "admin.db"))
    assert _mode(shared) == 0o750 and _mode(shared / "admin.db") == 0o600
