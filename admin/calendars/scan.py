"""A first pass over the raw text, before icalendar sees it.

icalendar reports structural problems without line numbers, and some not at all: an unknown TZID quietly
becomes a floating time, which would put an event an hour or more off. This pass walks the content lines
(RFC 5545 §3.1, with folding undone) and finds those problems with the line number and UID a person needs
to fix the feed, so every refusal is one line that says where.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from icalendar.timezone import tzp

from admin.calendars.errors import CalendarError

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

#: Properties whose TZID parameter must name a zone we can resolve.
_TIMED = ("DTSTART", "DTEND", "DUE", "RECURRENCE-ID", "EXDATE", "RDATE")


@dataclass(frozen=True)
class Prop:
    name: str
    line: int
    tzid: str | None
    value: str


@dataclass
class ScannedEvent:
    """One top-level VEVENT as it appears in the text."""

    line: int
    uid: str = ""
    props: dict[str, list[Prop]] = field(default_factory=dict)
    problems: list[tuple[int, str]] = field(default_factory=list)  # (line, what), found before the UID

    def where(self) -> str:
        return self.at(self.line)

    def at(self, line: int) -> str:
        """ "line N (UID ...)": where to look in the feed, with an absurdly long UID shortened."""
        if not self.uid:
            return f"line {line}"
        uid = self.uid if len(self.uid) <= 120 else self.uid[:119] + "…"
        return f"line {line} (UID {uid})"

    def line_of(self, name: str) -> int:
        found = self.props.get(name)
        return found[0].line if found else self.line


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


def _split(number: int, line: str) -> Prop:
    """NAME;PARAM=...;PARAM="...":VALUE → Prop, with the TZID parameter picked out."""
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
            current = ""
            if char == ":":
                break
            index += 1
            continue
        current += char
        index += 1
    else:
        raise CalendarError(f"line {number}: {name} has no value (no ':')")
    tzid = None
    for param in params:
        key, equals, value = param.partition("=")
        if not equals or not _NAME.fullmatch(key.strip()):
            raise CalendarError(f"line {number}: malformed parameter {param!r} in {name}")
        if key.strip().upper() == "TZID":
            tzid = value.strip().strip('"')
    return Prop(name, number, tzid, line[index + 1 :])


def _excerpt(line: str) -> str:
    return repr(line[:60] + ("…" if len(line) > 60 else ""))


def _not_a_calendar(first: str) -> CalendarError:
    lowered = first.lstrip("\ufeff").lstrip().lower()
    if lowered.startswith("<"):
        return CalendarError("not an iCalendar feed: got an HTML/XML page (line 1 starts with '<')")
    return CalendarError(f"not an iCalendar feed: line 1 is {_excerpt(first)}, expected BEGIN:VCALENDAR")


def scan(text: str) -> list[ScannedEvent]:
    """Check the structure and return each top-level VEVENT's properties with their line numbers."""
    lines = _logical_lines(text)
    if not lines:
        raise CalendarError("not an iCalendar feed: it is empty")
    first = lines[0][1]
    if first.lstrip("\ufeff").strip().upper() != "BEGIN:VCALENDAR":
        raise _not_a_calendar(first)

    stack: list[tuple[str, int, dict[str, int]]] = []  # component, its BEGIN line, single properties seen
    events: list[ScannedEvent] = []
    timezones: set[str] = set()
    current: ScannedEvent | None = None
    calendar_zone: Prop | None = None
    closed = False
    for number, line in lines:
        if closed:
            what = "a second calendar" if line.strip().upper() == "BEGIN:VCALENDAR" else _excerpt(line)
            raise CalendarError(f"line {number}: {what} after END:VCALENDAR")
        prop = _split(number, line.lstrip("\ufeff"))
        if prop.name == "BEGIN":
            component = prop.value.strip().upper()
            stack.append((component, number, {}))
            if component == "VEVENT" and len(stack) == 2:
                current = ScannedEvent(number)
            continue
        if prop.name == "END":
            component = prop.value.strip().upper()
            if not stack or stack[-1][0] != component:
                open_part = f"; BEGIN:{stack[-1][0]} at line {stack[-1][1]} is still open" if stack else ""
                raise CalendarError(f"line {number}: END:{component} does not match{open_part}")
            stack.pop()
            if component == "VEVENT" and current is not None and len(stack) == 1:
                _check_event(current)
                events.append(current)
                current = None
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
                current.problems.append((number, problem))
            once[prop.name] = number
        if stack[-1][0] == "VTIMEZONE" and prop.name == "TZID":
            timezones.add(prop.value.strip())
        elif len(stack) == 1 and prop.name == "X-WR-TIMEZONE":
            calendar_zone = prop
        elif current is not None and len(stack) == 2:
            current.props.setdefault(prop.name, []).append(prop)
            if prop.name == "UID" and not current.uid:
                current.uid = prop.value.strip()
    if stack:
        component, number, _ = stack[-1]
        where = current.where() if component == "VEVENT" and current else f"line {number}"
        raise CalendarError(f"the feed is truncated: BEGIN:{component} at {where} has no END:{component}")
    if calendar_zone is not None and tzp.timezone(calendar_zone.value.strip()) is None:
        raise CalendarError(
            f"line {calendar_zone.line}: unknown time zone {calendar_zone.value.strip()!r} in X-WR-TIMEZONE"
        )
    for event in events:
        _check_zones(event, timezones)
    return events


def _check_event(event: ScannedEvent) -> None:
    if event.problems:
        number, problem = event.problems[0]
        raise CalendarError(f"{event.at(number)}: {problem}")
    if not event.uid:
        raise CalendarError(f"line {event.line}: VEVENT has no UID, so it cannot be tracked between imports")
    if "DTSTART" not in event.props:
        raise CalendarError(f"{event.where()}: VEVENT has no DTSTART")
    for rule in event.props.get("RRULE", ()):
        # Every second for weeks: no calendar means it, and expanding it ties up the admin node.
        if "FREQ=SECONDLY" in rule.value.upper().replace(" ", ""):
            raise CalendarError(f"{event.at(rule.line)}: FREQ=SECONDLY rules are not supported")


def _check_zones(event: ScannedEvent, defined: set[str]) -> None:
    for name in _TIMED:
        for prop in event.props.get(name, ()):
            if prop.tzid is None or prop.tzid in defined:
                continue
            if tzp.timezone(prop.tzid) is None:
                raise CalendarError(
                    f"{event.at(prop.line)}: unknown time zone {prop.tzid!r} in {name}"
                    " and no VTIMEZONE defines it"
                )
