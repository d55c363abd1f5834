"""What a poster says: one `Poster` per tenant, event or room, built from the admin database.

A poster carries exactly one URL, the one its QR code encodes and its text repeats; it is always an
http(s) URL with a host (`admin.content.validate.url`), because a visitor's phone opens whatever the
code says. A record without such a URL gets no poster: `Invalid` with the command that would fix it.

Languages: "sv", "en" or "both" (Swedish first, then English, as on the kiosk). An English text that
was never written falls back to the Swedish one, so an English poster is never blank.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

import sqlite_utils
from babel.dates import format_date

from admin.content import events, listings, rooms, validate
from admin.content.validate import Invalid
from broker.times import STOCKHOLM, parse_iso, to_iso

Language = Literal["sv", "en", "both"]
LANGUAGES: tuple[Language, ...] = ("sv", "en", "both")

#: Printed at the foot of every poster.
PARK_NAME = "Innovatum Science Park · Trollhättan"


@dataclass(frozen=True)
class Poster:
    kind: str  # "tenant", "event" or "room"
    key: str  # the slug or id: the file name under --all
    title: str
    subtitles: tuple[str, ...]  # short lines under the title (where, when)
    paragraphs: tuple[str, ...]  # the description(s)
    url: str  # what the QR code encodes, printed under it
    caption: str  # above the code: what scanning it gives
    logo: bytes | None = None  # PNG, as stored by admin.content.logos
    list_heading: str = ""  # a room's bookings
    list_items: tuple[str, ...] = ()


def _say(language: Language, sv: str, en: str) -> str:
    """One short text in the poster's language(s)."""
    if language == "sv":
        return sv
    if language == "en":
        return en
    return sv if sv == en else f"{sv} / {en}"


def _texts(language: Language, sv: str, en: str) -> tuple[str, ...]:
    """Paragraphs in the poster's language(s); an empty English text falls back to the Swedish."""
    sv, en = sv.strip(), en.strip()
    if language == "sv":
        chosen = [sv]
    elif language == "en":
        chosen = [en or sv]
    else:
        chosen = [sv, en] if en != sv else [sv]
    return tuple(text for text in chosen if text)


def _checked_url(value: str, what: str, fix: str) -> str:
    if not value:
        raise Invalid(f"{what} has no web address for the QR code ({fix})")
    return validate.url(value, f"{what}'s address")


def tenant(db: sqlite_utils.Database, slug: str, language: Language) -> Poster:
    row = listings.require(db, listings.TENANT, slug)
    return _tenant(row, language)


def _tenant(row: dict[str, Any], language: Language) -> Poster:
    slug = row["slug"]
    url = _checked_url(
        row.get("website") or "", f"tenant {slug!r}", f"innovatum-admin tenant edit {slug} --website URL"
    )
    where_sv, where_en = [], []
    if row.get("floor") is not None:
        where_sv.append(f"Plan {row['floor']}")
        where_en.append(f"Floor {row['floor']}")
    if row.get("room"):
        where_sv.append(f"Rum {row['room']}")
        where_en.append(f"Room {row['room']}")
    where = _say(language, " · ".join(where_sv), " · ".join(where_en))
    return Poster(
        kind="tenant",
        key=slug,
        title=row["name"],
        subtitles=(where,) if where else (),
        paragraphs=_texts(language, row.get("description_sv") or "", row.get("description_en") or ""),
        url=url,
        caption=_say(language, "Skanna för webbplatsen", "Scan for the website"),
        logo=row.get("logo"),
    )


def all_tenants(db: sqlite_utils.Database, language: Language) -> tuple[list[Poster], list[str]]:
    """Posters for every tenant the screens show, and why the others got none."""
    made, skipped = [], []
    for row in listings.list_all(db, listings.TENANT):
        if not row.get("visible", 1):
            skipped.append(f"tenant {row['slug']!r} is hidden from the screens")
            continue
        try:
            made.append(_tenant(row, language))
        except Invalid as exc:
            skipped.append(str(exc))
    return made, skipped


def _day(value: datetime, language: str) -> str:
    return format_date(value, "EEEE d MMMM y", locale="sv_SE" if language == "sv" else "en_GB")


def _event_when(row: dict[str, Any], language: Language) -> str:
    start = parse_iso(row["start"]).astimezone(STOCKHOLM)
    end = parse_iso(row["end"]).astimezone(STOCKHOLM)
    languages = ("sv", "en") if language == "both" else (language,)
    parts = []
    for lang in languages:
        day = _day(start, lang)
        if row.get("all_day"):
            parts.append(day)
        elif end.date() == start.date():
            parts.append(f"{day}, {start:%H:%M}–{end:%H:%M}")
        else:
            parts.append(f"{day} {start:%H:%M} – {_day(end, lang)} {end:%H:%M}")
    return " / ".join(parts)


def event(db: sqlite_utils.Database, event_id: int, language: Language) -> Poster:
    return _event(events.require(db, event_id), language)


def _event(row: dict[str, Any], language: Language) -> Poster:
    number = row["id"]
    if row.get("cancelled"):
        raise Invalid(f"event {number} is cancelled")
    url = _checked_url(
        row.get("registration_url") or "",
        f"event {number}",
        f"innovatum-admin event edit {number} --registration-url URL",
    )
    title_sv, title_en = row["title_sv"], row.get("title_en") or row["title_sv"]
    subtitles = [_event_when(row, language)]
    if language == "both" and title_en != title_sv:
        subtitles.insert(0, title_en)
    if row.get("place"):
        subtitles.append(row["place"])
    if row.get("audience"):
        subtitles.append(row["audience"])
    return Poster(
        kind="event",
        key=str(number),
        title=title_en if language == "en" else title_sv,
        subtitles=tuple(subtitles),
        paragraphs=_texts(language, row.get("description_sv") or "", row.get("description_en") or ""),
        url=url,
        caption=_say(language, "Skanna för att anmäla dig", "Scan to register"),
    )


def upcoming_events(
    db: sqlite_utils.Database, language: Language, now: datetime
) -> tuple[list[Poster], list[str]]:
    """Posters for every event that has not ended and is not cancelled, and why the others got none."""
    made, skipped = [], []
    for row in events.list_all(db):
        if parse_iso(row["end"]) <= now or row.get("cancelled"):
            continue
        try:
            made.append(_event(row, language))
        except Invalid as exc:
            skipped.append(str(exc))
    return made, skipped


def room(db: sqlite_utils.Database, slug: str, url: str, language: Language, now: datetime) -> Poster:
    """A door sign: the room, today's bookings as they stand at `now`, and a code for `url` (the room's
    calendar or booking page, which the database does not know). Private bookings show only "Booked"."""
    row = rooms.require_room(db, slug)
    checked = validate.url(url, "--url")
    if not checked:
        raise Invalid("--url is empty")
    today = now.astimezone(STOCKHOLM).replace(hour=0, minute=0, second=0, microsecond=0)
    tomorrow = (today + timedelta(days=1, hours=3)).replace(hour=0)  # the next midnight, across DST
    items = []
    for booking in _bookings_between(db, slug, to_iso(today), to_iso(tomorrow)):
        start = parse_iso(booking["start"]).astimezone(STOCKHOLM)
        end = parse_iso(booking["end"]).astimezone(STOCKHOLM)
        title = _say(language, "Bokad", "Booked") if booking.get("private") else booking.get("title") or ""
        items.append(f"{start:%H:%M}–{end:%H:%M}  {title}".rstrip())
    if not items:
        items.append(_say(language, "Inga bokningar i dag", "No bookings today"))
    floor = row.get("floor")
    where = [_say(language, f"Plan {floor}", f"Floor {floor}")] if floor is not None else []
    day = " / ".join(_day(today, lang) for lang in (("sv", "en") if language == "both" else (language,)))
    return Poster(
        kind="room",
        key=slug,
        title=row["name"],
        subtitles=tuple(where),
        paragraphs=_texts(language, row.get("description_sv") or "", row.get("description_en") or ""),
        url=checked,
        caption=_say(language, "Skanna för kalender och bokning", "Scan for calendar and booking"),
        list_heading=f"{_say(language, 'Bokningar i dag', 'Bookings today')} · {day}",
        list_items=tuple(items),
    )


def _bookings_between(db: sqlite_utils.Database, slug: str, start: str, end: str) -> Sequence[dict[str, Any]]:
    """The room's bookings overlapping [start, end), by instant (stored offsets may differ)."""
    begin, finish = parse_iso(start), parse_iso(end)
    return [
        row
        for row in rooms.list_bookings(db, slug)
        if parse_iso(row["start"]) < finish and parse_iso(row["end"]) > begin
    ]
