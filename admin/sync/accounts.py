"""Broker accounts: the admin node's own, one per kiosk, one per tenant, one per bridged site.

Passwords are kept in the admin database in clear (the admin node must hand them out again in a
kiosk's config); the broker only ever gets their `$7$` hashes. Creating accounts is not a content
change: no revision, nothing published.
"""

from __future__ import annotations

import sqlite_utils

from broker.bridge import bridge_username
from broker.mosquitto import ADMIN_USERNAME, Account, kiosk_username, tenant_username
from broker.passwords import generate_password
from broker.times import now_iso


def admin_account(db: sqlite_utils.Database) -> Account | None:
    row = db.execute(
        "SELECT username, password FROM broker_accounts WHERE role = 'admin' ORDER BY username LIMIT 1"
    ).fetchone()
    return Account(row[0], row[1], "admin") if row else None


def ensure_accounts(db: sqlite_utils.Database) -> None:
    """Give the admin node and every tenant an account if they have none yet (idempotent)."""
    at = now_iso()
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        if admin_account(db) is None:
            db.execute(
                "INSERT INTO broker_accounts (username, role, subject, password, created_at) "
                "VALUES (?, 'admin', '', ?, ?)",
                (ADMIN_USERNAME, generate_password(), at),
            )
        for (slug,) in db.execute(
            "SELECT slug FROM tenants WHERE slug NOT IN "
            "(SELECT subject FROM broker_accounts WHERE role = 'tenant')"
        ).fetchall():
            try:
                username = tenant_username(slug)
            except ValueError:
                continue  # a slug that cannot be a broker user name gets no account (never happens today)
            db.execute(
                "INSERT INTO broker_accounts (username, role, subject, password, created_at) "
                "VALUES (?, 'tenant', ?, ?, ?)",
                (username, slug, generate_password(), at),
            )
        db.conn.execute("COMMIT")
    except BaseException:
        db.conn.execute("ROLLBACK")
        raise


def all_accounts(db: sqlite_utils.Database) -> list[Account]:
    """Everyone the broker should let in now. A removed kiosk or tenant is simply not listed."""
    accounts: list[Account] = []
    admin = admin_account(db)
    if admin is not None:
        accounts.append(admin)
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
