"""`innovatum demo`: a broker, an admin node with the demo data and a kiosk, in one command.

Everything lives in one data directory (default: the platform's data dir for `innovatum-demo`), so a
second terminal can change the content with `innovatum-admin` and watch the screen follow:

    export INNOVATUM_ADMIN_DB=<data dir>/admin.db
    innovatum-admin announce push "Utrym byggnaden" --en "Leave the building" --priority emergency
"""

from __future__ import annotations

import logging
import shutil
import socket
import sqlite3
import threading
from pathlib import Path

import click
import platformdirs

from innovatum.demo_broker import DemoBroker, start_broker

KIOSK_ID = "demo-lobby"


def _admin(db: Path, *args: str) -> None:
    """Run an `innovatum-admin` command in this process; a failure stops the demo with its message."""
    from admin.cli import main as admin_main

    try:
        admin_main.main(["--db", str(db), "--actor", "demo", *args], standalone_mode=False)
    except click.ClickException as exc:
        raise click.ClickException(f"innovatum-admin {' '.join(args)}: {exc.format_message()}") from None


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
    default=lambda: platformdirs.user_data_dir("innovatum-demo"),
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
    if fresh and data_dir.exists():
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    db = data_dir / "admin.db"
    logging.basicConfig(
        filename=data_dir / "demo.log",
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    _admin(db, "init")
    _admin(db, "demo-data")
    if not _has_kiosk(db, KIOSK_ID):
        _admin(
            db,
            "kiosk",
            "add",
            KIOSK_ID,
            "--group",
            "lobby",
            "--location",
            "Entré",
            "--location-en",
            "Entrance",
        )
    if setup_only:
        click.echo(f"demo prepared in {data_dir}")
        return
    users = _broker_users(db)
    broker = start_broker(broker_kind, db, data_dir, free_port(), _admin, users)
    try:
        _run(db, data_dir, broker, users)
    finally:
        broker.stop()
    click.echo(f"The demo's data stays in {data_dir} (start over with --fresh).")


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
    click.echo(
        f"{broker.description} on {broker.url}. In a second terminal:\n"
        f"  export INNOVATUM_ADMIN_DB={db}\n"
        '  innovatum-admin announce push "Hej!" --en "Hello!" --priority warning'
    )
    try:
        config = kiosk_config.load(kiosk_toml)
        run_app(config, SyncClient(config), allow_quit=True)
    finally:
        stop.set()
        serving.join(timeout=5)
