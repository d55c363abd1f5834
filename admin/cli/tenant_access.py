"""`tenant grant` and `tenant revoke`: which tenants may reach the broker, and their credentials file."""

from __future__ import annotations

from pathlib import Path

import click

from admin.cli.common import Context, fail, pass_context, say, user_errors
from admin.cli.fleet import _write_secret
from admin.cli.tenants import tenant
from admin.store.db import key_path
from admin.tenants import access
from broker.keys import KeyFileError, load_private_key, public_key_b64
from broker.settings import BrokerSettings, BrokerUrlError

RELOAD_HINT = "rerun `innovatum-admin broker-config` and reload mosquitto (kill -HUP)"


@click.command("grant")
@click.argument("slug")
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="The credentials file."
)
@click.option("--broker", "url", required=True, metavar="URL", help="How the tenant reaches the broker.")
@click.option(
    "--ca-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="CA certificate of the broker's TLS listener; copied into the file.",
)
@pass_context
def grant(ctx: Context, slug: str, out: Path, url: str, ca_file: Path | None) -> None:
    """Give a tenant broker access and write its credentials file (mode 0600) to hand over.

    Granting again writes the same account's file again; the password stays valid.
    """
    try:
        settings = BrokerSettings.from_url(url)
    except BrokerUrlError as exc:
        fail(str(exc))
    if settings.username or settings.password:
        fail("leave credentials out of --broker: the tenant gets its own")
    ca_pem = ""
    if ca_file is not None:
        try:
            ca_pem = ca_file.read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError) as exc:
            fail(f"cannot read CA file {ca_file}: {getattr(exc, 'strerror', None) or exc}")
        if "-----BEGIN CERTIFICATE-----" not in ca_pem:
            fail(f"CA file {ca_file} is not a PEM certificate")
    try:
        public_key = public_key_b64(load_private_key(key_path(ctx.db_path)))
    except KeyFileError as exc:
        fail(str(exc))
    with user_errors(), ctx.database() as db:
        given = access.grant(db, slug)
    _write_secret(out, access.credentials_text(slug, given.account, settings.url, ca_pem, public_key))
    say(f"wrote {out} for {given.account.username}: hand it to the tenant")
    if given.created:
        say(f"new account: {RELOAD_HINT} before it can log in")


@click.command("revoke")
@click.argument("slug")
@pass_context
def revoke(ctx: Context, slug: str) -> None:
    """Take a tenant's broker access away (its credentials file stops working)."""
    with user_errors(), ctx.database() as db:
        removed = access.revoke(db, slug)
    if not removed:
        fail(f"tenant {slug!r} has no broker access")
    say(f"revoked tenant {slug}: {RELOAD_HINT}; the broker then refuses it and drops its connection")


def register(main: click.Group) -> None:
    tenant.add_command(grant)
    tenant.add_command(revoke)
