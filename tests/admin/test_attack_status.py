"""What a kiosk reports is untrusted input to the admin's terminal (issue 9, point 5).

With its own credentials, through a real Mosquitto, a kiosk sends status and acknowledgements with
terminal escapes, `Infinity`, numbers SQLite cannot store and times Python cannot convert.
`innovatum-admin kiosks` (a real process) must print no escape, not crash, and `--json` must stay
RFC 8259 JSON; `serve` must keep tracking the fleet.
"""

from __future__ import annotations

import json
import subprocess
from typing import Any

import pytest

from broker import topics
from tests.kiosk.sync.conftest import BIN, Site, wait_until

pytestmark = pytest.mark.mosquitto

ESCAPES = "\x1b[2J\x1b]0;pwned\x07\x9b31m"
HOSTILE_STATUS = (
    '{"online": true, "applied_rev": 1180591620717411303424, "complete": "yes", '
    f'"version": {json.dumps("[bold]1.0" + ESCAPES)}, "uptime": Infinity, '
    f'"screen": {json.dumps("evil" + ESCAPES + "screen")}, "at": "9999-12-31T23:59:59-05:00"}}'
)


def _strict(text: str) -> Any:
    """RFC 8259: NaN, Infinity and -Infinity are not JSON."""

    def refuse(name: str) -> None:
        raise ValueError(f"{name} is not JSON")

    return json.loads(text, parse_constant=refuse)


def _kiosks(site: Site, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "innovatum-admin"), "--db", str(site.db_path), "kiosks", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_hostile_status_and_acks_reach_the_admins_terminal_harmless(site: Site) -> None:
    site.add_kiosk("lobby-1")
    site.serve()
    kiosk = site.raw("kiosk", "lobby-1")
    kiosk.connect()
    kiosk.publish(topics.status("lobby-1"), HOSTILE_STATUS.encode(), retain=True)
    for ack in (b'{"announcement": 1180591620717411303424}', b'{"announcement": Infinity}', b"[" * 100_000):
        kiosk.publish(topics.ack("lobby-1"), ack)
    kiosk.publish(topics.status("lobby-1"), b'{"online": true, "uptime": 1e400, "screen": ' + b"[" * 50_000)

    def recorded() -> bool:
        with site.database() as db:
            return bool(db.execute("SELECT online FROM kiosks WHERE id = 'lobby-1'").fetchone()[0])

    wait_until(recorded, 30, "serve to record the status")
    table = _kiosks(site)
    assert table.returncode == 0, table.stderr
    assert "\x1b" not in table.stdout and "\x9b" not in table.stdout and "\x07" not in table.stdout
    assert "evil" in table.stdout and "screen" in table.stdout
    listed = _kiosks(site, "--json")
    assert listed.returncode == 0, listed.stderr
    (state,) = _strict(listed.stdout)
    assert state["uptime"] is None and state["applied_rev"] is None and state["complete"] is None
    assert state["screen"].startswith("evil") and "\x1b" not in state["screen"] + state["version"]
    assert state["last_seen"] is None or state["last_seen"] < "2100"
    # The fleet thread survived it all: a sound status afterwards is still recorded.
    kiosk.publish(topics.status("lobby-1"), b'{"online": true, "uptime": 12.5, "screen": "attract"}')
    wait_until(
        lambda: _strict(_kiosks(site, "--json").stdout)[0]["screen"] == "attract", 30, "a sound status"
    )
    assert "fleet update failed" not in site.log("serve.log"), site.log("serve.log")[-3000:]
