"""The building as the kiosk's replica holds it: floor plans, placed rooms, lifts and stairs, kiosk spots.

The records were signed by the admin node, which checked them; they are checked again here
(broker.wayfinding.plan.building_from) because a replica may hold records from a newer admin version
or a hand-edited file, and a map must never take the screen down: a record that does not fit is
left out, and the route then says what is missing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from broker.wayfinding.plan import Building, building_from

#: The record kinds, in the order `building_from` takes them.
KINDS = ("floor", "plan_room", "connector", "kiosk_spot")


def building(records: Callable[[str], Iterable[dict[str, Any]]]) -> Building:
    """`records(kind)` yields the live records of one kind."""
    floors, rooms, connectors, kiosks = (list(records(kind)) for kind in KINDS)
    return building_from(floors, rooms, connectors, kiosks)
