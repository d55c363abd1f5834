"""Wiring for `innovatum-kiosk web`: the token decision, the hub around the one sync client, the
session command, and one-line errors. kiosk/cli.py builds the sync client exactly as for a lobby
screen and hands it here; each session runs `python -m kiosk web-session`, which builds the app
exactly as for a lobby screen, with the hub's port in place of a sync client."""

from __future__ import annotations

import logging
import os
import secrets
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

import click

from kiosk.ports import SyncPort
from kiosk.web.hub import SyncHub
from kiosk.web.server import KioskWebServer, is_loopback, serve, start_lines


def session_command(config_path: Path) -> Callable[[Path], list[str]]:
    def command(hub_path: Path) -> list[str]:
        return [
            sys.executable,
            "-m",
            "kiosk",
            "web-session",
            "--config",
            str(config_path),
            "--hub",
            str(hub_path),
        ]

    return command


def run(
    config_path: Path,
    client: SyncPort,
    host: str,
    port: int,
    max_sessions: int,
    fail: Callable[[str], NoReturn],
) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    token = None if is_loopback(host) else secrets.token_urlsafe(18)
    server = KioskWebServer(
        session_command(config_path), SyncHub(client), token=token, max_sessions=max_sessions
    )

    def listening() -> None:
        for line in start_lines(host, port, token, max_sessions):
            click.echo(line)

    try:
        serve(server, host, port, on_listening=listening)
    except OSError as exc:
        reason = os.strerror(exc.errno) if exc.errno else str(exc)
        fail(f"cannot listen on {host} port {port}: {reason}")
    finally:
        client.stop()
