"""The records a kiosk shows, parsed leniently from the replica's JSON by the kinds in broker/records.py.

Records come from signed messages that passed `broker.schema.validate_record` (the required fields),
but a field may still hold a value of a type this version does not expect (a newer admin node, a
hand-edited replica): such a field takes its fallback (`lenient`) instead of taking the screen down,
and a record that cannot be shown at all (an event without a start) parses to None.

Each class says how it maps its wire kind: every wire field is a dataclass field of the same name,
or `RENAMED`, or `UNUSED` by the screens, and every other dataclass field is `LOCAL`
(tests/broker/test_records_model.py holds them together).
Never imports Textual (import-linter).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Literal

from broker.records import (
    ANNOUNCEMENT,
    BLANK_TEXT,
    BOOKING,
    CHOICE,
    EVENT,
    FLAG,
    INT,
    PARTNER,
    ROOM,
    TAGS,
    TENANT,
    TEXT,
    TIME,
    Field,
    RecordKind,
)
from broker.times import parse_iso
from kiosk.replica import guard

Priority = Literal["info", "warning", "emergency"]


def _pick(sv: str, en: str, language: str) -> str:
    """The text in the visitor's language, else the other one: a half-translated listing still shows."""
    first, second = (en, sv) if language == "en" else (sv, en)
    return first or second


def _time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return guard.sane_time(parse_iso(value))  # a time a screen cannot convert reads as none
    except ValueError:
        return None


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _true_unless_false(value: object) -> bool:
    return value is not False


def _only_true(value: object) -> bool:
    return value is True


def _tags(value: object) -> tuple[str, ...]:
    return tuple(tag for tag in value if isinstance(tag, str)) if isinstance(value, list) else ()


def _lenient(field: Field) -> Callable[[object], Any]:
    """The field's parser: its value if it has the field's type, else its fallback ("", None, the flag's
    default, no tags)."""
    if field.type in (TEXT, BLANK_TEXT):
        return _text
    if field.type == INT:
        return _int
    if field.type == FLAG:
        return _true_unless_false if field.default else _only_true
    if field.type == TIME:
        return _time
    if field.type == TAGS:
        return _tags
    if field.type == CHOICE:
        choices = field.choices
        return lambda value: value if value in choices else None
    raise AssertionError(f"no lenient parsing for field type {field.type!r}")  # a new type in broker/records


#: Per record class: (dataclass field, wire field, parser) for each used wire field. Worked out once:
#: the directory parses up to 50 listings a keystroke.
_PARSERS: dict[type, tuple[tuple[str, str, Callable[[object], Any]], ...]] = {}


class WireRecord:
    """How a record class maps its wire kind (see the module docstring)."""

    WIRE: ClassVar[RecordKind]
    #: Wire field -> dataclass field, where the names differ.
    RENAMED: ClassVar[dict[str, str]] = {}
    #: Wire fields the screens do not use.
    UNUSED: ClassVar[frozenset[str]] = frozenset()
    #: Dataclass fields that are not wire fields (the kiosk fills them in).
    LOCAL: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def lenient(cls, data: dict[str, Any]) -> dict[str, Any]:
        """Every used wire field, parsed leniently, under its dataclass field name."""
        parsers = _PARSERS.get(cls)
        if parsers is None:
            parsers = _PARSERS[cls] = tuple(
                (cls.RENAMED.get(field.name, field.name), field.name, _lenient(field))
                for field in cls.WIRE.fields
                if field.name not in cls.UNUSED
            )
        get = data.get
        return {name: parse(get(wire)) for name, wire, parse in parsers}


@dataclass(frozen=True, kw_only=True)
class Listing(WireRecord):
    """What tenants and partners share: the directory shows both, and opens both on the same page."""

    #: Which listing it is, "tenant" or "partner" (not a wire field: the record's kind).
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

    #: Hidden listings are filtered out before they are parsed (`Queries`).
    UNUSED: ClassVar[frozenset[str]] = frozenset({"visible"})
    LOCAL: ClassVar[frozenset[str]] = frozenset({"kind"})

    def description(self, language: str) -> str:
        return _pick(self.description_sv, self.description_en, language)

    @classmethod
    def _fields(cls, data: dict[str, Any], slug: str) -> dict[str, Any]:
        values = cls.lenient(data)
        values["slug"] = values["slug"] or slug
        values["name"] = values["name"] or slug
        return values


@dataclass(frozen=True, kw_only=True)
class Tenant(Listing):
    kind: str = "tenant"

    WIRE: ClassVar[RecordKind] = TENANT

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

    WIRE: ClassVar[RecordKind] = PARTNER
    RENAMED: ClassVar[dict[str, str]] = {"kind": "partner_kind"}

    def hours(self, language: str) -> str:
        return _pick(self.hours_sv, self.hours_en, language)

    @classmethod
    def from_record(cls, key: str, data: dict[str, Any]) -> Partner:
        return cls(**cls._fields(data, key))


@dataclass(frozen=True, kw_only=True)
class Event(WireRecord):
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

    WIRE: ClassVar[RecordKind] = EVENT
    UNUSED: ClassVar[frozenset[str]] = frozenset({"source"})

    def title(self, language: str) -> str:
        return _pick(self.title_sv, self.title_en, language)

    def description(self, language: str) -> str:
        return _pick(self.description_sv, self.description_en, language)

    @classmethod
    def from_record(cls, key: str, data: dict[str, Any]) -> Event | None:
        values = cls.lenient(data)
        start, end = values["start"], values["end"]
        if start is None:
            return None
        if values["id"] is None:
            try:
                values["id"] = int(key)
            except ValueError:
                return None
        values["end"] = end if end is not None and end > start else start
        return cls(**values)


@dataclass(frozen=True, kw_only=True)
class Booking(WireRecord):
    id: int
    room: str
    start: datetime
    end: datetime
    private: bool = False
    title: str = ""
    organiser: str = ""

    WIRE: ClassVar[RecordKind] = BOOKING
    UNUSED: ClassVar[frozenset[str]] = frozenset({"source"})

    def covers(self, moment: datetime) -> bool:
        return self.start <= moment < self.end

    @classmethod
    def from_record(cls, key: str, data: dict[str, Any]) -> Booking | None:
        values = cls.lenient(data)
        start, end = values["start"], values["end"]
        if start is None or end is None or end <= start or values["id"] is None:
            return None
        return cls(**values)


@dataclass(frozen=True, kw_only=True)
class Room(WireRecord):
    slug: str
    name: str
    floor: int | None = None
    capacity: int | None = None
    description_sv: str = ""
    description_en: str = ""
    #: Not a wire field: the room's bookings, joined by `Queries.rooms`.
    bookings: tuple[Booking, ...] = field(default=())

    WIRE: ClassVar[RecordKind] = ROOM
    LOCAL: ClassVar[frozenset[str]] = frozenset({"bookings"})

    def description(self, language: str) -> str:
        return _pick(self.description_sv, self.description_en, language)

    def current(self, moment: datetime) -> Booking | None:
        return next((booking for booking in self.bookings if booking.covers(moment)), None)

    def next(self, moment: datetime) -> Booking | None:
        return next((booking for booking in self.bookings if booking.start > moment), None)

    @classmethod
    def from_record(cls, key: str, data: dict[str, Any]) -> Room:
        values = cls.lenient(data)
        values["slug"] = values["slug"] or key
        values["name"] = values["name"] or key
        return cls(**values)


@dataclass(frozen=True, kw_only=True)
class Announcement(WireRecord):
    id: int
    text_sv: str
    text_en: str = ""
    priority: Priority = "info"
    start: datetime | None = None
    until: datetime | None = None
    target: str = "all"

    WIRE: ClassVar[RecordKind] = ANNOUNCEMENT

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
        values = cls.lenient(data)
        if values["id"] is None or values["priority"] is None:
            return None
        values["target"] = values["target"] or "all"
        return cls(**values)


#: The record class of each kind a screen shows (logos are read as bytes: `Queries.logo`).
RECORD_CLASSES: dict[str, type[WireRecord]] = {
    "tenant": Tenant,
    "partner": Partner,
    "event": Event,
    "room": Room,
    "booking": Booking,
    "announcement": Announcement,
}
