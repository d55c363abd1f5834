"""`kiosk add/remove/config` and `kiosks`: the screens, their broker accounts and their health."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from admin.cli.common import Context, fail, local_time, out_option, pass_context, print_json, print_table, say
from admin.content import validate
from admin.store.db import key_path
from admin.sync import fleet as fleet_status
from admin.sync.bundle import KIOSK_CA_PATH, PEM_BEGIN, bundle_bytes
from broker import topics
from broker.client import BrokerSettings, BrokerUrlError
from broker.keys import KeyFileError, load_private_key, public_key_b64
from broker.mosquitto import kiosk_username
from broker.passwords import generate_password
from broker.times import now_iso

DEFAULT_REPLICA = "/var/lib/innovatum-kiosk/replica.db"


def _kiosk_id(value: str) -> str:
    try:
        return topics.safe_id(value)
    except ValueError as exc:
        fail(str(exc))


@click.group()
def kiosk() -> None:
    """Add, remove and configure kiosks (screens)."""


@kiosk.command("add")
@click.argument("kiosk_id", metavar="ID")
@click.option("--group", "group", required=True, help="Announcements can target a group of kiosks.")
@click.option("--location", default="", help="Where it stands, for people.")
@pass_context
def add(ctx: Context, kiosk_id: str, group: str, location: str) -> None:
    """Register a kiosk and give it its own broker password."""
    kiosk_id = _kiosk_id(kiosk_id)
    try:
        group = topics.safe_id(group)
    except ValueError as exc:
        fail(f"--group: {exc}")
    try:
        location = validate.text(location, "--location", validate.SHORT_MAX)
    except validate.Invalid as exc:
        fail(str(exc))
    with ctx.database() as db:
        if db.execute("SELECT 1 FROM kiosks WHERE id = ?", (kiosk_id,)).fetchone():
            fail(f"kiosk {kiosk_id!r} already exists")
        db.execute(
            'INSERT INTO kiosks (id, "group", location, password, created_at) VALUES (?, ?, ?, ?, ?)',
            (kiosk_id, group, location, generate_password(), now_iso()),
        )
    say(f"added kiosk {kiosk_id}: rerun `innovatum-admin broker-config` and reload mosquitto, then")
    say(f"write its config with `innovatum-admin kiosk config {kiosk_id} --broker URL --out FILE`")


@kiosk.command("remove")
@click.argument("kiosk_id", metavar="ID")
@pass_context
def remove(ctx: Context, kiosk_id: str) -> None:
    """Forget a kiosk; it is locked out once broker-config is rerun and mosquitto reloaded."""
    kiosk_id = _kiosk_id(kiosk_id)
    with ctx.database() as db:
        if db.execute("DELETE FROM kiosks WHERE id = ?", (kiosk_id,)).rowcount == 0:
            fail(f"no kiosk {kiosk_id!r}")
    say(f"removed kiosk {kiosk_id}: rerun `innovatum-admin broker-config` and reload mosquitto")


def _toml(value: str) -> str:
    # JSON's string escapes (\\ \" \n \uXXXX) are all valid in a TOML basic string.
    return json.dumps(value, ensure_ascii=False)


def config_text(
    *,
    kiosk_id: str,
    group: str,
    location: str,
    database: str,
    broker_url: str,
    password: str,
    ca_file: str,
    public_key: str,
) -> str:
    return "\n".join(
        [
            f"# innovatum-kiosk config for {kiosk_id}, written by `innovatum-admin kiosk config`.",
            "# It holds this kiosk's broker password: keep it mode 0600.",
            "",
            "[kiosk]",
            f"id = {_toml(kiosk_id)}",
            f"group = {_toml(group)}",
            f"location = {_toml(location)}",
            f"database = {_toml(database)}",
            'language = "sv"',
            "idle_timeout = 90",
            "",
            "[broker]",
            f"url = {_toml(broker_url)}",
            f"username = {_toml(kiosk_username(kiosk_id))}",
            f"password = {_toml(password)}",
            f"ca_file = {_toml(ca_file)}",
            "",
            "[trust]",
            f"admin_public_key = {_toml(public_key)}",
            "",
        ]
    )


def _write_secret(path: Path, text: str) -> None:
    _write_secret_bytes(path, text.encode("utf-8"))


def _write_secret_bytes(path: Path, data: bytes) -> None:
    """Mode 0600 from the first byte; replaced atomically so a running kiosk never reads half a file."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.unlink(missing_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        fail(f"cannot write {path}: {exc.strerror or exc}")


@kiosk.command("config")
@click.argument("kiosk_id", metavar="ID")
@click.option("--broker", "url", required=True, metavar="URL", help="How the kiosk reaches the broker.")
@out_option("Write the config to FILE (mode 0600) instead of stdout.")
@click.option("--database", default=DEFAULT_REPLICA, show_default=True, help="The kiosk's replica file.")
@click.option("--ca-file", default="", help="CA bundle on the kiosk for mqtts://.")
@click.option(
    "--bundle",
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    default=None,
    help="Write one file for install-kiosk.sh: the config and the CA certificate (- for stdout).",
)
@click.option(
    "--ca-cert",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="With --bundle: the CA certificate (on this machine) that signed the broker's certificate.",
)
@pass_context
def config(
    ctx: Context,
    kiosk_id: str,
    url: str,
    out: Path | None,
    database: str,
    ca_file: str,
    bundle: Path | None,
    ca_cert: Path | None,
) -> None:
    """Write the kiosk's TOML config: broker URL, its credentials, the admin public key, its database.

    With --bundle, one file with the config and the CA certificate, which install-kiosk.sh takes as
    its only argument.
    """
    kiosk_id = _kiosk_id(kiosk_id)
    if bundle is not None and (out is not None or ca_file):
        fail("--bundle replaces --out and --ca-file (the bundle carries the CA)")
    if ca_cert is not None and bundle is None:
        fail("--ca-cert needs --bundle")
    ca_pem = _read_ca(ca_cert) if ca_cert is not None else None
    if ca_pem is not None:
        ca_file = KIOSK_CA_PATH
    try:
        settings = BrokerSettings.from_url(url)
    except BrokerUrlError as exc:
        fail(str(exc))
    if settings.username or settings.password:
        fail("leave credentials out of --broker: the kiosk gets its own")
    try:
        public_key = public_key_b64(load_private_key(key_path(ctx.db_path)))
    except KeyFileError as exc:
        fail(str(exc))
    with ctx.database() as db:
        row = db.execute(
            'SELECT "group", location, password FROM kiosks WHERE id = ?', (kiosk_id,)
        ).fetchone()
    if row is None:
        fail(f"no kiosk {kiosk_id!r} (add it with `innovatum-admin kiosk add`)")
    text = config_text(
        kiosk_id=kiosk_id,
        group=row[0],
        location=row[1],
        database=database,
        broker_url=settings.url,
        password=row[2],
        ca_file=ca_file,
        public_key=public_key,
    )
    if bundle is not None:
        _write_bundle(bundle, bundle_bytes(text, ca_pem))
    elif out is None:
        click.echo(text, nl=False)
    else:
        _write_secret(out, text)
        say(f"wrote {out}")


def _read_ca(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except OSError as exc:
        fail(f"cannot read {path}: {exc.strerror or exc}")
    if PEM_BEGIN not in data:
        fail(f"{path} is not a PEM certificate")
    return data


def _write_bundle(path: Path, data: bytes) -> None:
    if str(path) == "-":
        stdout = sys.stdout.buffer
        if stdout.isatty():
            fail("the bundle is binary: redirect it to a file (--bundle - > lobby-1.kiosk)")
        stdout.write(data)
        stdout.flush()
        return
    _write_secret_bytes(path, data)
    say(f"wrote {path}: copy it to the kiosk and run deploy/install-kiosk.sh {path.name}")


def _uptime(seconds: float | None) -> str:
    if seconds is None:
        return ""
    minutes, _ = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    return f"{days}d {hours}h" if days else f"{hours}h {minutes:02d}m"


@click.command("kiosks")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_context
def kiosks(ctx: Context, as_json: bool) -> None:
    """The fleet: who is online, how far behind, what it shows.

    Flags: STALE (online but silent), FLAPPING (reconnecting again and again), BEHIND (its replica
    reports it is not complete, e.g. a full disk). "last seen" is its last status report; "last
    answer" the last time it answered a remote command (screenshot, identify, restart).
    """
    with ctx.database() as db:
        states = fleet_status.fleet(db)
    if as_json:
        print_json(state.as_json() for state in states)
        return
    print_table(
        "Kiosks",
        (
            "id",
            "group",
            "online",
            "revision",
            "lag",
            "version",
            "uptime",
            "last seen",
            "last answer",
            "screen",
        ),
        (
            (
                s.id,
                s.group,
                s.health,
                s.applied_rev,
                s.lag,
                s.version,
                _uptime(s.uptime),
                local_time(s.last_seen),
                local_time(s.last_answer),
                s.screen,
            )
            for s in states
        ),
    )


def register(main: click.Group) -> None:
    main.add_command(kiosk)
    main.add_command(kiosks)
