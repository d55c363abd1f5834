"""`event ...`: science-center events. The calendars module adds `event import-ics` to this group."""

from __future__ import annotations

from typing import Any

import click
from sqlite_utils import Database

from admin.calendars.apply import EVENT_FEED_FIELDS
from admin.cli.common import (
    Context,
    Decorator,
    fail,
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
from admin.content import demo
from admin.content import events as content
from admin.content.english import counted


def _event_options(*, adding: bool) -> Decorator:
    """The same options for add and edit; add requires --title-sv, --start and --end."""
    return options(
        click.option("--title-sv", required=adding, help="Title in Swedish."),
        click.option("--title-en", help="Title in English."),
        click.option("--start", required=adding, type=WHEN, metavar="TIME", help=f"Start: {WHEN_HELP}"),
        click.option("--end", required=adding, type=WHEN, metavar="TIME", help="End; after the start."),
        click.option("--place", help="Where, e.g. Science center, Experimentverkstaden."),
        click.option(
            "--registration-url", metavar="URL", help="Registration page (http or https), shown as QR."
        ),
        click.option("--audience", help="Who it is for, e.g. 'Families, 6-12'."),
        click.option("--description-sv", help="Description in Swedish."),
        click.option("--description-en", help="Description in English."),
        click.option("--capacity", type=int, metavar="N", help="Number of places."),
        click.option("--full/--not-full", default=None, help="Fully booked."),
        # A new event is not cancelled; only edit can say so.
        *([] if adding else [click.option("--cancelled/--not-cancelled", default=None, help="Cancelled.")]),
    )


@click.group("event")
def event() -> None:
    """Science-center events: talks, shows, workshops."""


@event.command("add")
@_event_options(adding=True)
@pass_context
def add(ctx: Context, **values: Any) -> None:
    """Add an event; prints its id."""
    with user_errors(), ctx.database() as db:
        event_id, outcome = content.add(db, ctx.actor, given(values))
    say(f"added event {event_id} ({revision_note(outcome.rev)})")


_force_option = click.option(
    "--force", is_flag=True, help="Change an imported event anyway, knowing its next import undoes it."
)


def _imported_check(db: Database, event_id: int, doing: str, fields: set[str], force: bool) -> None:
    """An event imported from a calendar follows it: the next import puts back the feed's fields that
    `edit` changed here, and an event `remove`d here. Refuse that without --force; with it, say so.
    The demo data owns all of its events' fields. Fields the feed does not carry (English text,
    audience, capacity, full) are staff's to edit freely."""
    row = content.get(db, event_id)
    if row is None or row["source"] == "manual":
        return  # a missing event is the content layer's error, with its usual message
    owned = fields if row["source"] == demo.SOURCE else fields & EVENT_FEED_FIELDS
    if doing == "edit" and not owned:
        return
    what = f"edit of {', '.join(sorted(owned))}" if doing == "edit" else doing
    undo = f"event {event_id} was imported from {row['source']!r}: its next import will undo this {what}"
    if not force:
        fail(f"{undo}; change it at the source, or pass --force")
    click.echo(f"warning: {undo}", err=True)


@event.command("edit")
@click.argument("event_id", metavar="ID", type=int)
@_event_options(adding=False)
@_force_option
@pass_context
def edit(ctx: Context, event_id: int, force: bool, **values: Any) -> None:
    """Change some fields of an event; the others keep their values."""
    with user_errors(), ctx.database() as db:
        changes = given(values)
        _imported_check(db, event_id, "edit", set(changes), force)
        outcome = content.edit(db, ctx.actor, event_id, changes)
    say_edited(f"event {event_id}", outcome)


@event.command("remove")
@click.argument("event_id", metavar="ID", type=int)
@_force_option
@pass_context
def remove(ctx: Context, event_id: int, force: bool) -> None:
    """Remove an event from every screen."""
    with user_errors(), ctx.database() as db:
        _imported_check(db, event_id, "removal", set(), force)
        outcome = content.remove(db, ctx.actor, event_id)
    say(f"removed event {event_id} ({revision_note(outcome.rev)})")


@event.command("list")
@json_option("A JSON array of objects (keys: the option names, id).")
@pass_context
def list_(ctx: Context, as_json: bool) -> None:
    """All events, by start time."""
    with user_errors(), ctx.database() as db:
        rows = [content.as_json(row) for row in content.list_all(db)]
    print_rows(
        rows,
        as_json=as_json,
        title=counted(len(rows), "event"),
        columns=["id", "start", "end", "title", "place", "registration", "source"],
        cells=lambda r: [
            r["id"],
            local_time(r["start"]),
            local_time(r["end"]),
            r["title_sv"] + (" (cancelled)" if r["cancelled"] else ""),
            r["place"],
            r["registration_url"],
            r["source"],
        ],
    )


def register(main: click.Group) -> None:
    main.add_command(event)
