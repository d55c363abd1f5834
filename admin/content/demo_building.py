"""The demo's fictional building: three levels, a lift and stairs, the demo tenants' rooms and the
project-arena rooms, and the demo kiosk in the entrance hall (assets/demo/building.json and the text
plans in assets/demo/floors/), so `innovatum demo` shows the way to a company.

Loaded in the demo's one transaction, through the same checks as `floor`, `room place` and `kiosk
place`; loading it again changes nothing and creates no revision. The demo kiosk's id is `innovatum demo`'s.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from admin.content import floorplans
from admin.content.validate import Invalid
from admin.store.changes import Change
from broker.wayfinding.plan import Building, building_from

DEMO_BUILDING = "building.json"


def read(directory: Path) -> Building:
    """The demo building from its files; Invalid when they are missing or describe something else."""
    path = directory / DEMO_BUILDING
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        floors = [
            {
                **floor,
                "rows": (directory / floor["plan"]).read_text(encoding="utf-8").rstrip("\n").split("\n"),
            }
            for floor in data["floors"]
        ]
        rooms = [{**room, **dict(zip("xywh", room["rect"], strict=True))} for room in data["rooms"]]
        connectors = [{**c, "x": c["at"][0], "y": c["at"][1]} for c in data["connectors"]]
        kiosks = [{**k, "x": k["at"][0], "y": k["at"][1]} for k in data["kiosks"]]
    except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
        raise Invalid(f"demo building {path} cannot be read: {exc}") from None
    building = building_from(floors, rooms, connectors, kiosks)
    counts = (len(building.floors), len(building.rooms), len(building.connectors), len(building.kiosks))
    if counts != (len(floors), len(rooms), len(connectors), len(kiosks)):
        raise Invalid(f"demo building {path}: a record does not fit its plan ({counts} usable)")
    return building


def apply(tx: Change, building: Building) -> dict[str, dict[str, int]]:
    """Upsert the demo building in the demo's transaction; per kind how many records were added,
    changed or left as they were (as `demo-data` reports them)."""
    before = floorplans.load_building(tx.db)
    held: dict[str, set[Any]] = {
        "floors": set(before.floors),
        "plan_rooms": set(before.rooms),
        "connectors": set(before.connectors),
        "kiosk_spots": set(before.kiosks),
    }
    keys: dict[str, set[Any]] = {
        "floors": set(building.floors),
        "plan_rooms": set(building.rooms),
        "connectors": set(building.connectors),
        "kiosk_spots": set(building.kiosks),
    }
    changed = floorplans.apply_building(tx, building)
    counts = {}
    for kind, wanted in keys.items():
        added = len(wanted - held[kind])
        counts[kind] = {
            "added": added,
            "changed": changed[kind] - added,
            "unchanged": len(wanted) - changed[kind],
        }
    return counts
