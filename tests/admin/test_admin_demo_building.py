"""The demo's building: every demo tenant's room is on a plan and reachable from the demo kiosk, and
loading the demo again changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from admin.content import floorplans
from admin.store import db as store_db
from assets import ASSETS
from broker.wayfinding.directions import steps
from broker.wayfinding.route import Route, find_route
from tests.admin.conftest import CliFn, dump, ok

DEMO_KIOSK = "demo-lobby"  # innovatum/cli.py's KIOSK_ID


def test_every_demo_tenant_can_be_found_from_the_demo_kiosk(cli: CliFn, db_path: Path) -> None:
    ok(cli("demo-data"))
    tenants = json.loads((ASSETS / "demo" / "tenants.json").read_text(encoding="utf-8"))
    db = store_db.connect(db_path)
    try:
        building = floorplans.load_building(db)
    finally:
        db.close()
    assert sorted(building.floors) == [1, 2, 3]
    kinds = {c.kind for c in building.connectors.values()}
    assert kinds == {"lift", "stairs"}
    assert building.kiosks[DEMO_KIOSK].level == 1
    for tenant in tenants:
        route = find_route(building, DEMO_KIOSK, tenant["room"])
        assert isinstance(route, Route), (tenant["slug"], route)
        assert route.target.level == tenant["floor"]
        told = [step.english() for step in steps(route)]
        assert told[-1] == f"Room {tenant['room']} is here"
        if tenant["floor"] != 1:
            assert any(line.endswith(f"to level {tenant['floor']}") for line in told), told


def test_loading_the_demo_again_creates_no_revision(cli: CliFn) -> None:
    first = ok(cli("demo-data")).stdout
    again = ok(cli("demo-data")).stdout
    assert "floors: 0 added, 0 changed, 3 unchanged" in again
    assert "floors: 3 added" in first
    assert again.splitlines()[-1] == "no new revision: nothing changed"


def test_loading_again_later_rewrites_no_row(
    cli: CliFn, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A second load, a second or a day later, leaves every building row as it was (updated_at too)."""
    ok(cli("demo-data"))
    before = dump(db_path)
    monkeypatch.setattr(floorplans, "now_iso", lambda: "2099-01-01T00:00:00+01:00")
    ok(cli("demo-data"))
    tables = ("floors", "plan_rooms", "connectors", "kiosk_spots")
    lines = [line for line in dump(db_path).splitlines() if any(f'"{t}"' in line for t in tables)]
    assert lines and lines == [line for line in before.splitlines() if any(f'"{t}"' in line for t in tables)]
