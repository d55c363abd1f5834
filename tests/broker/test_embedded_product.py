"""The product itself against the embedded broker: `innovatum-admin` publishes, a headless kiosk syncs.

This is what `innovatum demo` and a laptop without Mosquitto rely on: the real admin CLI and the real
kiosk, with their own paho clients, unchanged. (Production paths are tested against Mosquitto in
tests/kiosk/sync; this proves the convenience broker is good enough for the same clients.)
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from broker.embedded import EmbeddedBroker

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]

BIN = Path(sys.executable).parent


def run(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(args, capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 0, f"{args}: {result.stderr}"
    return result.stdout


def dump(env: dict[str, str], config: Path) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(
        run(env, str(BIN / "innovatum-kiosk"), "dump", "--config", str(config))
    )
    return parsed


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


Running = tuple[EmbeddedBroker, dict[str, str], Path]


@pytest.fixture
def running(tmp_path: Path) -> Iterator[Running]:
    env = {**os.environ, "INNOVATUM_ADMIN_DB": str(tmp_path / "admin.db")}
    with EmbeddedBroker() as broker:
        admin = str(BIN / "innovatum-admin")
        run(env, admin, "init")
        run(env, admin, "demo-data")
        run(env, admin, "kiosk", "add", "lobby-1", "--group", "lobby")
        config = tmp_path / "kiosk.toml"
        run(env, admin, "kiosk", "config", "lobby-1", "--broker", broker.url, "--out", str(config),
            "--database", str(tmp_path / "replica.db"))  # fmt: skip
        yield broker, env, config


def stop(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGINT)
    try:
        _, err = process.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        _, err = process.communicate()
        raise AssertionError(f"{process.args!r} ignored SIGINT:\n{err}") from None
    return err


def test_a_kiosk_bootstraps_and_follows_live_edits(
    running: tuple[EmbeddedBroker, dict[str, str], Path],
) -> None:
    broker, env, config = running
    # The embedded broker is anonymous; any credentials in the URL are accepted and ignored.
    admin_url = broker.url.replace("mqtt://", "mqtt://innovatum-admin:unused@")
    serve = subprocess.Popen(
        [str(BIN / "innovatum-admin"), "serve", "--broker", admin_url],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    kiosk = subprocess.Popen(
        [str(BIN / "innovatum-kiosk"), "--config", str(config), "--headless"],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # A replica's revision moves from 0 only once a complete, verified snapshot is applied.
        wait_for(lambda: dump(env, config)["revision"] > 0, "the kiosk to bootstrap the demo content")
        first = dump(env, config)
        assert len(first["tenants"]) == 12
        push = [
            "announce",
            "push",
            "Brandövning kl 14",
            "--en",
            "Fire drill at 2 pm",
            "--priority",
            "warning",
        ]
        run(env, str(BIN / "innovatum-admin"), *push, "--target", "group:lobby")

        def announced() -> bool:
            texts = json.dumps(dump(env, config)["announcements"], ensure_ascii=False)
            return "Brandövning kl 14" in texts

        wait_for(announced, "the announcement to reach the kiosk")
        final = dump(env, config)
        assert final["revision"] == first["revision"] + 1
        assert final["dropped"] == {}
    finally:
        kiosk_log = stop(kiosk)
        serve_log = stop(serve)
    assert "Traceback" not in kiosk_log + serve_log
    stats = broker.stats()
    assert stats.get("malformed", 0) == stats.get("internal_errors", 0) == 0
