"""A damaged replica heals itself from the broker (issue 9, point 3).

A real installation (Mosquitto with the generated config, `serve`, a headless kiosk process) whose
replica file is damaged the ways an SD card damages files: the header, half the file cut off, random
pages of the records table, random pages of the search index, and pages damaged while the kiosk runs.
Each time the kiosk must move the file aside (one `.damaged` copy kept) and converge to exactly the
admin's content, without anyone touching it.
"""

from __future__ import annotations

import os
import random
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from kiosk.replica.health import DAMAGED_SUFFIX
from tests.kiosk.sync.conftest import Site, wait_until

pytestmark = pytest.mark.mosquitto

PAGE = 4096


def _checkpoint(path: Path) -> None:
    """Everything into the main file, so damaging it damages the content (not a stale copy)."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def _pages(path: Path, prefix: str) -> list[int]:
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute("SELECT name, pageno FROM dbstat").fetchall()
    finally:
        conn.close()
    return sorted(page for name, page in rows if name.startswith(prefix))


def _scribble(path: Path, pages: list[int], seed: int, share: int = 3) -> None:
    """Overwrite one page in `share` of `pages` (all of them with share=1) with random bytes."""
    rng = random.Random(seed)
    chosen = rng.sample(pages, max(1, len(pages) // share))
    with path.open("r+b") as handle:
        for page in chosen:
            handle.seek((page - 1) * PAGE + 8)  # keep nothing of the page header intact but its type
            handle.write(rng.randbytes(PAGE - 16))


def damage_header(path: Path) -> None:
    with path.open("r+b") as handle:
        handle.write(b"this is not SQLite" + os.urandom(82))


def damage_truncate(path: Path) -> None:
    os.truncate(path, path.stat().st_size // 2)


def damage_records(path: Path) -> None:
    _scribble(path, _pages(path, "records"), 1)


def damage_search(path: Path) -> None:
    _scribble(path, _pages(path, "search_"), 2)


DAMAGE: dict[str, Callable[[Path], None]] = {
    "header": damage_header,
    "half truncated": damage_truncate,
    "records pages": damage_records,
    "search index pages": damage_search,
}


def _installation(site: Site) -> Path:
    site.add_tenants(400)
    site.admin(
        "event", "add", "--title-sv", "Kemishow", "--start", "2030-05-03T11:00", "--end", "2030-05-03T12:00"
    )
    site.add_kiosk("lobby-1")
    site.serve()
    site.kiosk("lobby-1")
    site.wait_converged("lobby-1")
    return site.root / "lobby-1.db"


@pytest.mark.parametrize("how", sorted(DAMAGE))
def test_a_replica_damaged_at_rest_is_moved_aside_and_rebuilt(site: Site, how: str) -> None:
    replica = _installation(site)
    kiosk = site.processes[-1]
    kiosk.terminate()
    kiosk.wait(timeout=20)
    _checkpoint(replica)
    DAMAGE[how](replica)
    site.admin("tenant", "edit", "t7", "--name", "Ändrad medan kiosken var nere")  # and it missed this
    site.kiosk("lobby-1")
    moved = replica.with_name(replica.name + DAMAGED_SUFFIX)
    wait_until(moved.exists, 30, "the kiosk to move the damaged replica aside")  # dump cannot read it
    expected = site.wait_converged("lobby-1", timeout=60)
    assert any(t["name"] == "Ändrad medan kiosken var nere" for t in expected["tenants"])
    assert replica.with_name(replica.name + DAMAGED_SUFFIX).exists()
    log = site.log("lobby-1.log")
    assert log.count("is damaged") == 1, log[-3000:]
    assert site.dump("lobby-1")["complete"]


def test_damage_while_running_triggers_the_same_rebuild(site: Site) -> None:
    replica = _installation(site)
    _checkpoint(replica)
    # Every page of the records table, its root included: the next write meets the damage whatever the
    # layout (a third of the pages at random left it to chance whether three edits touched one).
    _scribble(replica, _pages(replica, "records"), 1, share=1)
    site.edit_tenants(3, ["t1", "t2", "t3"], label="efter skadan")  # writes that meet the damage
    site.wait_converged("lobby-1", timeout=60)
    assert replica.with_name(replica.name + DAMAGED_SUFFIX).exists()
    assert "is damaged" in site.log("lobby-1.log")
    assert site.processes[-1].poll() is None, "the kiosk must keep running"
    assert "Traceback" not in site.log("lobby-1.log").split("is damaged")[-1]


def test_at_most_one_damaged_copy_is_kept(site: Site) -> None:
    replica = _installation(site)
    kiosk = site.processes[-1]
    for round_ in range(1, 3):
        kiosk.terminate()
        kiosk.wait(timeout=20)
        _checkpoint(replica)
        damage_header(replica)
        kiosk = site.kiosk("lobby-1")
        wait_until(
            lambda n=round_: site.log("lobby-1.log").count("is damaged") == n, 30, "the kiosk to notice"
        )
        site.wait_converged("lobby-1", timeout=60)
    copies = [p.name for p in replica.parent.iterdir() if DAMAGED_SUFFIX in p.name]
    assert copies and all(name.startswith(replica.name + DAMAGED_SUFFIX) for name in copies)
    assert len([name for name in copies if name.endswith(DAMAGED_SUFFIX)]) == 1
