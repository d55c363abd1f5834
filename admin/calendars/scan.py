"""A first pass over the raw text, before icalendar sees it.

icalendar reports structural problems without line numbers, and some not at all: an unknown TZID quietly
becomes a floating time, which would put an event an hour or more off. This pass walks the content lines
(RFC 5545 §3.1, with folding undone) and finds those problems with the line number and UID a person needs
to fix the feed.

What happens to a problem depends on whether the line matters (the invariant of the tolerant import):
- the structure (BEGIN/END), a calendar-wide X-WR-TIMEZONE or CALSCALE and any line of a VTIMEZONE
  but an X- one decide every event: a problem there refuses the whole feed, one line saying where;
- in a top-level VEVENT, the properties that give its identity, time or meaning (`EVENT_ESSENTIAL`):
  a problem there makes that one event unreadable, and it is skipped (ScannedEvent.problems);
- any other malformed line (a vendor property without a colon, an ORGANIZER folded without the leading
  space, a property without a value in a VFREEBUSY, a comment after END:VCALENDAR) is dropped with a
  notice and never reaches icalendar (`Scanned.text` leaves it out).
An event without a UID is given one derived from its DTSTART, RECURRENCE-ID and SUMMARY (see
`derived_uid`), inserted into `Scanned.text` so the libraries group it like any other.

With strict=True every problem refuses the whole feed at once, exactly as before the import became
tolerant (`import-ics --strict`).
"""

from __future__ import annotations

import hashlib
import re
import zoneinfo
from dataclasses import dataclass, field

from icalendar.timezone import tzp

from admin.calendars.errors import CalendarError
from admin.calendars.problems import Notice, where
from admin.calendars.values import dates_problem, rule_problem

_NAME = re.compile(r"[A-Za-z0-9-]+")
_PHYSICAL_LINE = re.compile(r"\r\n|\n|\r")

#: Properties RFC 5545 allows at most once in a component; twice, the libraries see a list where they
#: expect a value and fail with a message that says nothing about the feed.
_ONCE: dict[str, frozenset[str]] = {
    "VCALENDAR": frozenset({"PRODID", "VERSION", "CALSCALE", "METHOD", "X-WR-TIMEZONE"}),
    "VEVENT": frozenset(
        {
            "UID",
            "DTSTAMP",
            "DTSTART",
            "DTEND",
            "DURATION",
            "RECURRENCE-ID",
            "SUMMARY",
            "DESCRIPTION",
            "LOCATION",
            "URL",
            "ORGANIZER",
            "CLASS",
            "STATUS",
            "SEQUENCE",
            "TRANSP",
            "CREATED",
            "LAST-MODIFIED",
            "PRIORITY",
            "GEO",
        }
    ),
    "VTIMEZONE": frozenset({"TZID", "LAST-MODIFIED", "TZURL"}),
    "STANDARD": frozenset({"DTSTART", "TZOFFSETFROM", "TZOFFSETTO"}),
    "DAYLIGHT": frozenset({"DTSTART", "TZOFFSETFROM", "TZOFFSETTO"}),
}

#: In a top-level VEVENT: what identifies the event, places it in time or says what it is. A malformed
#: one makes the event unreadable; any other malformed line in it is dropped with a notice.
EVENT_ESSENTIAL = frozenset(
    {
        "UID",
        "DTSTART",
        "DTEND",
        "DURATION",
        "RRULE",
        "RDATE",
        "EXDATE",
        "RECURRENCE-ID",
        "STATUS",
        "CLASS",
        "SUMMARY",
    }
)
_ZONE_PARTS = frozenset({"VTIMEZONE", "STANDARD", "DAYLIGHT"})
_OFFSETS = ("TZOFFSETFROM", "TZOFFSETTO")
_UTC_OFFSET = re.compile(r"[+-]\d{4}(\d{2})?")

#: Properties whose TZID parameter must name a zone we can resolve.
_TIMED = ("DTSTART", "DTEND", "DUE", "RECURRENCE-ID", "EXDATE", "RDATE")


@dataclass(frozen=True)
class Prop:
    name: str
    line: int
    tzid: str | None
    value: str
    value_type: str | None = None  # the VALUE= parameter


@dataclass
class ScannedEvent:
    """One top-level VEVENT as it appears in the text."""

    line: int
    uid: str = ""
    derived: bool = False  # the feed gave no UID; `uid` is derived from the event's content
    props: dict[str, list[Prop]] = field(default_factory=dict)
    problems: list[tuple[int, str]] = field(default_factory=list)  # (line, what): the first one is why
    kept: tuple[int, int] = (0, 0)  # its lines in Scanned.lines, BEGIN to END

    @property
    def shown_uid(self) -> str:
        """The UID as the feed's producer knows it: none for a derived one."""
        return "" if self.derived else self.uid

    def where(self) -> str:
        return self.at(self.line)

    def at(self, line: int) -> str:
        """ "line N (UID ...)": where to look in the feed."""
        return where(line, self.shown_uid)

    def line_of(self, name: str) -> int:
        found = self.props.get(name)
        return found[0].line if found else self.line

    def problem(self, line: int, what: str) -> None:
        self.problems.append((line, what))


@dataclass
class Scanned:
    lines: list[str]  # what icalendar reads, unfolded: dropped lines left out, derived UIDs put in
    events: list[ScannedEvent]  # every top-level VEVENT, in the order of the text
    notices: list[Notice]
    numbers: list[int] = field(default_factory=list)  # the feed's line number of each of `lines`

    def locate(self, token: str) -> tuple[int, str] | None:
        """The first kept line (its number and text) with this value in it: where a library's complaint
        about the whole calendar points."""
        if not token:
            return None
        for number, line in zip(self.numbers, self.lines, strict=True):
            if token in line:
                return number, line
        return None

    def text(self, leave_out: set[str] | frozenset[str] = frozenset()) -> str:
        """The feed for icalendar, without the VEVENTs of the UIDs in `leave_out`."""
        skip: set[int] = set()
        for event in self.events:
            if event.uid in leave_out:
                skip.update(range(*event.kept))
        return "".join(line + "\r\n" for index, line in enumerate(self.lines) if index not in skip)

    def event_text(self, event: ScannedEvent) -> str:
        """One VEVENT alone in a calendar: to find which event the libraries cannot read."""
        body = self.lines[event.kept[0] : event.kept[1]]
        return "".join(line + "\r\n" for line in ["BEGIN:VCALENDAR", *body, "END:VCALENDAR"])


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """Unfold continuation lines; each logical line keeps the number of its first physical line."""
    lines: list[tuple[int, str]] = []
    for number, physical in enumerate(_PHYSICAL_LINE.split(text), start=1):
        if physical[:1] in (" ", "\t") and lines:
            start, previous = lines[-1]
            lines[-1] = (start, previous + physical[1:])
        elif physical.strip():
            lines.append((number, physical))
    return lines


def _name_of(line: str) -> str:
    match = _NAME.match(line)
    return match.group().upper() if match else ""


def _split(number: int, line: str) -> Prop:
    """NAME;PARAM=...;PARAM="...":VALUE → Prop, with the TZID and VALUE parameters picked out."""
    match = _NAME.match(line)
    if not match or match.end() >= len(line) or line[match.end()] not in ";:":
        raise CalendarError(f"line {number}: not an iCalendar content line: {_excerpt(line)}")
    name = match.group().upper()
    in_quotes = False
    params: list[str] = []
    current = ""
    index = match.end()
    while index < len(line):
        char = line[index]
        if char == '"':
            in_quotes = not in_quotes
        elif not in_quotes and char in ";:":
            if current:
                params.append(current)
            elif index > match.end():  # the separator after the name is not a parameter
                raise CalendarError(f"line {number}: an empty parameter (';;' or ';:') in {name}")
            current = ""
            if char == ":":
                break
            index += 1
            continue
        current += char
        index += 1
    else:
        raise CalendarError(f"line {number}: {name} has no value (no ':')")
    tzid = value_type = None
    for param in params:
        key, equals, value = param.partition("=")
        if not equals or not _NAME.fullmatch(key.strip()):
            raise CalendarError(f"line {number}: malformed parameter {param!r} in {name}")
        if key.strip().upper() in ("TZID", "VALUE") and "," in value and not value.strip().startswith('"'):
            raise CalendarError(f"line {number}: malformed parameter {param!r} in {name}: one value expected")
        if key.strip().upper() == "TZID":
            tzid = value.strip().strip('"')
        elif key.strip().upper() == "VALUE":
            value_type = value.strip().strip('"')
    return Prop(name, number, tzid, line[index + 1 :], value_type)


def _excerpt(line: str) -> str:
    return repr(line[:60] + ("…" if len(line) > 60 else ""))


def _not_a_calendar(first: str) -> CalendarError:
    lowered = first.lstrip("\ufeff").lstrip().lower()
    if lowered.startswith("<"):
        return CalendarError("not an iCalendar feed: got an HTML/XML page (line 1 starts with '<')")
    return CalendarError(f"not an iCalendar feed: line 1 is {_excerpt(first)}, expected BEGIN:VCALENDAR")


def _without_line(error: CalendarError) -> str:
    """ "line 7: X has no value" → "X has no value", to be said again with the event's UID."""
    message = re.sub(r"^line \d+: ", "", str(error))
    if message.startswith("not an iCalendar content line"):
        return "not a NAME:VALUE content line"
    return message


def derived_uid(event: ScannedEvent) -> str:
    """An identity for an event without UID, stable across imports while its start, recurrence id and
    summary stay the same. The trade-off (documented in docs/CALENDARS.md): change one of them and the
    event is removed and added again, losing what staff added to it by hand; two events with the same
    three are one event."""
    digest = hashlib.sha256()
    for name in ("DTSTART", "RECURRENCE-ID", "SUMMARY"):
        for prop in event.props.get(name, ()):
            digest.update(f"{name};{prop.tzid or ''};{prop.value_type or ''}:{prop.value}\n".encode())
    return f"no-uid-{digest.hexdigest()[:20]}"


class _Scanner:
    def __init__(self, strict: bool) -> None:
        self.strict = strict
        self.notices: list[Notice] = []
        self.kept: list[str] = []
        self.numbers: list[int] = []  # the feed's line number of each kept line

    def keep(self, number: int, line: str) -> None:
        self.kept.append(line)
        self.numbers.append(number)

    def drop(self, number: int, line: str, why: str, refusal: str | None = None) -> None:
        """A line that does not matter: left out of what icalendar reads, with a notice (with strict,
        the feed is refused with `refusal`, or `why`)."""
        if self.strict:
            raise CalendarError(f"line {number}: {refusal or why}")
        self.notices.append(Notice(number, f"ignored {_excerpt(line)}: {why}"))

    def scan(self, text: str) -> Scanned:
        lines = _logical_lines(text)
        if not lines:
            raise CalendarError("not an iCalendar feed: it is empty")
        first = lines[0][1]
        if first.lstrip("\ufeff").strip().upper() != "BEGIN:VCALENDAR":
            raise _not_a_calendar(first)

        stack: list[tuple[str, int, dict[str, int]]] = []  # component, its BEGIN line, single props seen
        events: list[ScannedEvent] = []
        timezones: set[str] = set()
        current: ScannedEvent | None = None
        calendar_zone: Prop | None = None
        closed = False
        for number, raw in lines:
            line = raw.lstrip("\ufeff")
            if closed:
                if line.strip().upper() == "BEGIN:VCALENDAR":
                    raise CalendarError(f"line {number}: a second calendar after END:VCALENDAR")
                self.drop(number, line, "text after END:VCALENDAR", f"{_excerpt(line)} after END:VCALENDAR")
                continue
            try:
                prop = _split(number, line)
            except CalendarError as exc:
                name = _name_of(line)
                parts = parts_of(stack)
                if self.strict or name in ("BEGIN", "END") or not stack:
                    raise
                if len(stack) == 1 and name == "X-WR-TIMEZONE":
                    raise
                if parts & _ZONE_PARTS and not name.startswith("X-"):  # a zone has no line to spare
                    raise
                if current is not None and len(stack) == 2 and name in EVENT_ESSENTIAL:
                    current.problem(number, _without_line(exc))
                    continue
                self.drop(number, line, _without_line(exc))
                continue
            if prop.name == "BEGIN":
                component = prop.value.strip().upper()
                stack.append((component, number, {}))
                if component == "VEVENT" and len(stack) == 2:
                    current = ScannedEvent(number, kept=(len(self.kept), len(self.kept)))
                self.keep(number, line)
                continue
            if prop.name == "END":
                component = prop.value.strip().upper()
                if not stack or stack[-1][0] != component:
                    open_part = (
                        f"; BEGIN:{stack[-1][0]} at line {stack[-1][1]} is still open" if stack else ""
                    )
                    raise CalendarError(f"line {number}: END:{component} does not match{open_part}")
                _, began, once = stack.pop()
                if component in ("STANDARD", "DAYLIGHT") and "DTSTART" not in once:
                    raise CalendarError(
                        f"line {number}: the {component} part begun on line {began} has no DTSTART"
                    )
                if component == "VEVENT" and current is not None and len(stack) == 1:
                    self._end_event(current)
                    self.keep(number, line)
                    current.kept = (current.kept[0], len(self.kept))
                    events.append(current)
                    current = None
                else:
                    self.keep(number, line)
                closed = not stack
                continue
            if not stack:
                raise CalendarError(f"line {number}: {prop.name} outside BEGIN:VCALENDAR")
            component, _, once = stack[-1]
            if prop.name in _ONCE.get(component, ()):
                if prop.name in once:
                    problem = f"{prop.name} appears twice in {component} (first on line {once[prop.name]})"
                    if component != "VEVENT" or current is None:
                        raise CalendarError(f"line {number}: {problem}")
                    # Reported at END:VEVENT, when the event's UID (often further down) is known.
                    current.problem(number, problem)
                once[prop.name] = number
            if stack[-1][0] == "VTIMEZONE" and prop.name == "TZID":
                timezones.add(prop.value.strip())
            elif parts_of(stack) & _ZONE_PARTS and (wrong := _zone_problem(prop)) is not None:
                raise CalendarError(f"line {number}: in a time zone definition (VTIMEZONE): {wrong}")
            elif prop.name in _OFFSETS and not _UTC_OFFSET.fullmatch(prop.value.strip()):
                # icalendar refuses the whole calendar for it, without saying where.
                what = f"bad {prop.name} value {_excerpt(prop.value)}: not a UTC offset like +0100"
                raise CalendarError(f"line {number}: {what}")
            elif len(stack) == 1 and prop.name == "X-WR-TIMEZONE":
                calendar_zone = prop
            elif len(stack) == 1 and prop.name == "CALSCALE" and prop.value.strip().upper() != "GREGORIAN":
                what = f"CALSCALE {prop.value.strip()!r}: only the Gregorian calendar is supported"
                raise CalendarError(f"line {number}: {what}")
            elif current is not None and len(stack) == 2:
                if prop.name == "SEQUENCE" and not prop.value.strip().isdigit():
                    # Which of two versions wins; recurring-ical-events fails on a non-number.
                    self.drop(number, line, "SEQUENCE is not a whole number")
                    continue
                current.props.setdefault(prop.name, []).append(prop)
                if prop.name == "UID" and not current.uid:
                    current.uid = prop.value.strip()
            self.keep(number, line)
        if stack:
            component, number, _ = stack[-1]
            at = current.where() if component == "VEVENT" and current else f"line {number}"
            raise CalendarError(f"the feed is truncated: BEGIN:{component} at {at} has no END:{component}")
        if calendar_zone is not None and not _known_zone(calendar_zone.value.strip()):
            zone = calendar_zone.value.strip()
            raise CalendarError(f"line {calendar_zone.line}: unknown time zone {zone!r} in X-WR-TIMEZONE")
        for event in events:
            _check_zones(event, timezones)
            if self.strict and event.problems:
                number, problem = event.problems[0]
                raise CalendarError(f"{event.at(number)}: {problem}")
        return Scanned(self.kept, events, self.notices, self.numbers)

    def _end_event(self, event: ScannedEvent) -> None:
        """At END:VEVENT: the checks that need the whole event, and a UID for one that has none."""
        if self.strict and event.problems:
            number, problem = event.problems[0]
            raise CalendarError(f"{event.at(number)}: {problem}")
        if not event.uid:
            if self.strict:
                raise CalendarError(
                    f"line {event.line}: VEVENT has no UID, so it cannot be tracked between imports"
                )
            event.uid, event.derived = derived_uid(event), True
            self.keep(event.line, f"UID:{event.uid}")  # before the END:VEVENT line the caller appends
            self.notices.append(
                Notice(
                    event.line,
                    f"VEVENT has no UID; imported as {event.uid}, an identity derived from its "
                    "DTSTART and SUMMARY (if either changes, the event is removed and added again)",
                )
            )
        if "DTSTART" not in event.props:
            event.problem(event.line, "VEVENT has no DTSTART")
        for rule in event.props.get("RRULE", ()):
            # Every second for weeks: no calendar means it, and expanding it ties up the admin node.
            if "FREQ=SECONDLY" in rule.value.upper().replace(" ", ""):
                event.problem(rule.line, "FREQ=SECONDLY rules are not supported")
            elif (wrong := rule_problem(rule.value)) is not None:
                event.problem(rule.line, wrong)
        for name in ("RDATE", "EXDATE"):
            for prop in event.props.get(name, ()):
                if (wrong := dates_problem(name, prop.value_type)) is not None:
                    event.problem(prop.line, wrong)
        if self.strict and event.problems:
            number, problem = event.problems[0]
            raise CalendarError(f"{event.at(number)}: {problem}")


def scan(text: str, *, strict: bool = False) -> Scanned:
    """Check the structure; return the text icalendar should read, each top-level VEVENT with its
    properties, line numbers and problems, and the notices about what was tolerated."""
    return _Scanner(strict).scan(text)


def _known_zone(name: str) -> bool:
    """X-WR-TIMEZONE is applied by x-wr-timezone, which knows IANA names only (zoneinfo)."""
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):  # OSError: "Europe" is a directory
        return False
    return True


def _resolvable(tzid: str) -> bool:
    try:
        return tzp.timezone(tzid) is not None
    except (ValueError, OSError):
        return False


def parts_of(stack: list[tuple[str, int, dict[str, int]]]) -> set[str]:
    return {component for component, _, _ in stack}


_ZONE_DATE_TIME = re.compile(r"\d{8}T\d{6}")


def _zone_problem(prop: Prop) -> str | None:
    """What icalendar would refuse the whole calendar for, in a VTIMEZONE, said with its line."""
    if prop.name == "DTSTART" and not _ZONE_DATE_TIME.fullmatch(prop.value.strip()):
        return f"bad DTSTART value {_excerpt(prop.value)}: not a local date-time like 19701025T030000"
    if prop.name == "RRULE":
        return rule_problem(prop.value)
    return None


def _check_zones(event: ScannedEvent, defined: set[str]) -> None:
    for name in _TIMED:
        for prop in event.props.get(name, ()):
            if prop.tzid is None or prop.tzid in defined:
                continue
            if not _resolvable(prop.tzid):
                event.problem(
                    prop.line,
                    f"unknown time zone {prop.tzid!r} in {name} and no VTIMEZONE defines it",
                )
