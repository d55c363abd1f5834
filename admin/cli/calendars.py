"""`calendar add|set|list|status|remove|poll|accept`, `event|booking import-ics`: iCalendar feeds.

Everything here is a thin shell over admin.calendars; a CalendarError (a bad feed, an unreachable URL)
becomes one `error: ...` line and exit status 1, with the database unchanged.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from admin.calendars import feeds
from admin.calendars.apply import Report
from admin.calendars.errors import CalendarError
from admin.calendars.expand import DEFAULT_DAYS, Window
from admin.calendars.fetch import TIMEOUT, read
from admin.calendars.health import health
from admin.calendars.importer import Kind, check_source, import_text, require_room
from admin.calendars.overlaps import manual_overlaps
from admin.calendars.poll import PollResult, poll_feed
from admin.calendars.shrink import DEFAULT_MAX_DROP
from admin.cli.common import (
    Context,
    fail,
    local_time,
    pass_context,
    print_json,
    print_table,
    revision_note,
    say,
    user_errors,
)
from admin.cli.events import event
from admin.cli.rooms import booking
from admin.content.english import counted
from broker.times import now


@contextmanager
def _errors() -> Iterator[None]:
    with user_errors():
        try:
            yield
        except CalendarError as exc:
            fail(str(exc))


def _warn(message: str) -> None:
    click.echo(f"warning: {message}", err=True)


@contextmanager
def _progress(what: str) -> Iterator[Callable[[str, int, int], None]]:
    """A bar on stderr while the feed is parsed, expanded and written (only on a terminal: pipes and logs
    get the one-line summary)."""
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(
        *columns, console=Console(stderr=True), transient=True, disable=not sys.stderr.isatty()
    ) as bar:
        task = bar.add_task(f"reading and parsing {what}", total=None)

        def advance(phase: str, done: int, total: int) -> None:
            bar.update(task, description=f"{phase} {what}", completed=done, total=total)

        yield advance


def _problems(report: Report, prefix: str = "") -> None:
    """One line per tolerated problem and per skipped event, on stderr, before the summary."""
    for notice in report.notices:
        _warn(f"{prefix}{notice.describe()}")
    for skipped in report.skipped:
        _warn(f"{prefix}event skipped: {skipped.describe()}")


def _report(report: Report, what: str) -> None:
    _problems(report)
    for overlap in report.overlaps:
        _warn(overlap.describe())
    say(f"imported {what}: {report.summary()} ({revision_note(report.rev)})")


_TIMEOUT_OPTION = click.option(
    "--timeout",
    type=click.FloatRange(0.1, 600),
    default=TIMEOUT,
    show_default=True,
    metavar="SECONDS",
    help="For a URL: give up when the server has not answered (or finished) within this time.",
)

_STRICT_OPTION = click.option(
    "--strict",
    is_flag=True,
    help="Refuse the whole feed, changing nothing, if any event or line in it cannot be read "
    "(default: skip what cannot be read, import the rest and list what was skipped).",
)

_DAYS_OPTION = click.option(
    "--days",
    type=click.IntRange(1, feeds.MAX_DAYS),
    default=DEFAULT_DAYS,
    show_default=True,
    help="How many days ahead (from the start of today, Stockholm time) to import.",
)


def _import(
    ctx: Context,
    spec: str,
    *,
    kind: Kind,
    source: str,
    room: str | None,
    days: int,
    timeout: float,
    strict: bool,
) -> None:
    window = Window.ahead(now().date(), days)  # today in Stockholm, whatever the machine's zone
    with _errors(), ctx.database() as db, _progress(f"{kind} from {source}") as progress:
        check_source(source)  # this and the room before a possibly slow download
        if room is not None:
            require_room(db, room)
        text = read(spec, timeout=timeout)
        report = import_text(
            db,
            ctx.actor,
            text,
            kind=kind,
            source=source,
            room=room,
            window=window,
            progress=progress,
            strict=strict,
        )
    _report(report, f"{kind} from {source}")


@click.command("import-ics")
@click.argument("spec", metavar="FILE|URL")
@click.option("--source", required=True, help="Where these events come from; re-importing it updates them.")
@_DAYS_OPTION
@_TIMEOUT_OPTION
@_STRICT_OPTION
@pass_context
def event_import_ics(ctx: Context, spec: str, source: str, days: int, timeout: float, strict: bool) -> None:
    """Import science-center events from an iCalendar file or URL.

    Recurring events are expanded over the window. Importing the same source again updates changed
    events in place, removes those that left the feed and leaves the rest alone; cancelled occurrences
    stay, marked cancelled; private events are skipped. An event that cannot be read is skipped (its
    earlier version stays) and listed with its line and UID; --strict refuses the feed instead.
    """
    _import(ctx, spec, kind="events", source=source, room=None, days=days, timeout=timeout, strict=strict)


@click.command("import-ics")
@click.argument("spec", metavar="FILE|URL")
@click.option("--room", required=True, metavar="SLUG", help="The room whose calendar this is.")
@click.option("--source", default=None, help="Where these bookings come from (default: the room's slug).")
@_DAYS_OPTION
@_TIMEOUT_OPTION
@_STRICT_OPTION
@pass_context
def booking_import_ics(
    ctx: Context, spec: str, room: str, source: str | None, days: int, timeout: float, strict: bool
) -> None:
    """Import a room's bookings from an iCalendar file or URL.

    Private meetings keep their time and lose their title; cancelled ones are removed. Bookings that
    overlap a manual booking in the same room are imported and reported as warnings. An event that
    cannot be read is skipped and listed with its line and UID; --strict refuses the feed instead.
    """
    _import(
        ctx,
        spec,
        kind="bookings",
        source=source or room,
        room=room,
        days=days,
        timeout=timeout,
        strict=strict,
    )


_MAX_DROP_OPTION_HELP = (
    "A polled reply that removes more than this share of the feed's events in the window at once (or all "
    "of them) is held back until the next poll says the same, or `calendar accept NAME`."
)
_MAX_DROP_OPTION = click.option(
    "--max-drop",
    type=int,
    default=DEFAULT_MAX_DROP,
    show_default=True,
    metavar="PERCENT",
    help=_MAX_DROP_OPTION_HELP,
)


@click.group("calendar")
def calendar() -> None:
    """Calendar feeds (iCalendar URLs) that `serve` polls into events or a room's bookings."""


@calendar.command("add")
@click.argument("name")
@click.argument("url")
@click.option("--kind", type=click.Choice(["events", "bookings"]), required=True, help="What the feed holds.")
@click.option("--room", metavar="SLUG", help="For a bookings feed: the room whose calendar it is.")
@click.option(
    "--every",
    type=int,
    default=feeds.DEFAULT_EVERY,
    show_default=True,
    metavar="MINUTES",
    help="How often to poll the feed.",
)
@click.option(
    "--days", type=int, default=DEFAULT_DAYS, show_default=True, help="How many days ahead to import."
)
@_MAX_DROP_OPTION
@pass_context
def calendar_add(
    ctx: Context, name: str, url: str, kind: str, room: str | None, every: int, days: int, max_drop: int
) -> None:
    """Subscribe to a feed. NAME is also the source of what it imports."""
    with _errors(), ctx.database() as db:
        feed = feeds.add(db, ctx.actor, name, url, kind, room=room, every=every, days=days, max_drop=max_drop)
    say(f"added calendar {feed.name}: {feed.kind} every {feed.every_minutes} min (polled by `serve`)")


def _status(feed: feeds.Feed) -> str:
    if feed.last_error:
        return f"error: {feed.last_error}"
    if feed.last_result == "held":
        return f"held: {feed.held_reason}"
    if feed.last_ok:
        return f"ok: {feed.last_summary}" if feed.last_summary else "ok"
    return "not polled yet"


@calendar.command("list")
@click.option("--json", "as_json", is_flag=True, help="A JSON array of objects.")
@pass_context
def calendar_list(ctx: Context, as_json: bool) -> None:
    """The feeds, when each was last polled, its last error, and overlaps with manual bookings."""
    with _errors(), ctx.database() as db:
        listed = [
            (feed, manual_overlaps(db, feed.name, since=now()) if feed.kind == "bookings" else [])
            for feed in feeds.all_feeds(db)
        ]
    if as_json:
        print_json(
            {
                **feed.as_json(),
                "status": _status(feed),
                "health": health(feed).level,
                "overlaps": [o.as_json() for o in overlaps],
            }
            for feed, overlaps in listed
        )
        return
    print_table(
        counted(len(listed), "calendar feed"),
        ["name", "kind", "room", "every", "last poll", "status", "overlaps"],
        [
            [
                feed.name,
                feed.kind,
                feed.room or "",
                f"{feed.every_minutes} min",
                local_time(feed.last_polled),
                _status(feed),
                len(overlaps) or "",
            ]
            for feed, overlaps in listed
        ],
    )
    # Below the table, one line each, so a long description neither folds nor gets cut.
    for feed, overlaps in listed:
        for overlap in overlaps:
            say(f"overlap: {feed.name}: {overlap.describe()}")


@calendar.command("remove")
@click.argument("name")
@click.option("--keep-data", is_flag=True, help="Keep the events or bookings it imported.")
@pass_context
def calendar_remove(ctx: Context, name: str, keep_data: bool) -> None:
    """Unsubscribe; what the feed imported is removed from the screens unless --keep-data."""
    with _errors(), ctx.database() as db:
        removed = feeds.remove(db, ctx.actor, name, keep_data=keep_data)
    imported = "" if keep_data else f" and the {counted(removed, 'row')} it had imported"
    say(f"removed calendar {name}{imported}")


@calendar.command("poll")
@click.argument("names", nargs=-1, metavar="[NAME]...")
@pass_context
def calendar_poll(ctx: Context, names: tuple[str, ...]) -> None:
    """Poll feeds now (all of them without NAME), whatever their schedule. Exit 1 if any failed."""
    failed = False
    with _errors(), ctx.database() as db:
        chosen = [feeds.require(db, name) for name in names] if names else feeds.all_feeds(db)
        if not chosen:
            say("no calendar feeds to poll (subscribe with `innovatum-admin calendar add`)")
        for feed in chosen:
            failed = _show_poll(poll_feed(db, feed, actor=ctx.actor)) or failed
    if failed:
        sys.exit(1)


def _show_poll(result: PollResult) -> bool:
    """Print what one poll did; True if it failed."""
    if result.status == "failed":
        click.echo(f"error: {result.describe()}", err=True)
        return True
    if result.status == "held":
        _warn(result.describe())
        return False
    for line in result.problems():
        _warn(line)
    if result.report is not None:
        for overlap in result.report.overlaps:
            _warn(overlap.describe())
    say(result.describe())
    return False


@calendar.command("accept")
@click.argument("name")
@pass_context
def calendar_accept(ctx: Context, name: str) -> None:
    """Poll a feed whose reply was held back and take what it says now, even if that empties or
    shrinks the screens. Exit 1 if the poll fails."""
    with _errors(), ctx.database() as db:
        feed = feeds.require(db, name)
        if feed.last_result != "held":
            raise CalendarError(
                f"calendar feed {name!r} has no reply held back (see `calendar status {name}`)"
            )
        failed = _show_poll(poll_feed(db, feed, actor=ctx.actor, accept=True))
    if failed:
        sys.exit(1)


@calendar.command("set")
@click.argument("name")
@click.option("--max-drop", type=int, required=True, metavar="PERCENT", help=_MAX_DROP_OPTION_HELP)
@pass_context
def calendar_set(ctx: Context, name: str, max_drop: int) -> None:
    """Change a feed's settings."""
    with _errors(), ctx.database() as db:
        feed = feeds.set_max_drop(db, ctx.actor, name, max_drop)
    say(f"calendar {feed.name}: --max-drop {feed.max_drop}%")


@calendar.command("status")
@click.argument("names", nargs=-1, metavar="[NAME]...")
@click.option("--json", "as_json", is_flag=True, help="A JSON array of objects.")
@pass_context
def calendar_status(ctx: Context, names: tuple[str, ...], as_json: bool) -> None:
    """How each feed is doing: failing (and for how many polls), held back, skipping unreadable events,
    or ok; below the table, the skipped events and warnings of the feeds that need attention."""
    with _errors(), ctx.database() as db:
        chosen = [feeds.require(db, name) for name in names] if names else feeds.all_feeds(db)
    if as_json:
        print_json(
            {
                "name": feed.name,
                "health": health(feed).level,
                "message": health(feed).words,
                "last_polled": feed.last_polled,
                "last_result": feed.last_result,
                "last_ok": feed.last_ok,
                "imported": feed.last_imported,
                "skipped": feed.last_skipped,
                "warnings": feed.last_warnings,
                "failures": feed.failures,
                "problems": feed.last_problems,
            }
            for feed in chosen
        )
        return
    attention = sum(health(feed).attention for feed in chosen)
    print_table(
        f"{len(chosen)} calendar feeds, {attention} need attention",
        ["name", "health", "last poll", "imported", "skipped", "what it means"],
        [
            [
                feed.name,
                health(feed).level.upper() if health(feed).attention else health(feed).level,
                local_time(feed.last_polled),
                "" if feed.last_imported is None else feed.last_imported,
                feed.last_skipped or "",
                health(feed).words,
            ]
            for feed in chosen
        ],
    )
    for feed in chosen:
        if health(feed).attention or names:
            for line in feed.last_problems:
                say(f"{feed.name}: {line}")


def register(main: click.Group) -> None:
    main.add_command(calendar)
    event.add_command(event_import_ics)
    booking.add_command(booking_import_ics)
