"""Revisions and the outbox: one change is one revision; a change that changes nothing makes none."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from tests.admin.conftest import CliFn, dump, ok


def _query(db_path: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_each_change_is_one_revision_with_outbox_and_audit(cli: CliFn, db_path: Path) -> None:
    ok(cli("tenant", "add", "acme", "--name", "Acme"))
    ok(cli("tenant", "edit", "acme", "--category", "Robotik"))
    ok(cli("room", "add", "arena-1", "--name", "Arena 1"))
    assert _query(db_path, "SELECT rev, prev, actor FROM revisions ORDER BY rev") == [
        (1, 0, "tester"),
        (2, 1, "tester"),
        (3, 2, "tester"),
    ]
    assert _query(db_path, "SELECT rev, kind, key, op FROM outbox ORDER BY rev, seq") == [
        (1, "tenant", "acme", "upsert"),
        (2, "tenant", "acme", "upsert"),
        (3, "room", "arena-1", "upsert"),
    ]
    [(data,)] = _query(db_path, "SELECT data FROM sync_state WHERE kind = 'tenant' AND key = 'acme'")
    assert json.loads(str(data))["category"] == "Robotik"
    assert _query(db_path, "SELECT rev, action FROM audit ORDER BY id") == [
        (1, "tenant.add"),
        (2, "tenant.edit"),
        (3, "room.add"),
    ]


def test_no_op_edit_creates_no_revision_and_changes_nothing(cli: CliFn, db_path: Path) -> None:
    ok(cli("tenant", "add", "acme", "--name", "Acme", "--floor", "2"))
    ok(cli("event", "add", "--title-sv", "Show", "--start", "2030-01-01T10:00", "--end", "2030-01-01T11:00"))
    before = dump(db_path)
    assert "no new revision" in ok(cli("tenant", "edit", "acme", "--name", "Acme", "--floor", "2")).stdout
    assert "no new revision" in ok(cli("event", "edit", "1", "--start", "2030-01-01T09:00:00+00:00")).stdout
    assert dump(db_path) == before


def test_import_is_one_revision(cli: CliFn, db_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("slug,name\n" + "".join(f"t{i},T {i}\n" for i in range(50)), encoding="utf-8")
    ok(cli("tenant", "import", str(path)))
    assert _query(db_path, "SELECT rev, prev FROM revisions") == [(1, 0)]
    assert _query(db_path, "SELECT COUNT(*) FROM outbox WHERE rev = 1") == [(50,)]
