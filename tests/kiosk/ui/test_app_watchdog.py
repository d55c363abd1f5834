"""The kiosk speaks systemd's notify protocol: READY=1, WATCHDOG=1 from the Textual event loop, STATUS=
with its revision. The test is systemd's side: it creates the NOTIFY_SOCKET and reads the datagrams."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.notify import Notifier
from tests.kiosk.ui.conftest import AppFactory
from tests.kiosk.ui.fixtures import FakeSyncPort


@pytest.fixture
def notify_socket(tmp_path: Path) -> Iterator[tuple[socket.socket, str]]:
    path = str(tmp_path / "notify")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.setblocking(False)
    yield sock, path
    sock.close()


def received(sock: socket.socket) -> list[str]:
    """Every datagram waiting now (without waiting for more)."""
    lines = []
    while True:
        try:
            lines.extend(sock.recv(4096).decode().splitlines())
        except BlockingIOError:
            return lines


def test_pings_come_from_the_event_loop_and_stop_while_it_is_blocked(
    make_app: AppFactory, port: FakeSyncPort, notify_socket: tuple[socket.socket, str]
) -> None:
    sock, path = notify_socket
    # WatchdogSec=0.2 s: a ping every 0.1 s.
    app = make_app(notifier=Notifier({"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "200000"}))

    async def scenario() -> None:
        async with app.run_test() as pilot:
            await pilot.pause(0.5)
            first = received(sock)
            assert "READY=1" in first and "STATUS=showing the replica, waiting for the broker" in first
            assert first.count("WATCHDOG=1") >= 2

            port.emit("applied", 42, count=5)  # a burst: one refresh, the newest revision
            await pilot.pause(0.3)
            assert "STATUS=showing revision 46" in received(sock)

            # A frozen UI: the loop is blocked for ten watchdog intervals and not one ping goes out.
            received(sock)
            time.sleep(1.0)
            assert received(sock) == []

            await pilot.pause(0.5)  # the loop runs again: so do the pings
            assert "WATCHDOG=1" in received(sock)

    asyncio.run(scenario())


def test_without_systemd_nothing_is_sent(make_app: AppFactory) -> None:
    app = make_app()
    assert app.notifier.enabled is False and app.notifier.interval is None

    async def scenario() -> None:
        async with app.run_test() as pilot:
            await pilot.pause(0.2)

    asyncio.run(scenario())


def test_an_abstract_socket_name_and_a_missing_watchdog() -> None:
    name = f"innovatum-test-{time.monotonic_ns()}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind("\0" + name)
        notifier = Notifier({"NOTIFY_SOCKET": "@" + name})
        assert notifier.interval is None  # no WatchdogSec=: READY and STATUS only
        notifier.ready("x")
        assert sock.recv(100) == b"READY=1\nSTATUS=x"
    assert Notifier({"NOTIFY_SOCKET": "/nonexistent/socket"}).send("READY=1") is False
