"""`audit`: who changed what, when, in which revision."""

from __future__ import annotations

import click

from admin.cli.common import Context, json_option, local_time, pass_context, print_rows, user_errors
from admin.content import audit as content


@click.command("audit")
@json_option("A JSON array of objects (all entries unless --limit).")
@click.option(
    "--limit", type=click.IntRange(min=1), default=None, help="Only the newest N (table default: 50)."
)
@pass_context
def audit(ctx: Context, as_json: bool, limit: int | None) -> None:
    """The audit log, newest first: time, actor, action, record, revision and what changed."""
    if limit is None and not as_json:
        limit = 50
    with user_errors(), ctx.database() as db:
        rows = [content.as_json(row) for row in content.entries(db, limit=limit)]
    print_rows(
        rows,
        as_json=as_json,
        title=f"audit log (newest {len(rows)})",
        columns=["at", "actor", "action", "record", "rev", "detail"],
        cells=lambda r: [
            local_time(r["at"]),
            r["actor"],
            r["action"],
            f"{r['kind']} {r['key']}".strip(),
            r["rev"],
            r["detail"] if len(r["detail"]) <= 200 else r["detail"][:199] + "…",
        ],
    )


def register(main: click.Group) -> None:
    main.add_command(audit)
