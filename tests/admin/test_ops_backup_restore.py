"""`backup` and `restore` on a running installation: a real Mosquitto, `serve`, a headless kiosk.

The point of a restore is what the kiosks show afterwards; kiosks refuse older revisions, so the
restore must arrive as a newer one and the kiosk's dump must equal the backed-up content.
"""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

from tests.kiosk.sync.conftest import Site


def _names(content: dict[str, object]) -> dict[str, str]:
    tenants = content["tenants"]
    assert isinstance(tenants, list)
    return {t["slug"]: t["name"] for t in tenants}


def test_edit_backup_edit_restore_brings_the_kiosk_back_to_the_backup(site: Site, tmp_path: Path) -> None:
    site.add_kiosk("lobby-1")
    site.serve()
    site.kiosk("lobby-1")
    site.admin("tenant", "add", "acme", "--name", "Acme AB")
    site.admin("tenant", "add", "beta", "--name", "Beta AB")
    site.admin("room", "add", "galaxen", "--name", "Galaxen")
    backed_up = site.wait_converged("lobby-1")

    out = tmp_path / "backups" / "before.db"
    result = site.admin("backup", "--out", str(out))
    assert f"backed up {site.db_path} to {out}" in result.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600  # broker passwords are in it

    site.admin("tenant", "edit", "acme", "--name", "Acme Omdöpt AB")
    site.admin("tenant", "remove", "beta")
    site.admin("tenant", "add", "gamma", "--name", "Gamma AB")
    site.admin("room", "remove", "galaxen")
    edited = site.wait_converged("lobby-1")
    assert _names(edited) == {"acme": "Acme Omdöpt AB", "gamma": "Gamma AB"}

    result = site.admin("restore", str(out))
    assert "records back or changed" in result.output
    restored = site.wait_converged("lobby-1")
    assert restored["revision"] > edited["revision"]  # forward, so the kiosk accepts it
    assert {k: v for k, v in restored.items() if k != "revision"} == {
        k: v for k, v in backed_up.items() if k != "revision"
    }
    assert _names(site.content("lobby-1")) == {"acme": "Acme AB", "beta": "Beta AB"}
    assert site.dump("lobby-1")["complete"] is True

    # The admin's own tables are back too: a later edit builds on the restored rows.
    site.admin("tenant", "edit", "beta", "--name", "Beta Efter AB")
    after = site.wait_converged("lobby-1")
    assert _names(after) == {"acme": "Acme AB", "beta": "Beta Efter AB"}

    # Restoring the same state again changes nothing and allocates no revision.
    site.admin("tenant", "edit", "beta", "--name", "Beta AB")
    site.wait_converged("lobby-1")
    again = site.admin("restore", str(out))
    assert "no new revision" in again.output


def test_restore_keeps_kiosks_added_since_the_backup(site: Site, tmp_path: Path) -> None:
    out = tmp_path / "early.db"
    site.admin("backup", "--out", str(out))
    site.add_kiosk("lobby-2")
    site.admin("restore", str(out))
    with site.database() as db:
        assert [r[0] for r in db.execute("SELECT id FROM kiosks")] == ["lobby-2"]
        actions = [r[0] for r in db.execute("SELECT action FROM audit ORDER BY id")]
    assert actions[-1] == "restore"


def test_backup_into_a_directory_keeps_the_newest(site: Site, tmp_path: Path) -> None:
    directory = tmp_path / "backups"
    directory.mkdir()
    (directory / "notes.txt").write_text("not a backup")
    for name in ("admin-20200101T000000Z.db", "admin-20200102T000000Z.db", "admin-20200103T000000Z.db"):
        (directory / name).write_bytes(b"old")
    result = site.admin("backup", "--out", str(directory), "--keep", "2")
    kept = sorted(p.name for p in directory.iterdir())
    assert kept[0] == "admin-20200103T000000Z.db" and len(kept) == 3 and kept[-1] == "notes.txt"
    assert kept[1].startswith("admin-2") and kept[1] != "admin-20200103T000000Z.db"
    assert "removed the old backup" in result.output
    # The new file is a whole database on its own (no WAL beside it).
    conn = sqlite3.connect(directory / kept[1])
    assert conn.execute("SELECT COUNT(*) FROM revisions").fetchone()[0] >= 0
    conn.close()


def test_restore_refuses_what_is_not_a_backup(site: Site, tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"hello")
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE x (y)").connection.commit()
    for path, message in (
        (junk, "is not an SQLite database"),
        (other, "is not an innovatum-admin backup"),
        (tmp_path / "missing.db", "no backup file"),
    ):
        result = site.admin("restore", str(path), ok=False)
        assert result.exit_code == 1
        assert result.output.startswith("error: ") and message in result.output, result.output
        assert result.output.count("\n") == 1
    assert site.admin("backup", "--out", str(tmp_path / "file.db"), "--keep", "2", ok=False).exit_code == 1
