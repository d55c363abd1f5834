"""Catch-up after 1,000 missed edits, and a cold bootstrap of 10,000 records.

    python bench/sync_catchup.py

Catch-up: a kiosk (real SyncClient, its own SQLite file) is converged on 1,000 tenants, stopped; the
admin commits and `serve` publishes 1,000 one-tenant edits; the kiosk starts again. Timed from
`start()` to the replica complete at the admin's revision. Cold bootstrap: a new kiosk with an empty
disk joins a published catalogue of 10,000 tenants; timed from `start()` to complete.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from sync_site import BenchSite

from admin.store import db as store_db
from kiosk.config import load as load_config
from kiosk.ports import SyncEvent
from kiosk.sync.client import SyncClient


def run_until_complete(config: Path, rev: int, timeout: float = 120) -> float:
    """Timed by the client's own "applied" events, so the measurement does not poll the replica."""
    client = SyncClient(load_config(config))
    done = threading.Event()
    finished: list[float] = []

    def on_event(event: SyncEvent) -> None:
        if event.kind == "applied" and event.revision >= rev and not done.is_set():
            finished.append(time.perf_counter())
            done.set()

    started = time.perf_counter()
    client.start(on_event)
    try:
        if not done.wait(timeout):
            raise SystemExit(f"did not converge to {rev} within {timeout} s")
        if not client.replica.complete:
            raise SystemExit("applied but not complete")
        return finished[0] - started
    finally:
        client.stop()


def head(site: BenchSite) -> int:
    db = store_db.connect(site.db_path)
    try:
        return int(db.execute("SELECT MAX(rev) FROM revisions").fetchone()[0])
    finally:
        db.close()


def catch_up(edits: int = 1000, tenants: int = 1000) -> float:
    site = BenchSite()
    try:
        site.add_tenants(tenants)
        (config,) = site.add_kiosks(["catchup"])
        site.serve()
        site.wait_published()
        run_until_complete(config, head(site))
        db = store_db.connect(site.db_path)
        for i in range(edits):
            site.edit_tenant(db, f"t{i % tenants}", f"Missad ändring {i}")
        db.close()
        site.wait_published()
        return run_until_complete(config, head(site))
    finally:
        site.close()


def bootstrap(tenants: int = 10_000) -> float:
    site = BenchSite()
    try:
        site.add_tenants(tenants)
        (config,) = site.add_kiosks(["cold"])
        site.serve()
        site.wait_published()
        return run_until_complete(config, head(site))
    finally:
        site.close()


def main() -> None:
    print(f"catch-up after 1,000 missed edits (1,000 tenants): {catch_up():.2f} s")
    print(f"cold bootstrap of 10,000 records: {bootstrap():.2f} s")


if __name__ == "__main__":
    main()
