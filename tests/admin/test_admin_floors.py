"""`floor`, `room place` and `kiosk place`: the building staff set up, checked before it is published,
and `floor show` printing what a kiosk will draw. Bad input: one `error:` line, the database unchanged."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from tests.admin.conftest import CliFn, dump, ok, run_cli
from tests.broker.wayfinding.plans import LEVEL_1, LEVEL_2


def _grid(tmp_path: Path, name: str, rows: list[str]) -> str:
    path = tmp_path / name
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return str(path)


@pytest.fixture
def building(cli: CliFn, tmp_path: Path) -> CliFn:
    """The fixture building of tests/broker/wayfinding/plans.py, set up through the CLI."""
    ok(cli("floor", "add", "1", "--name-sv", "Entréplan", "--name-en", "Entrance level"))
    ok(cli("floor", "add", "2"))
    ok(cli("floor", "plan", "1", _grid(tmp_path, "l1.txt", LEVEL_1)))
    ok(cli("floor", "plan", "2", _grid(tmp_path, "l2.txt", LEVEL_2)))
    ok(cli("room", "place", "A2", "--floor", "1", "--rect", "15,6,4,2"))
    ok(cli("room", "place", "B1", "--floor", "2", "--rect", "11,6,8,2"))
    ok(cli("floor", "connect", "lift-a", "--floors", "1,2", "--at", "17,4"))
    ok(cli("floor", "connect", "stairs-w", "--floors", "1,2", "--at", "1,4", "--kind", "stairs"))
    ok(cli("kiosk", "place", "lobby", "--floor", "1", "--at", "9,6", "--facing", "n"))
    return cli


def _published(db_path: Path) -> dict[tuple[str, str], dict[str, object]]:
    import sqlite3

    conn = sqlite3.connect(db_path)
    try:
        rows = conn.execute("SELECT kind, key, data FROM sync_state WHERE op = 'upsert'").fetchall()
    finally:
        conn.close()
    return {(kind, key): json.loads(data) for kind, key, data in rows}


def test_the_building_is_published_as_records(building: CliFn, db_path: Path) -> None:
    published = _published(db_path)
    assert published[("floor", "1")]["rows"] == LEVEL_1
    assert published[("floor", "1")]["name_sv"] == "Entréplan"
    assert published[("plan_room", "A2")] == {"room": "A2", "level": 1, "x": 15, "y": 6, "w": 4, "h": 2}
    assert published[("connector", "stairs-w")]["kind"] == "stairs"
    assert published[("connector", "lift-a")]["levels"] == [1, 2]
    assert published[("kiosk_spot", "lobby")] == {"kiosk": "lobby", "level": 1, "x": 9, "y": 6, "facing": "n"}
    listed = json.loads(ok(building("floor", "list", "--json")).stdout)
    assert [(f["level"], f["width"], f["rooms"], f["kiosks"]) for f in listed] == [
        (1, 20, ["A2"], ["lobby"]),
        (2, 20, ["B1"], []),
    ]


def test_a_floor_without_a_plan_is_not_sent(cli: CliFn, db_path: Path) -> None:
    result = ok(cli("floor", "add", "4"))
    assert "the kiosks get it with its plan" in result.stdout
    assert ("floor", "4") not in _published(db_path)


def test_floor_show_prints_the_map_the_route_and_the_steps(building: CliFn) -> None:
    out = ok(building("floor", "show", "1", "--route-from", "lobby", "--to", "B1")).stdout
    lines = out.splitlines()
    assert lines[0] == "Level 1 · Entrance level"
    drawn = "\n".join(lines[2:11])
    assert drawn.count("@") == 1 and "•" in drawn and "L" in drawn and "S" in drawn and "A2" in drawn
    assert "3. Take the lift to level 2" in lines
    assert lines[-1] == "6. Room B1 is here"
    upstairs = ok(building("floor", "show", "2", "--route-from", "lobby", "--to", "B1")).stdout
    assert "B1" in upstairs and "▒" in upstairs and "@" not in upstairs.split("\n@ kiosk")[0]


def test_floor_show_in_a_fresh_shell(building: CliFn, db_path: Path) -> None:
    """The console script, as staff run it: a real process, its own exit status and streams."""
    script = Path(sys.executable).parent / "innovatum-admin"
    done = subprocess.run(
        [str(script), "--db", str(db_path), "floor", "show", "1", "--route-from", "lobby", "--to", "A2"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Room A2 is here" in done.stdout
    nowhere = subprocess.run(
        [str(script), "--db", str(db_path), "floor", "show", "1", "--route-from", "lobby", "--to", "Z9"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (nowhere.returncode, nowhere.stderr) == (1, "error: room Z9 is not placed on a floor plan\n")


def test_an_image_plan_is_scaled_and_quantised(cli: CliFn, tmp_path: Path, db_path: Path) -> None:
    # A 800x400 drawing: outside transparent, a black outline, a wall across with a door gap.
    image = Image.new("RGBA", (800, 400), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 780, 380), fill="white", outline="black", width=6)
    draw.line((20, 200, 500, 200), fill="black", width=5)
    draw.line((560, 200, 780, 200), fill="black", width=5)
    png = tmp_path / "plan.png"
    image.save(png)
    jpeg = tmp_path / "plan.jpg"
    image.convert("RGB").save(jpeg, quality=70)
    ok(cli("floor", "add", "3"))
    out = ok(cli("floor", "plan", "3", str(png), "--width", "40")).stdout
    assert out.startswith("plan of floor 3: 40x20 cells")
    rows = _published(db_path)[("floor", "3")]["rows"]
    assert isinstance(rows, list) and len(rows) == 20 and all(len(row) == 40 for row in rows)
    assert rows[0] == " " * 40  # transparent outside
    assert rows[10].count("#") >= 30 and "." in rows[10]  # the wall across, with its door
    assert rows[5][1] == "#" and set(rows[5][3:20]) == {"."}  # outline, then the room inside
    ok(cli("kiosk", "place", "k", "--floor", "3", "--at", "5,5"))
    ok(cli("room", "place", "S1", "--floor", "3", "--rect", "2,12,10,6"))
    assert "Room S1 is here" in ok(cli("floor", "show", "3", "--route-from", "k", "--to", "S1")).stdout
    # A JPEG (no transparency: the white margin is walkable) works too; the room and kiosk still fit.
    assert ok(cli("floor", "plan", "3", str(jpeg), "--width", "40")).stdout.startswith(
        "plan of floor 3: 40x20"
    )
    # A smaller plan would leave room S1 outside it: refused, nothing changed.
    refused = cli("floor", "plan", "3", str(jpeg), "--width", "16")
    assert refused.error_lines == [
        "error: room S1 at 2,12,10,6 lies outside the plan of level 3 (16x8 cells)"
    ]


BAD: list[tuple[str, list[str], str]] = [
    (
        "room outside the plan",
        ["room", "place", "X", "--floor", "1", "--rect", "18,7,5,5"],
        "error: room X at 18,7,5,5 lies outside the plan of level 1 (20x9 cells)",
    ),
    (
        "overlapping rooms",
        ["room", "place", "X", "--floor", "1", "--rect", "16,6,2,2"],
        "error: room A2 overlaps room X on level 1",
    ),
    (
        "room with no door",
        ["room", "place", "X", "--floor", "1", "--rect", "0,8,3,1"],
        "error: room X at 0,8,3,1 has no walkable cell (no door) on the plan",
    ),
    (
        "room on a floor with no plan",
        ["room", "place", "X", "--floor", "5", "--rect", "1,1,2,2"],
        "error: room X: level 5 has no floor plan (add it with `floor add` and `floor plan`)",
    ),
    (
        "room label with a slash",
        ["room", "place", "A/1", "--floor", "1", "--rect", "1,1,2,2"],
        "error: room 'A/1' must be 1-40 letters, digits, '.', '_' or '-'",
    ),
    (
        "rect not four numbers",
        ["room", "place", "X", "--floor", "1", "--rect", "1,1,2"],
        "error: --rect must be x,y,w,h in plan cells (whole numbers, 0 or more), not '1,1,2'",
    ),
    (
        "negative rect",
        ["room", "place", "X", "--floor", "1", "--rect", "-1,1,2,2"],
        "error: --rect must be x,y,w,h in plan cells (whole numbers, 0 or more), not '-1,1,2,2'",
    ),
    (
        "empty rect",
        ["room", "place", "X", "--floor", "1", "--rect", "1,1,0,2"],
        "error: room X: width and height must be at least 1 cell",
    ),
    (
        "kiosk on no floor",
        ["kiosk", "place", "k2", "--floor", "7", "--at", "1,1"],
        "error: kiosk k2: level 7 has no floor plan (add it with `floor add` and `floor plan`)",
    ),
    (
        "kiosk off the plan",
        ["kiosk", "place", "k2", "--floor", "1", "--at", "30,1"],
        "error: kiosk k2 at 30,1 lies outside the plan of level 1 (20x9 cells)",
    ),
    (
        "kiosk in a wall",
        ["kiosk", "place", "k2", "--floor", "1", "--at", "0,0"],
        "error: kiosk k2 at 0,0 is not on a walkable cell of level 1",
    ),
    (
        "kiosk facing nowhere",
        ["kiosk", "place", "k2", "--floor", "1", "--at", "2,2", "--facing", "up"],
        "'up' is not one of",
    ),
    (
        "lift in a wall",
        ["floor", "connect", "lift-b", "--floors", "1,2", "--at", "0,0"],
        "error: lift lift-b at 0,0 is not on a walkable cell of level 1",
    ),
    (
        "lift to one level",
        ["floor", "connect", "lift-b", "--floors", "1,1", "--at", "2,2"],
        "error: lift lift-b must connect at least two different levels",
    ),
    (
        "lift to a floor with no plan",
        ["floor", "connect", "lift-b", "--floors", "1,9", "--at", "2,2"],
        "error: lift lift-b: level 9 has no floor plan",
    ),
    (
        "lift levels not numbers",
        ["floor", "connect", "lift-b", "--floors", "1,two", "--at", "2,2"],
        "error: --floors must be levels separated by commas, e.g. 1,2,3, not '1,two'",
    ),
    (
        "plan for an unknown floor",
        ["floor", "plan", "8", "{grid}"],
        "error: no floor with level 8 (add it with `floor add 8`)",
    ),
    (
        "a plan that drops a placed room",
        ["floor", "plan", "1", "{small}"],
        "error: room A2 at 15,6,4,2 lies outside the plan of level 1 (10x5 cells)",
    ),
    ("a PNG that is not one", ["floor", "plan", "1", "{fake_png}"], "is damaged"),
    (
        "a file that is no image",
        ["floor", "plan", "1", "{text}"],
        "is neither an image Pillow can read nor a text grid of '.', '#' and spaces",
    ),
    ("a truncated PNG", ["floor", "plan", "1", "{truncated}"], "error: plan "),
    ("a missing file", ["floor", "plan", "1", "{missing}"], "error: cannot read plan "),
    ("a grid too wide", ["floor", "plan", "1", "{wide}"], "a plan is 4 to 160 cells wide, not 200"),
    (
        "remove a floor in use",
        ["floor", "remove", "1"],
        "error: level 1 still has A2, lift-a, lobby, stairs-w on it; remove them first",
    ),
    (
        "route from an unplaced kiosk",
        ["floor", "show", "1", "--route-from", "nope", "--to", "A2"],
        "error: kiosk nope is not placed on a floor plan",
    ),
    (
        "route with only --to",
        ["floor", "show", "1", "--to", "A2"],
        "error: --route-from and --to go together",
    ),
    ("show a floor with no plan", ["floor", "show", "6"], "error: level 6 has no floor plan"),
]


@pytest.mark.parametrize(("name", "args", "message"), BAD, ids=[case[0] for case in BAD])
def test_bad_input_is_one_error_line_and_changes_nothing(
    building: CliFn, db_path: Path, tmp_path: Path, name: str, args: list[str], message: str
) -> None:
    files = {
        "grid": _grid(tmp_path, "grid.txt", LEVEL_1),
        "small": _grid(tmp_path, "small.txt", ["#" * 10, "#........#", "#........#", "#........#", "#" * 10]),
        "wide": _grid(tmp_path, "wide.txt", ["#" * 200, "#" + "." * 198 + "#", "#" * 200, "#" * 200]),
        "missing": str(tmp_path / "nothing-here.png"),
        "text": _grid(tmp_path, "notes.txt", ["Plan 2: the rooms B204 and B210"]),
    }
    fake = tmp_path / "fake.png"
    fake.write_bytes(b"\x89PNG\r\n\x1a\n" + b"not really a png" * 20)
    files["fake_png"] = str(fake)
    real = tmp_path / "real.png"
    Image.new("RGB", (200, 100), "white").save(real)
    truncated = tmp_path / "truncated.png"
    truncated.write_bytes(real.read_bytes()[:60])
    files["truncated"] = str(truncated)
    args = [arg.format(**files) for arg in args]
    before = dump(db_path)
    result = run_cli(db_path, *args)
    assert result.exit_code != 0
    assert len(result.error_lines) == 1, result.stderr
    assert result.error_lines[0].startswith("error: ")
    assert message in result.error_lines[0]
    assert dump(db_path) == before
