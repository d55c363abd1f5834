"""`announce ...`: messages on every screen (or a group, or one kiosk); emergency takes over the screen."""

from __future__ import annotations

import click

from admin.cli.common import (
    Context,
    json_option,
    local_time,
    pass_context,
    print_rows,
    revision_note,
    say,
    user_errors,
)
from admin.cli.when import WHEN, WHEN_HELP
from admin.content import announcements as content
from admin.content.english import counted
from broker.schema import PRIORITIES


@click.group("announce")
def announce() -> None:
    """Announcements: push, list (with which kiosks showed them), retract."""


@announce.command("push")
@click.argument("text")
@click.option("--en", help="The text in English.")
@click.option(
    "--priority", required=True, type=click.Choice(PRIORITIES), help="emergency takes over the screen."
)
@click.option("--from", "start", type=WHEN, metavar="TIME", help=f"Show from (default: now). {WHEN_HELP}")
@click.option("--until", type=WHEN, metavar="TIME", help="Show until (default: until retracted), e.g. +2h.")
@click.option("--target", default="all", show_default=True, help="all, group:GROUP or kiosk:KIOSK-ID.")
@click.option("--force", is_flag=True, help="Push even if the target matches no kiosk (yet).")
@pass_context
def push(
    ctx: Context,
    text: str,
    en: str | None,
    priority: str,
    start: str | None,
    until: str | None,
    target: str,
    force: bool,
) -> None:
    """Show TEXT (Swedish) on the screens; prints the announcement's id."""
    values = {"text": text, "en": en, "priority": priority, "from": start, "until": until, "target": target}
    with user_errors(), ctx.database() as db:
        announcement_id, outcome = content.push(db, ctx.actor, values, force=force)
    say(f"pushed announcement {announcement_id} to {target} ({revision_note(outcome.rev)})")


@announce.command("list")
@json_option("A JSON array of objects (keys: the push options, id).")
@pass_context
def list_(ctx: Context, as_json: bool) -> None:
    """All announcements, newest first, with the kiosks that acknowledged showing them."""
    with user_errors(), ctx.database() as db:
        rows = [content.as_json(row) for row in content.list_all(db)]
    print_rows(
        rows,
        as_json=as_json,
        title=counted(len(rows), "announcement"),
        columns=["id", "priority", "text", "from", "until", "target", "status", "shown by"],
        cells=lambda r: [
            r["id"],
            r["priority"],
            r["text"],
            local_time(r["from"]),
            local_time(r["until"]),
            r["target"],
            r["status"],
            ", ".join(r["shown_by"]),
        ],
    )


@announce.command("retract")
@click.argument("announcement_id", metavar="ID", type=int)
@pass_context
def retract(ctx: Context, announcement_id: int) -> None:
    """Take an announcement off every screen now."""
    with user_errors(), ctx.database() as db:
        outcome = content.retract(db, ctx.actor, announcement_id)
    say(f"retracted announcement {announcement_id} ({revision_note(outcome.rev)})")


def register(main: click.Group) -> None:
    main.add_command(announce)
