"""Broker accounts: the admin node's own two, one per kiosk, one per tenant that staff granted access,
one per bridged site.

The broker makes every account's client id its user name (`broker.mosquitto.client_id`), so two
processes logged in with one account would push each other off. The admin node therefore has one
account per kind of process: `serve` (long-lived, persistent session) and `cli` (one-shot commands
such as `publish`): a one-shot command never disconnects `serve`. `admin_connection` is the one
place that decides which account, and so which client id, an admin process uses.

A tenant gets an account only through `innovatum-admin tenant grant` (admin.tenants.access): after an
import of thousands of tenants, the broker must not know thousands of passwords nobody was handed.

Passwords are kept in the admin database in clear (the admin node must hand them out again in a
kiosk's config); the broker only ever gets their `$7$` hashes. Creating accounts is not a content
change: no revision, nothing published.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

import sqlite_utils

from broker.bridge import bridge_username
from broker.mosquitto import ADMIN_CLI_USERNAME, ADMIN_USERNAME, Account, client_id, kiosk_username
from broker.passwords import generate_password
from broker.settings import BrokerSettings
from broker.times import now_iso

#: Which admin process connects: `serve` (the daemon) or `cli` (any one-shot command).
AdminUse = Literal["serve", "cli"]
ADMIN_USERNAMES: dict[AdminUse, str] = {"serve": ADMIN_USERNAME, "cli": ADMIN_CLI_USERNAME}


@dataclass(frozen=True)
class AdminConnection:
    settings: BrokerSettings
    client_id: str


class NoAdminAccount(LookupError):
    """broker-config has not created the admin node's accounts yet (one error line for the CLI)."""


def admin_account(db: sqlite_utils.Database, use: AdminUse = "serve") -> Account | None:
    row = db.execute(
        "SELECT username, password FROM broker_accounts WHERE role = 'admin' AND username = ?",
        (ADMIN_USERNAMES[use],),
    ).fetchone()
    return Account(row[0], row[1], "admin") if row else None


def admin_connection(db: sqlite_utils.Database, settings: BrokerSettings, use: AdminUse) -> AdminConnection:
    """The account and client id an admin process of kind `use` connects with.

    `settings` come from the broker URL; a user name in the URL wins (the operator chose it), else
    the admin node's own account for `use`. The client id is always the user name: the broker
    enforces that, and a client that sends it too logs under the name the broker uses.
    Raises NoAdminAccount when broker-config has not been run since the account was introduced.
    """
    if not settings.username:
        account = admin_account(db, use)
        if account is None:
            raise NoAdminAccount(
                "the admin node has no broker account for this yet: "
                "run `innovatum-admin broker-config --out DIR` and reload mosquitto"
            )
        settings = replace(settings, username=account.username, password=account.password)
    return AdminConnection(settings, client_id(settings.username))


def ensure_accounts(db: sqlite_utils.Database) -> None:
    """Give the admin node an account if it has none yet (idempotent). Tenants get theirs by grant."""
    at = now_iso()
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        for use, username in ADMIN_USERNAMES.items():
            if admin_account(db, use) is None:
                db.execute(
                    "INSERT INTO broker_accounts (username, role, subject, password, created_at) "
                    "VALUES (?, 'admin', '', ?, ?)",
                    (username, generate_password(), at),
                )
        db.conn.execute("COMMIT")
    except BaseException:
        db.conn.execute("ROLLBACK")
        raise


def all_accounts(db: sqlite_utils.Database) -> list[Account]:
    """Everyone the broker should let in now. A removed kiosk or tenant is simply not listed."""
    accounts = [
        Account(username, password, "admin")
        for username, password in db.execute(
            "SELECT username, password FROM broker_accounts WHERE role = 'admin' ORDER BY username"
        ).fetchall()
    ]
    for kiosk_id, password in db.execute("SELECT id, password FROM kiosks ORDER BY id").fetchall():
        accounts.append(Account(kiosk_username(kiosk_id), password, "kiosk", kiosk_id))
    for username, slug, password in db.execute(
        "SELECT b.username, b.subject, b.password FROM broker_accounts b "
        "JOIN tenants t ON t.slug = b.subject WHERE b.role = 'tenant' ORDER BY b.username"
    ).fetchall():
        accounts.append(Account(username, password, "tenant", slug))
    for name, password in db.execute("SELECT name, password FROM bridges ORDER BY name").fetchall():
        accounts.append(Account(bridge_username(name), password, "bridge", name))
    return accounts


def bridge_password(db: sqlite_utils.Database, name: str, remote: str) -> str:
    """The site's bridge account on the main broker, created on first use (its password stays)."""
    db.execute(
        "INSERT INTO bridges (name, remote, password, created_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (name) DO UPDATE SET remote = excluded.remote",
        (name, remote, generate_password(), now_iso()),
    )
    return str(db.execute("SELECT password FROM bridges WHERE name = ?", (name,)).fetchone()[0])


def tenant_account(db: sqlite_utils.Database, slug: str) -> Account | None:
    row = db.execute(
        "SELECT username, password FROM broker_accounts WHERE role = 'tenant' AND subject = ?", (slug,)
    ).fetchone()
    return Account(row[0], row[1], "tenant", slug) if row else None
