"""From iCalendar text to the occurrences inside a time window, ready to store.

icalendar parses, recurring-ical-events expands RRULE/RDATE/EXDATE and applies overridden occurrences
(RECURRENCE-ID). Both resolve Outlook's Windows zone names ("W. Europe Standard Time") natively, and
recurring-ical-events applies Google's X-WR-TIMEZONE, so no zone table of our own is needed; scan.py
refuses a TZID neither knows. What this module adds is the identity of each occurrence, the window,
a cap on how much a feed may expand to, and plain text fit for a lobby screen.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import icalendar
import recurring_ical_events

from admin.calendars.errors import CalendarError
from admin.calendars.scan import ScannedEvent, scan
from admin.content import validate
from broker.times import STOCKHOLM

DEFAULT_DAYS = 60
#: A feed expanding to more than this in its window is refused: a calendar a screen can show has far
#: fewer, and an RRULE repeating every minute without end must fail clearly, not fill the database.
MAX_OCCURRENCES = 20_000

#: Properties whose broken value makes an event impossible to place in time.
_ESSENTIAL = ("DTSTART", "DTEND", "DURATION", "RRULE", "RDATE", "EXDATE", "RECURRENCE-ID")

#: Called as progress(done, total) during long work (series expanded, rows written).
Progress = Callable[[int, int], None]

_CONTROL_OR_SPACE = re.compile(r"[\x00-\x20\x7f-\x9f\u2028\u2029]+")


@dataclass(frozen=True)
class Window:
    """[start, end): occurrences overlapping it are imported; stored rows overlapping it are in scope."""

    start: datetime
    end: datetime

    @classmethod
    def ahead(cls, today: date, days: int = DEFAULT_DAYS) -> Window:
        start = datetime.combine(today, time(0), tzinfo=STOCKHOLM)
        return cls(start, datetime.combine(today + timedelta(days=days), time(0), tzinfo=STOCKHOLM))

    def overlaps(self, start: datetime, end: datetime) -> bool:
        # A zero-length event at the window's start still belongs to it (as in recurring-ical-events).
        return start < self.end and (end > self.start or start >= self.start)


@dataclass(frozen=True)
class Occurrence:
    """One occurrence in the feed, identified by (uid, recurrence_id).

    recurrence_id is "" for a single event and, for an occurrence of a recurring one, its original start
    in UTC, 2026-12-01T09:00:00Z (a date, 2026-12-01, in an all-day series). An overridden occurrence's
    RECURRENCE-ID is that same original start, so a moved occurrence keeps its identity and its stored
    row is updated in place.
    """

    uid: str
    recurrence_id: str
    start: datetime
    end: datetime
    all_day: bool
    summary: str
    description: str
    location: str
    url: str
    organiser: str
    private: bool
    cancelled: bool


@dataclass(frozen=True)
class Expanded:
    occurrences: list[Occurrence]
    duplicates: int  # the same (UID, RECURRENCE-ID) twice in the feed: the first one wins


def plain(value: Any, limit: int) -> str:
    """Feed text as one line: control characters and line breaks become spaces, cut to `limit`.

    A feed is not a person who can retype a field, so its text is cleaned rather than refused.
    """
    text = _CONTROL_OR_SPACE.sub(" ", str(value or "")).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _aware(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        # A floating time (no zone) is local time at the science park.
        return value if value.tzinfo is not None else value.replace(tzinfo=STOCKHOLM)
    return datetime.combine(value, time(0), tzinfo=STOCKHOLM)


def _recurrence_key(value: date | datetime) -> str:
    if not isinstance(value, datetime):
        return value.isoformat()
    return _aware(value).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _organiser(component: icalendar.Component) -> str:
    """The organiser's display name only: an e-mail address does not belong on a lobby screen."""
    organizer = component.get("ORGANIZER")
    if organizer is None:
        return ""
    return plain(getattr(organizer, "params", {}).get("CN", ""), validate.NAME_MAX)


def _check_properties(component: icalendar.Component, scanned: ScannedEvent) -> None:
    for name, message in getattr(component, "errors", []):
        if not name:  # a line icalendar could not even split; scan.py catches the ones we know
            raise CalendarError(f"{scanned.where()}: cannot parse this event: {message}")
        if name.upper() in _ESSENTIAL:
            raise CalendarError(
                f"{scanned.at(scanned.line_of(name.upper()))}: bad {name.upper()} value: {message}"
            )


def _check_order(component: icalendar.Component, scanned: ScannedEvent) -> None:
    """recurring-ical-events quietly swaps an end before the start; a feed saying so is broken."""
    start, end = component.get("DTSTART"), component.get("DTEND")
    if start is None or end is None:
        return
    try:
        backwards = _aware(end.dt) < _aware(start.dt)
    except (AttributeError, TypeError):
        return
    if backwards:
        raise CalendarError(
            f"{scanned.at(scanned.line_of('DTEND'))}: DTEND {end.to_ical().decode()} "
            f"is before DTSTART {start.to_ical().decode()}"
        )


def parse(text: str) -> tuple[icalendar.Calendar, dict[str, ScannedEvent]]:
    """Check and parse the whole feed; returns the calendar and each UID's first VEVENT in the text."""
    scanned = scan(text)  # the VEVENTs as they appear in the text, in the same order
    try:
        calendar = icalendar.Calendar.from_ical(text)
    except Exception as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise CalendarError(f"not valid iCalendar: {message[:200]}") from None
    events = [c for c in calendar.subcomponents if c.name == "VEVENT"]
    if len(events) != len(scanned):  # cannot happen after scan(); never misattribute a line
        raise CalendarError("not valid iCalendar: the events could not be read consistently")
    by_uid: dict[str, ScannedEvent] = {}
    for component, seen in zip(events, scanned, strict=True):
        _check_properties(component, seen)
        _check_order(component, seen)
        by_uid.setdefault(seen.uid, seen)
    return calendar, by_uid


def _sequence(component: icalendar.Component) -> int:
    try:
        return int(component.get("SEQUENCE", 0) or 0)
    except (TypeError, ValueError):
        return 0


def expand(
    text: str, window: Window, *, cap: int = MAX_OCCURRENCES, progress: Progress | None = None
) -> Expanded:
    """Every occurrence overlapping the window, or CalendarError naming the first problem."""
    try:
        return _expand(text, window, cap, progress)
    except CalendarError:
        raise
    except Exception as exc:
        # The checks above name every problem we know of; whatever else a broken feed can trip in
        # the libraries is still the feed's fault and still one line, not a traceback.
        raise CalendarError(f"cannot read the feed: {type(exc).__name__}: {str(exc)[:200]}") from None


def _expand(text: str, window: Window, cap: int, progress: Progress | None) -> Expanded:
    calendar, by_uid = parse(text)
    vevents = [c for c in calendar.subcomponents if c.name == "VEVENT"]
    # A series: a rule, extra dates or an overridden occurrence. (recurring-ical-events gives every
    # occurrence a RECURRENCE-ID, so the expanded component cannot tell us.)
    recurring = {str(c.get("UID")) for c in vevents if "RRULE" in c or "RDATE" in c or "RECURRENCE-ID" in c}
    # A single event's text is read from its own component rather than from the copy
    # recurring-ical-events' as_component makes per occurrence; of two with one UID, the higher
    # SEQUENCE wins, as it does in recurring-ical-events.
    singles: dict[str, icalendar.Component] = {}
    for component in sorted(vevents, key=_sequence, reverse=True):
        singles.setdefault(str(component.get("UID")), component)
    moves = _moves(vevents)
    try:
        query = recurring_ical_events.of(calendar)
    except Exception as exc:
        raise CalendarError(f"cannot expand the calendar: {exc}") from None

    found: dict[tuple[str, str], Occurrence] = {}
    details: dict[tuple[str, object], _Details] = {}
    duplicates = 0
    per_uid: Counter[str] = Counter()
    total = 0
    for uid, occurrence in _occurrences(query, window, by_uid, progress):
        per_uid[uid] += 1
        total += 1
        if total > cap:
            worst, count = per_uid.most_common(1)[0]
            raise CalendarError(
                f"the feed expands to more than {cap:,} occurrences in {_days(window)} days "
                f"({by_uid[worst].where()} alone has {count:,} so far): "
                "is a rule repeating too often?"
            )
        seen = by_uid[uid]
        if uid in recurring:
            # Occurrences of one series share the series' text; an overridden one has its own.
            key = (uid, occurrence.recurrence_ids)
            if key not in details:
                details[key] = _Details.of(
                    occurrence.as_component(False), bool(occurrence.recurrence_ids), seen
                )
            found_details = details[key]
            move = timedelta(0)
            if found_details.this_and_future and found_details.overridden is not None:
                move = moves.get((uid, _recurrence_key(found_details.overridden)), timedelta(0))
            stored = _convert(uid, (occurrence.start, occurrence.end), found_details, True, seen, move)
        else:
            key = (uid, None)
            if key not in details:
                details[key] = _Details.of(singles[uid], False, seen)
            stored = _convert(uid, (occurrence.start, occurrence.end), details[key], False, seen)
        if (stored.uid, stored.recurrence_id) in found:
            duplicates += 1
            continue
        found[(stored.uid, stored.recurrence_id)] = stored
    return Expanded(sorted(found.values(), key=lambda o: (o.start, o.uid, o.recurrence_id)), duplicates)


def _days(window: Window) -> int:
    return round((window.end - window.start) / timedelta(days=1))


def _occurrences(
    query: recurring_ical_events.CalendarQuery,
    window: Window,
    by_uid: dict[str, ScannedEvent],
    progress: Progress | None,
) -> Iterator[tuple[str, recurring_ical_events.Occurrence]]:
    """Lazily, series by series, so the cap stops a runaway rule before it is expanded in full."""
    total = len(query.series)
    for done, series in enumerate(query.series, start=1):
        if progress is not None and (done % 200 == 0 or done == total):
            progress(done, total)
        uid = str(series.uid)
        try:
            for occurrence in series.between(window.start, window.end):
                yield uid, occurrence
        except CalendarError:
            raise
        except Exception as exc:
            where = by_uid[uid].where() if uid in by_uid else f"UID {uid}"
            raise CalendarError(f"{where}: cannot expand this event: {exc}") from None


def _when(value: object, seen: ScannedEvent, what: str) -> date | datetime:
    if not isinstance(value, date):
        raise CalendarError(f"{seen.where()}: {what} is not a date or time")
    return value


@dataclass(frozen=True)
class _Details:
    """What an occurrence shows, read once per component rather than once per occurrence."""

    summary: str
    description: str
    location: str
    url: str
    organiser: str
    private: bool
    cancelled: bool
    overridden: date | datetime | None  # an overridden occurrence's RECURRENCE-ID (its original start)
    this_and_future: bool  # RANGE=THISANDFUTURE: the override applies to the later occurrences too

    @classmethod
    def of(cls, component: icalendar.Component, overridden: bool, seen: ScannedEvent) -> _Details:
        original = component.get("RECURRENCE-ID") if overridden else None
        whole_range = (
            original is not None and str(original.params.get("RANGE", "")).upper() == "THISANDFUTURE"
        )
        return cls(
            summary=plain(component.get("SUMMARY"), validate.TITLE_MAX),
            description=plain(component.get("DESCRIPTION"), validate.DESCRIPTION_MAX),
            location=plain(component.get("LOCATION"), validate.NAME_MAX),
            url=str(component.get("URL", "") or "").strip(),
            organiser=_organiser(component),
            private=str(component.get("CLASS", "")).upper() in ("PRIVATE", "CONFIDENTIAL"),
            cancelled=str(component.get("STATUS", "")).upper() == "CANCELLED",
            overridden=None if original is None else _when(original.dt, seen, "RECURRENCE-ID"),
            this_and_future=whole_range,
        )


def _moves(vevents: list[icalendar.Component]) -> dict[tuple[str, str], timedelta]:
    """How far each RANGE=THISANDFUTURE override moves its occurrences (its DTSTART - RECURRENCE-ID)."""
    moves: dict[tuple[str, str], timedelta] = {}
    for component in vevents:
        original, start = component.get("RECURRENCE-ID"), component.get("DTSTART")
        if original is None or start is None:
            continue
        if str(original.params.get("RANGE", "")).upper() == "THISANDFUTURE":
            key = (str(component.get("UID")), _recurrence_key(original.dt))
            moves[key] = _aware(start.dt) - _aware(original.dt)
    return moves


def _convert(
    uid: str,
    times: tuple[object, object],
    details: _Details,
    recurring: bool,
    seen: ScannedEvent,
    move: timedelta = timedelta(0),
) -> Occurrence:
    """One expanded occurrence; its start and end come from recurring-ical-events, which has already
    applied DTEND, DURATION or the RFC 5545 defaults (a date event lasts a day, a timed one no time)."""
    start_value = _when(times[0], seen, "DTSTART")
    all_day = not isinstance(start_value, datetime)
    start = _aware(start_value)
    end = _aware(_when(times[1], seen, "DTEND"))
    try:  # the one sane time range (admin.content.validate): a screen cannot show what lies outside
        validate.sane_time(start, "DTSTART")
        validate.sane_time(end, "DTEND")
    except validate.Invalid as exc:
        raise CalendarError(f"{seen.where()}: {exc}") from None
    if all_day and end <= start:  # DTEND equal to a date DTSTART: still that one day
        end = start + timedelta(days=1)
    if end < start:
        raise CalendarError(
            f"{seen.where()}: the event ends ({end.isoformat()}) before it starts ({start.isoformat()})"
        )
    recurrence_id = ""
    if recurring:
        # An occurrence is identified by its original start, so a moved occurrence keeps the identity
        # (and the stored row) it had before it moved: an override's RECURRENCE-ID, the start of an
        # ordinary occurrence, or, after a THISANDFUTURE override, the start before that shift.
        original: date | datetime = start_value
        if details.overridden is not None and not details.this_and_future:
            original = details.overridden
        elif details.overridden is not None:
            shifted = start - move
            original = shifted if isinstance(start_value, datetime) else shifted.date()
        recurrence_id = _recurrence_key(original)
    return Occurrence(
        uid=uid,
        recurrence_id=recurrence_id,
        start=start,
        end=end,
        all_day=all_day,
        summary=details.summary,
        description=details.description,
        location=details.location,
        url=details.url,
        organiser=details.organiser,
        private=details.private,
        cancelled=details.cancelled,
    )
