"""`serve` wakes on commits instead of polling, and its slow poll still catches a commit that sent no nudge.

The wake-up path is proven by making the safety poll an hour long: a commit from another process is
then published only if its nudge woke `serve`. The safety net is proven the other way round: nudges
switched off, the default slow poll must still publish.
"""

from __future__ import annotations

import subprocess
import threading
from pathlib import Path

import pytest

from admin.store import wake
from admin.store.changes import transaction
from admin.sync.serve import Server
from broker.keys import load_private_key
from broker.settings import BrokerSettings
from tests.kiosk.sync.conftest import BIN, Site, wait_until

pytestmark = pytest.mark.mosquitto


def test_a_nudge_wakes_the_waiter_and_a_burst_costs_one_wake_up(tmp_path: Path) -> None:
    db_path = tmp_path / "admin.db"
    waker = wake.Waker(db_path)
    try:
        assert waker.listening
        for _ in range(100):
            wake.nudge(db_path)
        assert waker.wait(30) is True
        assert waker.wait(0.05) is False  # the burst was drained by the first wake-up
    finally:
        waker.close()


def test_another_database_does_not_wake_the_waiter(tmp_path: Path) -> None:
    waker = wake.Waker(tmp_path / "admin.db")
    try:
        wake.nudge(tmp_path / "other.db")
        assert waker.wait(0.2) is False
    finally:
        waker.close()


def test_nudging_without_a_listener_neither_blocks_nor_raises(tmp_path: Path) -> None:
    wake.nudge(tmp_path / "nobody-listens.db")


def test_a_commit_with_a_new_revision_nudges_and_one_without_does_not(site: Site) -> None:
    waker = wake.Waker(site.db_path)
    try:
        site.add_tenants(1)
        assert waker.wait(30) is True
        with site.database() as db, transaction(db, actor="test", summary="nothing"):
            pass  # no record changed: no revision, nothing for serve to publish
        assert waker.wait(0.2) is False
    finally:
        waker.close()


def latest_revision(site: Site) -> int:
    with site.database() as db:
        return int(db.execute("SELECT COALESCE(MAX(rev), 0) FROM revisions").fetchone()[0])


def unpublished(site: Site) -> int:
    with site.database() as db:
        return int(db.execute("SELECT COUNT(*) FROM revisions WHERE published = 0").fetchone()[0])


def test_a_commit_from_another_process_wakes_serve(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(wake, "SAFETY_POLL_SECONDS", 3600.0)  # only a nudge can get it published now
    site.add_tenants(1)
    with RunningServer(site):
        wait_until(lambda: unpublished(site) == 0, 20, "the first state to be published")
        before = latest_revision(site)
        subprocess.run(
            [
                str(BIN / "innovatum-admin"),
                "--db",
                str(site.db_path),
                "announce",
                "push",
                "Hej",
                "--en",
                "Hi",
                "--priority",
                "info",
            ],
            check=True,
            capture_output=True,
        )
        assert latest_revision(site) == before + 1
        wait_until(lambda: unpublished(site) == 0, 20, "the nudged commit to be published")


def test_a_commit_that_sent_no_nudge_is_published_by_the_safety_poll(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    site.add_tenants(1)
    with RunningServer(site):
        wait_until(lambda: unpublished(site) == 0, 20, "the first state to be published")
        monkeypatch.setattr(wake, "nudge", lambda path: None)  # as a writer without this module would
        before = latest_revision(site)
        site.edit_tenants(1, ["t0"])
        assert latest_revision(site) == before + 1
        wait_until(lambda: unpublished(site) == 0, 20, "the silent commit to be published")


class RunningServer:
    """`serve` in a thread of this process (so the test can patch `wake`), stopped on exit."""

    def __init__(self, site: Site) -> None:
        username, password = site.account("admin")
        settings = BrokerSettings.from_url(site.broker.url, username, password)
        self.server = Server(site.db_path, load_private_key(site.db_path.with_suffix(".key")), settings)
        self.thread = threading.Thread(target=self.server.run, name="serve-under-test")

    def __enter__(self) -> Server:
        self.thread.start()
        wait_until(lambda: self.server.client.connected, 20, "serve to connect")
        return self.server

    def __exit__(self, *exc: object) -> None:
        self.server.stop.set()
        self.thread.join(timeout=20)
        assert not self.thread.is_alive(), "serve did not stop promptly after stop was set"
