"""`innovatum demo` as a person runs it: in a real terminal (a pty rendered by pyte), with a second
terminal's `innovatum-admin` pushing an emergency that must take over the screen."""

from __future__ import annotations

import fcntl
import os
import pty
import shutil
import signal
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Iterator
from pathlib import Path

import pyte
import pytest
from click.testing import CliRunner

from innovatum.cli import main as innovatum_main

BIN = Path(sys.executable).parent
COLUMNS, ROWS = 120, 36


class Terminal:
    """A pseudo-terminal with an emulator behind it, so assertions are on the screen a person sees."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.screen = pyte.Screen(COLUMNS, ROWS)
        self.stream = pyte.ByteStream(self.screen)
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
        self.process = subprocess.Popen(
            argv, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True, close_fds=True
        )
        os.close(slave)
        self.master = master
        os.set_blocking(master, False)

    def pump(self) -> None:
        while True:
            try:
                chunk = os.read(self.master, 65536)
            except (BlockingIOError, OSError):
                return
            if not chunk:
                return
            self.stream.feed(chunk)

    def text(self) -> str:
        return "\n".join(self.screen.display)

    def wait_for(self, needle: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.pump()
            shown = self.text()
            if needle in shown:
                return shown
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        raise AssertionError(f"{needle!r} never appeared on the screen; it shows:\n{self.text()}")

    def close(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        os.close(self.master)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "demo"


def test_setup_only_prepares_a_complete_installation(data_dir: Path) -> None:
    result = CliRunner().invoke(innovatum_main, ["demo", "--data-dir", str(data_dir), "--setup-only"])
    assert result.exit_code == 0, result.output
    assert (data_dir / "admin.db").exists()
    assert oct((data_dir / "admin.key").stat().st_mode & 0o777) == "0o600"
    again = CliRunner().invoke(innovatum_main, ["demo", "--data-dir", str(data_dir), "--setup-only"])
    assert again.exit_code == 0, again.output
    assert "no new revision" in again.output  # the demo data is idempotent


def _run_demo(data_dir: Path, broker: str) -> Iterator[Terminal]:
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": str(COLUMNS), "LINES": str(ROWS)}
    terminal = Terminal(
        [str(BIN / "innovatum"), "demo", "--data-dir", str(data_dir), "--broker", broker], env
    )
    try:
        yield terminal
    finally:
        terminal.close()


@pytest.mark.slow
@pytest.mark.parametrize("broker", ["embedded", "mosquitto"])
def test_demo_shows_an_emergency_pushed_from_a_second_terminal(data_dir: Path, broker: str) -> None:
    if broker == "mosquitto" and not (shutil.which("mosquitto") or Path("/usr/sbin/mosquitto").exists()):
        if os.environ.get("INNOVATUM_REQUIRE_MOSQUITTO") == "1":
            pytest.fail("mosquitto is required here but not installed")
        pytest.skip("mosquitto is not installed")
    for terminal in _run_demo(data_dir, broker):
        # The kiosk starts empty and bootstraps from the broker: the demo's announcement reaching the
        # banner proves content came through sync, not from a file left by an earlier run.
        before = terminal.wait_for("demoinstallation med fiktiva företag", timeout=60)
        assert "Utrymning" not in before
        assert (data_dir / "replica.db").exists()
        admin = subprocess.run(
            [
                str(BIN / "innovatum-admin"),
                "announce",
                "push",
                "Utrymning: lämna byggnaden",
                "--en",
                "Evacuation: leave the building",
                "--priority",
                "emergency",
            ],
            env={**os.environ, "INNOVATUM_ADMIN_DB": str(data_dir / "admin.db")},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert admin.returncode == 0, admin.stderr
        shown = terminal.wait_for("Utrymning: lämna byggnaden", timeout=30)
        assert terminal.process.poll() is None, "the demo must still be running"
        assert "lämna byggnaden" in shown
