"""`python -m broker.embedded` and the thread wrapper's start/stop, as someone at a laptop uses them."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from broker.embedded import EmbeddedBroker
from tests.broker.embedded_paho import Paho, clients

pytestmark = pytest.mark.timeout(60)

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "broker.embedded", *args],
        capture_output=True,
        text=True,
        timeout=20,
        cwd=ROOT,
    )


def test_the_command_serves_paho_clients_and_stops_cleanly_on_ctrl_c() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "broker.embedded", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        found = re.search(r"listening on 127\.0\.0\.1:(\d+)", line)
        assert found, line
        with clients(int(found.group(1)), "cli-pub", "cli-sub") as (pub, sub):
            sub.subscribe("cli/t")
            pub.publish("cli/t", b"through the command", qos=1)
            assert [m.payload for m in sub.take(1)] == [b"through the command"]
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_credentials_from_the_command_line() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "broker.embedded", "--port", "0", "--user", "kiosk-1:pw"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=ROOT,
    )
    try:
        assert process.stdout is not None
        found = re.search(r":(\d+) ", process.stdout.readline())
        assert found
        port = int(found.group(1))
        anonymous = Paho("cli-anon")
        assert str(anonymous.connect(port)) == "Not authorized"
        anonymous.close()
        with clients(port, "cli-user", username="kiosk-1", password="pw"):
            pass
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--user", "no-colon"), "is not NAME:PASSWORD"),
        (("--port", "70000"), "not between 0 and 65535"),
        (("--host", "0.0.0.0", "--port", "0"), "error: refusing anonymous access on 0.0.0.0"),
    ],
)
def test_bad_arguments_give_one_error_line(args: tuple[str, ...], message: str) -> None:
    result = run_cli(*args)
    assert result.returncode != 0
    assert result.stdout == ""
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_a_taken_port_is_one_error_line_and_raises_from_start() -> None:
    with EmbeddedBroker() as running:
        result = run_cli("--port", str(running.port))
        assert result.returncode == 1
        assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
        with pytest.raises(OSError):
            EmbeddedBroker(port=running.port).start()


def test_stop_closes_clients_and_the_listener_and_is_safe_twice() -> None:
    broker = EmbeddedBroker().start()
    port = broker.port
    client = Paho("stopping")
    assert client.connect(port) == 0
    client.client.reconnect_delay_set(30, 60)  # keep paho from reconnecting during the checks below
    broker.stop()
    assert client.disconnected.wait(5)
    client.client.loop_stop()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=2)
    broker.stop()


def test_starting_twice_is_an_error() -> None:
    with EmbeddedBroker() as running, pytest.raises(RuntimeError, match="already started"):
        running.start()
