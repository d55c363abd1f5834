"""`floor ...`, `room place|unplace` and `kiosk place|unplace`: the building the kiosks draw maps of.

`floor show` prints a floor the way a kiosk draws it (the same code, broker/wayfinding), optionally with
the route from a kiosk to a room, so staff can check their data before it reaches a screen.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from admin.cli.common import (
    Context,
    fail,
    json_option,
    pass_context,
    print_rows,
    revision_note,
    say,
    user_errors,
)
from admin.cli.fleet import kiosk
from admin.cli.rooms import room
from admin.content import floorplans
from admin.content.plan_file import DEFAULT_WIDTH, read_plan
from broker.wayfinding.directions import steps
from broker.wayfinding.plan import CONNECTOR_KINDS, FACINGS, Building, Rect
from broker.wayfinding.render import Glyphs, render
from broker.wayfinding.route import NoRoute, Route, find_route

LEGEND = "@ kiosk   • route   ▒ target room   L lift   S stairs   █ wall"


@click.group("floor")
def floor() -> None:
    """Floors, their plans, lifts and stairs: the maps the kiosks show."""


@floor.command("add")
@click.argument("level", type=int)
@click.option(
    "--name-sv", default="", help="Name in Swedish, e.g. Entréplan (default: none, shown as 'plan N')."
)
@click.option("--name-en", default="", help="Name in English, e.g. Entrance level.")
@pass_context
def floor_add(ctx: Context, level: int, name_sv: str, name_en: str) -> None:
    """Add a floor (LEVEL: its number, as on the lift buttons), or rename it."""
    with user_errors(), ctx.database() as db:
        outcome = floorplans.add_floor(db, ctx.actor, level, name_sv, name_en)
    if outcome.rev is None and outcome.action != "unchanged":
        # A floor without a plan is not sent: there is nothing a kiosk could draw.
        say(f"{outcome.action} floor {level} (the kiosks get it with its plan: `floor plan {level} FILE`)")
    else:
        say(f"{outcome.action} floor {level} ({revision_note(outcome.rev)})")


@floor.command("plan")
@click.argument("level", type=int)
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--width",
    type=int,
    default=DEFAULT_WIDTH,
    show_default=True,
    help="For an image: cells across the plan (the height follows the image's proportions).",
)
@pass_context
def floor_plan(ctx: Context, level: int, file: Path, width: int) -> None:
    """Set a floor's plan from FILE: a PNG/JPEG drawing (dark = wall, transparent = outside, the rest
    walkable) or a text grid of '.' (walkable), '#' (wall) and spaces (outside)."""
    with user_errors():
        rows = read_plan(file, width)
        with ctx.database() as db:
            outcome = floorplans.set_plan(db, ctx.actor, level, rows)
    say(f"plan of floor {level}: {len(rows[0])}x{len(rows)} cells ({revision_note(outcome.rev)})")


@floor.command("connect")
@click.argument("ident", metavar="ID")
@click.option(
    "--floors", "levels", required=True, metavar="N,N,...", help="The levels it serves, e.g. 1,2,3."
)
@click.option(
    "--at", "at", required=True, metavar="X,Y", help="Its cell on the plans (the same on every level)."
)
@click.option(
    "--kind", type=click.Choice(CONNECTOR_KINDS), default="lift", show_default=True, help="A lift or stairs."
)
@pass_context
def floor_connect(ctx: Context, ident: str, levels: str, at: str, kind: Any) -> None:
    """Add or move a lift or stairs (ID, e.g. lift-a) that connects floors."""
    with user_errors(), ctx.database() as db:
        numbers = _levels(levels)
        x, y = floorplans.parse_ints(at, 2, "--at")
        outcome = floorplans.connect(db, ctx.actor, ident, kind, numbers, (x, y))
    say(f"{outcome.action} {kind} {ident} ({revision_note(outcome.rev)})")


@floor.command("disconnect")
@click.argument("ident", metavar="ID")
@pass_context
def floor_disconnect(ctx: Context, ident: str) -> None:
    """Remove a lift or stairs."""
    with user_errors(), ctx.database() as db:
        outcome = floorplans.disconnect(db, ctx.actor, ident)
    say(f"removed {ident} ({revision_note(outcome.rev)})")


@floor.command("remove")
@click.argument("level", type=int)
@pass_context
def floor_remove(ctx: Context, level: int) -> None:
    """Remove a floor that has nothing placed on it."""
    with user_errors(), ctx.database() as db:
        outcome = floorplans.remove_floor(db, ctx.actor, level)
    say(f"removed floor {level} ({revision_note(outcome.rev)})")


@floor.command("list")
@json_option("A JSON array: level, names, plan size and what is placed on each floor.")
@pass_context
def floor_list(ctx: Context, as_json: bool) -> None:
    """All floors."""
    with user_errors(), ctx.database() as db:
        rows = floorplans.list_floors(db)
    print_rows(
        rows,
        as_json=as_json,
        title="Floors",
        columns=("level", "name", "plan", "rooms", "lifts/stairs", "kiosks"),
        cells=lambda r: (
            r["level"],
            r["name_sv"] or r["name_en"],
            f"{r['width']}x{r['height']}" if r["width"] else "no plan",
            " ".join(r["rooms"]),
            " ".join(r["connectors"]),
            " ".join(r["kiosks"]),
        ),
    )


@floor.command("show")
@click.argument("level", type=int)
@click.option("--route-from", "route_from", metavar="KIOSK", help="Draw the way from this kiosk...")
@click.option("--to", "to", metavar="ROOM", help="...to this room (with --route-from).")
@pass_context
def floor_show(ctx: Context, level: int, route_from: str | None, to: str | None) -> None:
    """Print a floor as the kiosks draw it (north up, one cell as two characters), with every room's
    label, and with --route-from and --to the way there and the steps a visitor reads."""
    if (route_from is None) != (to is None):
        fail("--route-from and --to go together")
    with user_errors(), ctx.database() as db:
        building = floorplans.load_building(db)
    plan = building.floors.get(level)
    if plan is None:
        fail(f"level {level} has no floor plan (add it with `floor add` and `floor plan`)")
    route: Route | None = None
    if route_from is not None and to is not None:
        found = find_route(building, route_from, to)
        if isinstance(found, NoRoute):
            fail(found.detail)
        route = found
    click.echo(_draw(building, level, route))
    click.echo(LEGEND)
    if route is not None:
        if level not in [leg.level for leg in route.legs]:
            click.echo(f"(the way from {route_from} to {route.target.room} does not pass level {level})")
        for number, step in enumerate(steps(route), 1):
            click.echo(f"{number}. {step.english()}")


def _draw(building: Building, level: int, route: Route | None) -> str:
    plan = building.floors[level]
    cells = [cell for leg in (route.legs if route else ()) if leg.level == level for cell in leg.cells]
    here = None
    if route is not None and route.start.level == level:
        here = (route.start.x, route.start.y)
    target = route.target if route is not None and route.target.level == level else None
    others: list[tuple[Rect, str]] = [
        (r.rect, r.room) for r in building.rooms_on(level) if target is None or r.room != target.room
    ]
    image = render(
        plan,
        2 * plan.width,
        plan.height,
        route=cells,
        here=here,
        target=target.rect if target else None,
        label=target.room if target else "",
        rooms=others,
        connectors=building.connectors_on(level),
        glyphs=Glyphs(),
    )
    title = f"Level {level}" + (f" · {plan.name_en or plan.name_sv}" if plan.name_en or plan.name_sv else "")
    ruler = "".join(f"{x:<20d}" for x in range(0, plan.width, 10))[: 2 * plan.width]
    return "\n".join([title, ruler, *image.rows])


def _levels(text: str) -> list[int]:
    try:
        return [int(part) for part in text.split(",")]
    except ValueError:
        fail(f"--floors must be levels separated by commas, e.g. 1,2,3, not {text!r}")


@room.command("place")
@click.argument("label", metavar="ROOM")
@click.option("--floor", "level", type=int, required=True, metavar="N", help="The level it is on.")
@click.option("--rect", required=True, metavar="X,Y,W,H", help="Its rectangle on the plan, in cells.")
@pass_context
def room_place(ctx: Context, label: str, level: int, rect: str) -> None:
    """Place a room (ROOM: its label as tenants and signs write it, e.g. B204) on a floor's plan."""
    with user_errors(), ctx.database() as db:
        x, y, w, h = floorplans.parse_ints(rect, 4, "--rect")
        outcome = floorplans.place_room(db, ctx.actor, label, level, Rect(x, y, w, h))
    say(f"{outcome.action} room {label} on floor {level} ({revision_note(outcome.rev)})")


@room.command("unplace")
@click.argument("label", metavar="ROOM")
@pass_context
def room_unplace(ctx: Context, label: str) -> None:
    """Take a room off the floor plans."""
    with user_errors(), ctx.database() as db:
        outcome = floorplans.unplace_room(db, ctx.actor, label)
    say(f"room {label} is off the plans ({revision_note(outcome.rev)})")


@kiosk.command("place")
@click.argument("ident", metavar="ID")
@click.option("--floor", "level", type=int, required=True, metavar="N", help="The level it stands on.")
@click.option("--at", "at", required=True, metavar="X,Y", help="Its cell on the plan.")
@click.option(
    "--facing",
    type=click.Choice(FACINGS),
    default="n",
    show_default=True,
    help="The way a visitor looks while reading the screen (n = up on the plan); the map turns to it.",
)
@pass_context
def kiosk_place(ctx: Context, ident: str, level: int, at: str, facing: Any) -> None:
    """Place a kiosk on a floor's plan: its "you are here"."""
    with user_errors(), ctx.database() as db:
        x, y = floorplans.parse_ints(at, 2, "--at")
        outcome = floorplans.place_kiosk(db, ctx.actor, ident, level, (x, y), facing)
    say(f"{outcome.action} kiosk {ident} on floor {level} ({revision_note(outcome.rev)})")


@kiosk.command("unplace")
@click.argument("ident", metavar="ID")
@pass_context
def kiosk_unplace(ctx: Context, ident: str) -> None:
    """Take a kiosk off the floor plans (its screens then offer no map)."""
    with user_errors(), ctx.database() as db:
        outcome = floorplans.unplace_kiosk(db, ctx.actor, ident)
    say(f"kiosk {ident} is off the plans ({revision_note(outcome.rev)})")


def register(main: click.Group) -> None:
    main.add_command(floor)
