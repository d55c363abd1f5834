"""A full disk under the replica (issue 9, point 4).

The kiosk's replica lives on a small tmpfs. The disk is filled while the kiosk is live, edits (and
a retraction) are made, then the space is freed. While full, the kiosk must say it is incomplete
(in `dump`, in its published status, so `innovatum-admin kiosks` shows it BEHIND); once space
returns it must converge within 30 s with no new edit (it retries on its own backoff).
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.kiosk.sync.conftest import Site, wait_until

pytestmark = pytest.mark.mosquitto

TMPFS_SIZE = "3m"


@pytest.fixture
def small_disk() -> Iterator[Path]:
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mount = Path(tempfile.mkdtemp(prefix="innovatum-full-"))
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={TMPFS_SIZE}", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        mount.rmdir()
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace').strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)
        mount.rmdir()


def _fill(directory: Path) -> Path:
    filler = directory / "filler"
    with filler.open("wb") as handle:
        try:
            while True:
                handle.write(b"\0" * 65536)
                handle.flush()
        except OSError:
            pass
    return filler


def _fleet(site: Site) -> dict[str, object]:
    return dict(json.loads(site.admin("kiosks", "--json").output)[0])


def test_a_full_disk_marks_the_replica_incomplete_and_it_converges_when_space_returns(
    site: Site, small_disk: Path
) -> None:
    site.add_tenants(150)
    pushed = site.admin("announce", "push", "Kvällens stängning", "--priority", "warning").output
    announcement_id = pushed.split()[2]  # "pushed announcement N to all (revision R)"
    config = site.add_kiosk("lobby-1")
    site.admin(
        *("kiosk", "config", "lobby-1", "--broker", site.broker.url, "--out", str(config)),
        *("--database", str(small_disk / "replica.db")),
    )
    site.serve()
    kiosk = site.kiosk("lobby-1")
    site.wait_converged("lobby-1")
    wait_until(lambda: _fleet(site)["health"] == "online", 30, "the kiosk to report itself complete")

    filler = _fill(small_disk)
    site.edit_tenants(20, [f"t{i}" for i in range(0, 150, 7)], label="medan disken var full")
    site.admin("announce", "retract", announcement_id)
    wait_until(lambda: "a write failed" in site.log("lobby-1.log"), 30, "the kiosk to fail a write")
    assert site.dump("lobby-1")["complete"] is False
    wait_until(lambda: _fleet(site)["health"] == "BEHIND", 30, "the fleet to show the kiosk behind")
    assert kiosk.poll() is None

    filler.unlink()  # space returns; nothing else happens: no edit, no restart
    site.wait_converged("lobby-1", timeout=30)
    assert site.dump("lobby-1")["announcements"] == []
    wait_until(lambda: site.dump("lobby-1")["complete"] is True, 30, "the replica to say it is complete")
    wait_until(lambda: _fleet(site)["health"] == "online", 30, "the fleet to show the kiosk healthy again")
