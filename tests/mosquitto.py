"""A real Mosquitto for tests, run with the project's own generated configuration.

    broker = Mosquitto(conf_dir)      # a directory written by `innovatum-admin broker-config`
    broker.start(); broker.kill(); broker.restart(); broker.reload(); broker.stop()

Tests skip with a clear reason when the binary is missing, unless INNOVATUM_REQUIRE_MOSQUITTO=1 (CI),
where a missing broker is a failure: the broker paths must never silently go untested there.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from broker.mosquitto import CONF_NAME

REQUIRE_ENV = "INNOVATUM_REQUIRE_MOSQUITTO"


def mosquitto_binary() -> str | None:
    found = shutil.which("mosquitto")
    if found:
        return found
    return "/usr/sbin/mosquitto" if os.access("/usr/sbin/mosquitto", os.X_OK) else None


def require_mosquitto() -> str:
    binary = mosquitto_binary()
    if binary is None:
        message = "the mosquitto binary is not installed (apt-get install mosquitto)"
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(message)
        pytest.skip(message)
    return binary


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def broker_dir() -> Path:
    """A directory the broker can use even when the tests run as root.

    Started as root, mosquitto drops to the `mosquitto` user, which must reach the files; pytest's
    tmp_path is 0700, so the broker gets a 0755 directory of its own (caller removes it).
    """
    path = Path(tempfile.mkdtemp(prefix="innovatum-mosquitto-"))
    path.chmod(0o755)
    return path


class Mosquitto:
    def __init__(self, conf_dir: Path, port: int, host: str = "127.0.0.1") -> None:
        self.binary = require_mosquitto()
        self.conf_dir = conf_dir
        self.port = port
        self.host = host
        self.log_path = conf_dir / "mosquitto.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"mqtt://{self.host}:{self.port}"

    def start(self, timeout: float = 10.0) -> None:
        assert self.process is None, "already running"
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [self.binary, "-c", str(self.conf_dir / CONF_NAME)], stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"mosquitto exited: {self.log_path.read_text(errors='replace')[-2000:]}")
            try:
                with socket.create_connection((self.host, self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        self.kill()
        raise RuntimeError(f"mosquitto did not listen on {self.port} within {timeout} s")

    def stop(self) -> None:
        """SIGTERM: mosquitto saves its retained store and exits."""
        self._end(signal.SIGTERM)

    def kill(self) -> None:
        """SIGKILL: no save, no goodbye; whatever was not yet persisted is lost."""
        self._end(signal.SIGKILL)

    def restart(self, *, kill: bool = True) -> None:
        (self.kill if kill else self.stop)()
        self.start()

    def reload(self) -> None:
        """SIGHUP: mosquitto rereads the password file and the ACL."""
        assert self.process is not None
        self.process.send_signal(signal.SIGHUP)
        time.sleep(0.3)

    def _end(self, sig: signal.Signals) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(sig)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
