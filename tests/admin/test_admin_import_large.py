"""A 10,000-row import is one transaction and one revision; a bad last row leaves nothing behind.
(How long it takes is measured by bench/import_tenants.py, not asserted here.)"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.admin.conftest import CliFn, dump, ok

ROWS = 10_000


def _write(path: Path, last_row: str | None = None) -> None:
    lines = ["slug,name,website,floor"]
    lines += [f"t{i:05d},Företag {i},https://t{i}.example.com,{i % 4}" for i in range(ROWS)]
    if last_row is not None:
        lines.append(last_row)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.slow
def test_ten_thousand_rows_all_or_nothing(cli: CliFn, db_path: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    _write(bad, last_row="zz,Sista,https://zz.example.com,-99")
    before = dump(db_path)
    result = cli("tenant", "import", str(bad))
    assert result.exit_code == 1
    assert result.error_lines == [f"error: {bad}: line {ROWS + 2}: floor must be between -5 and 200, not -99"]
    assert dump(db_path) == before

    good = tmp_path / "good.csv"
    _write(good)
    assert f"{ROWS} added" in ok(cli("tenant", "import", str(good))).stdout
    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("SELECT COUNT(*) FROM tenants").fetchone()[0] == ROWS
        assert conn.execute("SELECT rev, prev FROM revisions").fetchall() == [(1, 0)]
        assert conn.execute("SELECT COUNT(*) FROM outbox").fetchone()[0] == ROWS
        assert conn.execute("SELECT COUNT(*) FROM audit WHERE rev = 1").fetchone()[0] == ROWS
    finally:
        conn.close()
