"""An old database upgrades on open and keeps its data."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import sqlite_utils

from admin.store import migrations
from admin.store.db import connect
from tests.admin.conftest import ok, run_cli


def _versions(path: Path) -> list[int]:
    conn = sqlite3.connect(path)
    try:
        return [row[0] for row in conn.execute("SELECT version FROM migrations ORDER BY version")]
    finally:
        conn.close()


def test_version_1_database_upgrades_and_keeps_its_data(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = sqlite_utils.Database(path)
    assert migrations.migrate(old, upto=1) == [1]
    old.execute(
        "INSERT INTO tenants (slug, name, floor, created_at, updated_at) "
        "VALUES ('acme', 'Acme AB', 2, '2025-01-01T10:00:00+01:00', '2025-01-01T10:00:00+01:00')"
    )
    old.conn.commit()
    old.close()
    assert _versions(path) == [1]

    db = connect(path)
    try:
        assert _versions(path) == [v for v, _, _ in migrations.MIGRATIONS]
        assert "online" in db["kiosks"].columns_dict  # a column a later migration added
        assert "announcement_acks" in db.table_names()
    finally:
        db.close()
    [tenant] = json.loads(ok(run_cli(path, "tenant", "list", "--json")).stdout)
    assert (tenant["slug"], tenant["name"], tenant["floor"]) == ("acme", "Acme AB", 2)
    # The upgraded database takes new changes with revisions as usual.
    assert ok(run_cli(path, "tenant", "edit", "acme", "--floor", "3")).stdout.endswith("(revision 1)\n")


def test_migrating_twice_applies_nothing(tmp_path: Path) -> None:
    path = tmp_path / "admin.db"
    connect(path, create=True).close()
    db = sqlite_utils.Database(path)
    try:
        assert migrations.migrate(db) == []
    finally:
        db.close()
