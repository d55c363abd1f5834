"""`innovatum demo`: a broker, an admin node with the demo data and a kiosk, in one command.

Everything lives in one data directory (default: the platform's data dir for `innovatum-demo`), so a
second terminal can change the content with `innovatum-admin` and watch the screen follow (the demo
prints how, before and after its screen: `demo_hints`).

Invariants: one demo per data directory (`demo_lock`); however the demo ends (ctrl+q, ctrl+c, SIGTERM,
the terminal closing: SIGHUP), the broker it started is stopped and the terminal is restored. While
the kiosk screen runs, the app turns those signals into a clean exit (`kiosk.ui.signals`); before and
after it, `_ending_signals` turns them into `DemoEnded`, which unwinds through the `finally` blocks.
The admin commands the demo runs for itself keep their output in demo.log: their hints (reload
Mosquitto, write a kiosk config) are for a real installation, not for the demo.
"""

from __future__ import annotations

import contextlib
import io
import logging
import shlex
import shutil
import signal
import socket
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

import click
import platformdirs

from innovatum import demo_hints
from innovatum.demo_broker import DemoBroker, start_broker
from innovatum.demo_lock import LOCK_NAME, DemoLock
from innovatum.errors import DemoError

KIOSK_ID = "demo-lobby"
DATA_NAME = "innovatum-demo"
log = logging.getLogger("innovatum.demo")


class DemoEnded(Exception):
    """A signal asked the demo to end outside the kiosk screen."""


def _end(signum: int, frame: FrameType | None) -> None:
    raise DemoEnded(signal.Signals(signum).name)


@contextlib.contextmanager
def _ending_signals() -> Iterator[None]:
    """SIGTERM and SIGHUP end the demo through its `finally` blocks instead of killing it."""
    previous = {sig: signal.signal(sig, _end) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _admin(db: Path, *args: str) -> str:
    """Run an `innovatum-admin` command in this process; its output goes to demo.log (and is returned),
    and a failure stops the demo with its message."""
    from admin.cli import main as admin_main

    output = io.StringIO()
    try:
        with contextlib.redirect_stdout(output):
            admin_main.main(["--db", str(db), "--actor", "demo", *args], standalone_mode=False)
    except click.ClickException as exc:
        raise DemoError(f"innovatum-admin {' '.join(args)}: {exc.format_message()}") from None
    finally:
        log.info("innovatum-admin %s\n%s", " ".join(args), output.getvalue().rstrip())
    return output.getvalue()


def _has_kiosk(db: Path, kiosk_id: str) -> bool:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT 1 FROM kiosks WHERE id = ?", (kiosk_id,)).fetchone() is not None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="innovatum-kiosk")
def main() -> None:
    """Innovatum Kiosk: lobby screens for the Innovatum science park."""


@main.command()
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=lambda: platformdirs.user_data_dir(DATA_NAME),
    show_default="the platform's data directory for innovatum-demo",
    help="Where the demo keeps its admin database, keys, broker config and kiosk replica.",
)
@click.option(
    "--broker",
    "broker_kind",
    type=click.Choice(["auto", "mosquitto", "embedded"]),
    default="auto",
    show_default=True,
    help="auto: a local Mosquitto when one is installed, else the embedded broker.",
)
@click.option("--fresh", is_flag=True, help="Forget the previous demo's data first.")
@click.option("--setup-only", is_flag=True, help="Prepare everything and print the paths; start nothing.")
def demo(data_dir: Path, broker_kind: str, fresh: bool, setup_only: bool) -> None:
    """Run the demo: broker, admin node with demo data, and a kiosk in this terminal."""
    lock = DemoLock(data_dir).acquire()
    try:
        with _ending_signals():
            _demo(data_dir, broker_kind, fresh, setup_only)
    except (DemoEnded, KeyboardInterrupt):
        _say_safely("The demo was stopped.")
    finally:
        lock.release()


def _demo(data_dir: Path, broker_kind: str, fresh: bool, setup_only: bool) -> None:
    if fresh:  # everything but the lock this process holds
        for entry in data_dir.iterdir():
            if entry.name != LOCK_NAME:
                if entry.is_dir():
                    shutil.rmtree(entry)
                else:
                    entry.unlink()
    db = data_dir / "admin.db"
    logging.basicConfig(
        filename=data_dir / "demo.log",
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    _admin(db, "init")
    loaded = _admin(db, "demo-data")
    if not _has_kiosk(db, KIOSK_ID):
        _admin(db, "kiosk", "add", KIOSK_ID, "--group", "lobby", "--location", "Entré")
    if setup_only:
        click.echo(f"{loaded}demo prepared in {data_dir}")
        return
    users = _broker_users(db)
    broker = start_broker(broker_kind, db, data_dir, free_port(), _admin, users)
    try:
        _run(db, data_dir, broker, users)
    finally:
        broker.stop()
        # Again after the screen: what was printed before it is gone from view.
        default = Path(platformdirs.user_data_dir(DATA_NAME))
        again = "" if data_dir.resolve() == default.resolve() else f" --data-dir {shlex.quote(str(data_dir))}"
        _say_safely(demo_hints.ended(db, again))


def _say_safely(text: str) -> None:
    """Print, unless the terminal is gone (the demo ends because it was closed)."""
    with contextlib.suppress(OSError):
        click.echo(text)


def _broker_users(db: Path) -> dict[str, str]:
    """Every account the broker knows (admin node, kiosks, tenants); the demo's broker refuses others."""
    from admin.store import db as store_db
    from admin.sync import accounts

    conn = store_db.connect(db)
    try:
        accounts.ensure_accounts(conn)
        return {account.username: account.password for account in accounts.all_accounts(conn)}
    finally:
        conn.close()


def _run(db: Path, data_dir: Path, broker: DemoBroker, users: dict[str, str]) -> None:
    from admin.store.db import key_path
    from admin.sync.serve import Server
    from broker.client import BrokerSettings
    from broker.keys import load_private_key
    from broker.mosquitto import ADMIN_USERNAME
    from kiosk import config as kiosk_config
    from kiosk.sync.client import SyncClient
    from kiosk.ui.app import run_app

    kiosk_toml = data_dir / "kiosk.toml"
    _admin(
        db,
        "kiosk",
        "config",
        KIOSK_ID,
        "--broker",
        broker.url,
        "--out",
        str(kiosk_toml),
        "--database",
        str(data_dir / "replica.db"),
    )
    settings = BrokerSettings.from_url(broker.url, ADMIN_USERNAME, users[ADMIN_USERNAME])
    stop = threading.Event()
    server = Server(db, load_private_key(key_path(db)), settings, stop=stop)
    serving = threading.Thread(target=server.run, name="admin-serve", daemon=True)
    serving.start()
    click.echo(demo_hints.starting(db, f"{broker.description} on {broker.url}"))
    try:
        config = kiosk_config.load(kiosk_toml)
        run_app(config, SyncClient(config), allow_quit=True)
    finally:
        stop.set()
        serving.join(timeout=5)
