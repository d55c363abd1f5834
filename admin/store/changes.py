"""The only way content changes: one transaction that writes the rows, the outbox and the audit log.

    with transaction(db, actor="anna", summary="tenant add acme") as tx:
        db["tenants"].insert(row)
        tx.record("tenant", "acme", public_data)
        tx.audit("tenant.add", "tenant", "acme")

A revision is allocated on the first record that really changes; a transaction that changes nothing
publishable (re-importing the same file) creates no revision and nothing for the kiosks to do.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from admin.store import wake
from broker.envelope import canonical_json
from broker.schema import set_digest
from broker.times import now_iso


@dataclass
class Change:
    db: sqlite_utils.Database
    actor: str
    summary: str
    rev: int | None = None
    _seq: int = 0
    _audit: list[tuple[str, str, str, str]] = field(default_factory=list)

    def _allocate(self) -> int:
        if self.rev is None:
            prev = self.db.execute("SELECT COALESCE(MAX(rev), 0) FROM revisions").fetchone()[0]
            cursor = self.db.execute(
                "INSERT INTO revisions (prev, at, actor, summary) VALUES (?, ?, ?, ?)",
                (prev, now_iso(), self.actor, self.summary),
            )
            self.rev = int(cursor.lastrowid or 0)
        return self.rev

    def _current(self, kind: str, key: str) -> tuple[str, str | None] | None:
        row = self.db.execute(
            "SELECT op, data FROM sync_state WHERE kind = ? AND key = ?", (kind, key)
        ).fetchone()
        return (row[0], row[1]) if row else None

    def _write(self, kind: str, key: str, op: str, data: str | None) -> None:
        rev = self._allocate()
        self._seq += 1
        self.db.execute(
            "INSERT INTO outbox (rev, seq, kind, key, op, data) VALUES (?, ?, ?, ?, ?, ?)",
            (rev, self._seq, kind, key, op, data),
        )
        self.db.execute(
            "INSERT INTO sync_state (kind, key, rev, op, data) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (kind, key) DO UPDATE SET rev = excluded.rev, op = excluded.op, "
            "data = excluded.data",
            (kind, key, rev, op, data),
        )

    def record(self, kind: str, key: str, data: dict[str, Any]) -> bool:
        """Publish the current public form of a record. Returns False when it is unchanged."""
        encoded = canonical_json(data).decode("utf-8")
        if self._current(kind, key) == ("upsert", encoded):
            return False
        self._write(kind, key, "upsert", encoded)
        return True

    def delete(self, kind: str, key: str) -> bool:
        """Publish a signed tombstone. Returns False when the kiosks never had the record."""
        current = self._current(kind, key)
        if current is None or current[0] == "delete":
            return False
        self._write(kind, key, "delete", None)
        return True

    def audit(self, action: str, kind: str = "", key: str = "", detail: str | dict[str, Any] = "") -> None:
        text = detail if isinstance(detail, str) else json.dumps(detail, ensure_ascii=False, sort_keys=True)
        self._audit.append((action, kind, key, text))

    def _finish(self) -> None:
        at = now_iso()
        for action, kind, key, detail in self._audit:
            self.db.execute(
                "INSERT INTO audit (at, actor, action, kind, key, rev, detail) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (at, self.actor, action, kind, key, self.rev, detail),
            )


@contextmanager
def transaction(db: sqlite_utils.Database, actor: str, summary: str = "") -> Iterator[Change]:
    """BEGIN IMMEDIATE takes the write lock up front, so two processes never interleave revisions."""
    db.conn.execute("BEGIN IMMEDIATE")
    change = Change(db, actor, summary)
    try:
        yield change
        change._finish()
        db.conn.execute("COMMIT")
    except BaseException:
        db.conn.execute("ROLLBACK")
        raise
    if change.rev is not None:  # only a new revision has anything for `serve` to publish
        path = _database_file(db)
        if path:
            wake.nudge(path)


def _database_file(db: sqlite_utils.Database) -> str:
    """The main database's file name ("" for an in-memory database, which no `serve` can watch)."""
    row = db.execute("SELECT file FROM pragma_database_list WHERE name = 'main'").fetchone()
    return str(row[0]) if row else ""


@dataclass(frozen=True)
class Head:
    rev: int
    count: int
    digest: str


def current_head(db: sqlite_utils.Database) -> Head:
    """The manifest of what the kiosks should hold: latest revision, live record count, set digest."""
    # One read transaction, so the revision and the records belong to the same snapshot.
    own = not db.conn.in_transaction
    if own:
        db.conn.execute("BEGIN")
    try:
        rev = db.execute("SELECT COALESCE(MAX(rev), 0) FROM revisions").fetchone()[0]
        live = db.execute("SELECT kind, key, rev FROM sync_state WHERE op = 'upsert'").fetchall()
    finally:
        if own:
            db.conn.execute("COMMIT")
    return Head(int(rev), len(live), set_digest((k, key, int(r)) for k, key, r in live))
