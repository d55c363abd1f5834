"""`poster tenant|event|room`: print-ready PDF or PNG posters with a QR code (see admin/posters).

The file's extension picks the format (.pdf or .png); with --all, --out is a directory and --format
picks it. A file is written whole or not at all (a temporary file renamed into place), so a printer
queue watching the directory never picks up half a poster.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import sqlite_utils

from admin.cli.common import Context, Decorator, fail, options, pass_context, say, user_errors
from admin.posters import content
from admin.posters.content import Language, Poster
from admin.posters.render import DEFAULT_DPI, PAGE_SIZES, PageSize, render_pdf, render_png
from broker.times import now

FORMATS = ("pdf", "png")


def _common_options(*, all_what: str | None) -> Decorator:
    decorators = [
        click.option(
            "--out",
            required=True,
            type=click.Path(path_type=Path),
            help="The file to write (.pdf or .png)"
            + (f"; with --all, the directory for one file per {all_what}." if all_what else "."),
        ),
        click.option(
            "--lang",
            "language",
            type=click.Choice(content.LANGUAGES),
            default="sv",
            show_default=True,
            help="Swedish, English, or both.",
        ),
        click.option(
            "--size",
            type=click.Choice(tuple(PAGE_SIZES), case_sensitive=False),
            metavar="[A5|A4|A3]",
            default="A4",
            show_default=True,
            help="Paper size (portrait).",
        ),
        click.option(
            "--dpi",
            type=click.IntRange(72, 600),
            default=DEFAULT_DPI,
            show_default=True,
            help="Resolution of a PNG.",
        ),
    ]
    if all_what:
        decorators += [
            click.option("--all", "every", is_flag=True, help=f"One poster per {all_what}, into --out DIR."),
            click.option(
                "--format",
                "fmt",
                type=click.Choice(FORMATS),
                default="pdf",
                show_default=True,
                help="The files' format with --all.",
            ),
        ]
    return options(*decorators)


def _format_of(path: Path) -> str:
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        fail(f"--out {path} must end in .pdf or .png")
    return suffix


def _encode(poster: Poster, fmt: str, size: str, dpi: int) -> bytes:
    page: PageSize = size.upper()  # type: ignore[assignment]  # click.Choice checked it
    pdf = render_pdf(poster, page)
    return pdf if fmt == "pdf" else render_png(pdf, dpi)


def _write(path: Path, data: bytes) -> None:
    """Whole or not at all: a temporary file in the same directory, renamed over the target."""
    directory = path.parent if str(path.parent) else Path(".")
    try:
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(temporary, 0o666 & ~umask)  # as an ordinary new file, not mkstemp's 0600
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as exc:
        fail(f"cannot write {path}: {exc.strerror or exc}")


def _one(poster: Poster, out: Path, size: str, dpi: int) -> None:
    fmt = _format_of(out)
    _write(out, _encode(poster, fmt, size, dpi))
    say(f"wrote {out} ({poster.kind} {poster.key}: {poster.url})")


def _many(
    ctx: Context,
    build: Callable[[sqlite_utils.Database], tuple[list[Poster], list[str]]],
    out: Path,
    fmt: str,
    size: str,
    dpi: int,
) -> None:
    if out.exists() and not out.is_dir():
        fail(f"--out {out} is a file; with --all it must be a directory")
    with ctx.database() as db, user_errors():
        posters, skipped = build(db)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        fail(f"cannot create {out}: {exc.strerror or exc}")
    for poster in posters:
        _one(poster, out / f"{poster.kind}-{poster.key}.{fmt}", size, dpi)
    for reason in skipped:
        click.echo(f"skipped: {reason}", err=True)
    say(f"{len(posters)} poster(s) in {out}, {len(skipped)} skipped")


@click.group("poster")
def poster() -> None:
    """Print-ready posters (PDF or PNG) with a QR code: tenants, events, room door signs."""


@poster.command("tenant")
@click.argument("slug", required=False)
@_common_options(all_what="visible tenant with a website")
@pass_context
def tenant_poster(ctx: Context, slug: str | None, every: bool, fmt: str, **kw: Any) -> None:
    """A tenant's poster: name, logo, description and a QR code for its website."""
    language: Language = kw["language"]
    if every:
        if slug:
            fail("give a SLUG or --all, not both")
        _many(ctx, lambda db: content.all_tenants(db, language), kw["out"], fmt, kw["size"], kw["dpi"])
        return
    if not slug:
        fail("give a tenant's SLUG, or --all")
    _format_of(kw["out"])
    with ctx.database() as db, user_errors():
        made = content.tenant(db, slug, language)
    _one(made, kw["out"], kw["size"], kw["dpi"])


@poster.command("event")
@click.argument("event_id", metavar="ID", type=int, required=False)
@_common_options(all_what="upcoming event with a registration URL")
@pass_context
def event_poster(ctx: Context, event_id: int | None, every: bool, fmt: str, **kw: Any) -> None:
    """An event's poster: title, when and where, description and a QR code for registration."""
    language: Language = kw["language"]
    if every:
        if event_id is not None:
            fail("give an event ID or --all, not both")
        at = now()
        _many(
            ctx, lambda db: content.upcoming_events(db, language, at), kw["out"], fmt, kw["size"], kw["dpi"]
        )
        return
    if event_id is None:
        fail("give an event's ID, or --all")
    _format_of(kw["out"])
    with ctx.database() as db, user_errors():
        made = content.event(db, event_id, language)
    _one(made, kw["out"], kw["size"], kw["dpi"])


@poster.command("room")
@click.argument("room")
@click.option(
    "--url", required=True, metavar="URL", help="The room's calendar or booking page (http or https)."
)
@_common_options(all_what=None)
@pass_context
def room_poster(ctx: Context, room: str, url: str, **kw: Any) -> None:
    """A door sign: the room's name, today's bookings as they stand now, and a QR code for --url."""
    _format_of(kw["out"])
    with ctx.database() as db, user_errors():
        made = content.room(db, room, url, kw["language"], now())
    _one(made, kw["out"], kw["size"], kw["dpi"])


def register(main: click.Group) -> None:
    main.add_command(poster)
