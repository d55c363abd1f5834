"""The headless kiosk under systemd's notify protocol: a real process, a real broker, a NOTIFY_SOCKET
this test creates (as systemd would for `Type=notify` with `WatchdogSec=`)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.kiosk.sync.conftest import BIN, Site, wait_until

pytestmark = pytest.mark.mosquitto


def test_headless_kiosk_notifies_ready_status_watchdog_and_stopping(site: Site, tmp_path: Path) -> None:
    config = site.add_kiosk("relay-1")
    site.admin("tenant", "add", "acme", "--name", "Acme AB")
    site.serve()
    path = str(tmp_path / "notify")
    lines: list[str] = []
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(path)
        sock.settimeout(0.2)

        def read() -> None:
            with contextlib.suppress(TimeoutError):
                lines.extend(sock.recv(4096).decode().splitlines())

        env = {**os.environ, "NOTIFY_SOCKET": path, "WATCHDOG_USEC": "2000000"}
        process = subprocess.Popen(
            [str(BIN / "innovatum-kiosk"), "--config", str(config), "--headless"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:

            def heard(predicate: Callable[[list[str]], bool]) -> bool:
                read()
                return predicate(lines)

            wait_until(lambda: heard(lambda got: "READY=1" in got), 30, "READY=1")
            wait_until(lambda: heard(lambda got: "STATUS=showing revision 1" in got), 30, "the revision")
            wait_until(lambda: heard(lambda got: got.count("WATCHDOG=1") >= 2), 30, "two pings")
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=15) == 0
            read()
            assert lines[-1] == "STOPPING=1"
        finally:
            if process.poll() is None:
                process.kill()
