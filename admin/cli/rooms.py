"""`room ...` and `booking ...`: the project arena. The calendars module adds `booking import-ics`."""

from __future__ import annotations

from typing import Any

import click

from admin.cli.common import (
    Context,
    Decorator,
    given,
    json_option,
    local_time,
    options,
    pass_context,
    print_rows,
    revision_note,
    say,
    say_edited,
    user_errors,
)
from admin.cli.when import WHEN, WHEN_HELP
from admin.content import rooms as content
from admin.content.english import counted

_JSON_HELP = "A JSON array of objects (keys: the option names)."


def _room_options(*, adding: bool) -> Decorator:
    """The same options for add and edit; add requires --name."""
    return options(
        click.option("--name", required=adding, help="Name as shown on the room board."),
        click.option("--floor", type=int, metavar="N", help="Floor number."),
        click.option("--capacity", type=int, metavar="N", help="Number of seats."),
        click.option("--description-sv", help="Description in Swedish."),
        click.option("--description-en", help="Description in English."),
    )


@click.group("room")
def room() -> None:
    """Project-arena rooms that can be booked."""


@room.command("add")
@click.argument("slug")
@_room_options(adding=True)
@pass_context
def room_add(ctx: Context, slug: str, **values: Any) -> None:
    """Add a room. SLUG is its short id: lower-case letters, digits, - and _."""
    with user_errors(), ctx.database() as db:
        outcome = content.add_room(db, ctx.actor, slug, given(values))
    say(f"added room {slug} ({revision_note(outcome.rev)})")


@room.command("edit")
@click.argument("slug")
@_room_options(adding=False)
@pass_context
def room_edit(ctx: Context, slug: str, **values: Any) -> None:
    """Change some fields of a room."""
    with user_errors(), ctx.database() as db:
        outcome = content.edit_room(db, ctx.actor, slug, given(values))
    say_edited(f"room {slug}", outcome)


@room.command("remove")
@click.argument("slug")
@pass_context
def room_remove(ctx: Context, slug: str) -> None:
    """Remove a room that has no bookings and no calendar feed left."""
    with user_errors(), ctx.database() as db:
        outcome = content.remove_room(db, ctx.actor, slug)
    say(f"removed room {slug} ({revision_note(outcome.rev)})")


@room.command("list")
@json_option(_JSON_HELP)
@pass_context
def room_list(ctx: Context, as_json: bool) -> None:
    """All rooms."""
    with user_errors(), ctx.database() as db:
        rows = [content.room_json(row) for row in content.list_rooms(db)]
    columns = ["slug", "name", "floor", "capacity"]
    print_rows(
        rows,
        as_json=as_json,
        title=counted(len(rows), "room"),
        columns=columns,
        cells=lambda r: [r[c] for c in columns],
    )


@click.group("booking")
def booking() -> None:
    """Bookings of project-arena rooms (no two in one room at the same time)."""


@booking.command("add")
@click.option("--room", "room_slug", required=True, metavar="SLUG", help="The room.")
@click.option("--start", required=True, type=WHEN, metavar="TIME", help=f"Start: {WHEN_HELP}")
@click.option("--end", required=True, type=WHEN, metavar="TIME", help="End; after the start.")
@click.option("--title", required=True, help="What the room is booked for.")
@click.option("--organiser", help="Who booked it.")
@click.option("--private", is_flag=True, help="Screens show only 'Bokad'/'Booked', not the title.")
@pass_context
def booking_add(
    ctx: Context, room_slug: str, start: str, end: str, title: str, organiser: str | None, private: bool
) -> None:
    """Book a room; prints the booking's id."""
    values = given(
        {
            "room": room_slug,
            "start": start,
            "end": end,
            "title": title,
            "private": private,
            "organiser": organiser,
        }
    )
    with user_errors(), ctx.database() as db:
        booking_id, outcome = content.add_booking(db, ctx.actor, values)
    say(f"added booking {booking_id} ({revision_note(outcome.rev)})")


@booking.command("remove")
@click.argument("booking_id", metavar="ID", type=int)
@pass_context
def booking_remove(ctx: Context, booking_id: int) -> None:
    """Cancel a booking."""
    with user_errors(), ctx.database() as db:
        outcome = content.remove_booking(db, ctx.actor, booking_id)
    say(f"removed booking {booking_id} ({revision_note(outcome.rev)})")


@booking.command("list")
@click.option("--room", "room_slug", metavar="SLUG", help="Only this room's bookings.")
@json_option(_JSON_HELP + " Private titles included.")
@pass_context
def booking_list(ctx: Context, room_slug: str | None, as_json: bool) -> None:
    """Bookings by start time (all rooms, or one)."""
    with user_errors(), ctx.database() as db:
        if room_slug is not None:
            content.require_room(db, room_slug)
        rows = [content.booking_json(row) for row in content.list_bookings(db, room_slug)]
    print_rows(
        rows,
        as_json=as_json,
        title=counted(len(rows), "booking"),
        columns=["id", "room", "start", "end", "title", "private", "source"],
        cells=lambda r: [
            r["id"],
            r["room"],
            local_time(r["start"]),
            local_time(r["end"]),
            r["title"],
            r["private"],
            r["source"],
        ],
    )


def register(main: click.Group) -> None:
    main.add_command(room)
    main.add_command(booking)
