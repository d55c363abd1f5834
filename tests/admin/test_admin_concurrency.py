"""Several processes writing at once lose nothing, and revisions stay one gap-free chain."""

from __future__ import annotations

import itertools
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.admin.conftest import ok, run_cli

# Each writer waits for the start file, then adds its tenants through the real CLI code (one database
# connection, one transaction per command, as separate `innovatum-admin tenant add` runs would).
WRITER = """
import os, sys, time
from admin.cli import main
db, prefix, count, start = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
while not os.path.exists(start):
    time.sleep(0.005)
for i in range(count):
    main.main(["--db", db, "--actor", prefix, "tenant", "add", f"{prefix}-{i}", "--name", f"{prefix} {i}"],
              standalone_mode=False)
"""

WRITERS = 3
PER_WRITER = 200


@pytest.mark.slow
def test_concurrent_writers_lose_nothing(tmp_path: Path) -> None:
    db_path = tmp_path / "admin.db"
    ok(run_cli(db_path, "init"))
    start = tmp_path / "go"
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(db_path), f"w{n}", str(PER_WRITER), str(start)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(WRITERS)
    ]
    time.sleep(0.5)  # let every interpreter reach its start line
    start.touch()
    for process in processes:
        _, err = process.communicate(timeout=240)
        assert process.returncode == 0, err

    conn = sqlite3.connect(db_path)
    try:
        total = WRITERS * PER_WRITER
        assert conn.execute("SELECT COUNT(*) FROM tenants").fetchone()[0] == total
        revisions = conn.execute("SELECT rev, prev, actor FROM revisions ORDER BY rev").fetchall()
        assert [r[0] for r in revisions] == list(range(1, total + 1))
        assert all(prev == rev - 1 for rev, prev, _ in revisions)
        # The writers really interleaved (otherwise this test would prove nothing about concurrency).
        actors = [actor for _, _, actor in revisions]
        switches = sum(1 for a, b in itertools.pairwise(actors) if a != b)
        assert switches > WRITERS
        assert conn.execute("SELECT COUNT(*) FROM outbox").fetchone()[0] == total
        assert conn.execute("SELECT COUNT(DISTINCT rev) FROM audit").fetchone()[0] == total
        # Each tenant's revision is the one its own outbox row names.
        mismatched = conn.execute(
            "SELECT COUNT(*) FROM audit a JOIN outbox o ON o.rev = a.rev WHERE o.key != a.key"
        ).fetchone()[0]
        assert mismatched == 0
    finally:
        conn.close()
