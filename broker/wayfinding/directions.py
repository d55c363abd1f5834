"""A route as the steps a person follows, each with an English message and its parameters.

The messages are msgids: the kiosk translates them through its catalog (Swedish first), the admin
CLI prints them as they are. So the wording of a step is written once, here.

The first walk from a kiosk is told relative to the way a visitor faces while reading the screen
("go left"); after that each bend is a turn ("turn right"). After a lift or stairs the visitor's
heading is not known, so that walk starts "from the lift" and the map of that floor shows the way.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from broker.wayfinding.plan import Facing
from broker.wayfinding.route import Cell, Route

#: Unit vectors of the four headings in plan coordinates (y grows southwards).
HEADINGS: dict[Facing, Cell] = {"n": (0, -1), "e": (1, 0), "s": (0, 1), "w": (-1, 0)}

MESSAGES = {
    "ahead": "Go straight ahead",
    "left": "Go to your left",
    "right": "Go to your right",
    "back": "Turn round and go straight on",
    "turn_left": "Turn left",
    "turn_right": "Turn right",
    "from_lift": "Leave the lift on level {level} and follow the line",
    "from_stairs": "Leave the stairs on level {level} and follow the line",
    "lift": "Take the lift to level {level}",
    "stairs": "Take the stairs to level {level}",
    "arrive": "Room {room} is here",
    "here": "You are already at room {room}",
}


@dataclass(frozen=True)
class Step:
    action: str  # a key of MESSAGES
    level: int  # the level the step happens on (for a lift or stairs: the level it goes to)
    params: dict[str, object] = field(default_factory=dict)

    @property
    def message(self) -> str:
        """The English msgid; format it with `params` after translating."""
        return MESSAGES[self.action]

    def english(self) -> str:
        return self.message.format(**self.params)


def _relative(heading: Cell, move: Cell) -> str:
    if move == heading:
        return "ahead"
    if move == (-heading[0], -heading[1]):
        return "back"
    # Turning right from north (0,-1) gives east (1,0): (x, y) -> (-y, x).
    return "right" if move == (-heading[1], heading[0]) else "left"


def _moves(cells: tuple[Cell, ...]) -> list[Cell]:
    """The direction of each straight stretch of a walk, in order."""
    moves: list[Cell] = []
    for (x0, y0), (x1, y1) in itertools.pairwise(cells):
        move = (x1 - x0, y1 - y0)
        if not moves or moves[-1] != move:
            moves.append(move)
    return moves


def steps(route: Route) -> list[Step]:
    result: list[Step] = []
    room = route.target.room
    if route.length == 0:
        return [Step("here", route.start.level, {"room": room})]
    for index, leg in enumerate(route.legs):
        moves = _moves(leg.cells)
        if index == 0:
            heading = HEADINGS[route.start.facing]
            if moves:
                result.append(Step(_relative(heading, moves[0]), leg.level))
        else:
            came_by = route.transfers[index - 1].connector.kind
            result.append(
                Step("from_lift" if came_by == "lift" else "from_stairs", leg.level, {"level": leg.level})
            )
        for before, after in itertools.pairwise(moves):
            result.append(
                Step("turn_right" if _relative(before, after) == "right" else "turn_left", leg.level)
            )
        if index < len(route.transfers):
            transfer = route.transfers[index]
            result.append(Step(transfer.connector.kind, transfer.to_level, {"level": transfer.to_level}))
    result.append(Step("arrive", route.target.level, {"room": room}))
    return result
