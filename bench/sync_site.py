"""Shared set-up for the sync benchmarks: an admin database, a real Mosquitto with the generated
config, kiosk configs. Not a test: run the bench/sync_*.py scripts directly (see docs/benchmarks-sync.md).
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from admin.cli import main as admin_main
from admin.content import public
from admin.store import db as store_db
from admin.store.changes import transaction
from broker.times import now_iso

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.mosquitto import Mosquitto, broker_dir, free_port, mosquitto_binary  # noqa: E402

BIN = Path(sys.executable).parent


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def summary(values_ms: list[float]) -> str:
    return (
        f"n={len(values_ms)} p50={percentile(values_ms, 50):.1f} ms p99={percentile(values_ms, 99):.1f} ms "
        f"max={max(values_ms):.1f} ms mean={statistics.fmean(values_ms):.1f} ms"
    )


class BenchSite:
    def __init__(self) -> None:
        if mosquitto_binary() is None:
            raise SystemExit("mosquitto is not installed")
        self.root = Path(tempfile.mkdtemp(prefix="innovatum-bench-"))
        self.root.chmod(0o755)
        self.db_path = self.root / "admin.db"
        self.port = free_port()
        self.runner = CliRunner()
        self.broker_dir = broker_dir()
        self.processes: list[subprocess.Popen[bytes]] = []
        self.admin("init")
        self.admin(
            "broker-config", "--out", str(self.broker_dir), "--port", str(self.port), "--bind", "127.0.0.1"
        )
        self.broker = Mosquitto(self.broker_dir, self.port)
        self.broker.start()

    def admin(self, *args: str) -> str:
        result = self.runner.invoke(admin_main, ["--db", str(self.db_path), "--actor", "bench", *args])
        if result.exit_code != 0:
            raise RuntimeError(f"innovatum-admin {' '.join(args)}: {result.output}")
        return result.output

    def add_kiosks(self, ids: list[str]) -> list[Path]:
        db = store_db.connect(self.db_path)
        try:
            for kiosk_id in ids:
                db.execute(
                    'INSERT INTO kiosks (id, "group", location, password, created_at) VALUES (?, ?, ?, ?, ?)',
                    (kiosk_id, "bench", "", f"pw-{kiosk_id}-x" * 3, now_iso()),
                )
        finally:
            db.close()
        self.admin(
            "broker-config", "--out", str(self.broker_dir), "--port", str(self.port), "--bind", "127.0.0.1"
        )
        self.broker.reload()
        configs = []
        for kiosk_id in ids:
            path = self.root / f"{kiosk_id}.toml"
            self.admin(
                "kiosk",
                "config",
                kiosk_id,
                "--broker",
                self.broker.url,
                "--out",
                str(path),
                "--database",
                str(self.root / f"{kiosk_id}.db"),
            )
            configs.append(path)
        return configs

    def add_tenants(self, count: int, per_revision: int = 1000) -> None:
        db = store_db.connect(self.db_path)
        try:
            for start in range(0, count, per_revision):
                with transaction(db, actor="bench", summary="bulk") as tx:
                    for i in range(start, min(start + per_revision, count)):
                        row = {
                            "slug": f"t{i}",
                            "name": f"Företag nummer {i} AB",
                            "description_sv": "Ett påhittat demoföretag som utvecklar saker i Trollhättan.",
                            "category": "Teknik",
                            "created_at": now_iso(),
                            "updated_at": now_iso(),
                        }
                        db.table("tenants").insert(row, replace=True)
                        tx.record("tenant", row["slug"], public.tenant(row))
        finally:
            db.close()

    def edit_tenant(self, db: Any, slug: str, name: str) -> tuple[int, float]:
        """One one-record revision; returns (revision, wall-clock time of its COMMIT)."""
        with transaction(db, actor="bench", summary="edit") as tx:
            db.table("tenants").update(slug, {"name": name, "updated_at": now_iso()})
            tx.record("tenant", slug, public.tenant(db.table("tenants").get(slug)))
        return int(tx.rev or 0), time.time()

    def unpublished(self) -> int:
        db = store_db.connect(self.db_path)
        try:
            return int(db.execute("SELECT COUNT(*) FROM revisions WHERE published = 0").fetchone()[0])
        finally:
            db.close()

    def serve(self) -> subprocess.Popen[bytes]:
        log = (self.root / "serve.log").open("ab")
        process = subprocess.Popen(
            [str(BIN / "innovatum-admin"), "--db", str(self.db_path), "serve", "--broker", self.broker.url],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.processes.append(process)
        return process

    def wait_published(self, timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        while self.unpublished() and time.monotonic() < deadline:
            time.sleep(0.1)
        if self.unpublished():
            raise RuntimeError("serve did not publish in time")

    def admin_accounts(self, names: list[str]) -> dict[str, tuple[str, str]]:
        """One account with the admin ACL per bare client: the broker makes a client's id its user
        name, so clients sharing `serve`'s account would push serve (and each other) off."""
        accounts = {name: (f"bench-{name}", f"bench-{name}-password") for name in names}
        db = store_db.connect(self.db_path)
        try:
            for username, password in accounts.values():
                db.execute(
                    "INSERT OR REPLACE INTO broker_accounts (username, role, subject, password, created_at) "
                    "VALUES (?, 'admin', '', ?, ?)",
                    (username, password, now_iso()),
                )
        finally:
            db.close()
        self.admin(
            "broker-config", "--out", str(self.broker_dir), "--port", str(self.port), "--bind", "127.0.0.1"
        )
        self.broker.reload()
        return accounts

    def close(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=10)
        self.broker.stop()
        shutil.rmtree(self.broker_dir, ignore_errors=True)
        shutil.rmtree(self.root, ignore_errors=True)
