"""The drawn map: markers with their own glyphs, turned to the screen's facing, within any size."""

from __future__ import annotations

import pytest

from broker.wayfinding.plan import PlanError, check_rows
from broker.wayfinding.render import Glyphs, Role, render
from broker.wayfinding.route import Route, find_route
from tests.broker.wayfinding.plans import LEVEL_1, building


def _lobby_to_a2() -> Route:
    route = find_route(building(), "lobby", "A2")
    assert isinstance(route, Route)
    return route


def _find(rows: tuple[str, ...], text: str) -> tuple[int, int]:
    for y, row in enumerate(rows):
        if text in row:
            return row.index(text), y
    raise AssertionError(f"{text!r} not drawn:\n" + "\n".join(rows))


def test_markers_route_and_label_are_drawn_with_their_own_glyphs() -> None:
    b = building()
    route = _lobby_to_a2()
    image = render(
        b.floors[1],
        60,
        20,
        route=route.legs[0].cells,
        here=(9, 6),
        target=route.target.rect,
        label="A2",
        connectors=b.connectors_on(1),
        glyphs=Glyphs(here="@", lift="H", stairs="T"),
    )
    text = image.text()
    assert text.count("@") == 1 and "A2" in text and "H" in text and "T" in text
    assert "•" in text and "▒" in text and "█" in text
    # 20 x 9 plan cells in 60 columns: 3 columns and 1.5 rows a cell, so 13 rows (of the 20 offered).
    assert image.width == 60 and len(image.rows) == 13
    here = _find(image.rows, "@")
    assert image.roles[here[1]][here[0]] is Role.HERE
    label = _find(image.rows, "A2")
    # A2 lies below and right of the kiosk's door on the plan, and so on a north-facing map.
    assert label[0] > here[0]


def test_the_map_turns_so_the_visitor_faces_up() -> None:
    b = building()
    route = _lobby_to_a2()
    kwargs = {"route": route.legs[0].cells, "here": (9, 6), "target": route.target.rect, "label": "A2"}
    north = render(b.floors[1], 60, 40, facing="n", **kwargs)  # type: ignore[arg-type]
    south = render(b.floors[1], 60, 40, facing="s", **kwargs)  # type: ignore[arg-type]
    east = render(b.floors[1], 60, 40, facing="e", **kwargs)  # type: ignore[arg-type]
    # Facing south, the room east of the kiosk is on the visitor's left.
    assert _find(north.rows, "A2")[0] > _find(north.rows, "@")[0]
    assert _find(south.rows, "A2")[0] < _find(south.rows, "@")[0]
    # Facing east, the plan is turned: taller than wide, and the room (east) is above the kiosk.
    assert len(east.rows) > len(north.rows)
    assert _find(east.rows, "A2")[1] < _find(east.rows, "@")[1]


@pytest.mark.parametrize(("columns", "rows"), [(1, 1), (8, 3), (20, 6), (78, 16), (238, 60)])
def test_any_size_fits_and_keeps_the_markers(columns: int, rows: int) -> None:
    b = building()
    route = _lobby_to_a2()
    image = render(
        b.floors[1], columns, rows, route=route.legs[0].cells, here=(9, 6), connectors=b.connectors_on(1)
    )
    assert 1 <= image.width <= columns and 1 <= len(image.rows) <= rows
    assert all(len(row) == image.width for row in image.rows)
    assert "@" in image.text()


def test_plan_rows_are_checked() -> None:
    assert check_rows(LEVEL_1) == tuple(LEVEL_1)
    for rows, message in [
        (["....", "..."] * 2, "row 2 of the plan is 3 cells wide"),
        (["....", "..x.", "....", "...."], "row 2 of the plan has 'x'"),
        (["####"] * 4, "no walkable cell"),
        (["...."] * 2, "4 to 80 rows"),
        ("....", "a list of text rows"),
    ]:
        with pytest.raises(PlanError, match=message):
            check_rows(rows)
