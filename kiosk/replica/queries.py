"""The screen's read API over the replica: typed records out of `records` and `search`.

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
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Literal

from broker.times import STOCKHOLM, parse_iso
from kiosk.replica.schema import connect

Priority = Literal["info", "warning", "emergency"]
_PRIORITIES: tuple[Priority, ...] = ("info", "warning", "emergency")

#: The directory never lists more rows than a visitor would scroll through; the count says how many matched.
SEARCH_LIMIT = 50
#: Above this many matches a search is ordered name hits first, alphabetically, instead of by bm25.
BROAD_MATCHES = 1000
#: Recent searches kept per replica version (backspacing, reopening the directory, the empty list).
_SEARCH_CACHE_SIZE = 64


def _pick(sv: str, en: str, language: str) -> str:
    """The text in the visitor's language, else the other one: a half-translated listing still shows."""
    first, second = (en, sv) if language == "en" else (sv, en)
    return first or second


def _text(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    return value if isinstance(value, str) else ""


def _int(data: dict[str, Any], name: str) -> int | None:
    value = data.get(name)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _time(data: dict[str, Any], name: str) -> datetime | None:
    value = data.get(name)
    if not isinstance(value, str) or not value:
        return None
    try:
        return parse_iso(value).astimezone(STOCKHOLM)
    except ValueError:
        return None


_SWEDISH_ORDER = str.maketrans({"å": "{", "ä": "|", "æ": "|", "ö": "}", "ø": "}"})


def sort_key(name: str) -> str:
    """Swedish alphabetical order: Å, Ä, Ö after Z; other accents sort with their base letter."""
    if name.isascii():  # most names: nothing to translate or decompose (half the cost of a cold build)
        return name.lower()
    folded = name.casefold().translate(_SWEDISH_ORDER)
    decomposed = unicodedata.normalize("NFKD", folded)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@dataclass(frozen=True, kw_only=True)
class Listing:
    """What tenants and partners share: the directory shows both, and opens both on the same page."""

    kind: str
    slug: str
    name: str
    description_sv: str = ""
    description_en: str = ""
    category: str = ""
    tags: tuple[str, ...] = ()
    floor: int | None = None
    room: str = ""
    website: str = ""
    contact: str = ""
    hiring: bool = False
    hiring_url: str = ""
    has_logo: bool = False
    demo: bool = False

    def description(self, language: str) -> str:
        return _pick(self.description_sv, self.description_en, language)

    @classmethod
    def _fields(cls, data: dict[str, Any], slug: str) -> dict[str, Any]:
        tags = data.get("tags")
        return {
            "slug": _text(data, "slug") or slug,
            "name": _text(data, "name") or slug,
            "description_sv": _text(data, "description_sv"),
            "description_en": _text(data, "description_en"),
            "category": _text(data, "category"),
            "tags": tuple(tag for tag in tags if isinstance(tag, str)) if isinstance(tags, list) else (),
            "floor": _int(data, "floor"),
            "room": _text(data, "room"),
            "website": _text(data, "website"),
            "contact": _text(data, "contact"),
            "hiring": data.get("hiring") is True,
            "hiring_url": _text(data, "hiring_url"),
            "has_logo": data.get("has_logo") is True,
            "demo": data.get("demo") is True,
        }


@dataclass(frozen=True, kw_only=True)
class Tenant(Listing):
    kind: str = "tenant"

    @classmethod
    def from_record(cls, key: str, data: dict[str, Any]) -> Tenant:
        return cls(**cls._fields(data, key))


@dataclass(frozen=True, kw_only=True)
class Partner(Listing):
    kind: str = "partner"
    partner_kind: str = ""
    address: str = ""
    hours_sv: str = ""
    hours_en: str = ""

    def hours(self, language: str) -> str:
        return _pick(self.hours_sv, self.hours_en, language)

    @classmethod
    def from_record(cls, key: str, data: dict[str, Any]) -> Partner:
        return cls(
            **cls._fields(data, key),
            partner_kind=_text(data, "kind"),
            address=_text(data, "address"),
            hours_sv=_text(data, "hours_sv"),
            hours_en=_text(data, "hours_en"),
        )


@dataclass(frozen=True, kw_only=True)
class Event:
    id: int
    title_sv: str
    title_en: str = ""
    description_sv: str = ""
    description_en: str = ""
    start: datetime
    end: datetime
    all_day: bool = False
    place: str = ""
    audience: str = ""
    registration_url: str = ""
    capacity: int | None = None
    full: bool = False
    cancelled: bool = False

    def title(self, language: str) -> str:
        return _pick(self.title_sv, self.title_en, language)

    def description(self, language: str) -> str:
        return _pick(self.description_sv, self.description_en, language)

    @classmethod
    def from_record(cls, key: str, data: dict[str, Any]) -> Event | None:
        start, end = _time(data, "start"), _time(data, "end")
        if start is None:
            return None
        event_id = _int(data, "id")
        if event_id is None:
            try:
                event_id = int(key)
            except ValueError:
                return None
        return cls(
            id=event_id,
            title_sv=_text(data, "title_sv"),
            title_en=_text(data, "title_en"),
            description_sv=_text(data, "description_sv"),
            description_en=_text(data, "description_en"),
            start=start,
            end=end if end is not None and end > start else start,
            all_day=data.get("all_day") is True,
            place=_text(data, "place"),
            audience=_text(data, "audience"),
            registration_url=_text(data, "registration_url"),
            capacity=_int(data, "capacity"),
            full=data.get("full") is True,
            cancelled=data.get("cancelled") is True,
        )


@dataclass(frozen=True, kw_only=True)
class Booking:
    id: int
    room: str
    start: datetime
    end: datetime
    private: bool = False
    title: str = ""
    organiser: str = ""

    def covers(self, moment: datetime) -> bool:
        return self.start <= moment < self.end

    @classmethod
    def from_record(cls, key: str, data: dict[str, Any]) -> Booking | None:
        start, end = _time(data, "start"), _time(data, "end")
        booking_id = _int(data, "id")
        if start is None or end is None or end <= start or booking_id is None:
            return None
        return cls(
            id=booking_id,
            room=_text(data, "room"),
            start=start,
            end=end,
            private=data.get("private") is not False,
            title=_text(data, "title"),
            organiser=_text(data, "organiser"),
        )


@dataclass(frozen=True, kw_only=True)
class Room:
    slug: str
    name: str
    floor: int | None = None
    capacity: int | None = None
    description_sv: str = ""
    description_en: str = ""
    bookings: tuple[Booking, ...] = field(default=())

    def description(self, language: str) -> str:
        return _pick(self.description_sv, self.description_en, language)

    def current(self, moment: datetime) -> Booking | None:
        return next((booking for booking in self.bookings if booking.covers(moment)), None)

    def next(self, moment: datetime) -> Booking | None:
        return next((booking for booking in self.bookings if booking.start > moment), None)

    @classmethod
    def from_record(cls, key: str, data: dict[str, Any]) -> Room:
        return cls(
            slug=_text(data, "slug") or key,
            name=_text(data, "name") or key,
            floor=_int(data, "floor"),
            capacity=_int(data, "capacity"),
            description_sv=_text(data, "description_sv"),
            description_en=_text(data, "description_en"),
        )


@dataclass(frozen=True, kw_only=True)
class Announcement:
    id: int
    text_sv: str
    text_en: str = ""
    priority: Priority = "info"
    start: datetime | None = None
    until: datetime | None = None
    target: str = "all"

    def text(self, language: str) -> str:
        return _pick(self.text_sv, self.text_en, language)

    def active_at(self, moment: datetime) -> bool:
        return (self.start is None or self.start <= moment) and (self.until is None or moment < self.until)

    def targets(self, kiosk_id: str, group: str) -> bool:
        """`all`, `group:<name>` or `kiosk:<id>`; an unknown form targets nobody rather than everybody."""
        if self.target == "all":
            return True
        scope, _, name = self.target.partition(":")
        if scope == "group":
            return bool(group) and name == group
        if scope == "kiosk":
            return name == kiosk_id
        return False

    @classmethod
    def from_record(cls, key: str, data: dict[str, Any]) -> Announcement | None:
        announcement_id = _int(data, "id")
        priority = data.get("priority")
        if announcement_id is None or priority not in _PRIORITIES:
            return None
        return cls(
            id=announcement_id,
            text_sv=_text(data, "text_sv"),
            text_en=_text(data, "text_en"),
            priority=priority,
            start=_time(data, "start"),
            until=_time(data, "until"),
            target=_text(data, "target") or "all",
        )


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


def _listing_sort_key(name: object, key: str) -> str:
    """The Swedish sort key of the name a `Listing` shows (its name, else its key), for SQL."""
    return sort_key(name if isinstance(name, str) and name else key)


#: The directory's read-side table (TEMP: private to the connection, see `Queries._refresh_directory`).
#: `category` and `floor` keep their JSON values as they are (no column affinity), so the filters
#: compare exactly as `json_extract(data, ...) = ?` would.
_DIRECTORY = "kiosk_directory"
_DIRECTORY_SCHEMA = (
    f"""CREATE TEMP TABLE IF NOT EXISTS {_DIRECTORY} (
        kind TEXT NOT NULL, key TEXT NOT NULL, rev INTEGER NOT NULL,
        search_id INTEGER,        -- the listing's rowid in `search` (search_ids.id)
        visible INTEGER NOT NULL,
        name TEXT NOT NULL, name_key TEXT NOT NULL,
        category, floor,
        PRIMARY KEY (kind, key)
    )""",
    f"CREATE INDEX IF NOT EXISTS temp.{_DIRECTORY}_order ON {_DIRECTORY} (name_key, name, kind, key)",
    f"CREATE INDEX IF NOT EXISTS temp.{_DIRECTORY}_search ON {_DIRECTORY} (search_id)",
)
#: Every row whose record is gone, deleted, at another revision or indexed under another search id.
_DIRECTORY_DROP_STALE = f"""DELETE FROM temp.{_DIRECTORY} AS d WHERE NOT EXISTS (
    SELECT 1 FROM main.records r LEFT JOIN main.search_ids s ON s.kind = r.kind AND s.key = r.key
    WHERE r.kind = d.kind AND r.key = d.key AND r.deleted = 0 AND r.rev = d.rev AND s.id IS d.search_id
)"""
#: The rows of records written after revision :after (edits, tombstones and new listings alike).
_DIRECTORY_DROP_NEWER = f"""DELETE FROM temp.{_DIRECTORY} WHERE (kind, key) IN (
    SELECT kind, key FROM main.records WHERE kind IN ('tenant', 'partner') AND rev > :after
)"""
#: Every live listing after revision :after that is not in the table; JSON that does not parse is left out.
_DIRECTORY_ADD_MISSING = f"""INSERT INTO temp.{_DIRECTORY}
    (kind, key, rev, search_id, visible, name, name_key, category, floor)
SELECT kind, key, rev, search_id, visible, name, kiosk_listing_sort_key(name, key), category, floor
FROM (
    SELECT r.kind, r.key, r.rev, s.id AS search_id,
        coalesce(json_extract(r.data, '$.visible'), 1) != 0 AS visible,
        coalesce(json_extract(r.data, '$.name'), '') AS name,
        json_extract(r.data, '$.category') AS category, json_extract(r.data, '$.floor') AS floor
    FROM main.records r LEFT JOIN main.search_ids s ON s.kind = r.kind AND s.key = r.key
    WHERE r.kind IN ('tenant', 'partner') AND r.deleted = 0 AND r.rev > :after
    AND NOT EXISTS (SELECT 1 FROM temp.{_DIRECTORY} d WHERE d.kind = r.kind AND d.key = r.key)
    AND json_valid(r.data)
)"""
#: What the table must agree with after a refresh from the newer revisions only (else: a full one).
_LIVE_LISTINGS = (
    "SELECT count(*), sum(rev) FROM main.records WHERE kind IN ('tenant', 'partner') AND deleted = 0"
)
_DIRECTORY_ROWS = f"SELECT count(*), sum(rev) FROM temp.{_DIRECTORY}"

#: Changes whenever a listing is written: the replica writes a record only together with a new
#: revision (normally a newer one) and keeps tombstones, so a write moves the count, the sum or the
#: newest revision. Only several writes whose revision changes cancel out exactly would go unseen.
_LISTINGS_FINGERPRINT = (
    "SELECT count(*), sum(rev), max(rev), sum(deleted) FROM main.records WHERE kind IN ('tenant', 'partner')"
)
_SEARCH_IDS_FINGERPRINT = "SELECT count(*), max(id) FROM main.search_ids"


class Queries:
    """Read-only access to one replica file. One connection, reused: WAL gives each query a snapshot."""

    def __init__(self, path: Path) -> None:
        self.path = path
        if not path.exists():
            # A kiosk that has not bootstrapped yet: create the empty schema so the screen can start.
            connect(path).close()
        self._conn = connect(path, readonly=True)
        self._conn.create_function("kiosk_listing_sort_key", 2, _listing_sort_key, deterministic=True)
        self._search_cache: dict[tuple[str, str | None, int | None, int], SearchResult] = {}
        #: `PRAGMA data_version` when the search cache and the directory table were last brought up to date.
        self._cache_version = -1
        self._directory_fingerprint: tuple[object, ...] = ()

    def close(self) -> None:
        self._conn.close()

    def readable(self) -> bool:
        """Whether the replica answers at all (raises nothing): checked before a screen is rebuilt."""
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

    # Directory --------------------------------------------------------------------------------

    def listing(self, kind: str, slug: str) -> Listing | None:
        data = self._record(kind, slug)
        if data is None or data.get("visible") is False:
            return None
        if kind == "partner":
            return Partner.from_record(slug, data)
        return Tenant.from_record(slug, data) if kind == "tenant" else None

    def tenant(self, slug: str) -> Tenant | None:
        found = self.listing("tenant", slug)
        return found if isinstance(found, Tenant) else None

    def tenants(self) -> list[Tenant]:
        found = [Tenant.from_record(key, data) for key, data in self._records("tenant") if _visible(data)]
        return sorted(found, key=lambda tenant: sort_key(tenant.name))

    def partners(self) -> list[Partner]:
        found = [Partner.from_record(key, data) for key, data in self._records("partner") if _visible(data)]
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
        # One read transaction: the directory table, the count and the rows all see the same commit.
        with self._snapshot():
            self._refresh_directory()
            cached = self._search_cache.get(cache_key)
            if cached is None:
                cached = self._search(text, category=category, floor=floor, limit=limit)
                if len(self._search_cache) >= _SEARCH_CACHE_SIZE:
                    self._search_cache.pop(next(iter(self._search_cache)))
                self._search_cache[cache_key] = cached
        return cached

    def _search(self, text: str, *, category: str | None, floor: int | None, limit: int) -> SearchResult:
        """Count every match, but rank, order, limit and parse only the page in SQL.

        With 10,000 tenants a one-letter prefix matches thousands: ranking them (bm25) and ordering the
        empty query (the precomputed Swedish sort key, indexed) stay in C, and only the `limit` rows
        shown are joined to their JSON and parsed.
        """
        conditions = ["d.visible"]
        params: list[Any] = []
        if category:
            conditions.append("d.category = ?")
            params.append(category)
        if floor is not None:
            conditions.append("d.floor = ?")
            params.append(floor)
        match = fts_query(text)
        where = " AND ".join(conditions)
        score_params: list[Any] = []
        if match:
            source = (
                f"FROM search JOIN temp.{_DIRECTORY} d ON d.search_id = search.rowid"
                f" WHERE search MATCH ? AND {where}"
            )
            params = [match, *params]
            score = "bm25(search, 0, 0, 10, 1)"
        else:
            source = f"FROM temp.{_DIRECTORY} d WHERE {where}"
            score = "0"
        (total,) = self._conn.execute(f"SELECT count(*) {source}", params).fetchone()
        if match and total > BROAD_MATCHES:
            # A prefix like "t" matches most of the directory: relevance says little there and bm25
            # over thousands of rows is most of a keystroke's budget. Name hits first, each group in
            # Swedish alphabetical order, is both cheaper (an indexed set test) and what a visitor
            # expects from one letter.
            score = (
                "CASE WHEN search.rowid IN (SELECT rowid FROM search WHERE search MATCH ?) THEN 0 ELSE 1 END"
            )
            score_params = [f"{{name}} : ({match})"]
        rows = self._conn.execute(
            f"SELECT r.kind, r.key, r.data FROM (SELECT d.kind, d.key, d.name_key, d.name, {score} AS score"
            f" {source} ORDER BY score, d.name_key, d.name, d.kind, d.key LIMIT ?) AS page"
            " JOIN main.records r ON r.kind = page.kind AND r.key = page.key"
            " ORDER BY page.score, page.name_key, page.name, page.kind, page.key",
            [*score_params, *params, limit],
        )
        listings: list[Listing] = []
        for kind, key, data in rows:
            parsed = _loads(data)
            if parsed is not None:
                cls = Partner if kind == "partner" else Tenant
                listings.append(cls.from_record(key, parsed))
        return SearchResult(tuple(listings), int(total))

    @contextmanager
    def _snapshot(self) -> Iterator[None]:
        """A read transaction on the replica (writes go only to this connection's TEMP tables)."""
        self._conn.execute("BEGIN")
        try:
            yield
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    def _refresh_directory(self) -> None:
        """Bring the read side's directory table (and the result cache) up to the replica's last commit.

        The table holds, per listing, what the directory filters and sorts on, parsed out of the
        JSON once (the Swedish sort key included); it lives in this connection's TEMP schema because
        only the sync client writes the replica. `PRAGMA data_version` says whether anybody committed;
        most commits touch events, bookings or the sync state, not listings, and a fingerprint of the
        listings' revisions (a few ms) says whether any listing changed. If some did, only the records
        written after the newest revision seen are parsed again; should the table then disagree with
        the replica (a snapshot replaced records with older revisions, a record is not JSON), every
        row is compared instead.
        """
        (version,) = self._conn.execute("PRAGMA data_version").fetchone()
        if version == self._cache_version:
            return
        fingerprint = (
            *self._conn.execute(_LISTINGS_FINGERPRINT).fetchone(),
            *self._conn.execute(_SEARCH_IDS_FINGERPRINT).fetchone(),
        )
        if fingerprint != self._directory_fingerprint:
            self._search_cache.clear()
            for statement in _DIRECTORY_SCHEMA:
                self._conn.execute(statement)
            newest_seen = self._directory_fingerprint[2] if self._directory_fingerprint else None
            if isinstance(newest_seen, int):
                self._conn.execute(_DIRECTORY_DROP_NEWER, {"after": newest_seen})
                self._conn.execute(_DIRECTORY_ADD_MISSING, {"after": newest_seen})
            live = self._conn.execute(_LIVE_LISTINGS).fetchone()
            if newest_seen is None or self._conn.execute(_DIRECTORY_ROWS).fetchone() != live:
                self._conn.execute(_DIRECTORY_DROP_STALE)
                self._conn.execute(_DIRECTORY_ADD_MISSING, {"after": -1})
            self._directory_fingerprint = fingerprint
        self._cache_version = version

    def categories(self) -> list[str]:
        with self._snapshot():
            self._refresh_directory()
            rows = self._conn.execute(f"SELECT DISTINCT category FROM temp.{_DIRECTORY} WHERE visible")
            found = [value for (value,) in rows if isinstance(value, str) and value]
        return sorted(found, key=sort_key)

    def floors(self) -> list[int]:
        with self._snapshot():
            self._refresh_directory()
            rows = self._conn.execute(f"SELECT DISTINCT floor FROM temp.{_DIRECTORY} WHERE visible")
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
        return Event.from_record(str(event_id), data) if data is not None else None

    def events_between(self, start: datetime, end: datetime) -> list[Event]:
        """Events that are not over at `start` and begin before `end`, by start time.

        Times are compared as datetimes (the stored offsets differ between summer and winter time).
        """
        found = []
        for key, data in self._records_around("event", start, end):
            event = Event.from_record(key, data)
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
            booking = Booking.from_record(key, data)
            if booking is not None and booking.start < day_end and booking.end > day_start:
                bookings.setdefault(booking.room, []).append(booking)
        rooms = []
        for key, data in self._records("room"):
            room = Room.from_record(key, data)
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
            announcement = Announcement.from_record(key, data)
            if announcement and announcement.active_at(moment) and announcement.targets(kiosk_id, group):
                found.append(announcement)
        rank = {"emergency": 0, "warning": 1, "info": 2}
        return sorted(found, key=lambda item: (rank[item.priority], -item.id))

    def next_announcement_change(self, moment: datetime, kiosk_id: str, group: str) -> datetime | None:
        """When this kiosk's set of active announcements next changes by the clock alone (a window
        opens or closes), or None. Lets the screen re-check at that moment instead of polling."""
        edges = []
        for key, data in self._records("announcement"):
            announcement = Announcement.from_record(key, data)
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
    except (TypeError, ValueError):
        return None
    return value if isinstance(value, dict) else None


__all__ = [
    "SEARCH_LIMIT",
    "Announcement",
    "Booking",
    "Event",
    "Listing",
    "Partner",
    "Queries",
    "Room",
    "SearchResult",
    "Tenant",
    "fts_query",
    "sort_key",
    "start_of_day",
]
