"""One floor drawn as a grid of characters, each with a role, for a terminal of any size.

The map is turned so that the way a visitor faces while reading the screen is up ("heads-up", as
lobby maps are drawn), then scaled so a plan cell is twice as wide as tall (terminal cells are about
1:2) and the whole floor fits `columns` x `rows`. When several plan cells share a screen cell, the
majority wins and a tie is a wall (so a one-cell wall survives halving, and a corridor two or more
cells wide survives as at least one row); the route is a line one
character wide from cell centre to cell centre, drawn over everything but the markers.

Markers are drawn once each, at the centre of their cell, with their own glyph, so they read
without colour (16-colour consoles, colour-blind visitors): "you are here", the target room (its
label where it fits), lifts and stairs. Other rooms' labels (`rooms`) are drawn for staff checking
their data, and where a screen has room for them. The caller gives the glyphs (they are letters of the
visitor's language) and turns roles into colours.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import IntEnum

from broker.wayfinding.plan import Connector, Facing, Floor, Rect
from broker.wayfinding.route import Cell


class Role(IntEnum):
    """What a screen cell shows; a higher role wins a shared cell."""

    VOID = 0
    FLOOR = 1
    TARGET = 2
    WALL = 3
    ROUTE = 4
    LIFT = 5
    STAIRS = 6
    LABEL = 7
    HERE = 8


#: The glyph of each role that is not a marker; markers' glyphs come from the caller.
BASE_GLYPHS: Mapping[Role, str] = {
    Role.VOID: " ",
    Role.FLOOR: " ",
    Role.TARGET: "▒",
    Role.WALL: "█",
    Role.ROUTE: "•",
}


@dataclass(frozen=True)
class Glyphs:
    here: str = "@"
    lift: str = "L"
    stairs: str = "S"


@dataclass(frozen=True)
class MapImage:
    rows: tuple[str, ...]
    roles: tuple[tuple[Role, ...], ...]

    @property
    def width(self) -> int:
        return len(self.rows[0]) if self.rows else 0

    def text(self) -> str:
        return "\n".join(row.rstrip() for row in self.rows)


class View:
    """Plan cells turned to `facing` and scaled into `columns` x `rows` screen cells."""

    def __init__(self, floor: Floor, facing: Facing, columns: int, rows: int) -> None:
        self.floor, self.facing = floor, facing
        turned = facing in ("e", "w")
        self.vw, self.vh = (floor.height, floor.width) if turned else (floor.width, floor.height)
        # rows per plan cell; a plan cell is two screen columns wide per screen row.
        self.scale = max(1e-6, min(rows / self.vh, columns / (2 * self.vw)))
        self.columns = max(1, min(columns, math.floor(2 * self.vw * self.scale)))
        self.rows = max(1, min(rows, math.floor(self.vh * self.scale)))

    def to_view(self, x: int, y: int) -> Cell:
        w, h = self.floor.width, self.floor.height
        if self.facing == "n":
            return x, y
        if self.facing == "s":
            return w - 1 - x, h - 1 - y
        if self.facing == "e":
            return y, w - 1 - x
        return h - 1 - y, x

    def to_plan(self, vx: int, vy: int) -> Cell:
        w, h = self.floor.width, self.floor.height
        if self.facing == "n":
            return vx, vy
        if self.facing == "s":
            return w - 1 - vx, h - 1 - vy
        if self.facing == "e":
            return w - 1 - vy, vx
        return vy, h - 1 - vx

    def screen(self, x: int, y: int) -> Cell:
        """The screen cell at the centre of plan cell (x, y)."""
        vx, vy = self.to_view(x, y)
        column = min(self.columns - 1, math.floor((vx + 0.5) * 2 * self.scale))
        row = min(self.rows - 1, math.floor((vy + 0.5) * self.scale))
        return column, row

    def block(self, column: int, row: int) -> Iterable[Cell]:
        """The plan cells a screen cell covers (at least one)."""
        sx = 2 * self.scale
        x0 = min(self.vw - 1, math.floor(column / sx))
        x1 = max(x0 + 1, min(self.vw, math.ceil((column + 1) / sx)))
        y0 = min(self.vh - 1, math.floor(row / self.scale))
        y1 = max(y0 + 1, min(self.vh, math.ceil((row + 1) / self.scale)))
        for vy in range(y0, y1):
            for vx in range(x0, x1):
                yield self.to_plan(vx, vy)


def render(
    floor: Floor,
    columns: int,
    rows: int,
    *,
    facing: Facing = "n",
    route: Iterable[Cell] = (),
    here: Cell | None = None,
    target: Rect | None = None,
    label: str = "",
    rooms: Iterable[tuple[Rect, str]] = (),
    connectors: Iterable[Connector] = (),
    glyphs: Glyphs = Glyphs(),
) -> MapImage:
    view = View(floor, facing, columns, rows)
    path = list(route)
    chars: list[list[str]] = []
    roles: list[list[Role]] = []
    for row in range(view.rows):
        line_chars: list[str] = []
        line_roles: list[Role] = []
        for column in range(view.columns):
            role = _base(floor, view.block(column, row), target)
            line_chars.append(BASE_GLYPHS[role])
            line_roles.append(role)
        chars.append(line_chars)
        roles.append(line_roles)

    def put(cell: Cell, text: str, role: Role) -> None:
        column, row = cell
        for offset, char in enumerate(text):
            if 0 <= column + offset < view.columns and roles[row][column + offset] <= role:
                chars[row][column + offset] = char
                roles[row][column + offset] = role

    # The route as a line one character wide from centre to centre, whatever the scale.
    for a, b in itertools.pairwise([view.screen(x, y) for x, y in path]):
        for cell in _line(a, b):
            put(cell, BASE_GLYPHS[Role.ROUTE], Role.ROUTE)
    if len(path) == 1:
        put(view.screen(*path[0]), BASE_GLYPHS[Role.ROUTE], Role.ROUTE)
    for connector in connectors:
        if floor.inside(connector.x, connector.y):
            kind = Role.LIFT if connector.kind == "lift" else Role.STAIRS
            put(
                view.screen(connector.x, connector.y),
                glyphs.lift if kind == Role.LIFT else glyphs.stairs,
                kind,
            )
    for rect, name in rooms:
        put(_label_at(view, rect, name), name, Role.LABEL)
    if target is not None and label:
        put(_label_at(view, target, label), label, Role.LABEL)
    if here is not None and floor.inside(*here):
        put(view.screen(*here), glyphs.here, Role.HERE)
    return MapImage(
        tuple("".join(line) for line in chars),
        tuple(tuple(line) for line in roles),
    )


def _line(a: Cell, b: Cell) -> Iterable[Cell]:
    """Screen cells from a to b; neighbouring plan cells are in a row or a column, so this is one."""
    (x0, y0), (x1, y1) = a, b
    steps = max(abs(x1 - x0), abs(y1 - y0), 1)
    for i in range(steps + 1):
        yield x0 + round((x1 - x0) * i / steps), y0 + round((y1 - y0) * i / steps)


def _base(floor: Floor, cells: Iterable[Cell], target: Rect | None) -> Role:
    walk = wall = 0
    in_target = False
    for x, y in cells:
        char = floor.rows[y][x]
        if char == ".":
            walk += 1
            in_target = in_target or (target is not None and target.contains(x, y))
        elif char == "#":
            wall += 1
    if walk and walk > wall:
        return Role.TARGET if in_target else Role.FLOOR
    return Role.WALL if wall else Role.VOID


def _label_at(view: View, rect: Rect, label: str) -> Cell:
    """The label centred on the room, moved left to stay on the map."""
    corners = [view.screen(x, y) for x, y in ((rect.x, rect.y), (rect.x + rect.w - 1, rect.y + rect.h - 1))]
    column = (corners[0][0] + corners[1][0]) // 2 - len(label) // 2
    row = (corners[0][1] + corners[1][1]) // 2
    return max(0, min(column, view.columns - len(label))), row
