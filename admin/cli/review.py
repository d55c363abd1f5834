"""`review`: the staff side of tenant requests (the queue, approve, reject, the auto-approve policy)."""

from __future__ import annotations

import json
from typing import Any

import click

from admin.cli.common import (
    Context,
    fail,
    json_option,
    local_time,
    pass_context,
    print_json,
    print_rows,
    print_table,
    revision_note,
    say,
    user_errors,
)
from admin.content import validate
from admin.tenants import requests


@click.group()
def review() -> None:
    """Tenants' edit requests: the queue, approve, reject, and the auto-approve policy."""


def _short(fields: dict[str, Any]) -> str:
    text = ", ".join(f"{name}={json.dumps(value, ensure_ascii=False)}" for name, value in fields.items())
    return text if len(text) <= 120 else text[:119] + "…"


@review.command("list")
@click.option("--all", "everything", is_flag=True, help="Decided requests too, not only pending ones.")
@json_option("A JSON array of objects (keys: id, tenant, status, fields, submitted, decided, reason, ...).")
@pass_context
def list_(ctx: Context, everything: bool, as_json: bool) -> None:
    """The queue: pending requests, oldest first."""
    with user_errors(), ctx.database() as db:
        rows = [requests.as_json(row) for row in requests.list_requests(db, everything=everything)]
    print_rows(
        rows,
        as_json=as_json,
        title=f"{len(rows)} {'' if everything else 'pending '}request{'' if len(rows) == 1 else 's'}",
        columns=["id", "tenant", "status", "submitted", "fields", "reason"],
        cells=lambda r: [
            r["id"],
            r["tenant"],
            r["status"],
            local_time(r["submitted"]),
            _short(r["fields"]),
            r["reason"],
        ],
    )


@review.command("show")
@click.argument("number", metavar="ID", type=int)
@json_option("One JSON object, with `conflict` (empty when none).")
@pass_context
def show(ctx: Context, number: int, as_json: bool) -> None:
    """One request: what it asks for beside the listing's values now, and any conflict."""
    with user_errors(), ctx.database() as db:
        row = requests.get(db, number)
        data = requests.as_json(row)
        data["conflict"] = requests.conflict(db, row) if row["status"] == "pending" else ""
        current = requests.current_values(db, row)
    if as_json:
        print_json([data])
        return
    print_table(
        f"request {number} from {data['tenant']} ({data['status']})",
        ["field", "now", "proposed"],
        [(name, _value(current.get(name)), _value(value)) for name, value in data["fields"].items()],
    )
    for label, key in (("asked by", "account"), ("submitted", "submitted"), ("decided", "decided")):
        value = local_time(data[key]) if key in ("submitted", "decided") else data[key]
        if value:
            say(f"{label}: {value}")
    if data["decided_by"]:
        say(f"decided by: {data['decided_by']}")
    if data["reason"]:
        say(f"reason: {data['reason']}")
    if data["conflict"]:
        say(f"conflict: {data['conflict']} (approve with --force to overwrite)")


def _value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


@review.command("approve")
@click.argument("number", metavar="ID", type=int)
@click.option(
    "--force", is_flag=True, help="Approve even though the listing changed after the tenant's version."
)
@pass_context
def approve(ctx: Context, number: int, force: bool) -> None:
    """Apply a pending request: the kiosks show it as soon as `serve` publishes (at once)."""
    with user_errors(), ctx.database() as db:
        try:
            rev = requests.approve(db, number, ctx.actor, force=force)
        except requests.Conflict as exc:
            fail(f"request {number} conflicts: {exc}; see `review show {number}`, approve with --force")
    say(f"approved request {number} ({revision_note(rev)})")


@review.command("reject")
@click.argument("number", metavar="ID", type=int)
@click.option("--reason", required=True, help="Why: the tenant reads it in `listing status`.")
@pass_context
def reject(ctx: Context, number: int, reason: str) -> None:
    """Refuse a pending request, with a reason for the tenant."""
    if not reason.strip():
        fail("--reason must not be empty: the tenant reads it")
    with user_errors(), ctx.database() as db:
        requests.reject(db, number, ctx.actor, validate.text(reason, "--reason", validate.SHORT_MAX))
    say(f"rejected request {number}")


@review.command("policy")
@click.option(
    "--auto-approve/--no-auto-approve",
    "auto",
    default=None,
    help="Approve without staff the requests that touch no free text (the hiring flag, the jobs URL).",
)
@pass_context
def policy(ctx: Context, auto: bool | None) -> None:
    """Show or set the auto-approve policy (default: on)."""
    with user_errors(), ctx.database() as db:
        if auto is not None:
            requests.set_auto_approve(db, auto)
        on = requests.auto_approve(db)
    fields = ", ".join(sorted(requests.AUTO_APPROVE_FIELDS))
    say(f"auto-approve: {'on' if on else 'off'} (requests that change only {fields})")


def register(main: click.Group) -> None:
    main.add_command(review)
