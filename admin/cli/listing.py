"""`innovatum-admin --as-tenant FILE listing ...`: a tenant keeps its own listing, over MQTT only.

No database, no admin server: the credentials file from `tenant grant` is all it needs. `show` and
`status` read what the admin node published (signed); `edit` checks the values with the staff CLI's
own validator, sends a request, and waits a few seconds for the admin node to confirm receipt.

Exit status: 0 done (the admin node confirmed), 1 error (nothing sent, or the request was refused),
3 sent and held by the broker, but the admin node has not confirmed it yet (it is down or busy; the
request is delivered when it is back: check with `listing status`).
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import click

from admin.cli.common import (
    Context,
    fail,
    json_option,
    local_time,
    options,
    pass_context,
    print_json,
    print_table,
    say,
    user_errors,
)
from admin.cli.tenants import field_option
from admin.content import listings, logos
from admin.tenants import access, remote
from broker import tenant_wire

#: The request reached the broker but the admin node has not confirmed it (documented above).
EXIT_QUEUED = 3
CONFIRM_SECONDS = 5.0
PREVIEW_SECONDS = 60.0

SHOWN = ("name", *tenant_wire.TENANT_FIELDS, "floor", "room", "has_logo")
STATUS_TEXT = {
    "pending": "pending: waiting for Innovatum's staff",
    "approved": "approved",
    "applied": "applied: on the screens",
    "rejected": "rejected",
    "superseded": "superseded by a newer request",
    "invalid": "refused",
}


def _credentials(ctx: Context) -> access.TenantCredentials:
    if ctx.as_tenant is None:
        fail("`listing` is the tenants' command: pass --as-tenant FILE (staff use `tenant edit`)")
    try:
        return access.load_credentials(ctx.as_tenant)
    except access.CredentialsError as exc:
        fail(str(exc))


@click.group()
def listing() -> None:
    """Your company's listing on the lobby screens (with --as-tenant FILE from Innovatum)."""


@listing.command("show")
@json_option("One JSON object (with `revision`).")
@pass_context
def show(ctx: Context, as_json: bool) -> None:
    """Your listing as the lobby screens show it now."""
    credentials = _credentials(ctx)
    try:
        with remote.session(credentials) as tenant:
            current = tenant.listing()
    except remote.RemoteError as exc:
        fail(str(exc))
    if current is None:
        fail(f"no published listing for {credentials.slug} yet (is the admin node running?)")
    data = {name: current.data.get(name) for name in SHOWN}
    if as_json:
        print_json([{"slug": credentials.slug, "revision": current.rev, **data}])
        return
    data["tags"] = ", ".join(data["tags"] or [])
    print_table(f"{credentials.slug} (revision {current.rev})", ["field", "value"], list(data.items()))


@listing.command("status")
@json_option("A JSON array of objects (keys: id, number, status, fields, submitted, decided, reason, rev).")
@pass_context
def status(ctx: Context, as_json: bool) -> None:
    """Your requests, newest first: pending, approved, applied, rejected (with the reason) or superseded."""
    credentials = _credentials(ctx)
    try:
        with remote.session(credentials) as tenant:
            tenant.watch_replies()
            reply = tenant.next_reply(time.monotonic() + remote.RETAINED_SECONDS)
    except remote.RemoteError as exc:
        fail(str(exc))
    items = reply.requests if reply is not None else []
    if as_json:
        print_json(items)
        return
    print_table(
        f"{len(items)} requests from {credentials.slug}",
        ["request", "submitted", "fields", "status", "reason"],
        [
            (
                item.get("number"),
                local_time(item.get("submitted")),
                ", ".join(item.get("fields") or []),
                _status_text(item),
                item.get("reason") or "",
            )
            for item in items
        ],
    )


def _status_text(item: dict[str, Any]) -> str:
    text = STATUS_TEXT.get(str(item.get("status")), str(item.get("status")))
    if item.get("status") in ("approved", "applied") and item.get("rev"):
        text += f" (revision {item['rev']})"
    return text


_EDIT_OPTIONS_FIELDS = [
    field_option(listings.TENANT.field(name), required=False) for name in tenant_wire.TENANT_FIELDS
]
_LOGO_OPTION = click.option(
    "--logo",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Logo image (PNG, JPEG, ...; at most 1 MB); sent as a PNG of at most 128x128.",
)
_EDIT_OPTIONS = options(
    *_EDIT_OPTIONS_FIELDS,
    _LOGO_OPTION,
    click.option(
        "--wait",
        default=CONFIRM_SECONDS,
        show_default=True,
        type=click.FloatRange(0),
        metavar="SECONDS",
        help="How long to wait for the admin node to confirm receipt.",
    ),
)


@listing.command("edit")
@_EDIT_OPTIONS
@pass_context
def edit(ctx: Context, logo: Path | None, wait: float, **values: Any) -> None:
    """Ask for a change: only the options given change. Staff review it (a hiring change alone is
    approved at once); exit 3 means sent but not yet confirmed by the admin node."""
    _edit(ctx, logo, wait, values)


def _edit(ctx: Context, logo: Path | None, wait: float, values: dict[str, Any]) -> None:
    credentials = _credentials(ctx)
    fields = {name: value for name, value in values.items() if value is not None}
    with user_errors():
        listings.clean(listings.TENANT, fields)  # the staff CLI's validator: fail here, send nothing
        png = logos.normalise_file(logo) if logo is not None else None
    if not fields and png is None:
        fail("nothing to change: give at least one option (see `listing edit --help`)")
    try:
        with remote.session(credentials) as tenant:
            current = tenant.listing()
            tenant.watch_replies()
            before = tenant.next_reply(time.monotonic() + remote.RETAINED_SECONDS) or remote.Reply()
            request = tenant_wire.EditRequest(
                uuid.uuid4().hex, current.rev if current is not None else None, fields, png
            )
            tenant.send(request)
            outcome = _await(tenant, request.request_id, before, time.monotonic() + wait)
    except remote.RemoteError as exc:
        fail(str(exc))
    if outcome is None:
        click.echo(
            "queued, not yet confirmed: the broker holds your request, but Innovatum's admin node has not "
            "confirmed it yet; check later with `listing status`",
            err=True,
        )
        sys.exit(EXIT_QUEUED)
    if outcome.get("status") == "invalid":
        fail(f"refused: {outcome.get('reason')}")
    number = outcome.get("number")
    if outcome.get("status") in ("approved", "applied"):
        say(
            f"request {number} approved automatically (revision {outcome.get('rev')}): "
            "on the screens in a moment"
        )
    else:
        say(f"request {number} received: Innovatum's staff review it; see `listing status`")


def _await(
    tenant: remote.TenantSession, request_id: str, before: remote.Reply, deadline: float
) -> dict[str, Any] | None:
    """The reply's entry for our request, or None if none came in time. A reply that counts a new drop
    (too many requests, a replay) instead of listing ours is an error."""
    while (reply := tenant.next_reply(deadline)) is not None:
        for item in reply.requests:
            if item.get("id") == request_id:
                return item
        for reason, count in reply.dropped.items():
            if count > before.dropped.get(reason, 0):
                raise remote.RemoteError(
                    _DROP_TEXT.get(reason, f"the admin node dropped the request ({reason})")
                )
    return None


_DROP_TEXT = {
    "rate_limited": "too many requests: the admin node accepts a limited number an hour; try again later",
    "replayed": "the admin node has this request already",
    "oversized": "the request is too large",
    "malformed": "the admin node could not read the request",
}


def _size(value: str) -> tuple[int, int]:
    columns, _, rows = value.lower().partition("x")
    if not (columns.isdigit() and rows.isdigit()):
        raise click.BadParameter(f"{value!r} is not COLUMNSxROWS, e.g. 80x24", param_hint="--size")
    return int(columns), int(rows)


@listing.command("preview")
@options(*_EDIT_OPTIONS_FIELDS, _LOGO_OPTION)
@click.option(
    "--lang",
    "language",
    type=click.Choice(["sv", "en"]),
    default="sv",
    show_default=True,
    help="The visitor's language.",
)
@click.option(
    "--size",
    default="80x24",
    show_default=True,
    metavar="COLSxROWS",
    help="The screen size, e.g. 80x24 or 160x45.",
)
@click.option(
    "--svg",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write an SVG picture here instead of printing.",
)
@pass_context
def preview(
    ctx: Context, logo: Path | None, language: str, size: str, svg: Path | None, **values: Any
) -> None:
    """How your page will look on a lobby screen with these changes (nothing is sent).

    Takes the same options as `listing edit`; without any, it shows your page as it is.
    """
    columns, rows = _size(size)
    credentials = _credentials(ctx)
    fields = {name: value for name, value in values.items() if value is not None}
    with user_errors():
        cleaned = listings.clean(listings.TENANT, fields)
        png = logos.normalise_file(logo) if logo is not None else None
    try:
        with remote.session(credentials) as tenant:
            current = tenant.listing()
            if current is None:
                fail(f"no published listing for {credentials.slug} yet (is the admin node running?)")
            shown_logo = tenant.logo() if png is None and current.data.get("has_logo") else None
    except remote.RemoteError as exc:
        fail(str(exc))
    record = {**current.data, **cleaned}
    if png is not None:
        shown_logo = base64.b64encode(png).decode("ascii")
    record["has_logo"] = shown_logo is not None
    output = "svg" if svg is not None else ("ansi" if sys.stdout.isatty() else "text")
    request = {
        "kind": "tenant",
        "record": record,
        "logo": shown_logo,
        "language": language,
        "size": [columns, rows],
        "format": output,
    }
    try:
        result = subprocess.run(
            [sys.executable, "-m", "kiosk.preview"],
            input=json.dumps(request, ensure_ascii=False),
            capture_output=True,
            text=True,
            timeout=PREVIEW_SECONDS,
        )
    except subprocess.TimeoutExpired:
        fail(f"the preview took longer than {PREVIEW_SECONDS:.0f} s")
    if result.returncode != 0:
        lines = result.stderr.strip().splitlines() or ["the kiosk preview failed"]
        fail(lines[-1].removeprefix("error: "))
    if svg is None:
        click.echo(result.stdout, nl=False)
        return
    try:
        svg.write_text(result.stdout, encoding="utf-8")
    except OSError as exc:
        fail(f"cannot write {svg}: {exc.strerror or exc}")
    say(f"wrote {svg}")


def register(main: click.Group) -> None:
    main.add_command(listing)
