"""Which tenants may reach the broker, and the credentials file staff hand them.

Only a granted tenant has a broker account (a row in `broker_accounts`), so `broker-config` writes
accounts for the companies that asked for one, not for every row of an import. Revoking deletes the
row: after `broker-config` and a reload mosquitto refuses the account and drops its connection.

The credentials file is TOML, mode 0600 (it holds a password):

    [tenant]
    slug = "acme"
    [broker]
    url = "mqtts://admin.example:8883"
    username = "tenant-acme"
    password = "..."
    ca_pem = "-----BEGIN CERTIFICATE-----..."   # inline, so the file is all a tenant needs
    [trust]
    admin_public_key = "base64 Ed25519 public key"   # verifies what the admin node sends back
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from admin.content.validate import Invalid
from broker.mosquitto import Account, tenant_username
from broker.passwords import generate_password
from broker.settings import BrokerSettings, BrokerUrlError
from broker.times import now_iso


@dataclass(frozen=True)
class Grant:
    account: Account
    created: bool


def grant(db: sqlite_utils.Database, slug: str) -> Grant:
    """Give the tenant a broker account, or return the one it has (its password stays valid)."""
    if db.execute("SELECT 1 FROM tenants WHERE slug = ?", (slug,)).fetchone() is None:
        raise Invalid(f"no tenant {slug!r}")
    try:
        username = tenant_username(slug)
    except ValueError as exc:
        raise Invalid(f"tenant {slug!r} cannot have a broker account: {exc}") from None
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        row = db.execute(
            "SELECT password FROM broker_accounts WHERE role = 'tenant' AND subject = ?", (slug,)
        ).fetchone()
        created = row is None
        password = generate_password() if created else row[0]
        if created:
            db.execute(
                "INSERT INTO broker_accounts (username, role, subject, password, created_at) "
                "VALUES (?, 'tenant', ?, ?, ?)",
                (username, slug, password, now_iso()),
            )
        db.conn.execute("COMMIT")
    except BaseException:
        db.conn.execute("ROLLBACK")
        raise
    return Grant(Account(username, password, "tenant", slug), created)


def revoke(db: sqlite_utils.Database, slug: str) -> bool:
    """Remove the tenant's account; False when it had none."""
    cursor = db.execute("DELETE FROM broker_accounts WHERE role = 'tenant' AND subject = ?", (slug,))
    db.conn.commit()
    return cursor.rowcount > 0


def _toml(value: str) -> str:
    # JSON's string escapes are valid in a TOML basic string.
    return json.dumps(value, ensure_ascii=False)


def credentials_text(slug: str, account: Account, broker_url: str, ca_pem: str, public_key: str) -> str:
    return "\n".join(
        [
            f"# Innovatum tenant credentials for {slug}, written by `innovatum-admin tenant grant`.",
            "# Use: innovatum-admin --as-tenant THIS-FILE listing show",
            "# It holds your broker password: keep it private (mode 0600).",
            "",
            "[tenant]",
            f"slug = {_toml(slug)}",
            "",
            "[broker]",
            f"url = {_toml(broker_url)}",
            f"username = {_toml(account.username)}",
            f"password = {_toml(account.password)}",
            f"ca_pem = {_toml(ca_pem)}",
            "",
            "[trust]",
            f"admin_public_key = {_toml(public_key)}",
            "",
        ]
    )


@dataclass(frozen=True)
class TenantCredentials:
    slug: str
    broker: BrokerSettings
    ca_pem: str
    admin_public_key: str

    @property
    def username(self) -> str:
        return self.broker.username


class CredentialsError(Exception):
    """The credentials file is missing, unreadable or incomplete: one line that says which."""


def _field(data: dict[str, object], section: str, name: str, *, optional: bool = False) -> str:
    table = data.get(section, {})
    value = table.get(name, "" if optional else None) if isinstance(table, dict) else None
    if not isinstance(value, str) or (not optional and not value):
        raise CredentialsError(f"{section}.{name} is missing or not a string")
    return value


def load_credentials(path: Path) -> TenantCredentials:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CredentialsError(f"cannot read credentials file {path}: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CredentialsError(f"credentials file {path} is not valid TOML: {exc}") from None
    try:
        broker = BrokerSettings.from_url(
            _field(data, "broker", "url"),
            _field(data, "broker", "username"),
            _field(data, "broker", "password"),
        )
    except BrokerUrlError as exc:
        raise CredentialsError(str(exc)) from None
    slug = _field(data, "tenant", "slug")
    try:
        expected = tenant_username(slug)
    except ValueError as exc:
        raise CredentialsError(f"tenant.slug: {exc}") from None
    if broker.username != expected:
        # The broker would silently drop requests to another tenant's topic: say so now instead.
        raise CredentialsError(f"broker.username {broker.username!r} is not the account of tenant {slug!r}")
    return TenantCredentials(
        slug=slug,
        broker=broker,
        ca_pem=_field(data, "broker", "ca_pem", optional=True),
        admin_public_key=_field(data, "trust", "admin_public_key"),
    )
