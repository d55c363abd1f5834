"""`demo-data`: load the demo installation (idempotent)."""

from __future__ import annotations

import click

from admin.cli.common import Context, pass_context, revision_note, say, user_errors
from admin.content import demo


@click.command("demo-data")
@pass_context
def demo_data(ctx: Context) -> None:
    """Load the demo installation from assets/demo: real partners, fictional tenants (marked demo),
    science-center events from now over the coming three weeks, project-arena rooms busy now, soon and
    tomorrow, one announcement. Its times are relative to now: running it again within the hour changes
    nothing; later, it moves the events and bookings along."""
    with user_errors(), ctx.database() as db:
        result = demo.load(db, ctx.actor)
    for kind, counts in result.counts.items():
        say(f"{kind}: {counts['added']} added, {counts['changed']} changed, {counts['unchanged']} unchanged")
    say(revision_note(result.rev))


def register(main: click.Group) -> None:
    main.add_command(demo_data)
