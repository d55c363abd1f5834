"""`event ...`: science-center events. The calendars module adds `event import-ics` to this group."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from admin.cli.common import (
    Context,
    local_time,
    pass_context,
    print_json,
    print_table,
    revision_note,
    say,
    user_errors,
)
from admin.content import events as content

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def _event_options(*, adding: bool) -> Decorator:
    """The same options for add and edit; add requires --title-sv, --start and --end."""
    options = [
        click.option("--title-sv", required=adding, help="Title in Swedish."),
        click.option("--title-en", help="Title in English."),
        click.option(
            "--start", required=adding, metavar="ISO", help="Start, e.g. 2026-12-01T18:00 (Stockholm)."
        ),
        click.option("--end", required=adding, metavar="ISO", help="End; must be after the start."),
        click.option("--place", help="Where, e.g. Science center, Experimentverkstaden."),
        click.option(
            "--registration-url", metavar="URL", help="Registration page (http or https), shown as QR."
        ),
        click.option("--audience", help="Who it is for, e.g. 'Families, 6-12'."),
        click.option("--description-sv", help="Description in Swedish."),
        click.option("--description-en", help="Description in English."),
        click.option("--capacity", type=int, metavar="N", help="Number of places."),
        click.option("--full/--not-full", default=None, help="Fully booked."),
    ]
    if not adding:
        options.append(click.option("--cancelled/--not-cancelled", default=None, help="Cancelled."))

    def decorate(function: Callable[..., Any]) -> Callable[..., Any]:
        for option in reversed(options):
            function = option(function)
        return function

    return decorate


def _given(options: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in options.items() if value is not None}


@click.group("event")
def event() -> None:
    """Science-center events: talks, shows, workshops."""


@event.command("add")
@_event_options(adding=True)
@pass_context
def add(ctx: Context, **options: Any) -> None:
    """Add an event; prints its id."""
    with user_errors(), ctx.database() as db:
        event_id, outcome = content.add(db, ctx.actor, _given(options))
    say(f"added event {event_id} ({revision_note(outcome.rev)})")


@event.command("edit")
@click.argument("event_id", metavar="ID", type=int)
@_event_options(adding=False)
@pass_context
def edit(ctx: Context, event_id: int, **options: Any) -> None:
    """Change some fields of an event; the others keep their values."""
    with user_errors(), ctx.database() as db:
        outcome = content.edit(db, ctx.actor, event_id, _given(options))
    if outcome.action == "unchanged":
        say(f"event {event_id} unchanged ({revision_note(None)})")
    else:
        say(f"changed event {event_id} ({revision_note(outcome.rev)})")


@event.command("remove")
@click.argument("event_id", metavar="ID", type=int)
@pass_context
def remove(ctx: Context, event_id: int) -> None:
    """Remove an event from every screen."""
    with user_errors(), ctx.database() as db:
        outcome = content.remove(db, ctx.actor, event_id)
    say(f"removed event {event_id} ({revision_note(outcome.rev)})")


@event.command("list")
@click.option("--json", "as_json", is_flag=True, help="A JSON array of objects (keys: the option names, id).")
@pass_context
def list_(ctx: Context, as_json: bool) -> None:
    """All events, by start time."""
    with user_errors(), ctx.database() as db:
        rows = [content.as_json(row) for row in content.list_all(db)]
    if as_json:
        print_json(rows)
        return
    print_table(
        f"{len(rows)} events",
        ["id", "start", "end", "title", "place", "registration", "source"],
        [
            [
                r["id"],
                local_time(r["start"]),
                local_time(r["end"]),
                r["title_sv"] + (" (cancelled)" if r["cancelled"] else ""),
                r["place"],
                r["registration_url"],
                r["source"],
            ]
            for r in rows
        ],
    )


def register(main: click.Group) -> None:
    main.add_command(event)
