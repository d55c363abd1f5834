"""SQL for the replica: records (what the UI reads), the staging snapshot, meta and drop counters.

Every write happens inside `transaction()`, so the UI (another connection, WAL) sees each revision
or snapshot whole or not at all. The engine decides what to write; this module only knows the tables.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from broker.envelope import canonical_json
from kiosk.replica import directory
from kiosk.replica.schema import SEARCHABLE_KINDS, connect
from kiosk.replica.search_text import search_entry


@dataclass(frozen=True)
class Row:
    """One record version: live data, or a tombstone (`data is None`) that keeps its revision."""

    kind: str
    key: str
    rev: int
    data: dict[str, Any] | None

    @property
    def deleted(self) -> bool:
        return self.data is None

    def params(self) -> tuple[str, str, int, int, str | None]:
        text = None if self.data is None else canonical_json(self.data).decode("utf-8")
        return (self.kind, self.key, self.rev, int(self.deleted), text)


@dataclass(frozen=True)
class Version:
    """What a table holds for one key: enough to decide staleness and to update the digest."""

    rev: int
    deleted: bool


_UPSERT = (
    "INSERT INTO {table} (kind, key, rev, deleted, data) VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT (kind, key) DO UPDATE SET rev = excluded.rev, deleted = excluded.deleted, "
    "data = excluded.data"
)


_SEARCHABLE = ", ".join("?" for _ in SEARCHABLE_KINDS)
_SEARCH_HELD = (
    "SELECT i.id, s.name, s.body FROM search_ids i LEFT JOIN search s ON s.rowid = i.id "
    "WHERE i.kind = ? AND i.key = ?"
)
_SEARCH_NEW_ID = "INSERT INTO search_ids (kind, key) VALUES (?, ?) RETURNING id"


class ReplicaStore:
    def __init__(self, path: Path) -> None:
        self.conn = connect(path)

    def close(self) -> None:
        self.conn.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """BEGIN IMMEDIATE: the write lock up front, so a commit never fails half way on a busy lock."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def rollback_if_open(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")

    # meta ------------------------------------------------------------------------------------

    def meta(self) -> dict[str, str]:
        return dict(self.conn.execute("SELECT name, value FROM meta").fetchall())

    def set_meta(self, **values: int | str) -> None:
        """One statement however many values: a live edit writes four (revision and trusted head)."""
        if not values:
            return
        rows = ", ".join("(?, ?)" for _ in values)
        params = [text for name, value in values.items() for text in (name, str(value))]
        self.conn.execute(
            f"INSERT INTO meta (name, value) VALUES {rows} "
            "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            params,
        )

    def forget_content(self) -> None:
        """Everything trusted so far goes (the drop counters stay: they are the kiosk's history)."""
        for table in ("records", "search", "search_ids", "staging", "meta", "directory"):
            self.conn.execute(f"DELETE FROM {table}")
        self.conn.execute(directory.BUMP)

    # records ---------------------------------------------------------------------------------

    def record_version(self, kind: str, key: str) -> Version | None:
        return self._version("records", kind, key)

    def staged_version(self, kind: str, key: str) -> Version | None:
        return self._version("staging", kind, key)

    def _version(self, table: str, kind: str, key: str) -> Version | None:
        row = self.conn.execute(
            f"SELECT rev, deleted FROM {table} WHERE kind = ? AND key = ?", (kind, key)
        ).fetchone()
        return Version(int(row[0]), bool(row[1])) if row else None

    def write_records(self, rows: list[Row]) -> None:
        """Upsert record versions (tombstones included) and keep `search` and `directory` in step, in
        the caller's transaction."""
        self.conn.executemany(_UPSERT.format(table="records"), [row.params() for row in rows])
        self._index(rows)

    def _index(self, rows: list[Row]) -> None:
        """Bring the `search` rows of these records up to date (by their stable rowid in `search_ids`),
        and their `directory` rows.

        A row whose indexed text would not change is left alone: an FTS5 delete and insert (with its
        prefix indexes) is most of what a one-tenant edit costs in SQLite, and an edit that changes
        no searchable text (a logo, a website, the hiring flag, a bootstrap's copy of what is held)
        does not need it.
        """
        searchable = [row for row in rows if row.kind in SEARCHABLE_KINDS]
        if not searchable:
            return
        execute = self.conn.execute
        stale: list[tuple[int]] = []
        entries: list[tuple[int, str, str, str, str]] = []
        listed: list[directory.DirectoryRow] = []
        unlisted: list[tuple[str, str]] = []
        for row in searchable:
            # The record's rowid and what is indexed under it, in one statement (most edits touch a
            # record that already has both).
            found = execute(_SEARCH_HELD, (row.kind, row.key)).fetchone()
            if found is None:
                [(new_id,)] = execute(_SEARCH_NEW_ID, (row.kind, row.key)).fetchall()
                found = (new_id, None, None)
            rowid, name, body = found
            if row.data is None:
                unlisted.append((row.kind, row.key))
            else:
                listed.append(directory.directory_row(row.kind, row.key, rowid, row.data))
            held = None if name is None else (name, body)
            entry = search_entry(row.kind, row.data)
            if held == entry:
                continue
            if held is not None:
                stale.append((rowid,))
            if entry is not None:
                entries.append((rowid, row.kind, row.key, *entry))
        if unlisted:
            self.conn.executemany(directory.DELETE, unlisted)
        if listed:
            self.conn.executemany(directory.UPSERT, listed)
        self.conn.execute(directory.BUMP)
        if stale:
            self.conn.executemany("DELETE FROM search WHERE rowid = ?", stale)
        if entries:
            self.conn.executemany(
                "INSERT INTO search (rowid, kind, key, name, body) VALUES (?, ?, ?, ?, ?)", entries
            )

    def records_empty(self) -> bool:
        return self.conn.execute("SELECT 1 FROM records LIMIT 1").fetchone() is None

    def live_records(self) -> Iterator[tuple[str, str, int]]:
        for kind, key, rev in self.conn.execute("SELECT kind, key, rev FROM records WHERE deleted = 0"):
            yield kind, key, int(rev)

    # staging ---------------------------------------------------------------------------------

    def stage(self, rows: Iterable[Row]) -> None:
        self.conn.executemany(_UPSERT.format(table="staging"), [row.params() for row in rows])

    def promote_staging(self, head_rev: int) -> None:
        """Move every staged row into `records` (and `search`), in the caller's transaction.

        A row newer than the head becomes a tombstone at the head's revision (the engine explains
        why). Copied in SQL: a 10,000-record snapshot is not decoded and encoded again; only the
        searchable rows are read back for the index.
        """
        searchable = [
            Row(kind, key, head_rev, None)
            if rev > head_rev
            else Row(kind, key, int(rev), None if deleted else json.loads(data))
            for kind, key, rev, deleted, data in self.conn.execute(
                f"SELECT kind, key, rev, deleted, data FROM staging WHERE kind IN ({_SEARCHABLE})",
                SEARCHABLE_KINDS,
            )
        ]
        self.conn.execute(
            "INSERT INTO records (kind, key, rev, deleted, data) "
            "SELECT kind, key, min(rev, :head), CASE WHEN rev > :head THEN 1 ELSE deleted END, "
            "CASE WHEN rev > :head THEN NULL ELSE data END FROM staging WHERE true "
            "ON CONFLICT (kind, key) DO UPDATE SET rev = excluded.rev, deleted = excluded.deleted, "
            "data = excluded.data",
            {"head": head_rev},
        )
        self._index(searchable)
        self.conn.execute("DELETE FROM staging")

    def live_records_not_staged(self) -> list[tuple[str, str]]:
        """Live records a full snapshot did not confirm (they become tombstones at promotion)."""
        rows = self.conn.execute(
            "SELECT kind, key FROM records r WHERE deleted = 0 AND NOT EXISTS "
            "(SELECT 1 FROM staging s WHERE s.kind = r.kind AND s.key = r.key)"
        ).fetchall()
        return [(kind, key) for kind, key in rows]

    def discard_obsolete_staging(self) -> None:
        """Staged rows no newer than the record they would replace can never be promoted."""
        self.conn.execute(
            "DELETE FROM staging WHERE rev <= "
            "(SELECT r.rev FROM records r WHERE r.kind = staging.kind AND r.key = staging.key)"
        )

    def merged_live(self) -> Iterator[tuple[str, str, int]]:
        """Live (kind, key, rev) of records overlaid with staging (staged rows are always newer)."""
        query = (
            "SELECT kind, key, rev FROM records r WHERE deleted = 0 AND NOT EXISTS "
            "(SELECT 1 FROM staging s WHERE s.kind = r.kind AND s.key = r.key) "
            "UNION ALL SELECT kind, key, rev FROM staging WHERE deleted = 0"
        )
        for kind, key, rev in self.conn.execute(query):
            yield kind, key, int(rev)

    def staged_live(self) -> Iterator[tuple[str, str, int]]:
        for kind, key, rev in self.conn.execute("SELECT kind, key, rev FROM staging WHERE deleted = 0"):
            yield kind, key, int(rev)

    # drops -----------------------------------------------------------------------------------

    def count_drop(self, reason: str) -> None:
        self.conn.execute(
            "INSERT INTO dropped (reason, count) VALUES (?, 1) "
            "ON CONFLICT (reason) DO UPDATE SET count = count + 1",
            (reason,),
        )

    def dropped(self) -> dict[str, int]:
        return {
            reason: int(count) for reason, count in self.conn.execute("SELECT reason, count FROM dropped")
        }

    # dump ------------------------------------------------------------------------------------

    def live_rows(self) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """Live records in (kind, key) order, for `dump` (one read transaction: one revision)."""
        rows = self.conn.execute(
            "SELECT kind, key, data FROM records WHERE deleted = 0 ORDER BY kind, key"
        ).fetchall()
        for kind, key, data in rows:
            yield kind, key, json.loads(data)
