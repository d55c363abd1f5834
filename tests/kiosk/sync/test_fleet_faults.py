"""Faults: each ends with the kiosk holding exactly the admin's state (same records, same revision)."""

from __future__ import annotations

import signal
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from tests.kiosk.sync.conftest import Site, wait_until

pytestmark = [pytest.mark.mosquitto, pytest.mark.slow]


def unpublished(site: Site) -> int:
    with site.database() as db:
        return int(db.execute("SELECT COUNT(*) FROM revisions WHERE published = 0").fetchone()[0])


def assert_no_duplicates(state: dict[str, object]) -> None:
    tenants = state["tenants"]
    assert isinstance(tenants, list)
    slugs = [t["slug"] for t in tenants]
    assert len(slugs) == len(set(slugs))


def test_broker_killed_and_restarted_in_the_middle_of_a_stream_of_edits(site: Site) -> None:
    site.add_tenants(20, "b")
    site.add_kiosk("lobby-1")
    site.serve()
    site.kiosk("lobby-1")
    site.wait_converged("lobby-1")
    slugs = [f"b{i}" for i in range(20)]

    def edits() -> None:
        for batch in range(30):
            site.edit_tenants(5, slugs, f"stream {batch}")
            time.sleep(0.05)

    writer = threading.Thread(target=edits)
    writer.start()
    time.sleep(0.4)
    site.broker.kill()  # SIGKILL: the broker's unsaved retained store is gone too
    time.sleep(1.0)
    site.broker.start()
    assert writer.is_alive(), "the broker must die in the middle of the stream"
    writer.join()
    state = site.wait_converged("lobby-1", timeout=60)
    assert state["revision"] == 1 + 150
    assert_no_duplicates(state)
    wait_until(lambda: unpublished(site) == 0, 30, "every revision to be marked published")

    # The restarted broker lost its retained state; serve noticed and republished it, so a brand-new
    # kiosk still bootstraps from the broker alone.
    assert "republishing everything" in site.log("serve.log")
    site.add_kiosk("lobby-2")
    site.kiosk("lobby-2")
    assert site.wait_converged("lobby-2", timeout=30) == state


def test_admin_down_while_a_new_kiosk_bootstraps(site: Site) -> None:
    site.admin("tenant", "add", "acme", "--name", "Acme AB")
    site.add_tenants(200, "a", per_revision=50)
    site.admin("tenant", "remove", "a7")  # a tombstone in the retained set
    serve = site.serve()
    wait_until(lambda: unpublished(site) == 0, 20, "everything published")
    serve.send_signal(signal.SIGTERM)
    assert serve.wait(timeout=30) == 0
    site.add_kiosk("lobby-1")
    site.kiosk("lobby-1")
    state = site.wait_converged("lobby-1", timeout=30)
    assert len(state["tenants"]) == 200 and state["revision"] == 6
    assert site.dump("lobby-1")["complete"] is True


def _replica_progress(path: Path) -> tuple[int, int]:
    """(applied revision, rows staged or applied) read the way the UI reads: a read-only connection."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1)
        try:
            applied = conn.execute("SELECT value FROM meta WHERE name = 'applied_rev'").fetchone()
            staged = conn.execute("SELECT COUNT(*) FROM staging").fetchone()[0]
            records = conn.execute("SELECT COUNT(*) FROM records").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return 0, 0
    return int(applied[0]) if applied else 0, int(staged) + int(records)


def test_kiosk_killed_while_applying_a_5000_record_bootstrap(site: Site) -> None:
    site.add_tenants(5000, "k", per_revision=1000)
    serve = site.serve()
    wait_until(lambda: unpublished(site) == 0, 60, "the catalogue to be published")
    site.add_kiosk("lobby-1")
    replica = site.root / "lobby-1.db"
    kiosk = site.kiosk("lobby-1")
    wait_until(lambda: _replica_progress(replica)[1] > 0, 30, "the bootstrap to start")
    kiosk.send_signal(signal.SIGKILL)
    kiosk.wait()
    applied, rows = _replica_progress(replica)
    assert applied == 0 and 0 < rows < 5000, "killed mid-bootstrap"
    assert site.dump("lobby-1")["tenants"] == []  # a half snapshot is never shown

    serve.send_signal(signal.SIGTERM)  # and converge from retained messages alone
    serve.wait(timeout=30)
    site.kiosk("lobby-1")
    state = site.wait_converged("lobby-1", timeout=60)
    assert len(state["tenants"]) == 5000
    assert_no_duplicates(state)


def test_kiosk_offline_through_1000_edits(site: Site) -> None:
    site.add_tenants(100, "o")
    site.add_kiosk("lobby-1")
    site.serve()
    kiosk = site.kiosk("lobby-1")
    site.wait_converged("lobby-1")
    kiosk.send_signal(signal.SIGTERM)
    assert kiosk.wait(timeout=30) == 0
    site.edit_tenants(1000, [f"o{i}" for i in range(100)], "offline")
    wait_until(lambda: unpublished(site) == 0, 60, "the edits to be published")
    site.kiosk("lobby-1")
    state = site.wait_converged("lobby-1", timeout=30)
    assert state["revision"] == 1001
    assert_no_duplicates(state)


def test_serve_killed_while_publishing_loses_nothing(site: Site) -> None:
    site.add_tenants(50, "s")
    site.add_kiosk("lobby-1")
    site.kiosk("lobby-1")
    first = site.serve()
    site.wait_converged("lobby-1")
    first.send_signal(signal.SIGTERM)
    first.wait(timeout=30)
    site.edit_tenants(1500, [f"s{i}" for i in range(50)], "burst")
    serve = site.serve()
    replica = site.root / "lobby-1.db"
    wait_until(lambda: _replica_progress(replica)[0] > 10, 30, "the kiosk to apply part of the burst")
    serve.send_signal(signal.SIGKILL)  # mid-round: sent and applied, not yet marked published
    serve.wait()
    left = unpublished(site)
    site.serve()
    state = site.wait_converged("lobby-1", timeout=60)
    assert state["revision"] == 1501 and left > 0
    assert_no_duplicates(state)
    wait_until(lambda: unpublished(site) == 0, 30, "every revision marked published")
