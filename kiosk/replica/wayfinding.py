"""The building as the kiosk's replica holds it (floor plans, placed rooms, lifts and stairs, kiosk
spots), and routes over it, kept until one of those records changes.

The records were signed by the admin node, which checked them; they are checked again here
(broker.wayfinding.plan.building_from) because a replica may hold records from a newer admin version
or a hand-edited file, and a map must never take the screen down: a record that does not fit is
left out, and the route then says what is missing.

Why a cache: a tenant's page asks whether the way there can be shown each time it is built, and a
route over a few floors costs about 10 ms of CPU here (60 ms on a Pi Zero 2 W), a page-open budget
of its own. One indexed read of the wayfinding records' revisions tells whether anything changed.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from broker.wayfinding.plan import Building, building_from
from broker.wayfinding.route import NoRoute, Route, find_route

#: The record kinds, in the order `building_from` takes them.
KINDS = ("floor", "plan_room", "connector", "kiosk_spot")
_IN = ", ".join("?" for _ in KINDS)
_REVISIONS = f"SELECT kind, key, rev FROM records WHERE kind IN ({_IN}) AND deleted = 0 ORDER BY kind, key"
_DATA = f"SELECT kind, data FROM records WHERE kind IN ({_IN}) AND deleted = 0 AND data IS NOT NULL"
#: Routes kept per building (a visitor looks up a handful of rooms; a full memo would grow unseen).
MAX_ROUTES = 64


class Wayfinding:
    """One replica connection's building and routes."""

    def __init__(self) -> None:
        self._revisions: list[Any] | None = None
        self._building = Building({}, {}, {}, {})
        self._routes: dict[tuple[str, str], Route | NoRoute] = {}

    def building(self, conn: sqlite3.Connection) -> Building:
        revisions = conn.execute(_REVISIONS, KINDS).fetchall()
        if revisions != self._revisions:
            by_kind: dict[str, list[dict[str, Any]]] = {kind: [] for kind in KINDS}
            for kind, data in conn.execute(_DATA, KINDS):
                try:
                    parsed = json.loads(data)
                except ValueError:
                    continue
                if isinstance(parsed, dict):
                    by_kind[kind].append(parsed)
            self._building = building_from(*(by_kind[kind] for kind in KINDS))
            self._routes.clear()
            self._revisions = revisions
        return self._building

    def route(self, conn: sqlite3.Connection, kiosk_id: str, room: str) -> Route | NoRoute:
        building = self.building(conn)
        key = (kiosk_id, room)
        found = self._routes.get(key)
        if found is None:
            if len(self._routes) >= MAX_ROUTES:
                self._routes.clear()
            found = self._routes[key] = find_route(building, kiosk_id, room)
        return found
