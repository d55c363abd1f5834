"""`innovatum demo` as a person runs it: in a real terminal (a pty rendered by pyte), with a second
terminal's `innovatum-admin` pushing an emergency that must take over the screen."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from innovatum.cli import main as innovatum_main
from tests.innovatum.terminal import BIN, COLUMNS, ROWS, Terminal


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
