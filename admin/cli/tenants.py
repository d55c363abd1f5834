"""`tenant ...` and `partner ...`: the directory listings. One factory builds both command groups, so
their options can never drift apart (partners only add --kind, --address, --hours-sv, --hours-en)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from admin.cli.common import (
    Context,
    Decorator,
    json_option,
    options,
    pass_context,
    print_json,
    print_rows,
    print_table,
    revision_note,
    say,
    say_edited,
    user_errors,
)
from admin.content import imports, listings, logos
from admin.content.english import counted
from admin.content.listings import Field, ListingKind

_FLAG_NAMES = {"hiring": "not-hiring", "visible": "hidden", "demo": "not-demo"}


def field_option(field: Field, *, required: bool) -> Decorator:
    """The option for one listing field (also the tenant's `listing edit`, so the two cannot drift)."""
    option = "--" + field.name.replace("_", "-")
    if field.type == "flag":
        return click.option(
            f"{option}/--{_FLAG_NAMES[field.name]}", field.name, default=None, help=field.help
        )
    kind: Any = int if field.type == "int" else str
    metavar = {"url": "URL", "int": "N", "tags": "A,B"}.get(field.type, "TEXT")
    # No explicit default=None: click 8.5 then treats the option as given and skips `required`.
    return click.option(option, field.name, type=kind, required=required, metavar=metavar, help=field.help)


def _listing_options(kind: ListingKind, *, adding: bool) -> Decorator:
    """The same options for add and edit, one per field; add requires the required fields."""
    logo = click.option(
        "--logo",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Logo image (any format Pillow reads); stored as a PNG of at most 128x128.",
    )
    no_logo = click.option("--no-logo", is_flag=True, help="Remove the logo.")
    return options(
        *(field_option(field, required=adding and field.required) for field in kind.fields),
        logo,
        *([] if adding else [no_logo]),
    )


def _given(values: dict[str, Any], kind: ListingKind) -> dict[str, Any]:
    """The fields given, in the order of the field list (the audit detail keeps that order)."""
    return {name: values[name] for name in kind.field_names if values.get(name) is not None}


class _Bars:
    """Rich progress bars on stderr (stdout stays clean for scripts): checking, then writing, the rows."""

    def __init__(self, progress: Progress | None) -> None:
        self._progress = progress

    def task(self, label: str, total: int) -> Callable[[int], None]:
        if self._progress is None:
            return lambda _n: None
        progress, task = self._progress, self._progress.add_task(label, total=total)
        return lambda n: progress.advance(task, n)


@contextmanager
def _progress(enabled: bool | None) -> Iterator[_Bars]:
    """On by default in a terminal; --progress forces it (e.g. into a log), --no-progress hides it."""
    if not (os.isatty(2) if enabled is None else enabled):
        yield _Bars(None)
        return
    console = Console(stderr=True, force_terminal=True if enabled else None)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    # Transient: once done (or failed) the bars vanish, leaving the summary or the one error line.
    with Progress(*columns, console=console, transient=True) as progress:
        yield _Bars(progress)


def build_group(kind: ListingKind, help_text: str) -> click.Group:
    noun = kind.kind

    @click.group(name=noun, help=help_text)
    def group() -> None:
        pass

    @group.command("add")
    @click.argument("slug")
    @_listing_options(kind, adding=True)
    @pass_context
    def add(ctx: Context, slug: str, logo: Path | None, **values: Any) -> None:
        with user_errors():
            png = logos.normalise_file(logo) if logo is not None else None
            with ctx.database() as db:
                outcome = listings.add(db, ctx.actor, kind, slug, _given(values, kind), png)
        say(f"added {noun} {slug} ({revision_note(outcome.rev)})")

    add.help = f"Add a {noun}. SLUG is its short id: lower-case letters, digits, - and _."

    @group.command("edit")
    @click.argument("slug")
    @_listing_options(kind, adding=False)
    @pass_context
    def edit(ctx: Context, slug: str, logo: Path | None, no_logo: bool, **values: Any) -> None:
        with user_errors():
            if logo is not None and no_logo:
                raise click.UsageError("--logo and --no-logo cannot be used together")
            new_logo: object = listings.KEEP
            if logo is not None:
                new_logo = logos.normalise_file(logo)
            elif no_logo:
                new_logo = None
            with ctx.database() as db:
                outcome = listings.edit(db, ctx.actor, kind, slug, _given(values, kind), new_logo)
        say_edited(f"{noun} {slug}", outcome)

    edit.help = f"Change some fields of a {noun}; the others keep their values."

    @group.command("remove")
    @click.argument("slug")
    @pass_context
    def remove(ctx: Context, slug: str) -> None:
        with user_errors(), ctx.database() as db:
            outcome = listings.remove(db, ctx.actor, kind, slug)
        say(f"removed {noun} {slug} ({revision_note(outcome.rev)})")

    remove.help = f"Remove a {noun} from every screen."

    @group.command("show")
    @click.argument("slug")
    @json_option("One JSON object instead of a table.")
    @pass_context
    def show(ctx: Context, slug: str, as_json: bool) -> None:
        with user_errors(), ctx.database() as db:
            row = listings.require(db, kind, slug)
        data = listings.as_json(kind, row)
        if as_json:
            print_json([data])
            return
        data["tags"] = ", ".join(data["tags"])
        data["logo"] = f"PNG, {len(row['logo'])} bytes" if row.get("logo") is not None else ""
        del data["has_logo"]
        print_table(f"{noun} {slug}", ["field", "value"], list(data.items()))

    show.help = f"Everything about one {noun}."

    @group.command("list")
    @json_option("A JSON array of objects (keys: the option names).")
    @pass_context
    def list_(ctx: Context, as_json: bool) -> None:
        with user_errors(), ctx.database() as db:
            rows = [listings.as_json(kind, row) for row in listings.list_all(db, kind)]
        columns = ["slug", "name", "category", "floor", "room", "website", "hiring"]
        print_rows(
            rows,
            as_json=as_json,
            title=counted(len(rows), noun),
            columns=columns,
            cells=lambda row: [row[c] for c in columns],
        )

    list_.help = f"All {noun}s, by name."

    @group.command("import")
    @click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
    @click.option(
        "--progress/--no-progress", default=None, help="Progress bar on stderr (default: in a terminal)."
    )
    @pass_context
    def import_(ctx: Context, file: Path, progress: bool | None) -> None:
        with user_errors(), _progress(progress) as bars:
            records = imports.read_listing_file(file, kind)
            checking = bars.task(f"checking {noun}s", len(records))
            writing = bars.task(f"writing {noun}s", len(records))
            rows = imports.check_listing_records(file, kind, records, checking)
            with ctx.database() as db:
                counts, rev = listings.upsert_many(
                    db, ctx.actor, kind, rows, summary=f"{noun} import {file.name}", progress=writing
                )
        say(
            f"imported {counted(len(rows), noun)} from {file}: {counts['added']} added, "
            f"{counts['changed']} changed, {counts['unchanged']} unchanged ({revision_note(rev)})"
        )

    import_.help = (
        f"Add or update {noun}s from a CSV or JSON file, all or nothing. CSV: a header naming the fields "
        "(slug, name, website, floor, ... with - or _); JSON: an array of objects with those keys. "
        "A logo column holds an image path relative to the file."
    )

    return group


tenant = build_group(listings.TENANT, "Incubator tenants: the companies in the directory.")
partner = build_group(
    listings.PARTNER, "Partners: organisations that are not tenants (the city, Högskolan Väst, Almi, ...)."
)


def register(main: click.Group) -> None:
    main.add_command(tenant)
    main.add_command(partner)
