"""However the demo ends (ctrl+c, `kill -TERM`, the terminal closing, even SIGKILL), its Mosquitto ends
with it, and the terminal is given back as it was (out of the alternate screen, echo on) with the hints
printed where they can be read. A second demo on the same data directory refuses with one line.

Each test runs the real `innovatum demo` in a pty with the real Mosquitto it starts."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import termios
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from innovatum.demo_lock import DemoLock
from tests.innovatum.terminal import BIN, COLUMNS, ROWS, Terminal

ALT_SCREEN_ON, ALT_SCREEN_OFF = b"\x1b[?1049h", b"\x1b[?1049l"


def _require_mosquitto() -> None:
    if shutil.which("mosquitto") or Path("/usr/sbin/mosquitto").exists():
        return
    if os.environ.get("INNOVATUM_REQUIRE_MOSQUITTO") == "1":
        pytest.fail("mosquitto is required here but not installed")
    pytest.skip("mosquitto is not installed")


def _brokers_of(data_dir: Path) -> list[int]:
    """The pids of Mosquitto processes running on this demo's config."""
    conf = str(data_dir / "mosquitto" / "mosquitto.conf").encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            state = (entry / "stat").read_text().split(") ", 1)[1].split()[0]
        except OSError:
            continue
        if conf in cmdline.split(b"\0") and state != "Z":
            found.append(int(entry.name))
    return found


def _gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].split()[0]
        except OSError:
            return True
        if state == "Z":  # ended, waiting for init to reap it: no broker any more
            return True
        time.sleep(0.1)
    return False


def _wait_exit(terminal: Terminal, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if terminal.master >= 0:
            terminal.pump()
        code = terminal.process.poll()
        if code is not None:
            if terminal.master >= 0:
                terminal.pump()
            return code
        time.sleep(0.1)
    raise AssertionError(f"the demo did not end within {timeout} s; the screen shows:\n{terminal.text()}")


@pytest.fixture
def running_demo(tmp_path: Path) -> Iterator[tuple[Terminal, Path, int]]:
    """A demo on Mosquitto showing its kiosk screen, with the pid of its broker."""
    _require_mosquitto()
    data_dir = tmp_path / "demo"
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": str(COLUMNS), "LINES": str(ROWS)}
    terminal = Terminal(
        [str(BIN / "innovatum"), "demo", "--data-dir", str(data_dir), "--broker", "mosquitto"], env
    )
    try:
        terminal.wait_for("demoinstallation med fiktiva företag", timeout=60)
        brokers = _brokers_of(data_dir)
        assert len(brokers) == 1, brokers
        yield terminal, data_dir, brokers[0]
    finally:
        for pid in _brokers_of(data_dir):  # only if a test failed: never leave a broker behind
            os.kill(pid, signal.SIGKILL)
        terminal.close()


@pytest.mark.slow
@pytest.mark.parametrize("ending", ["ctrl+c", "ctrl+q", "SIGTERM", "SIGHUP"])
def test_the_demo_ends_cleanly_and_gives_the_terminal_back(
    running_demo: tuple[Terminal, Path, int], ending: str
) -> None:
    terminal, data_dir, broker = running_demo
    if ending.startswith("SIG"):  # `kill -TERM`, or `kill -HUP` with the terminal still there
        terminal.process.send_signal(getattr(signal, ending))
    else:
        os.write(terminal.master, b"\x03" if ending == "ctrl+c" else b"\x11")
    assert _wait_exit(terminal, timeout=30) == 0
    assert _gone(broker, timeout=10), "the demo's Mosquitto outlived it"

    raw = bytes(terminal.raw)
    assert raw.rfind(ALT_SCREEN_OFF) > raw.rfind(ALT_SCREEN_ON) >= 0, "left in the alternate screen"
    after = raw[raw.rfind(ALT_SCREEN_OFF) :].decode("utf-8", "replace")
    assert "The demo has stopped, and its broker with it." in after
    assert f"innovatum demo --data-dir {data_dir}    " in after  # how to start this one again
    assert f"export INNOVATUM_ADMIN_DB={data_dir / 'admin.db'}" in after
    assert "innovatum-admin tenant edit forsvik-energilabb --hiring" in after
    assert "mosquitto" not in after.lower()  # nothing about reloading or starting a broker by hand
    lflag = termios.tcgetattr(terminal.master)[3]
    assert lflag & termios.ECHO and lflag & termios.ICANON, "echo and line editing are back"


@pytest.mark.slow
def test_closing_the_terminal_ends_the_demo_and_its_broker(running_demo: tuple[Terminal, Path, int]) -> None:
    terminal, _data_dir, broker = running_demo
    # What the kernel does when a terminal window closes: the pty goes away and its processes get SIGHUP.
    os.close(terminal.master)
    terminal.master = -1
    os.killpg(terminal.process.pid, signal.SIGHUP)
    assert _wait_exit(terminal, timeout=30) == 0
    assert _gone(broker, timeout=10), "the demo's Mosquitto outlived it"


@pytest.mark.slow
def test_a_killed_demo_leaves_no_broker_behind(running_demo: tuple[Terminal, Path, int]) -> None:
    terminal, _data_dir, broker = running_demo
    terminal.process.kill()  # no clean-up at all: the broker must still end with its parent
    terminal.process.wait(timeout=10)
    assert _gone(broker, timeout=10), "the demo's Mosquitto outlived it"


@pytest.mark.slow
def test_a_second_demo_on_the_same_data_refuses_in_one_line(running_demo: tuple[Terminal, Path, int]) -> None:
    terminal, data_dir, _broker = running_demo
    second = subprocess.run(
        [str(BIN / "innovatum"), "demo", "--data-dir", str(data_dir), "--broker", "mosquitto"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert second.returncode == 1
    assert second.stderr.splitlines() == [
        f"error: another innovatum demo is running on {data_dir} (pid {terminal.process.pid}); "
        "stop it first, or give this one its own --data-dir"
    ]
    assert len(_brokers_of(data_dir)) == 1  # no second broker was started
    assert terminal.process.poll() is None  # and the first demo runs on


def test_the_lock_is_released_with_its_holder(tmp_path: Path) -> None:
    first = DemoLock(tmp_path).acquire()
    with pytest.raises(Exception, match="another innovatum demo is running"):
        DemoLock(tmp_path).acquire()
    first.release()
    DemoLock(tmp_path).acquire().release()


@pytest.mark.slow
def test_the_hints_are_shown_before_the_screen_and_work_as_printed(
    running_demo: tuple[Terminal, Path, int],
) -> None:
    """What the demo prints before its screen takes over is there to read (scrollback), and pasting it
    into a second terminal from the same directory changes the screen."""
    terminal, data_dir, _broker = running_demo
    raw = bytes(terminal.raw)
    before = raw[: raw.find(ALT_SCREEN_ON)].decode("utf-8", "replace").replace("\r\n", "\n")
    assert "Ctrl+Q or Ctrl+C quits" in before
    lines = before.split("change what the screen shows:\n", 1)[1].splitlines()
    pasted = [line.strip() for line in lines if line.startswith("  ") and "--help" not in line]
    assert pasted[0] == f"export INNOVATUM_ADMIN_DB={data_dir / 'admin.db'}"
    assert "mosquitto" not in before.lower().replace("mosquitto on mqtt://", "")  # no reload-the-broker hints
    env = {k: v for k, v in os.environ.items() if not k.startswith("INNOVATUM_ADMIN")}
    # The terminal a newcomer opens: the venv is not on PATH unless the hint says how to reach it.
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if Path(p) != BIN)
    shell = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", "\n".join(pasted)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert shell.returncode == 0, shell.stderr
    assert "changed tenant forsvik-energilabb" in shell.stdout  # not hiring until now: a visible change
    terminal.wait_for("Hej!", timeout=30)
