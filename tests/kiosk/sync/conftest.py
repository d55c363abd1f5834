"""A whole installation in a temp directory: admin database, a real Mosquitto with the generated
config, `innovatum-admin serve` and headless kiosks as subprocesses, exactly as an operator runs them."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from click.testing import CliRunner, Result
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion

from admin.cli import main as admin_main
from admin.content import public
from admin.store import db as store_db
from admin.store.changes import transaction
from broker.times import now_iso
from kiosk.replica.engine import DUMP_LISTS
from tests.mosquitto import Mosquitto, broker_dir, free_port, require_mosquitto

BIN = Path(sys.executable).parent


def wait_until(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


class RawClient:
    """A plain paho client, as an attacker (or a test's observer) would use one."""

    def __init__(self, port: int, username: str | None, password: str | None, client_id: str) -> None:
        self.messages: list[mqtt.MQTTMessage] = []
        self.connack: mqtt.ReasonCode | None = None
        self._connected = threading.Event()
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=client_id, protocol=MQTTProtocolVersion.MQTTv311
        )
        if username is not None:
            self.client.username_pw_set(username, password)
        self.client.on_connect = self._on_connect
        self.client.on_message = lambda c, u, m: self.messages.append(m)
        self.port = port

    def _on_connect(
        self, client: mqtt.Client, userdata: Any, flags: Any, rc: mqtt.ReasonCode, props: Any
    ) -> None:
        self.connack = rc
        self._connected.set()

    def connect(self, timeout: float = 5.0) -> mqtt.ReasonCode | None:
        self.client.connect("127.0.0.1", self.port, keepalive=30)
        self.client.loop_start()
        self._connected.wait(timeout)
        return self.connack

    def subscribe(self, topic: str) -> None:
        self.client.subscribe(topic, qos=1)
        time.sleep(0.2)

    def publish(self, topic: str, payload: bytes, retain: bool = False) -> None:
        info = self.client.publish(topic, payload, qos=1, retain=retain)
        info.wait_for_publish(5)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


class Site:
    def __init__(self, root: Path) -> None:
        require_mosquitto()
        self.root = root
        self.db_path = root / "admin.db"
        self.broker_dir = broker_dir()
        self.port = free_port()
        self.runner = CliRunner()
        self.broker_args: list[str] = []  # more `broker-config` options (TLS) for the next rewrite
        self.processes: list[subprocess.Popen[bytes]] = []
        self.clients: list[RawClient] = []
        self.admin("init")
        self.write_broker_config()
        self.broker = Mosquitto(self.broker_dir, self.port)
        self.broker.start()

    # --- admin -----------------------------------------------------------------------------------

    def admin(self, *args: str, ok: bool = True) -> Result:
        result = self.runner.invoke(admin_main, ["--db", str(self.db_path), "--actor", "test", *args])
        if ok:
            assert result.exit_code == 0, f"innovatum-admin {' '.join(args)}: {result.output}"
        return result

    def write_broker_config(self) -> None:
        self.admin(
            "broker-config",
            "--out",
            str(self.broker_dir),
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            *self.broker_args,
        )

    def account(self, role: str, subject: str = "") -> tuple[str, str]:
        with self.database() as db:
            if role == "kiosk":
                row = db.execute("SELECT password FROM kiosks WHERE id = ?", (subject,)).fetchone()
                return f"kiosk-{subject}", row[0]
            row = db.execute(
                "SELECT username, password FROM broker_accounts WHERE role = ? AND subject = ?",
                (role, subject),
            ).fetchone()
            return row[0], row[1]

    def extra_admin_account(self, name: str) -> tuple[str, str]:
        """An account with the admin ACL for a test's own client, loaded into the running broker."""
        username, password = f"innovatum-admin-test-{name}", f"test-{name}-password"
        with self.database() as db:
            db.execute(
                "INSERT INTO broker_accounts (username, role, subject, password, created_at) "
                "VALUES (?, 'admin', '', ?, ?)",
                (username, password, now_iso()),
            )
        self.write_broker_config()
        self.broker.reload()
        return username, password

    def database(self) -> Any:
        class _Open:
            def __enter__(inner) -> Any:
                inner.db = store_db.connect(self.db_path)
                return inner.db

            def __exit__(inner, *exc: object) -> None:
                inner.db.close()

        return _Open()

    def add_tenants(self, count: int, prefix: str = "t", *, per_revision: int | None = None) -> None:
        """Bulk content straight through the store's one write path (the CLI would take minutes)."""
        per_revision = per_revision or count
        with self.database() as db:
            for start in range(0, count, per_revision):
                with transaction(db, actor="test", summary="bulk") as tx:
                    for i in range(start, min(start + per_revision, count)):
                        row = {
                            "slug": f"{prefix}{i}",
                            "name": f"Företag {prefix}{i}",
                            "created_at": now_iso(),
                            "updated_at": now_iso(),
                        }
                        db["tenants"].insert(row, replace=True)
                        tx.record("tenant", row["slug"], public.tenant(row))

    def edit_tenants(self, count: int, slugs: list[str], label: str = "edit") -> None:
        """`count` revisions of one changed record each, round-robin over existing tenants."""
        with self.database() as db:
            for i in range(count):
                slug = slugs[i % len(slugs)]
                with transaction(db, actor="test", summary=label) as tx:
                    db["tenants"].update(slug, {"name": f"{label} {i}", "updated_at": now_iso()})
                    tx.record("tenant", slug, public.tenant(db["tenants"].get(slug)))

    def admin_state(self) -> dict[str, Any]:
        """What every converged kiosk's `dump` must show: the same records, the same revision."""
        with self.database() as db:
            rev = db.execute("SELECT COALESCE(MAX(rev), 0) FROM revisions").fetchone()[0]
            rows = db.execute(
                "SELECT kind, key, data FROM sync_state WHERE op = 'upsert' ORDER BY kind, key"
            ).fetchall()
        state: dict[str, Any] = {"revision": rev, **{name: [] for name in DUMP_LISTS.values()}}
        for kind, _key, data in rows:
            if kind in DUMP_LISTS:
                state[DUMP_LISTS[kind]].append(json.loads(data))
        return state

    # --- processes -------------------------------------------------------------------------------

    def _spawn(self, args: list[str], log_name: str) -> subprocess.Popen[bytes]:
        log = (self.root / log_name).open("ab")
        process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env={**os.environ})
        log.close()
        self.processes.append(process)
        return process

    def serve(self) -> subprocess.Popen[bytes]:
        return self._spawn(
            [str(BIN / "innovatum-admin"), "--db", str(self.db_path), "serve", "--broker", self.broker.url],
            "serve.log",
        )

    def add_kiosk(
        self, kiosk_id: str, group: str = "lobby", *, reload: bool = True, url: str = "", ca_file: str = ""
    ) -> Path:
        self.admin("kiosk", "add", kiosk_id, "--group", group)
        self.write_broker_config()
        if reload:
            self.broker.reload()
        config = self.root / f"{kiosk_id}.toml"
        self.admin(
            "kiosk",
            "config",
            kiosk_id,
            "--broker",
            url or self.broker.url,
            "--out",
            str(config),
            "--database",
            str(self.root / f"{kiosk_id}.db"),
            "--ca-file",
            ca_file,
        )
        return config

    def kiosk(self, kiosk_id: str) -> subprocess.Popen[bytes]:
        config = self.root / f"{kiosk_id}.toml"
        return self._spawn(
            [str(BIN / "innovatum-kiosk"), "--config", str(config), "--headless"], f"{kiosk_id}.log"
        )

    def dump(self, kiosk_id: str) -> dict[str, Any]:
        result = subprocess.run(
            [str(BIN / "innovatum-kiosk"), "dump", "--config", str(self.root / f"{kiosk_id}.toml")],
            capture_output=True,
            check=True,
        )
        return dict(json.loads(result.stdout))

    def content(self, kiosk_id: str) -> dict[str, Any]:
        """The part of `dump` that must equal `admin_state()`."""
        dump = self.dump(kiosk_id)
        return {"revision": dump["revision"], **{name: dump[name] for name in DUMP_LISTS.values()}}

    def wait_converged(self, kiosk_id: str, timeout: float = 60.0) -> dict[str, Any]:
        expected = self.admin_state()

        def converged() -> bool:
            try:
                return self.content(kiosk_id) == expected
            except subprocess.CalledProcessError:
                return False  # `dump` refuses a damaged replica (one line, exit 2) until the kiosk rebuilt it

        wait_until(converged, timeout, f"{kiosk_id} to converge")
        return expected

    def raw(self, role: str | None, subject: str = "", client_id: str = "raw") -> RawClient:
        if role == "admin":
            # The broker makes every client id its account's user name, so a test's observer must
            # not share `serve`'s account (it would push serve off): it gets an admin account of its own.
            username, password = self.extra_admin_account(f"{client_id}-{len(self.clients)}")
        else:
            username, password = self.account(role, subject) if role else (None, None)
        client = RawClient(self.port, username, password, f"{client_id}-{len(self.clients)}")
        self.clients.append(client)
        return client

    def log(self, name: str) -> str:
        path = self.root / name
        return path.read_text(errors="replace") if path.exists() else ""

    def close(self) -> None:
        for client in self.clients:
            with contextlib.suppress(Exception):  # already disconnected
                client.close()
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.broker.kill()
        shutil.rmtree(self.broker_dir, ignore_errors=True)


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    monkeypatch.delenv(store_db.ENV_VAR, raising=False)
    installation = Site(tmp_path)
    try:
        yield installation
    finally:
        installation.close()
