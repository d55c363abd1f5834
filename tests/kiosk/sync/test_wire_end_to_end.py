"""Admin CLI change → `serve` → Mosquitto → headless kiosk → `dump`: the path a user relies on."""

from __future__ import annotations

import json
import shutil
import signal
import time

import pytest

from kiosk import __version__
from kiosk.config import load as load_kiosk_config
from kiosk.ports import SyncEvent
from kiosk.sync.client import SyncClient
from tests.kiosk.sync.conftest import Site, wait_until

pytestmark = pytest.mark.mosquitto


def kiosks_json(site: Site) -> dict[str, dict[str, object]]:
    return {k["id"]: k for k in json.loads(site.admin("kiosks", "--json").output)}


def revisions(site: Site) -> int:
    with site.database() as db:
        return int(db.execute("SELECT COUNT(*) FROM revisions").fetchone()[0])


def test_cli_changes_reach_a_headless_kiosk_and_the_fleet_is_tracked(site: Site) -> None:
    site.add_kiosk("lobby-1")
    site.admin("tenant", "add", "acme", "--name", "Acme AB", "--floor", "2")
    site.admin("tenant", "add", "beta", "--name", "Beta AB")
    site.admin("room", "add", "arena", "--name", "Arenan")
    site.admin(
        "booking",
        "add",
        "--room",
        "arena",
        "--start",
        "2030-01-10T09:00",
        "--end",
        "2030-01-10T10:00",
        "--title",
        "Styrelsemöte",
        "--private",
    )
    site.admin(
        "event", "add", "--title-sv", "Öppet hus", "--start", "2030-01-11T18:00", "--end", "2030-01-11T20:00"
    )
    site.serve()
    kiosk = site.kiosk("lobby-1")
    state = site.wait_converged("lobby-1")
    assert [t["name"] for t in state["tenants"]] == ["Acme AB", "Beta AB"]
    assert state["bookings"][0]["title"] == ""  # a private title never leaves the admin node

    site.admin("tenant", "edit", "acme", "--name", "Acme Robotics AB")
    site.admin("tenant", "remove", "beta")
    state = site.wait_converged("lobby-1", timeout=30)
    assert [t["name"] for t in state["tenants"]] == ["Acme Robotics AB"]
    assert site.dump("lobby-1")["dropped"] == {}

    wait_until(lambda: kiosks_json(site)["lobby-1"]["applied_rev"] == state["revision"], 30, "status")
    seen = kiosks_json(site)["lobby-1"]
    assert (seen["online"], seen["lag"], seen["version"], seen["stale"]) == (True, 0, __version__, False)
    before = revisions(site)
    time.sleep(0.5)
    assert revisions(site) == before  # fleet status is bookkeeping, never a content revision

    kiosk.send_signal(signal.SIGKILL)
    kiosk.wait()
    wait_until(lambda: kiosks_json(site)["lobby-1"]["online"] is False, 30, "the last will")
    table = site.admin("kiosks").output
    assert "lobby-1" in table and "offline" in table


def test_announcement_acknowledgements_reach_the_admin_database(site: Site) -> None:
    config_path = site.add_kiosk("lobby-1")
    site.admin("announce", "push", "Välkommen!", "--priority", "info")
    with site.database() as db:
        announcement_id = int(db.execute("SELECT MAX(id) FROM announcements").fetchone()[0])
    site.serve()
    events: list[SyncEvent] = []
    client = SyncClient(load_kiosk_config(config_path))
    client.start(events.append)
    try:
        wait_until(lambda: any(e.kind == "applied" for e in events), 15, "the first applied event")
        assert [a["id"] for a in client.replica.dump()["announcements"]] == [announcement_id]
        client.report_screen("announcement")
        client.acknowledge(announcement_id)

        def acked() -> bool:
            with site.database() as db:
                return db.execute(
                    "SELECT kiosk_id FROM announcement_acks WHERE announcement_id = ?", (announcement_id,)
                ).fetchall() == [("lobby-1",)]

        wait_until(acked, 30, "the acknowledgement in the admin database")
        wait_until(lambda: kiosks_json(site)["lobby-1"]["screen"] == "announcement", 30, "the screen")
        assert "lobby-1" in site.admin("announce", "list").output
    finally:
        client.stop()
    assert any(e.kind == "online" for e in events)


def test_changes_committed_while_the_broker_is_down_are_published_when_it_returns(site: Site) -> None:
    site.add_kiosk("lobby-1")
    site.admin("tenant", "add", "acme", "--name", "Acme AB")
    site.serve()
    site.kiosk("lobby-1")
    site.wait_converged("lobby-1")
    site.broker.stop()
    site.admin("tenant", "add", "late", "--name", "Committed while the broker was down")
    with site.database() as db:
        assert db.execute("SELECT COUNT(*) FROM revisions WHERE published = 0").fetchone()[0] == 1
    site.broker.start()
    state = site.wait_converged("lobby-1", timeout=30)
    assert {t["slug"] for t in state["tenants"]} == {"acme", "late"}
    with site.database() as db:
        assert db.execute("SELECT COUNT(*) FROM revisions WHERE published = 0").fetchone()[0] == 0


def test_publish_full_fills_a_replaced_broker(site: Site) -> None:
    site.admin("tenant", "add", "acme", "--name", "Acme AB")
    site.admin("tenant", "add", "gone", "--name", "Gone AB")
    site.admin("tenant", "remove", "gone")
    pending = site.admin("publish", "--broker", site.broker.url).output  # no serve on this node
    assert "published 3 pending revisions" in pending
    site.broker.stop()
    shutil.rmtree(site.broker_dir / "data")  # a new, empty broker
    site.write_broker_config()
    site.broker.start()
    result = site.admin("publish", "--full", "--broker", site.broker.url)
    assert "republished the full state: 1 live record, revision 3" in result.output
    site.add_kiosk("lobby-1")
    site.kiosk("lobby-1")
    state = site.wait_converged("lobby-1")
    assert [t["slug"] for t in state["tenants"]] == ["acme"]


def test_publish_to_an_unreachable_broker_is_one_error_line(site: Site) -> None:
    site.admin("tenant", "add", "acme", "--name", "Acme AB")
    site.broker.stop()
    result = site.admin("publish", "--full", "--broker", site.broker.url, "--connect-timeout", "2", ok=False)
    assert result.exit_code == 1
    assert result.output.startswith("error: cannot reach") and result.output.count("\n") == 1
    with site.database() as db:
        assert db.execute("SELECT COUNT(*) FROM revisions WHERE published = 0").fetchone()[0] == 1


def test_a_second_serve_for_the_same_database_refuses_to_start(site: Site) -> None:
    site.serve()
    wait_until(lambda: "serving" in site.log("serve.log"), 30, "the first serve")
    second = site.admin("serve", "--broker", site.broker.url, ok=False)
    assert second.exit_code == 1 and "already running" in second.output
