"""From iCalendar text to the occurrences inside a time window, ready to store.

icalendar parses, recurring-ical-events expands RRULE/RDATE/EXDATE and applies overridden occurrences
(RECURRENCE-ID). Both resolve Outlook's Windows zone names ("W. Europe Standard Time") natively, and
recurring-ical-events applies Google's X-WR-TIMEZONE, so no zone table of our own is needed; scan.py
refuses a TZID neither knows. What this module adds is the identity of each occurrence, the window,
a cap on how much a feed may expand to, and plain text fit for a lobby screen.

One event that cannot be read (a value icalendar rejects, an end before the start, a rule the libraries
fail on) is skipped: every VEVENT of its UID is left out, it is listed in `Expanded.skipped` with its
line, UID and what is wrong in words, and `Expanded.kept_uids` tells apply.py to keep the rows an earlier
import stored for it. Only a problem with the whole feed (its structure, the cap) is a CalendarError;
with strict=True, so is the first skipped event. The libraries' warnings become `Expanded.notices`.
"""

from __future__ import annotations

import re
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import icalendar
import recurring_ical_events

from admin.calendars.errors import CalendarError
from admin.calendars.problems import Notice, Skipped
from admin.calendars.scan import Scanned, ScannedEvent, scan
from admin.calendars.values import bad_value
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
    line: int = 0  # where its VEVENT begins in the feed, to name it if it is skipped later
    shown_uid: str = ""  # its UID as the feed gives it ("" for a derived one)


@dataclass
class Expanded:
    occurrences: list[Occurrence]
    duplicates: int  # the same (UID, RECURRENCE-ID) twice in the feed: the first one wins
    skipped: list[Skipped] = field(default_factory=list)  # unreadable events, left out
    kept_uids: frozenset[str] = frozenset()  # their UIDs: rows an earlier import stored for them stay
    notices: list[Notice] = field(default_factory=list)  # what was tolerated: lines dropped, UIDs derived
    zones: list[tuple[str, int]] = field(default_factory=list)  # (TZID, line) used: to place a warning


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


def _check_properties(component: icalendar.Component, scanned: ScannedEvent) -> tuple[int, str] | None:
    """The first value icalendar could not read in a property that places the event in time."""
    for name, message in getattr(component, "errors", []):
        if not name:  # a line icalendar could not even split; scan.py catches the ones we know
            return scanned.line, "a line of this event cannot be read as NAME:VALUE"
        if name.upper() in _ESSENTIAL:
            raw = "".join(p.value for p in scanned.props.get(name.upper(), ())[:1])
            return scanned.line_of(name.upper()), bad_value(name.upper(), raw, str(message))
    return None


def _check_order(component: icalendar.Component, scanned: ScannedEvent) -> tuple[int, str] | None:
    """recurring-ical-events quietly swaps an end before the start; a feed saying so is broken."""
    start, end = component.get("DTSTART"), component.get("DTEND")
    if start is None or end is None:
        return None
    try:
        backwards = _aware(end.dt) < _aware(start.dt)
    except (AttributeError, TypeError):
        return None
    if not backwards:
        return None
    return (
        scanned.line_of("DTEND"),
        f"DTEND {end.to_ical().decode()} is before DTSTART {start.to_ical().decode()}",
    )


@dataclass
class _Reading:
    """One feed being read: the skipped events (by UID, in the order found) and the notices."""

    scanned: Scanned
    strict: bool
    skipped: dict[str, Skipped] = field(default_factory=dict)

    def skip(self, seen: ScannedEvent, line: int, why: str) -> None:
        """Leave this event (every VEVENT with its UID) out; with --strict, refuse the feed instead."""
        found = Skipped(line, seen.shown_uid, why)
        if self.strict:
            raise found.error()
        self.skipped.setdefault(seen.uid, found)

    def skip_problems(self) -> None:
        for seen in self.scanned.events:
            if seen.problems:
                self.skip(seen, *seen.problems[0])


def _from_ical(reading: _Reading) -> icalendar.Calendar:
    """Parse what scan.py kept; an event that makes icalendar give up on the whole calendar is found
    (each event read alone) and skipped, so the message names it."""
    try:
        return icalendar.Calendar.from_ical(reading.scanned.text(frozenset(reading.skipped)))
    except Exception as whole:
        culprits = 0
        for seen in reading.scanned.events:
            if seen.uid in reading.skipped:
                continue
            try:
                icalendar.Calendar.from_ical(reading.scanned.event_text(seen))
            except Exception as exc:
                culprits += 1
                reading.skip(seen, seen.line, f"this event cannot be read: {_detail(exc)}")
        if not culprits:
            raise _outside_events(reading.scanned, whole) from None
    try:
        return icalendar.Calendar.from_ical(reading.scanned.text(frozenset(reading.skipped)))
    except Exception as exc:
        raise CalendarError(f"the calendar cannot be read: {_detail(exc)}") from None


_QUOTED = re.compile(r"'([^']+)'")
_AFTER = re.compile(r"(?:format|got|property|month):\s*(\S+)", re.I)


def _outside_events(scanned: Scanned, exc: BaseException) -> CalendarError:
    """A library refused the calendar over a line outside its events (a VTIMEZONE, the header): find
    that line by the value the library quotes, and say what is wrong with it."""
    message = _detail(exc)
    tokens = _QUOTED.findall(message) + _AFTER.findall(message)
    found = next((hit for token in tokens if (hit := scanned.locate(token.strip("'\""))) is not None), None)
    if found is None:
        return CalendarError(f"the calendar's time zones or header cannot be read: {message}")
    number, line = found
    name, _, value = line.partition(":")
    name = name.split(";")[0].upper()
    if "unsupported property" in message.lower():
        return CalendarError(f"line {number}: unknown property {name} where the calendar cannot skip it")
    return CalendarError(f"line {number}: {bad_value(name, value, message)}")


def _detail(exc: BaseException) -> str:
    """A library's own words, as the detail after ours: one line, short."""
    message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return message[:200]


def parse(text: str, *, strict: bool = False) -> tuple[icalendar.Calendar, dict[str, ScannedEvent], _Reading]:
    """Check and parse the whole feed; returns the calendar without the events to skip, each UID's first
    VEVENT in the text, and what was skipped or tolerated so far."""
    reading = _Reading(scan(text, strict=strict), strict)  # the VEVENTs as they appear in the text
    reading.skip_problems()
    calendar = _from_ical(reading)
    events = [c for c in calendar.subcomponents if c.name == "VEVENT"]
    kept = [seen for seen in reading.scanned.events if seen.uid not in reading.skipped]
    if len(events) != len(kept):  # cannot happen after scan(); never misattribute a line
        raise CalendarError("the calendar cannot be read: its events could not be told apart consistently")
    by_uid: dict[str, ScannedEvent] = {}
    for component, seen in zip(events, kept, strict=True):
        problem = _check_properties(component, seen) or _check_order(component, seen)
        if problem is not None:
            reading.skip(seen, *problem)
        by_uid.setdefault(seen.uid, seen)
    calendar.subcomponents = [
        c for c in calendar.subcomponents if c.name != "VEVENT" or str(c.get("UID")) not in reading.skipped
    ]
    return calendar, by_uid, reading


def _sequence(component: icalendar.Component) -> int:
    try:
        return int(component.get("SEQUENCE", 0) or 0)
    except (TypeError, ValueError):
        return 0


def expand(
    text: str,
    window: Window,
    *,
    cap: int = MAX_OCCURRENCES,
    progress: Progress | None = None,
    strict: bool = False,
) -> Expanded:
    """Every occurrence overlapping the window, the events skipped as unreadable and the notices; with
    strict=True (or for a problem with the whole feed) CalendarError naming the first problem."""
    try:
        with warnings.catch_warnings(record=True) as caught:
            # The libraries' warnings (GloballyUniqueTZIDGuessed, ...) become notices, never raw
            # Python warnings on stderr. (catch_warnings is process-wide: a warning another thread
            # raises meanwhile lands here too, which costs a stray notice, not a lost warning.)
            warnings.simplefilter("always")
            expanded = _expand(text, window, cap, progress, strict)
        expanded.notices.extend(_library_notices(caught, expanded))
        return expanded
    except CalendarError:
        raise
    except Exception as exc:
        # The checks above name every problem we know of; whatever else a broken feed can trip in
        # the libraries is still the feed's fault and still one line, not a traceback.
        raise CalendarError(f"cannot read the feed: {type(exc).__name__}: {str(exc)[:200]}") from None


def _library_notices(caught: list[warnings.WarningMessage], expanded: Expanded) -> list[Notice]:
    notices: list[Notice] = []
    seen: set[str] = set()
    for warning in caught:
        message = _detail(Exception(str(warning.message)))
        if message in seen:
            continue
        seen.add(message)
        line = next((number for zone, number in expanded.zones if f"'{zone}'" in message), None)
        notices.append(Notice(line, f"calendar library warning ({warning.category.__name__}): {message}"))
    return notices


def _query(calendar: icalendar.Calendar, reading: _Reading, by_uid: dict[str, ScannedEvent]) -> Any:
    """recurring-ical-events' view of the calendar. When it cannot take the calendar as a whole, each
    event is tried alone and the ones it cannot take are skipped, so the message names them."""
    try:
        return recurring_ical_events.of(calendar)
    except Exception as whole:
        others = [c for c in calendar.subcomponents if c.name != "VEVENT"]
        culprits = 0
        for uid, seen in by_uid.items():
            alone = icalendar.Calendar()
            for component in others:
                alone.add_component(component)
            for component in calendar.subcomponents:
                if component.name == "VEVENT" and str(component.get("UID")) == uid:
                    alone.add_component(component)
            try:
                recurring_ical_events.of(alone)
            except Exception as exc:
                culprits += 1
                reading.skip(seen, seen.line, f"cannot work out when this event happens: {_detail(exc)}")
        if not culprits:
            raise _outside_events(reading.scanned, whole) from None
    calendar.subcomponents = [
        c for c in calendar.subcomponents if c.name != "VEVENT" or str(c.get("UID")) not in reading.skipped
    ]
    try:
        return recurring_ical_events.of(calendar)
    except Exception as exc:
        raise CalendarError(f"cannot work out when the calendar's events happen: {_detail(exc)}") from None


def _expand(text: str, window: Window, cap: int, progress: Progress | None, strict: bool) -> Expanded:
    calendar, by_uid, reading = parse(text, strict=strict)
    query = _query(calendar, reading, by_uid)
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

    found: dict[tuple[str, str], Occurrence] = {}
    details: dict[tuple[str, object], _Details] = {}
    duplicates = 0
    per_uid: Counter[str] = Counter()
    total = 0
    series_list = list(query.series)
    for done, series in enumerate(series_list, start=1):
        if progress is not None and (done % 200 == 0 or done == len(series_list)):
            progress(done, len(series_list))
        uid = str(series.uid)
        seen = by_uid.get(uid)
        if seen is None or uid in reading.skipped:
            continue
        mine: list[Occurrence] = []
        try:
            # Lazily, occurrence by occurrence, so the cap stops a runaway rule before it is expanded
            # in full; the series' occurrences are kept only once all of them could be read.
            for occurrence in series.between(window.start, window.end):
                per_uid[uid] += 1
                total += 1
                if total > cap:
                    worst, count = per_uid.most_common(1)[0]
                    raise _TooMany(
                        f"the feed expands to more than {cap:,} occurrences in {_days(window)} days "
                        f"({by_uid[worst].where()} alone has {count:,} so far): "
                        "is a rule repeating too often?"
                    )
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
                    times = (occurrence.start, occurrence.end)
                    mine.append(_convert(uid, times, found_details, True, seen, move))
                else:
                    key = (uid, None)
                    if key not in details:
                        details[key] = _Details.of(singles[uid], False, seen)
                    mine.append(_convert(uid, (occurrence.start, occurrence.end), details[key], False, seen))
        except _TooMany as exc:
            raise CalendarError(str(exc)) from None
        except _Unreadable as exc:
            reading.skip(seen, exc.line, exc.why)
            continue
        except validate.Invalid as exc:  # a shared content check (a time out of range, ...)
            reading.skip(seen, seen.line, str(exc))
            continue
        except Exception as exc:
            reading.skip(seen, seen.line, f"cannot work out when this event happens: {_detail(exc)}")
            continue
        for stored in mine:
            if (stored.uid, stored.recurrence_id) in found:
                duplicates += 1
                continue
            found[(stored.uid, stored.recurrence_id)] = stored
    zones = [
        (p.tzid, p.line) for e in reading.scanned.events for ps in e.props.values() for p in ps if p.tzid
    ]
    return Expanded(
        sorted(found.values(), key=lambda o: (o.start, o.uid, o.recurrence_id)),
        duplicates,
        skipped=sorted(reading.skipped.values(), key=lambda skipped: skipped.line),
        kept_uids=frozenset(reading.skipped),
        notices=list(reading.scanned.notices),
        zones=zones,
    )


class _TooMany(Exception):
    """The cap: a problem with the whole feed, never one skipped event."""


class _Unreadable(Exception):
    """One event whose occurrences cannot be placed in time: it is skipped."""

    def __init__(self, line: int, why: str) -> None:
        super().__init__(why)
        self.line, self.why = line, why


def _days(window: Window) -> int:
    return round((window.end - window.start) / timedelta(days=1))


def _when(value: object, seen: ScannedEvent, what: str) -> date | datetime:
    if not isinstance(value, date):
        raise _Unreadable(seen.line_of(what), f"{what} is not a date or a date-time")
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
    for name, value in (("DTSTART", start), ("DTEND", end)):
        try:  # the one sane time range (admin.content.validate): a screen cannot show what lies outside
            validate.sane_time(value, name)
        except validate.Invalid as exc:
            raise _Unreadable(seen.line_of(name), str(exc)) from None
    if all_day and end <= start:  # DTEND equal to a date DTSTART: still that one day
        end = start + timedelta(days=1)
    if end < start:
        raise _Unreadable(
            seen.line, f"the event ends ({end.isoformat()}) before it starts ({start.isoformat()})"
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
        line=seen.line,
        shown_uid=seen.shown_uid,
    )
