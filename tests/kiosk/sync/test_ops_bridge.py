"""A second site: two real Mosquitto processes on loopback, the far one written by
`broker-config --bridge NAME --remote URL`, a kiosk connected only to the far one.

Add, edit, delete and an emergency must all reach it; so must a kiosk that bootstraps at the far site
after a deletion (the deletion crosses as a signed tombstone: Mosquitto does not bridge an empty
retained message, mosquitto#1040). Kiosk status and answers to commands come back the other way.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.kiosk.sync.conftest import BIN, Site, wait_until
from tests.mosquitto import Mosquitto, broker_dir, free_port

pytestmark = pytest.mark.mosquitto


def far_kiosk_config(site: Site, kiosk_id: str, url: str) -> Path:
    site.admin("kiosk", "add", kiosk_id, "--group", "vanersborg")
    config = site.root / f"{kiosk_id}.toml"
    database = str(site.root / f"{kiosk_id}.db")
    site.admin("kiosk", "config", kiosk_id, "--broker", url, "--out", str(config), "--database", database)
    return config


def names(site: Site, kiosk_id: str) -> set[str]:
    return {t["name"] for t in site.content(kiosk_id)["tenants"]}


def test_content_crosses_the_bridge_and_status_comes_back(site: Site) -> None:
    far_dir = broker_dir()
    far_port = free_port()
    far = Mosquitto(far_dir, far_port)
    try:
        far_kiosk_config(site, "vbg-1", far.url)
        far_kiosk_config(site, "vbg-2", far.url)
        result = site.admin(
            "broker-config",
            "--out",
            str(far_dir),
            "--port",
            str(far_port),
            "--bind",
            "127.0.0.1",
            "--bridge",
            "vanersborg",
            "--remote",
            site.broker.url,
        )
        assert f"it bridges to {site.broker.url} as bridge-vanersborg" in result.output
        conf = (far_dir / "mosquitto.conf").read_text()
        assert "topic innovatum/v1/state/# in 1" in conf and "topic innovatum/v1/status/+ out 1" in conf
        assert "max_packet_size" in conf and "message_size_limit" not in conf
        site.write_broker_config()  # the main broker learns the bridge account (and the kiosks)
        assert "user bridge-vanersborg" in (site.broker_dir / "acl").read_text()
        site.broker.reload()
        far.start()
        wait_until(lambda: "Connecting bridge" in far.log_path.read_text(), 10, "the bridge to dial out")

        site.serve()
        site.kiosk("vbg-1")
        site.admin("tenant", "add", "acme", "--name", "Acme AB")
        site.admin("tenant", "add", "beta", "--name", "Beta AB")
        site.wait_converged("vbg-1")
        site.admin("tenant", "edit", "acme", "--name", "Acme Vänersborg AB")
        site.wait_converged("vbg-1")
        assert names(site, "vbg-1") == {"Acme Vänersborg AB", "Beta AB"}
        site.admin("tenant", "remove", "beta")
        site.wait_converged("vbg-1")
        assert names(site, "vbg-1") == {"Acme Vänersborg AB"}
        site.admin("announce", "push", "Utrym byggnaden", "--en", "Evacuate", "--priority", "emergency")
        state = site.wait_converged("vbg-1")
        assert [a["priority"] for a in state["announcements"]] == ["emergency"]

        # A kiosk that first connects now bootstraps from the far broker's retained set alone,
        # with beta's tombstone in it.
        site.kiosk("vbg-2")
        site.wait_converged("vbg-2")
        assert names(site, "vbg-2") == {"Acme Vänersborg AB"}

        # Status and answers travel back over the bridge to the admin node.
        def reported() -> bool:
            fleet = {k["id"]: k for k in json.loads(site.admin("kiosks", "--json").output)}
            return bool(fleet["vbg-1"]["online"] and fleet["vbg-1"]["applied_rev"] == state["revision"])

        wait_until(reported, 30, "vbg-1's status at the admin node")
        answer = subprocess.run(
            [str(BIN / "innovatum-admin"), "--db", str(site.db_path), "kiosk", "identify", "vbg-1"],
            capture_output=True,
            text=True,
            timeout=60,
            env={"PATH": "/usr/bin:/bin", "INNOVATUM_BROKER": site.broker.url, "HOME": str(site.root)},
        )
        assert answer.stderr.endswith("refused: this kiosk runs headless: no screen to identify\n")
    finally:
        far.kill()
        shutil.rmtree(far_dir, ignore_errors=True)


def test_bridge_options_are_checked(site: Site) -> None:
    out = str(site.root / "far")
    for args, message in (
        (["--bridge", "vbg"], "--bridge and --remote go together"),
        (["--bridge", "Vä", "--remote", "mqtt://x"], "not a valid identifier"),
        (["--bridge", "vbg", "--remote", "http://x"], "must look like mqtt://host"),
        (["--bridge", "vbg", "--remote", "mqtts://u:p@x"], "leave credentials out of --remote"),
        (["--bridge", "vbg", "--remote", "mqtts://x", "--remote-ca", "ca.crt"], "must be an absolute path"),
    ):
        result = site.admin("broker-config", "--out", out, *args, ok=False)
        assert result.exit_code == 1 and message in result.output, result.output
        assert result.output.startswith("error: ") and result.output.count("\n") == 1
    site.admin("broker-config", "--out", out, "--bridge", "vbg", "--remote", "mqtts://main.example:8883")
    conf = (Path(out) / "mosquitto.conf").read_text()
    assert "address main.example:8883" in conf and "bridge_capath /etc/ssl/certs" in conf
    assert (Path(out) / "mosquitto.conf").stat().st_mode & 0o007 == 0  # it holds the bridge password
