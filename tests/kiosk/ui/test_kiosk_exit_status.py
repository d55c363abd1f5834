"""A kiosk screen that dies of an unexpected exception exits non-zero (issue 9, point 2).

Textual ends `App.run()` normally after an unhandled exception (traceback printed, `return_code` 1);
`innovatum-kiosk` used to exit 0 then, so systemd counted a clean stop instead of a failure. Here a
real `innovatum-kiosk --config FILE` process runs in a pseudo-terminal with one screen method made to
raise (the only fake: the fault itself), and its exit status is checked.
"""

from __future__ import annotations

import os
import pty
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner

from admin.cli import main as admin_main

CRASHING_KIOSK = """
import sys
from kiosk.ui.screens import attract

def boom(self):
    raise RuntimeError("injected fault")

attract.AttractScreen.compose = boom
from kiosk.cli import main
sys.argv = ["innovatum-kiosk", "--config", sys.argv[1]]
main()
"""


def _kiosk_config(tmp_path: Path) -> Path:
    runner = CliRunner()
    db = str(tmp_path / "admin.db")
    config = tmp_path / "lobby-1.toml"
    for args in (
        ["init"],
        ["kiosk", "add", "lobby-1", "--group", "lobby"],
        [
            *("kiosk", "config", "lobby-1", "--broker", "mqtt://127.0.0.1:9", "--out", str(config)),
            *("--database", str(tmp_path / "replica.db")),
        ],
    ):
        result = runner.invoke(admin_main, ["--db", db, *args])
        assert result.exit_code == 0, result.output
    return config


def test_a_screen_that_dies_exits_non_zero(tmp_path: Path) -> None:
    config = _kiosk_config(tmp_path)
    master, slave = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-c", CRASHING_KIOSK, str(config)],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        start_new_session=True,
        close_fds=True,
    )
    os.close(slave)
    output = b""
    deadline = time.monotonic() + 60
    try:
        while process.poll() is None and time.monotonic() < deadline:
            try:
                output += os.read(master, 65536)
            except OSError:
                time.sleep(0.05)
        assert process.poll() is not None, "the crashed kiosk did not exit"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(master)
    assert process.returncode != 0, output[-2000:]
    assert b"injected fault" in output
