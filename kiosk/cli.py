"""`innovatum-kiosk`: the composition root of a kiosk.

    innovatum-kiosk --config FILE              the lobby screen (Textual), syncing in the background
    innovatum-kiosk --config FILE --headless   sync only: a relay, a monitor, the load benchmark's unit
    innovatum-kiosk dump --config FILE         the replica as JSON (no broker needed)
    innovatum-kiosk web --config FILE          the kiosk in browsers (kiosk/web), sharing one sync client

The headless path never imports Textual; the UI is imported only when a screen is wanted.
"""

from __future__ import annotations

import json
import logging
import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, NoReturn

import click

from kiosk import config as kiosk_config
from kiosk.ports import SyncEvent, SyncPort
from kiosk.web import DEFAULT_MAX_SESSIONS

if TYPE_CHECKING:
    from kiosk.sync.client import SyncClient

log = logging.getLogger("kiosk")

CONFIG_EXIT = 2


def _fail(message: str) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(CONFIG_EXIT)


def _load(path: Path) -> kiosk_config.KioskConfig:
    try:
        return kiosk_config.load(path)
    except kiosk_config.ConfigError as exc:
        _fail(str(exc))


config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The kiosk's TOML config (written by `innovatum-admin kiosk config`).",
)


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@config_option
@click.option("--headless", is_flag=True, help="Sync without a screen.")
@click.option("-v", "--verbose", is_flag=True, help="Log more (headless).")
@click.version_option(package_name="innovatum-kiosk")
@click.pass_context
def main(ctx: click.Context, config_path: Path | None, headless: bool, verbose: bool) -> None:
    """An Innovatum lobby screen."""
    if ctx.invoked_subcommand is not None:
        return
    if config_path is None:
        _fail("--config FILE is required")
    config = _load(config_path)
    if headless:
        _run_headless(config, verbose)
    else:
        _run_screen(config)


def _sync_client(config: kiosk_config.KioskConfig) -> SyncClient:
    from kiosk.sync.client import SyncClient

    try:
        return SyncClient(config)
    except kiosk_config.ConfigError as exc:
        _fail(str(exc))
    except Exception as exc:  # an unreadable or corrupt replica file: one line, not a traceback
        _fail(f"cannot open the replica {config.database}: {exc}")


def _run_headless(config: kiosk_config.KioskConfig, verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    from kiosk.notify import Notifier, revision_status
    from kiosk.sync.commands import run_headless

    client = _sync_client(config)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        # Not stop.set() here: the handler runs on the main thread, which may be inside stop.wait()
        # holding the event's lock, and would deadlock on it. A short-lived thread sets it instead.
        threading.Thread(target=stop.set, name="stop").start()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    def on_event(event: SyncEvent) -> None:
        if event.kind == "applied":
            log.info("applied revision %d", event.revision)
        elif event.command is not None:
            run_headless(event.command, client, stop.set)
        else:
            log.info("%s", event.kind)

    log.info("kiosk %s syncing from %s", config.kiosk_id, config.broker.url)
    notifier = Notifier()  # systemd: READY, then WATCHDOG from this loop and STATUS with the revision
    client.start(on_event)
    notifier.ready(revision_status(client.replica.applied_revision))
    try:
        while not stop.wait(1.0):
            notifier.ping_if_due()
            notifier.status(revision_status(client.replica.applied_revision))
    finally:
        notifier.stopping()
        client.stop()
        log.info("stopped at revision %d", client.replica.applied_revision)


def _run_screen(config: kiosk_config.KioskConfig, port: SyncPort | None = None) -> None:
    """The app on this terminal (or a browser session's, with the web server's `port`)."""
    from kiosk.ui.app import run_app  # Textual only when there is a screen

    port = port or _sync_client(config)
    try:
        status = run_app(config, port)
    finally:
        port.stop()
    if status:  # the screen died of an unexpected exception: systemd must count a failure, not a stop
        sys.exit(status)


@main.command()
@config_option
def dump(config_path: Path | None) -> None:
    """Print the replica as JSON: revision, the records of each kind, and the dropped-message counts."""
    if config_path is None:
        _fail("--config FILE is required")
    config = _load(config_path)
    from kiosk.sync.client import open_replica

    try:
        replica = open_replica(config)
    except kiosk_config.ConfigError as exc:
        _fail(str(exc))
    except Exception as exc:
        _fail(f"cannot open the replica {config.database}: {exc}")
    try:
        click.echo(json.dumps(replica.dump(), ensure_ascii=False, indent=2, sort_keys=True))
    finally:
        replica.close()


@main.command()
@config_option
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; any but loopback requires the token link printed at start.",
)
@click.option("--port", type=click.IntRange(1, 65535), default=8080, show_default=True, help="TCP port.")
@click.option(
    "--max-sessions",
    type=click.IntRange(1, 64),
    default=DEFAULT_MAX_SESSIONS,
    show_default=True,
    help="Browser sessions at once (each is one kiosk app process).",
)
def web(config_path: Path | None, host: str, port: int, max_sessions: int) -> None:
    """The kiosk in a browser: each tab its own session, all sharing one sync client and replica."""
    if config_path is None:
        _fail("--config FILE is required")
    config = _load(config_path)
    from kiosk.web import launch

    launch.run(config_path.resolve(), _sync_client(config), host, port, max_sessions, _fail)


@main.command("web-session", hidden=True)
@config_option
@click.option(
    "--hub", "hub_path", type=click.Path(path_type=Path), required=True, help="The sync hub's socket."
)
def web_session(config_path: Path | None, hub_path: Path) -> None:
    """One browser session's kiosk app (`web` starts these; not for use by hand)."""
    if config_path is None:
        _fail("--config FILE is required")
    from kiosk.web.hub import HubPort

    _run_screen(_load(config_path), HubPort(hub_path))
