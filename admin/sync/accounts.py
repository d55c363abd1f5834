"""Broker accounts: the admin node's own, one per kiosk, one per tenant that staff granted access.

A tenant gets an account only through `innovatum-admin tenant grant` (admin.tenants.access): after an
import of thousands of tenants, the broker must not know thousands of passwords nobody was handed.

Passwords are kept in the admin database in clear (the admin node must hand them out again in a
kiosk's config); the broker only ever gets their `$7$` hashes. Creating accounts is not a content
change: no revision, nothing published.
"""

from __future__ import annotations

import sqlite_utils

from broker.mosquitto import ADMIN_USERNAME, Account, kiosk_username
from broker.passwords import generate_password
from broker.times import now_iso


def admin_account(db: sqlite_utils.Database) -> Account | None:
    row = db.execute(
        "SELECT username, password FROM broker_accounts WHERE role = 'admin' ORDER BY username LIMIT 1"
    ).fetchone()
    return Account(row[0], row[1], "admin") if row else None


def ensure_accounts(db: sqlite_utils.Database) -> None:
    """Give the admin node an account if it has none yet (idempotent). Tenants get theirs by grant."""
    at = now_iso()
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        if admin_account(db) is None:
            db.execute(
                "INSERT INTO broker_accounts (username, role, subject, password, created_at) "
                "VALUES (?, 'admin', '', ?, ?)",
                (ADMIN_USERNAME, generate_password(), at),
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
    return accounts


def tenant_account(db: sqlite_utils.Database, slug: str) -> Account | None:
    row = db.execute(
        "SELECT username, password FROM broker_accounts WHERE role = 'tenant' AND subject = ?", (slug,)
    ).fetchone()
    return Account(row[0], row[1], "tenant", slug) if row else None
