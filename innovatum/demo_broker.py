"""The demo's broker: Mosquitto with the project's own generated config when it is installed (the real
thing), otherwise the embedded broker (a convenience for a laptop without Mosquitto).

Mosquitto never outlives the demo: it runs in its own session, so the terminal's signals (ctrl+c, the
hang-up when the window closes) reach only the demo, which stops it; and on Linux it is told to end when
its parent dies, so even a demo killed with SIGKILL leaves no broker behind.
"""

from __future__ import annotations

import ctypes
import getpass
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from broker.embedded import EmbeddedBroker
from innovatum.errors import DemoError


@dataclass
class DemoBroker:
    url: str
    description: str
    stop: Callable[[], None]


def _mosquitto_binary() -> str | None:
    return shutil.which("mosquitto") or next(
        (p for p in ("/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto") if Path(p).exists()), None
    )


def _wait_listening(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise DemoError(f"mosquitto exited at start (see {log})")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise DemoError(f"mosquitto did not listen on port {port} within 10 s (see {log})")


PR_SET_PDEATHSIG = 1


def _end_with_parent() -> None:
    """In the child before exec: SIGTERM when the demo dies (Linux; elsewhere the demo's stop() only)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def start_broker(
    kind: str, db: Path, data_dir: Path, port: int, admin: Callable[..., object], users: dict[str, str]
) -> DemoBroker:
    binary = _mosquitto_binary() if kind in ("auto", "mosquitto") else None
    if kind == "mosquitto" and binary is None:
        raise DemoError("--broker mosquitto: no mosquitto binary found (apt-get install mosquitto)")
    url = f"mqtt://127.0.0.1:{port}"
    if binary is None:
        embedded = EmbeddedBroker("127.0.0.1", port, users=users).start()
        return DemoBroker(url, "Embedded broker", embedded.stop)
    conf_dir = data_dir / "mosquitto"
    # Started as root, mosquitto drops to the `mosquitto` user, which cannot read a password file in
    # a private home directory; the demo broker runs as whoever runs the demo.
    admin(
        db,
        "broker-config",
        "--out",
        str(conf_dir),
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--user",
        getpass.getuser(),
    )
    log = data_dir / "mosquitto.log"
    with log.open("ab") as out:
        process = subprocess.Popen(
            [binary, "-c", str(conf_dir / "mosquitto.conf")],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_end_with_parent,  # safe: no thread of the demo runs yet
        )
    _wait_listening(port, process, log)

    def stop() -> None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()

    return DemoBroker(url, "Mosquitto", stop)
