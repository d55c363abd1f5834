"""Schema migrations, tracked in the database itself (table `migrations`), applied in order on open.

Append new migrations at the end; never edit one that has shipped.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import sqlite_utils

_V1_CONTENT = """
CREATE TABLE tenants (
    slug TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    description_sv TEXT NOT NULL DEFAULT '',
    description_en TEXT NOT NULL DEFAULT '',
    category TEXT NOT NULL DEFAULT '',
    tags TEXT NOT NULL DEFAULT '[]',
    floor INTEGER,
    room TEXT NOT NULL DEFAULT '',
    website TEXT NOT NULL DEFAULT '',
    contact TEXT NOT NULL DEFAULT '',
    hiring INTEGER NOT NULL DEFAULT 0,
    hiring_url TEXT NOT NULL DEFAULT '',
    visible INTEGER NOT NULL DEFAULT 1,
    demo INTEGER NOT NULL DEFAULT 0,
    logo BLOB,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE partners (
    slug TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL DEFAULT '',
    hours_sv TEXT NOT NULL DEFAULT '',
    hours_en TEXT NOT NULL DEFAULT '',
    description_sv TEXT NOT NULL DEFAULT '',
    description_en TEXT NOT NULL DEFAULT '',
    category TEXT NOT NULL DEFAULT '',
    tags TEXT NOT NULL DEFAULT '[]',
    floor INTEGER,
    room TEXT NOT NULL DEFAULT '',
    website TEXT NOT NULL DEFAULT '',
    contact TEXT NOT NULL DEFAULT '',
    hiring INTEGER NOT NULL DEFAULT 0,
    hiring_url TEXT NOT NULL DEFAULT '',
    visible INTEGER NOT NULL DEFAULT 1,
    demo INTEGER NOT NULL DEFAULT 0,
    logo BLOB,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title_sv TEXT NOT NULL,
    title_en TEXT NOT NULL DEFAULT '',
    description_sv TEXT NOT NULL DEFAULT '',
    description_en TEXT NOT NULL DEFAULT '',
    start TEXT NOT NULL,
    "end" TEXT NOT NULL,
    all_day INTEGER NOT NULL DEFAULT 0,
    place TEXT NOT NULL DEFAULT '',
    audience TEXT NOT NULL DEFAULT '',
    registration_url TEXT NOT NULL DEFAULT '',
    capacity INTEGER,
    "full" INTEGER NOT NULL DEFAULT 0,
    cancelled INTEGER NOT NULL DEFAULT 0,
    source TEXT NOT NULL DEFAULT 'manual',
    source_uid TEXT,
    recurrence_id TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (source, source_uid, recurrence_id)
);
CREATE TABLE rooms (
    slug TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    floor INTEGER,
    capacity INTEGER,
    description_sv TEXT NOT NULL DEFAULT '',
    description_en TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE bookings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    room TEXT NOT NULL REFERENCES rooms(slug) ON DELETE RESTRICT,
    start TEXT NOT NULL,
    "end" TEXT NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    organiser TEXT NOT NULL DEFAULT '',
    private INTEGER NOT NULL DEFAULT 0,
    source TEXT NOT NULL DEFAULT 'manual',
    source_uid TEXT,
    recurrence_id TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (source, source_uid, recurrence_id)
);
CREATE INDEX bookings_room_start ON bookings(room, start);
CREATE TABLE announcements (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    text_sv TEXT NOT NULL,
    text_en TEXT NOT NULL DEFAULT '',
    priority TEXT NOT NULL CHECK (priority IN ('info', 'warning', 'emergency')),
    start TEXT,
    until TEXT,
    target TEXT NOT NULL DEFAULT 'all',
    retracted INTEGER NOT NULL DEFAULT 0,
    created_by TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE TABLE kiosks (
    id TEXT PRIMARY KEY,
    "group" TEXT NOT NULL DEFAULT '',
    location TEXT NOT NULL DEFAULT '',
    password TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT '',
    key TEXT NOT NULL DEFAULT '',
    rev INTEGER,
    detail TEXT NOT NULL DEFAULT ''
);
-- One row per committed content transaction; AUTOINCREMENT makes revisions strictly increasing and
-- never reused, even after the newest one is deleted.
CREATE TABLE revisions (
    rev INTEGER PRIMARY KEY AUTOINCREMENT,
    prev INTEGER NOT NULL,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    published INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX revisions_unpublished ON revisions(published, rev);
-- The outbox: the records each revision changed, written in the same transaction as the change.
CREATE TABLE outbox (
    rev INTEGER NOT NULL REFERENCES revisions(rev),
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    op TEXT NOT NULL CHECK (op IN ('upsert', 'delete')),
    data TEXT,
    PRIMARY KEY (rev, seq)
);
-- What the kiosks should hold now: one row per record ever published, tombstones included, so a
-- deletion stays signed and retained and a replayed older version can be recognised as stale.
CREATE TABLE sync_state (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    rev INTEGER NOT NULL,
    op TEXT NOT NULL CHECK (op IN ('upsert', 'delete')),
    data TEXT,
    PRIMARY KEY (kind, key)
);
"""

_V2_FLEET = """
ALTER TABLE kiosks ADD COLUMN online INTEGER NOT NULL DEFAULT 0;
ALTER TABLE kiosks ADD COLUMN applied_rev INTEGER;
ALTER TABLE kiosks ADD COLUMN version TEXT NOT NULL DEFAULT '';
ALTER TABLE kiosks ADD COLUMN uptime REAL;
ALTER TABLE kiosks ADD COLUMN screen TEXT NOT NULL DEFAULT '';
ALTER TABLE kiosks ADD COLUMN last_seen TEXT;
CREATE TABLE announcement_acks (
    announcement_id INTEGER NOT NULL,
    kiosk_id TEXT NOT NULL,
    shown_at TEXT NOT NULL,
    PRIMARY KEY (announcement_id, kiosk_id)
);
"""

_V3_CALENDARS = """
-- A feed's name is also the `source` of the events or bookings it imports.
CREATE TABLE calendars (
    name TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('events', 'bookings')),
    room TEXT REFERENCES rooms(slug),
    every_minutes INTEGER NOT NULL DEFAULT 15 CHECK (every_minutes >= 1),
    days INTEGER NOT NULL DEFAULT 60 CHECK (days >= 1),
    etag TEXT,
    last_modified TEXT,
    last_polled TEXT,
    last_ok TEXT,
    last_error TEXT,
    last_summary TEXT NOT NULL DEFAULT '',
    digest TEXT,
    created_at TEXT NOT NULL,
    CHECK ((kind = 'bookings') = (room IS NOT NULL))
);
"""

_V4_BROKER_ACCOUNTS = """
CREATE TABLE broker_accounts (
    username TEXT PRIMARY KEY,
    role TEXT NOT NULL CHECK (role IN ('admin', 'tenant')),
    subject TEXT NOT NULL DEFAULT '',
    password TEXT NOT NULL,
    created_at TEXT NOT NULL
);
"""

_V5_TENANT_REQUESTS = """
-- Tenants' edit requests, received over MQTT by `serve` (admin.tenants.requests). `request_id` is the
-- tenant's own id for it, unique per tenant, so a resent or replayed request is recognised.
CREATE TABLE tenant_requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant TEXT NOT NULL,
    request_id TEXT NOT NULL,
    account TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'superseded', 'invalid')),
    fields TEXT NOT NULL DEFAULT '{}',
    logo BLOB,
    base INTEGER,
    submitted TEXT NOT NULL,
    decided TEXT,
    decided_by TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL DEFAULT '',
    rev INTEGER,
    superseded_by INTEGER,
    UNIQUE (tenant, request_id)
);
CREATE INDEX tenant_requests_tenant ON tenant_requests(tenant, submitted);
-- Requests dropped before they could be stored (rate limit, malformed), counted per tenant and reason.
CREATE TABLE tenant_request_drops (
    tenant TEXT NOT NULL,
    reason TEXT NOT NULL,
    count INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant, reason)
);
-- Tenants whose reply (the retained, signed status of their requests) `serve` must publish again.
CREATE TABLE tenant_replies (
    tenant TEXT PRIMARY KEY,
    dirty INTEGER NOT NULL DEFAULT 1
);
-- Staff settings (key, JSON value), e.g. the auto-approve policy.
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""

_V6_CALENDAR_HEALTH = """
-- How each feed's polls went (for `calendar status`), and a reply held back as suspicious.
ALTER TABLE calendars ADD COLUMN last_result TEXT;
ALTER TABLE calendars ADD COLUMN last_imported INTEGER;
ALTER TABLE calendars ADD COLUMN last_skipped INTEGER;
ALTER TABLE calendars ADD COLUMN last_warnings INTEGER;
ALTER TABLE calendars ADD COLUMN last_problems TEXT NOT NULL DEFAULT '[]';
ALTER TABLE calendars ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE calendars ADD COLUMN failing_since TEXT;
ALTER TABLE calendars ADD COLUMN held_reason TEXT;
ALTER TABLE calendars ADD COLUMN held_fingerprint TEXT;
ALTER TABLE calendars ADD COLUMN held_since TEXT;
ALTER TABLE calendars ADD COLUMN max_drop INTEGER NOT NULL DEFAULT 50 CHECK (max_drop BETWEEN 1 AND 100)
"""

_V7_FLEET_HEALTH = """
-- What the kiosk last said about its replica (NULL: it never said), and when its recent connections
-- began (a JSON list of ISO times, newest last, bounded): several in a short window is a flapping link.
ALTER TABLE kiosks ADD COLUMN complete INTEGER;
ALTER TABLE kiosks ADD COLUMN connects TEXT NOT NULL DEFAULT '[]';
"""

_V8_FLOOR_PLANS = """
-- Wayfinding (broker/wayfinding/plan.py has the shapes). A floor is published once it has a plan.
CREATE TABLE floors (
    level INTEGER PRIMARY KEY,
    name_sv TEXT NOT NULL DEFAULT '',
    name_en TEXT NOT NULL DEFAULT '',
    plan TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE plan_rooms (
    room TEXT PRIMARY KEY,
    level INTEGER NOT NULL REFERENCES floors(level),
    x INTEGER NOT NULL,
    y INTEGER NOT NULL,
    w INTEGER NOT NULL,
    h INTEGER NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE connectors (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('lift', 'stairs')),
    levels TEXT NOT NULL,
    x INTEGER NOT NULL,
    y INTEGER NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE kiosk_spots (
    kiosk TEXT PRIMARY KEY,
    level INTEGER NOT NULL REFERENCES floors(level),
    x INTEGER NOT NULL,
    y INTEGER NOT NULL,
    facing TEXT NOT NULL CHECK (facing IN ('n', 'e', 's', 'w')),
    updated_at TEXT NOT NULL
);
"""


_V9_OPERATIONS = """
ALTER TABLE kiosks ADD COLUMN last_answer TEXT;
-- Second sites: their broker bridges to the main one with its own account (broker.bridge).
CREATE TABLE bridges (
    name TEXT PRIMARY KEY,
    remote TEXT NOT NULL,
    password TEXT NOT NULL,
    created_at TEXT NOT NULL
)
"""


def _script(sql: str) -> Callable[[sqlite_utils.Database], None]:
    def apply(db: sqlite_utils.Database) -> None:
        for statement in sql.split(";\n"):
            if statement.strip():
                db.execute(statement)

    return apply


#: (version, name, apply). Each runs in its own transaction together with its `migrations` row.
MIGRATIONS: list[tuple[int, str, Callable[[sqlite_utils.Database], None]]] = [
    (1, "content tables, audit, revisions and outbox", _script(_V1_CONTENT)),
    (2, "fleet status and announcement acknowledgements", _script(_V2_FLEET)),
    (3, "calendar feeds", _script(_V3_CALENDARS)),
    (4, "broker accounts of the admin node and the tenants", _script(_V4_BROKER_ACCOUNTS)),
    (5, "tenant edit requests, their replies, settings", _script(_V5_TENANT_REQUESTS)),
    (6, "calendar feed health and held replies", _script(_V6_CALENDAR_HEALTH)),
    (7, "kiosk health: replica completeness and recent connections", _script(_V7_FLEET_HEALTH)),
    (8, "floor plans, rooms on them, lifts and stairs, kiosk spots", _script(_V8_FLOOR_PLANS)),
    (9, "when each kiosk last answered a remote command; bridges of second sites", _script(_V9_OPERATIONS)),
]

LATEST = MIGRATIONS[-1][0]


def applied_versions(db: sqlite_utils.Database) -> set[int]:
    if "migrations" not in db.table_names():
        return set()
    return {row[0] for row in db.execute("SELECT version FROM migrations").fetchall()}


def migrate(db: sqlite_utils.Database, *, upto: int | None = None) -> list[int]:
    """Apply every migration not yet recorded (up to `upto`); returns the versions applied now."""
    conn = db.conn
    conn.execute(
        "CREATE TABLE IF NOT EXISTS migrations "
        "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    done: list[int] = []
    for version, name, apply in MIGRATIONS:
        if upto is not None and version > upto:
            break
        if version in applied_versions(db):
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Another process may have migrated while we waited for the write lock.
            if version in applied_versions(db):
                conn.execute("ROLLBACK")
                continue
            apply(db)
            conn.execute(
                "INSERT INTO migrations (version, name, applied_at) VALUES (?, ?, ?)",
                (version, name, datetime.now(UTC).isoformat(timespec="seconds")),
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        done.append(version)
    return done
