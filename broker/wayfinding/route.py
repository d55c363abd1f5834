"""The shortest way from a kiosk to a room, over the walkable cells of each floor and through lifts
and stairs between floors.

Each floor is searched breadth first (4 neighbours, every step costs 1) from each goal: the room's
walkable cells and every connector's cell. Those distance fields make a small graph (start, goal,
each connector on each level it serves) that Dijkstra crosses; a change of level costs what
`change_cost` says, so a short walk to far stairs can beat a long walk to the lift. The path on each
floor follows its distance field down, keeping straight on where a shortest path allows it, so a
route over an open hall is a few straight lines, not a staircase of steps.

The answer is a `Route` or a `NoRoute` with a reason a person can act on; nothing here raises for
data that is merely incomplete (a kiosk not placed, a room not on any plan, a wall in the way).
"""

from __future__ import annotations

import heapq
import itertools
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

from broker.wayfinding.plan import Building, Connector, Floor, KioskSpot, PlanRoom

Cell = tuple[int, int]
_STEPS: tuple[Cell, ...] = ((0, -1), (1, 0), (0, 1), (-1, 0))


def change_cost(connector: Connector, floors: int) -> int:
    """In plan cells of walking: waiting for a lift costs more up front, each flight of stairs more
    per floor, so one floor by stairs nearby wins and three floors by lift win."""
    return 10 + 2 * floors if connector.kind == "lift" else 4 + 6 * floors


@dataclass(frozen=True)
class Leg:
    """The walk on one floor, cell by cell (first cell: where it starts)."""

    level: int
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class Transfer:
    connector: Connector
    from_level: int
    to_level: int


@dataclass(frozen=True)
class Route:
    """legs[0], transfers[0], legs[1], ...: there is one more leg than transfers."""

    start: KioskSpot
    target: PlanRoom
    legs: tuple[Leg, ...]
    transfers: tuple[Transfer, ...]

    @property
    def length(self) -> int:
        return sum(len(leg.cells) - 1 for leg in self.legs)


Reason = Literal["kiosk_not_placed", "room_not_placed", "unreachable"]


@dataclass(frozen=True)
class NoRoute:
    reason: Reason
    detail: str


class Field:
    """Distances (in steps) to the nearest of some goal cells over one floor; -1 where unreachable."""

    def __init__(self, floor: Floor, goals: Iterable[Cell]) -> None:
        self.floor = floor
        width = floor.width
        self.dist = [-1] * (width * floor.height)
        queue: deque[Cell] = deque()
        for x, y in goals:
            if floor.walkable(x, y) and self.dist[y * width + x] < 0:
                self.dist[y * width + x] = 0
                queue.append((x, y))
        while queue:
            x, y = queue.popleft()
            here = self.dist[y * width + x]
            for dx, dy in _STEPS:
                nx, ny = x + dx, y + dy
                if floor.walkable(nx, ny) and self.dist[ny * width + nx] < 0:
                    self.dist[ny * width + nx] = here + 1
                    queue.append((nx, ny))

    def at(self, cell: Cell) -> int:
        x, y = cell
        return self.dist[y * self.floor.width + x] if self.floor.inside(x, y) else -1

    def path(self, start: Cell) -> tuple[Cell, ...]:
        """Down the field from `start` to a goal, straight on while that stays a shortest path."""
        cells = [start]
        heading: Cell | None = None
        here = start
        while self.at(here) > 0:
            wanted = self.at(here) - 1
            order = ((heading,) if heading else ()) + _STEPS
            for step in order:
                nxt = (here[0] + step[0], here[1] + step[1])
                if self.at(nxt) == wanted:
                    heading, here = step, nxt
                    cells.append(nxt)
                    break
        return tuple(cells)


_Node = tuple[str, int]  # ("start" | "goal" | connector id, level)


def find_route(building: Building, kiosk_id: str, room_label: str) -> Route | NoRoute:
    start = building.kiosks.get(kiosk_id)
    if start is None or start.level not in building.floors:
        return NoRoute("kiosk_not_placed", f"kiosk {kiosk_id} is not placed on a floor plan")
    target = building.room(room_label)
    if target is None or target.level not in building.floors:
        return NoRoute("room_not_placed", f"room {room_label} is not placed on a floor plan")
    goal_floor = building.floors[target.level]
    goal_field = Field(goal_floor, target.rect.cells())
    # A distance field per connector and level, computed when Dijkstra first needs it.
    fields: dict[_Node, Field] = {}

    def field_of(connector: Connector, level: int) -> Field:
        key = (connector.id, level)
        if key not in fields:
            fields[key] = Field(building.floors[level], [(connector.x, connector.y)])
        return fields[key]

    start_cell = (start.x, start.y)

    def neighbours(node: _Node, cell: Cell) -> Iterable[tuple[int, _Node]]:
        name, level = node
        if level == target.level:
            d = goal_field.at(cell)
            if d >= 0:
                yield d, ("goal", level)
        for connector in building.connectors_on(level):
            if connector.id == name:
                for other in connector.levels:
                    if other != level and other in building.floors:
                        yield change_cost(connector, abs(other - level)), (connector.id, other)
            else:
                d = field_of(connector, level).at(cell)
                if d >= 0:
                    yield d, (connector.id, level)

    def cell_of(node: _Node) -> Cell:
        return (
            start_cell
            if node[0] == "start"
            else (building.connectors[node[0]].x, building.connectors[node[0]].y)
        )

    first: _Node = ("start", start.level)
    best: dict[_Node, int] = {first: 0}
    came: dict[_Node, _Node] = {}
    queue: list[tuple[int, _Node]] = [(0, first)]
    found: _Node | None = None
    while queue:
        cost, node = heapq.heappop(queue)
        if cost > best.get(node, cost):
            continue
        if node[0] == "goal":
            found = node
            break
        for step, nxt in neighbours(node, cell_of(node)):
            total = cost + step
            if total < best.get(nxt, total + 1):
                best[nxt] = total
                came[nxt] = node
                heapq.heappush(queue, (total, nxt))
    if found is None:
        return NoRoute("unreachable", f"no walkable way from kiosk {kiosk_id} to room {target.room}")
    chain = [found]
    while chain[-1] != first:
        chain.append(came[chain[-1]])
    chain.reverse()
    return _assemble(building, start, target, chain, goal_field, field_of)


def _assemble(
    building: Building,
    start: KioskSpot,
    target: PlanRoom,
    chain: list[_Node],
    goal_field: Field,
    field_of: Callable[[Connector, int], Field],
) -> Route:
    """Turn the chain of graph nodes into legs (walks merged per floor) and transfers."""
    legs: list[Leg] = []
    transfers: list[Transfer] = []
    walk: list[Cell] = [(start.x, start.y)]
    level = start.level
    for prev, node in itertools.pairwise(chain):
        if node[0] == "goal":
            walk.extend(goal_field.path(walk[-1])[1:])
        elif node[1] != prev[1]:
            connector = building.connectors[node[0]]
            legs.append(Leg(level, tuple(walk)))
            transfers.append(Transfer(connector, level, node[1]))
            level = node[1]
            walk = [(connector.x, connector.y)]
        else:
            connector = building.connectors[node[0]]
            walk.extend(field_of(connector, level).path(walk[-1])[1:])
    legs.append(Leg(level, tuple(walk)))
    return Route(start, target, tuple(legs), tuple(transfers))
