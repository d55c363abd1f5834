"""The screen's read API over the replica: the SQL that finds records, and `search`.

The records it returns, and how they are parsed, are in kiosk/replica/records.py (re-exported here,
where the screens have always imported them from).

Never imports Textual (import-linter): the UI depends on this module, not the other way round. Every
query is indexed and returns a small result, so the UI may call these on its own thread. Records come
from signed messages, but a record that does not parse (a future field type, a hand-edited replica) is
skipped rather than allowed to take the screen down.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from broker.times import STOCKHOLM
from broker.wayfinding.plan import Building
from broker.wayfinding.route import NoRoute, Route
from kiosk.replica import directory, guard, health, wayfinding
from kiosk.replica.directory import sort_key
from kiosk.replica.records import Announcement, Booking, Event, Listing, Partner, Priority, Room, Tenant
from kiosk.replica.schema import connect

#: The directory never lists more rows than a visitor would scroll through; the count says how many matched.
SEARCH_LIMIT = 50
#: Above this many matches a search is ordered name hits first, alphabetically, instead of by bm25.
BROAD_MATCHES = 1000
#: Recent searches kept per replica version (backspacing, reopening the directory, the empty list).
_SEARCH_CACHE_SIZE = 64


_WORD = re.compile(r"\w+", re.UNICODE)


def fts_query(text: str) -> str:
    """A visitor's typing as a safe FTS5 query: every word a quoted prefix term, all of them required.

    Quoting makes `AND`, `NEAR`, `*`, `(` and `"` plain text, so nothing typed can be a syntax error.
    An empty result means "no words": the caller lists everything instead.
    """
    words = _WORD.findall(text)
    return " ".join('"' + word.replace('"', '""') + '"*' for word in words[:8])


@dataclass(frozen=True)
class SearchResult:
    listings: tuple[Listing, ...]
    total: int


#: The directory's order: Swedish alphabetical, ties broken so every page is stable.
_NAME_ORDER = "d.name_key, d.name, d.kind, d.key"
#: The search rowids an FTS5 query matches, for `IN`.
_MATCHING = "(SELECT rowid FROM search WHERE search MATCH ?)"


class Queries:
    """Read-only access to one replica file. One connection, reused: WAL gives each query a snapshot."""

    def __init__(self, path: Path) -> None:
        self.path = path
        # The schema, and the directory table of a replica written by an older version, before the
        # screen reads: a kiosk that has not bootstrapped yet starts on an empty replica.
        connect(path).close()
        self._conn = connect(path, readonly=True)
        self._inode = health.inode(path)
        self._search_cache: dict[tuple[str, str | None, int | None, int], SearchResult] = {}
        #: `PRAGMA data_version` and `directory_state.version` when the search cache was last checked.
        self._data_version = -1
        self._directory_version = -1
        self._wayfinding = wayfinding.Wayfinding()

    def close(self) -> None:
        self._conn.close()

    def readable(self) -> bool:
        """Whether the replica answers at all (raises nothing): checked before a screen is rebuilt.

        A damaged replica is replaced by a fresh file (kiosk.replica.health): read that one from now on.
        """
        conn, self._inode = health.reopen_if_replaced(self.path, self._conn, self._inode)
        if conn is not self._conn:
            self._conn, self._data_version = conn, -1
            self._search_cache.clear()
        try:
            self._conn.execute("SELECT 1 FROM records LIMIT 1").fetchall()
        except sqlite3.Error:
            return False
        return True

    def _records(self, kind: str) -> Iterator[tuple[str, dict[str, Any]]]:
        rows = self._conn.execute(
            "SELECT key, data FROM records WHERE kind = ? AND deleted = 0 AND data IS NOT NULL", (kind,)
        )
        for key, data in rows:
            parsed = _loads(data)
            if parsed is not None:
                yield key, parsed

    def _records_around(
        self, kind: str, start: datetime, end: datetime
    ) -> Iterator[tuple[str, dict[str, Any]]]:
        """Timed records that may overlap [start, end): a cheap prefilter on the ISO dates in SQL,
        a day wider on each side so offsets and odd formats never drop a record; callers then compare
        real datetimes. Spares parsing thousands of events' JSON on every redraw."""
        first = (start - timedelta(days=1)).date().isoformat()
        last = (end + timedelta(days=1)).date().isoformat()
        rows = self._conn.execute(
            "SELECT key, data FROM records WHERE kind = ? AND deleted = 0 AND data IS NOT NULL"
            " AND substr(json_extract(data, '$.start'), 1, 10) <= ?"
            " AND substr(coalesce(json_extract(data, '$.end'), json_extract(data, '$.start')), 1, 10) >= ?",
            (kind, last, first),
        )
        for key, data in rows:
            parsed = _loads(data)
            if parsed is not None:
                yield key, parsed

    def _record(self, kind: str, key: str) -> dict[str, Any] | None:
        row = self._conn.execute(
            "SELECT data FROM records WHERE kind = ? AND key = ? AND deleted = 0", (kind, key)
        ).fetchone()
        return _loads(row[0]) if row and row[0] is not None else None

    def building(self) -> Building:
        """Floor plans, placed rooms, lifts and stairs, kiosk spots (kiosk/replica/wayfinding.py)."""
        return self._wayfinding.building(self._conn)

    def route(self, kiosk_id: str, room: str) -> Route | NoRoute:
        """The way from a kiosk to a room, kept until the plans change."""
        return self._wayfinding.route(self._conn, kiosk_id, room)

    # Directory --------------------------------------------------------------------------------

    def listing(self, kind: str, slug: str) -> Listing | None:
        data = self._record(kind, slug)
        if data is None or data.get("visible") is False:
            return None
        if kind == "partner":
            return guard.parse(kind, slug, data, Partner.from_record)
        return guard.parse(kind, slug, data, Tenant.from_record) if kind == "tenant" else None

    def tenant(self, slug: str) -> Tenant | None:
        found = self.listing("tenant", slug)
        return found if isinstance(found, Tenant) else None

    def tenants_in_order(self, limit: int) -> list[Tenant]:
        """The first `limit` visible tenants in Swedish order: what a list with room for a few shows,
        without parsing the whole directory."""
        with self._snapshot():
            rows = self._conn.execute(
                f"SELECT d.kind, d.key FROM directory d WHERE d.kind = 'tenant' AND d.visible"
                f" ORDER BY {_NAME_ORDER} LIMIT ?",
                (limit,),
            ).fetchall()
            page = self._page(rows, 0)
        return [listing for listing in page.listings if isinstance(listing, Tenant)]

    def featured_tenant(self, index: int) -> Tenant | None:
        """The attract loop's featured company: the `index`-th (cycling) visible tenant with a website,
        in Swedish order, so every such company gets its turn."""
        with self._snapshot():
            (count,) = self._conn.execute(
                "SELECT count(*) FROM directory WHERE kind = 'tenant' AND visible AND has_website"
            ).fetchone()
            if not count:
                return None
            row = self._conn.execute(
                f"SELECT d.key FROM directory d WHERE d.kind = 'tenant' AND d.visible AND d.has_website"
                f" ORDER BY {_NAME_ORDER} LIMIT 1 OFFSET ?",
                (index % count,),
            ).fetchone()
            return self.tenant(row[0]) if row else None

    def partners(self) -> list[Partner]:
        parsed = (
            guard.parse("partner", key, data, Partner.from_record)
            for key, data in self._records("partner")
            if _visible(data)
        )
        found = [partner for partner in parsed if partner is not None]
        return sorted(found, key=lambda partner: sort_key(partner.name))

    def search(
        self,
        text: str = "",
        *,
        category: str | None = None,
        floor: int | None = None,
        limit: int = SEARCH_LIMIT,
    ) -> SearchResult:
        """Tenants and partners matching what was typed (prefix, diacritics-insensitive) and the filters.

        With words: best match first (a hit in the name counts ten times one in the description).
        Without: everything, in Swedish alphabetical order.
        """
        cache_key = (text.strip().casefold(), category, floor, limit)
        # One read transaction: the directory version, the count and the rows all see the same commit.
        with self._snapshot():
            self._check_cache()
            cached = self._search_cache.get(cache_key)
            if cached is None:
                cached = self._search(text, category=category, floor=floor, limit=limit)
                if len(self._search_cache) >= _SEARCH_CACHE_SIZE:
                    self._search_cache.pop(next(iter(self._search_cache)))
                self._search_cache[cache_key] = cached
        return cached

    def _search(self, text: str, *, category: str | None, floor: int | None, limit: int) -> SearchResult:
        """Count every match, but rank, order, limit and parse only the page, in SQL.

        With 10,000 tenants a one-letter prefix matches thousands: counting, ranking (bm25) and
        ordering (the precomputed Swedish sort key in `directory`, indexed) stay in C, and only the
        `limit` rows shown are read as JSON and parsed.
        """
        conditions = ["d.visible"]
        filters: list[Any] = []
        if category:
            conditions.append("d.category = ?")
            filters.append(category)
        if floor is not None:
            conditions.append("d.floor = ?")
            filters.append(floor)
        where = " AND ".join(conditions)
        match = fts_query(text)
        execute = self._conn.execute
        if not match:
            (total,) = execute(f"SELECT count(*) FROM directory d WHERE {where}", filters).fetchone()
            page = execute(
                f"SELECT d.kind, d.key FROM directory d WHERE {where} ORDER BY {_NAME_ORDER} LIMIT ?",
                [*filters, limit],
            ).fetchall()
            return self._page(page, int(total))
        if filters:
            (total,) = execute(
                "SELECT count(*) FROM search JOIN directory d ON d.search_id = search.rowid"
                f" WHERE search MATCH ? AND {where}",
                [match, *filters],
            ).fetchone()
        else:
            # Only visible listings are indexed, so the index alone counts them (a join to the
            # directory would cost a lookup per match: most of a keystroke for one letter).
            (total,) = execute("SELECT count(*) FROM search WHERE search MATCH ?", (match,)).fetchone()
        if total <= BROAD_MATCHES:
            page = execute(
                "SELECT d.kind, d.key FROM search JOIN directory d ON d.search_id = search.rowid"
                f" WHERE search MATCH ? AND {where} ORDER BY bm25(search, 0, 0, 10, 1), {_NAME_ORDER}"
                " LIMIT ?",
                [match, *filters, limit],
            ).fetchall()
            return self._page(page, int(total))
        # A prefix like "t" matches most of the directory: relevance says little there and bm25 over
        # thousands of rows is most of a keystroke's budget. Name hits first, then the rest, each in
        # Swedish alphabetical order, is what a visitor expects from one letter, and cheap: the
        # directory is walked in name order (the covering index; the unary + keeps SQLite from
        # looking rows up by search id instead) until the page is full.
        names = f"{{name}} : ({match})"
        in_order = f"SELECT d.kind, d.key FROM directory d WHERE {where} AND +d.search_id IN {_MATCHING}"
        page = execute(f"{in_order} ORDER BY {_NAME_ORDER} LIMIT ?", [*filters, names, limit]).fetchall()
        if len(page) < limit:
            page += execute(
                f"{in_order} AND +d.search_id NOT IN {_MATCHING} ORDER BY {_NAME_ORDER} LIMIT ?",
                [*filters, match, names, limit - len(page)],
            ).fetchall()
        return self._page(page, int(total))

    def _page(self, keys: list[tuple[str, str]], total: int) -> SearchResult:
        """The listings of one page of (kind, key), in order; a record that does not parse is left out.

        One statement for the page: a lookup per row costs more than the search on a Pi.
        """
        listings: list[Listing] = []
        if not keys:
            return SearchResult((), total)
        values = ", ".join("(?, ?, ?)" for _ in keys)
        rows = self._conn.execute(
            f"WITH page (n, kind, key) AS (VALUES {values}) SELECT r.kind, r.key, r.data FROM page"
            " JOIN records r ON r.kind = page.kind AND r.key = page.key WHERE r.deleted = 0 ORDER BY page.n",
            [part for n, (kind, key) in enumerate(keys) for part in (n, kind, key)],
        )
        for kind, key, data in rows:
            parsed = _loads(data)
            if parsed is not None:
                cls = Partner if kind == "partner" else Tenant
                listing = guard.parse(kind, key, parsed, cls.from_record)
                if listing is not None:
                    listings.append(listing)
        return SearchResult(tuple(listings), total)

    @contextmanager
    def _snapshot(self) -> Iterator[None]:
        """A read transaction on the replica: every statement inside sees the same commit."""
        self._conn.execute("BEGIN")
        try:
            yield
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    def _check_cache(self) -> None:
        """Forget cached results when a listing changed since they were computed.

        `PRAGMA data_version` says whether anybody committed at all; most commits touch events,
        bookings or the sync state, and the writer's directory counter says whether any of them
        wrote a listing. Both are single reads, so a keystroke after a content update costs no scan.
        """
        (data_version,) = self._conn.execute("PRAGMA data_version").fetchone()
        if data_version == self._data_version:
            return
        self._data_version = data_version
        row = self._conn.execute(directory.VERSION).fetchone()
        version = int(row[0]) if row else -1
        if version != self._directory_version:
            self._search_cache.clear()
            self._directory_version = version

    def categories(self) -> list[str]:
        with self._snapshot():  # the rows are read inside the transaction they were selected in
            rows = self._conn.execute("SELECT DISTINCT category FROM directory WHERE visible")
            found = [value for (value,) in rows if isinstance(value, str) and value]
        return sorted(found, key=sort_key)

    def floors(self) -> list[int]:
        with self._snapshot():
            rows = self._conn.execute("SELECT DISTINCT floor FROM directory WHERE visible")
            found = [value for (value,) in rows if isinstance(value, int)]
        return sorted(found)

    def logo(self, owner_kind: str, slug: str) -> bytes | None:
        """The logo's image bytes, or None when there is none or it is not valid base64."""
        data = self._record("logo", f"{owner_kind}:{slug}")
        encoded = data.get("data") if data else None
        if not isinstance(encoded, str):
            return None
        try:
            return base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            return None

    # Events -----------------------------------------------------------------------------------

    def event(self, event_id: int) -> Event | None:
        data = self._record("event", str(event_id))
        return guard.parse("event", str(event_id), data, Event.from_record) if data is not None else None

    def events_between(self, start: datetime, end: datetime) -> list[Event]:
        """Events that are not over at `start` and begin before `end`, by start time.

        Times are compared as datetimes (the stored offsets differ between summer and winter time).
        """
        found = []
        for key, data in self._records_around("event", start, end):
            event = guard.parse("event", key, data, Event.from_record)
            if event is not None and event.start < end and (event.end > start or event.start >= start):
                found.append(event)
        return sorted(found, key=lambda event: (event.start, sort_key(event.title_sv)))

    def events_from(self, moment: datetime, days: int) -> list[Event]:
        """From the start of `moment`'s day (an event that started this morning is still today's)."""
        day_start = start_of_day(moment)
        return self.events_between(day_start, day_start + timedelta(days=days))

    # Rooms ------------------------------------------------------------------------------------

    def rooms(self, day: date) -> list[Room]:
        """Every room, each with its bookings overlapping `day` (Stockholm time), in order."""
        day_start = datetime.combine(day, time(0), STOCKHOLM)
        day_end = day_start + timedelta(days=1)
        bookings: dict[str, list[Booking]] = {}
        for key, data in self._records_around("booking", day_start, day_end):
            booking = guard.parse("booking", key, data, Booking.from_record)
            if booking is not None and booking.start < day_end and booking.end > day_start:
                bookings.setdefault(booking.room, []).append(booking)
        rooms = []
        for key, data in self._records("room"):
            room = guard.parse("room", key, data, Room.from_record)
            if room is None:
                continue
            ordered = tuple(sorted(bookings.get(room.slug, ()), key=lambda booking: booking.start))
            rooms.append(Room(**{**room.__dict__, "bookings": ordered}))
        return sorted(
            rooms, key=lambda room: (room.floor if room.floor is not None else 99, sort_key(room.name))
        )

    # Announcements ----------------------------------------------------------------------------

    def announcements(self, moment: datetime, kiosk_id: str, group: str) -> list[Announcement]:
        """The announcements this kiosk shows at `moment`: inside their window and aimed at it.

        Most urgent first, then newest first. A retracted announcement is a deleted record, so it is gone.
        """
        found = []
        for key, data in self._records("announcement"):
            announcement = guard.parse("announcement", key, data, Announcement.from_record)
            if announcement and announcement.active_at(moment) and announcement.targets(kiosk_id, group):
                found.append(announcement)
        rank = {"emergency": 0, "warning": 1, "info": 2}
        return sorted(found, key=lambda item: (rank[item.priority], -item.id))

    def next_announcement_change(self, moment: datetime, kiosk_id: str, group: str) -> datetime | None:
        """When this kiosk's set of active announcements next changes by the clock alone (a window
        opens or closes), or None. Lets the screen re-check at that moment instead of polling."""
        edges = []
        for key, data in self._records("announcement"):
            announcement = guard.parse("announcement", key, data, Announcement.from_record)
            if announcement is None or not announcement.targets(kiosk_id, group):
                continue
            edges += [
                edge
                for edge in (announcement.start, announcement.until)
                if edge is not None and edge > moment
            ]
        return min(edges, default=None)


def start_of_day(moment: datetime) -> datetime:
    local = moment.astimezone(STOCKHOLM)
    return datetime.combine(local.date(), time(0), STOCKHOLM)


def _visible(data: dict[str, Any]) -> bool:
    return data.get("visible") is not False


def _loads(text: str) -> dict[str, Any] | None:
    try:
        value = json.loads(text)
    except (TypeError, ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


__all__ = [
    "SEARCH_LIMIT",
    "Announcement",
    "Booking",
    "Event",
    "Listing",
    "Partner",
    "Priority",
    "Queries",
    "Room",
    "SearchResult",
    "Tenant",
    "fts_query",
    "sort_key",
    "start_of_day",
]
