"""`kiosk screenshot / identify / restart` end to end: the real CLI (a subprocess), a real Mosquitto
with the generated ACL, and a real kiosk (the headless process, or the Textual app with the real
sync client driven by Pilot)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from admin.store.db import key_path
from broker import topics
from broker.commands import new_command, seal_command
from broker.keys import load_private_key
from kiosk.config import load as load_kiosk_config
from kiosk.sync.client import SyncClient
from kiosk.ui.app import KioskApp
from kiosk.ui.remote import IdentifyScreen
from tests.kiosk.sync.conftest import BIN, Site, wait_until

pytestmark = pytest.mark.mosquitto


def cli(site: Site, *args: str, timeout: str = "3") -> subprocess.CompletedProcess[str]:
    """innovatum-admin as a person runs it: a process of its own."""
    return subprocess.run(
        [str(BIN / "innovatum-admin"), "--db", str(site.db_path), *args, "--timeout", timeout],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "INNOVATUM_BROKER": site.broker.url, "HOME": str(site.root)},
    )


async def acli(site: Site, *args: str) -> tuple[int, str, str]:
    """The same, without blocking the app's event loop (the kiosk answers from that loop)."""
    process = await asyncio.create_subprocess_exec(
        str(BIN / "innovatum-admin"),
        "--db",
        str(site.db_path),
        *args,
        "--broker",
        site.broker.url,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    return process.returncode or 0, out.decode(), err.decode()


def kiosk_status(site: Site, kiosk_id: str) -> dict[str, object]:
    return {k["id"]: k for k in json.loads(site.admin("kiosks", "--json").output)}[kiosk_id]


def online(site: Site, kiosk_id: str) -> bool:
    with site.database() as db:
        row = db.execute("SELECT online FROM kiosks WHERE id = ?", (kiosk_id,)).fetchone()
    return bool(row and row[0])


def test_the_screen_answers_screenshot_identify_and_restart(site: Site, tmp_path: Path) -> None:
    site.admin("tenant", "add", "acme", "--name", "Acme Skärmbild AB")
    config = load_kiosk_config(site.add_kiosk("lobby-1"))
    site.serve()
    client = SyncClient(config)
    app = KioskApp(config.database, kiosk_id="lobby-1", location="Entrén", port=client, attract_cycle=0)
    svg = tmp_path / "shot.svg"

    async def drive() -> None:
        async with app.run_test(size=(100, 30)) as pilot:
            for _ in range(200):  # the replica fills from the broker
                await pilot.pause(0.1)
                if client.replica.applied_revision > 0 and online(site, "lobby-1"):
                    break
            code, out, err = await acli(site, "kiosk", "screenshot", "lobby-1", "--out", str(svg))
            assert code == 0, err
            assert out.startswith(f"wrote {svg}: what lobby-1 shows now")
            code, out, err = await acli(site, "kiosk", "identify", "lobby-1")
            assert code == 0, err
            assert out.startswith("lobby-1: showing lobby-1 127.0.0.1 for 30 s")
            await pilot.pause(0.2)
            assert isinstance(app.screen, IdentifyScreen)
            shown = app.screen.query_one("#identify-box").render()
            assert "lobby-1" in str(shown) and "Entrén" in str(shown) and "127.0.0.1" in str(shown)
            code, out, err = await acli(site, "kiosk", "restart", "lobby-1")
            assert code == 0, err
            assert out.strip() == "lobby-1: restarting"
            await pilot.pause(0.5)
            assert app.return_code == 0 and not app.is_running

    asyncio.run(drive())
    text = svg.read_text()
    assert text.startswith("<svg") and "Innovatum" in text
    assert kiosk_status(site, "lobby-1")["last_answer"] is not None
    table = site.admin("kiosks").output
    assert "last answer" in table


def test_headless_kiosk_refuses_what_needs_a_screen_and_restarts(site: Site) -> None:
    site.add_kiosk("relay-1")
    site.serve()
    process = site.kiosk("relay-1")
    wait_until(lambda: online(site, "relay-1"), 30, "relay-1 online")
    result = cli(site, "kiosk", "identify", "relay-1")
    assert result.returncode == 1
    assert result.stderr == "error: kiosk relay-1 refused: this kiosk runs headless: no screen to identify\n"
    result = cli(site, "kiosk", "restart", "relay-1")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "relay-1: restarting (headless)\n"
    assert process.wait(timeout=15) == 0  # exited, for systemd's Restart= to start it again
    assert "restart" in site.log("relay-1.log")


def test_an_offline_kiosk_is_reported_clearly(site: Site) -> None:
    site.add_kiosk("lobby-2")
    site.serve()
    result = cli(site, "kiosk", "screenshot", "lobby-2", "--out", str(site.root / "x.svg"), timeout="1")
    assert result.returncode == 1
    assert result.stderr == (
        "error: kiosk lobby-2 did not answer within 1 s: "
        "it is offline (it has never reported to this broker)\n"
    )
    process = site.kiosk("lobby-2")
    wait_until(lambda: online(site, "lobby-2"), 30, "lobby-2 online")
    process.terminate()
    process.wait(timeout=15)
    result = cli(site, "kiosk", "identify", "lobby-2", timeout="1")
    assert result.returncode == 1
    assert result.stderr.startswith("error: kiosk lobby-2 did not answer within 1 s: it is offline (since ")
    assert not (site.root / "x.svg").exists()
    assert "no kiosk 'lobby-9'" in cli(site, "kiosk", "restart", "lobby-9").stderr


def test_replayed_forged_and_foreign_commands_are_ignored(site: Site) -> None:
    site.add_kiosk("relay-1")
    site.add_kiosk("lobby-3")
    site.serve()
    site.kiosk("relay-1")
    wait_until(lambda: online(site, "relay-1"), 30, "relay-1 online")
    spy = site.raw("admin", client_id="spy")  # the admin account: the only one that reads replies
    spy.connect()
    spy.subscribe(f"{topics.COMMAND_PREFIX}/#")
    spy.subscribe(f"{topics.REPLY_PREFIX}/#")

    assert cli(site, "kiosk", "restart", "relay-1").returncode == 0
    wait_until(lambda: site.processes[-1].poll() is not None, 15, "relay-1 to exit")
    captured = next(m for m in spy.messages if m.topic == topics.command("relay-1"))
    replies = sum(1 for m in spy.messages if m.topic == topics.answer("relay-1"))

    restarted = site.kiosk("relay-1")  # what systemd does
    wait_until(lambda: "connected to" in site.log("relay-1.log").split("restart")[-1], 30, "reconnect")
    time.sleep(0.5)
    spy.publish(captured.topic, bytes(captured.payload))  # the same signed restart, replayed
    forged = seal_command(Ed25519PrivateKey.generate(), new_command("relay-1", "restart"))
    spy.publish(*forged)  # signed, but not by the admin key
    real_key = load_private_key(key_path(site.db_path))
    other_topic, other_payload = seal_command(real_key, new_command("lobby-3", "restart"))
    spy.publish(topics.command("relay-1"), other_payload)  # lobby-3's command on relay-1's topic
    time.sleep(3)
    assert restarted.poll() is None, "a replayed or forged restart restarted the kiosk"
    assert sum(1 for m in spy.messages if m.topic == topics.answer("relay-1")) == replies
    assert other_topic != topics.command("relay-1")

    # Another kiosk cannot read the replies or commands, nor send commands.
    other = site.raw("kiosk", "lobby-3", client_id="kiosk-lobby-3")
    other.connect()
    other.subscribe(f"{topics.REPLY_PREFIX}/#")
    other.subscribe(topics.command("relay-1"))
    other.publish(topics.command("relay-1"), bytes(captured.payload))
    assert cli(site, "kiosk", "restart", "relay-1").returncode == 0
    assert restarted.wait(timeout=15) == 0
    assert other.messages == []
