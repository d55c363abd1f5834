"""`serve`, `publish --full` and `broker-config`: the admin node and its broker."""

from __future__ import annotations

import contextlib
import faulthandler
import fcntl
import io
import logging
import signal
import sys
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import FrameType
from typing import IO

import click
import sqlite_utils
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from admin.cli.common import Context, fail, out_option, pass_context, say
from admin.cli.tenants import tenant
from admin.content.english import counted
from admin.store.db import key_path
from admin.sync import accounts, anonymous, publisher
from admin.sync.serve import Server, calendar_poller
from broker import topics
from broker.bridge import bridge_section, bridge_username
from broker.client import BrokerSettings, BrokerUrlError, MqttClient, PublishFailed, TlsSetupError
from broker.keys import KeyFileError, load_private_key
from broker.mosquitto import Listeners, TlsFiles, unreachable_directory, write_config

CONNECT_TIMEOUT = 10.0
#: The client id of every one-shot command (publish, kiosk screenshot/identify/restart).


def _signing_key(ctx: Context) -> Ed25519PrivateKey:
    try:
        return load_private_key(key_path(ctx.db_path))
    except KeyFileError as exc:
        fail(f"{exc} (the signing key is created by `innovatum-admin init`)")


def _connection(ctx: Context, url: str, ca_file: str, use: accounts.AdminUse) -> accounts.AdminConnection:
    """The URL may carry user:password; otherwise the admin node's own account for `use`."""
    try:
        settings = BrokerSettings.from_url(url, ca_file=ca_file)
    except BrokerUrlError as exc:
        fail(str(exc))
    with ctx.database() as db:
        try:
            return accounts.admin_connection(db, settings, use)
        except accounts.NoAdminAccount as exc:
            fail(str(exc))


def _logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


broker_option = click.option(
    "--broker", "url", required=True, metavar="URL", help="mqtt://host:1883 or mqtts://host:8883."
)
ca_option = click.option("--ca-file", default="", help="CA bundle to verify the broker's TLS certificate.")


@click.command()
@broker_option
@ca_option
@click.option("-v", "--verbose", is_flag=True, help="Log every message.")
@pass_context
def serve(ctx: Context, url: str, ca_file: str, verbose: bool) -> None:
    """Run the admin node: publish every change, keep the retained state complete, track the fleet.

    Runs until SIGTERM or Ctrl-C. Changes committed by other innovatum-admin processes, or while the
    broker was down, are published too.
    """
    key = _signing_key(ctx)
    connection = _connection(ctx, url, ca_file, "serve")
    ctx.open().close()  # a missing or broken database is one error line now, not a thread's traceback
    lock = _single_instance(ctx.db_path)
    stop = threading.Event()
    try:
        server = Server(ctx.db_path, key, connection.settings, stop=stop, poll_calendars=calendar_poller())
    except TlsSetupError as exc:
        fail(str(exc))
    _logging(verbose)

    def on_signal(signum: int, frame: FrameType | None) -> None:
        # Not stop.set() here: the handler runs on the main thread, which may be inside stop.wait()
        # holding the event's lock, and would deadlock on it. A short-lived thread sets it instead.
        threading.Thread(target=stop.set, name="stop").start()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    with contextlib.suppress(OSError, ValueError, io.UnsupportedOperation):  # stderr is not a real file
        faulthandler.register(signal.SIGUSR1, all_threads=True)  # `kill -USR1`: every thread's stack
    anonymous.warn_in_background(connection.settings, lambda text: click.echo(f"warning: {text}", err=True))
    try:
        server.run()
    finally:
        lock.close()


def _single_instance(db_path: Path) -> IO[bytes]:
    """One `serve` per database: two would share one MQTT client id and keep disconnecting each other."""
    path = db_path.with_name(db_path.name + ".serve.lock")
    handle = path.open("ab")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        fail(f"another `innovatum-admin serve` is already running for {db_path}")
    return handle


@contextlib.contextmanager
def one_shot_client(
    ctx: Context, url: str, ca_file: str, connect_timeout: float, *, subscriptions: Iterable[str] = ()
) -> Iterator[MqttClient]:
    """The admin node's connection for a one-shot command: the one place such commands connect.

    `subscriptions` are made as part of connecting, so the broker has them before anything the
    command publishes (it handles one connection's packets in order).
    """
    connection = _connection(ctx, url, ca_file, "cli")
    settings = connection.settings
    try:
        client = MqttClient(settings, connection.client_id)
    except TlsSetupError as exc:
        fail(str(exc))
    for topic in subscriptions:
        client.subscribe(topic)
    client.start()
    try:
        if not client.wait_connected(connect_timeout):
            fail(client.last_error or f"cannot connect to {settings.url}")
        yield client
    finally:
        client.stop()


@click.command()
@broker_option
@ca_option
@click.option("--full", is_flag=True, help="Also republish every record and the head.")
@click.option(
    "--connect-timeout",
    default=CONNECT_TIMEOUT,
    show_default=True,
    type=click.FloatRange(0.1),
    metavar="SECONDS",
    help="How long to wait for the broker to accept the connection.",
)
@pass_context
def publish(ctx: Context, url: str, ca_file: str, full: bool, connect_timeout: float) -> None:
    """Publish what is pending once; with --full, republish the whole state (e.g. to a replaced broker)."""
    key = _signing_key(ctx)
    with one_shot_client(ctx, url, ca_file, connect_timeout) as client, ctx.database() as db:
        try:
            sent = publisher.publish_pending(db, key, client)
            head = publisher.publish_full(db, key, client) if full else None
        except PublishFailed as exc:
            fail(f"publishing failed: {exc}")
    say(f"published {counted(sent, 'pending revision')}")
    if head is not None:
        say(f"republished the full state: {counted(head.count, 'live record')}, revision {head.rev}")


@click.command("broker-config")
@out_option(
    "Directory for mosquitto.conf, the password file and the ACL (created if new; its parent must exist).",
    directory=True,
    required=True,
    dest="out_dir",
)
@click.option(
    "--port",
    default=1883,
    show_default=True,
    type=click.IntRange(1, 65535),
    help="Port of the plain (non-TLS) listener.",
)
@click.option("--bind", default=None, help="Address of the plain listener (default: all; loopback with TLS).")
@click.option(
    "--tls-cert",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="The server certificate (PEM): adds a TLS listener on --tls-port; needs --tls-key.",
)
@click.option(
    "--tls-key",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="The server certificate's private key (PEM), readable by the mosquitto group.",
)
@click.option(
    "--tls-ca",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="A CA certificate file (PEM) for the TLS listener (mosquitto's cafile); needs --tls-cert.",
)
@click.option(
    "--tls-port",
    default=8883,
    show_default=True,
    type=click.IntRange(1, 65535),
    help="Port of the TLS listener (with --tls-cert).",
)
@click.option("--user", "run_as", default=None, help="The user mosquitto runs as (its `user` option).")
@click.option(
    "--bridge", "bridge_name", default=None, metavar="NAME", help="Write a second site's broker, bridged."
)
@click.option("--remote", "remote_url", default=None, metavar="URL", help="With --bridge: the main broker.")
@click.option(
    "--remote-ca",
    default="",
    metavar="PATH",
    help="With --bridge: the main broker's CA, as a path on the site.",
)
@pass_context
def broker_config(
    ctx: Context,
    out_dir: Path,
    port: int,
    bind: str | None,
    tls_cert: Path | None,
    tls_key: Path | None,
    tls_ca: Path | None,
    tls_port: int,
    run_as: str | None,
    bridge_name: str | None,
    remote_url: str | None,
    remote_ca: str,
) -> None:
    """Write mosquitto.conf, the password file and the ACL for the admin node, kiosks and tenants.

    Rerun it after `kiosk add`/`kiosk remove` and reload mosquitto (SIGHUP) or restart it.

    With --bridge NAME --remote URL it writes the broker of a second site instead: the same accounts,
    plus a bridge that dials the main broker at URL as `bridge-NAME` and carries content in and kiosk
    status out. Rerun it without --bridge for the main broker afterwards, so that account exists there.
    """
    if (tls_cert is None) != (tls_key is None):
        fail("--tls-cert and --tls-key go together")
    if tls_ca is not None and tls_cert is None:
        fail("--tls-ca needs --tls-cert and --tls-key")
    if tls_cert is not None and tls_port == port:
        fail("--tls-port must differ from --port")
    if (bridge_name is None) != (remote_url is None):
        fail("--bridge and --remote go together")
    if remote_ca and bridge_name is None:
        fail("--remote-ca needs --bridge")
    tls = TlsFiles(tls_cert, tls_key, tls_ca) if tls_cert is not None and tls_key is not None else None
    bridge = ""
    with ctx.database() as db:
        accounts.ensure_accounts(db)
        if bridge_name is not None and remote_url is not None:
            bridge = _bridge(db, bridge_name, remote_url, remote_ca)
        everyone = accounts.all_accounts(db)
    try:
        files = write_config(
            out_dir, everyone, Listeners(port, bind, tls, tls_port), run_as=run_as, bridge=bridge
        )
    except OSError as exc:
        fail(f"cannot write {out_dir}: {exc.strerror or exc}")
    blocked = unreachable_directory(out_dir, run_as)
    if blocked is not None:
        click.echo(
            f"warning: mosquitto drops from root to its own user, which cannot enter {blocked}; "
            "choose a directory it can reach, or pass --user root",
            err=True,
        )
    kiosks = sum(1 for a in everyone if a.role == "kiosk")
    tenants = sum(1 for a in everyone if a.role == "tenant")
    say(
        f"wrote {files.conf} ({counted(kiosks, 'kiosk')}, {counted(tenants, 'tenant')}); "
        f"start it with: mosquitto -c {files.conf}"
    )
    if bridge_name is not None:
        say(
            f"it bridges to {remote_url} as {bridge_username(bridge_name)}: rerun broker-config for the "
            "main broker and reload it, so that account can log in there"
        )


def _bridge(db: sqlite_utils.Database, name: str, url: str, ca_file: str) -> str:
    try:
        topics.safe_id(name)
        remote = BrokerSettings.from_url(url)
    except (ValueError, BrokerUrlError) as exc:
        fail(str(exc))
    if remote.username or remote.password:
        fail("leave credentials out of --remote: the bridge gets its own account")
    if ca_file and not ca_file.startswith("/"):
        fail("--remote-ca must be an absolute path (on the site's machine)")
    try:
        return bridge_section(name, remote, accounts.bridge_password(db, name, remote.url), ca_file)
    except ValueError as exc:
        fail(f"--remote-ca: {exc}")


@click.command("credentials")
@click.argument("slug")
@pass_context
def tenant_credentials(ctx: Context, slug: str) -> None:
    """A granted tenant's broker account: it may publish only on its own request topic."""
    with ctx.database() as db:
        if db.execute("SELECT 1 FROM tenants WHERE slug = ?", (slug,)).fetchone() is None:
            fail(f"no tenant {slug!r}")
        account = accounts.tenant_account(db, slug)
    if account is None:
        fail(f"tenant {slug!r} has no broker access (give it with `innovatum-admin tenant grant {slug}`)")
    say(f"username: {account.username}")
    say(f"password: {account.password}")
    say(f"topic:    {topics.request(slug)}")


def register(main: click.Group) -> None:
    main.add_command(serve)
    main.add_command(publish)
    main.add_command(broker_config)
    tenant.add_command(tenant_credentials)
