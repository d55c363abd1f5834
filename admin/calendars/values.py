"""The values that place an event in time, checked and explained in words before the libraries see them.

icalendar and recurring-ical-events fail on some real-world values with messages about their own
internals (`'<' not supported between instances of 'datetime.datetime' and 'datetime.time'` for
RDATE;VALUE=TIME, `UNTIL parameter is missing` for RSCALE=CHINESE or an UNTL= typo). The checks here
catch those cases first and say what is wrong with the feed; `bad_value` rewords what icalendar records
for a value it could not read. Every message starts "bad NAME value" and names the value.
"""

from __future__ import annotations

import re

#: RFC 5545 §3.3.10 plus RSCALE/SKIP (RFC 7529).
_RULE_PARTS = frozenset(
    {
        "FREQ",
        "UNTIL",
        "COUNT",
        "INTERVAL",
        "BYSECOND",
        "BYMINUTE",
        "BYHOUR",
        "BYDAY",
        "BYMONTHDAY",
        "BYYEARDAY",
        "BYWEEKNO",
        "BYMONTH",
        "BYSETPOS",
        "WKST",
        "RSCALE",
        "SKIP",
    }
)
#: The numbers each BY part allows (RFC 5545 §3.3.10), and whether a negative one (from the end) is valid.
#: Out of range, dateutil searches for an occurrence that never comes, without end.
_BY_RANGES = {
    "BYSECOND": (0, 60, False),
    "BYMINUTE": (0, 59, False),
    "BYHOUR": (0, 23, False),
    "BYMONTHDAY": (1, 31, True),
    "BYYEARDAY": (1, 366, True),
    "BYWEEKNO": (1, 53, True),
    "BYMONTH": (1, 12, False),
    "BYSETPOS": (1, 366, True),
}
_WEEKDAY = re.compile(r"([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)")
_FREQUENCIES = ("YEARLY", "MONTHLY", "WEEKLY", "DAILY", "HOURLY", "MINUTELY", "SECONDLY")
#: The VALUE= types each recurrence property may hold (RFC 5545 §3.8.5).
_VALUE_TYPES = {"RDATE": ("DATE", "DATE-TIME", "PERIOD"), "EXDATE": ("DATE", "DATE-TIME")}
_EXPECTED = {
    "DTSTART": "a date (20261204) or a date-time (20261204T100000)",
    "DTEND": "a date (20261204) or a date-time (20261204T100000)",
    "RECURRENCE-ID": "a date (20261204) or a date-time (20261204T100000)",
    "RDATE": "a list of dates or date-times (20261204,20261211)",
    "EXDATE": "a list of dates or date-times (20261204,20261211)",
    "DURATION": "a duration (for example PT1H30M)",
    "RRULE": "a recurrence rule (for example FREQ=WEEKLY;COUNT=5)",
}
_WRONG_FORMAT = re.compile(r"Wrong (date|datetime|date-time|time|period|duration) format:?\s*(\S+)", re.I)


def _show(value: str) -> str:
    return repr(value if len(value) <= 60 else value[:59] + "…")


def rule_problem(value: str) -> str | None:
    """What is wrong with an RRULE in words, or None when the libraries can be trusted with it."""
    parts: dict[str, str] = {}
    for part in value.strip().split(";"):
        key, _, part_value = part.partition("=")
        key = key.strip().upper()
        if not key:
            continue
        if key not in _RULE_PARTS:
            hint = " (a typo of UNTIL?)" if key in ("UNTL", "UNTILL", "UTIL", "UNITL") else ""
            return f"bad RRULE value {_show(value)}: unknown part {key!r}{hint}"
        parts[key] = part_value.strip().upper()
    if "FREQ" not in parts:
        return f"bad RRULE value {_show(value)}: it has no FREQ (how often the event repeats)"
    if parts["FREQ"] not in _FREQUENCIES:
        return f"bad RRULE value {_show(value)}: FREQ must be one of {', '.join(_FREQUENCIES)}"
    if parts.get("RSCALE", "GREGORIAN") != "GREGORIAN":
        return (
            f"bad RRULE value {_show(value)}: RSCALE={parts['RSCALE']} repeats it by another calendar "
            "than the Gregorian, the only one supported"
        )
    if "UNTIL" in parts and "COUNT" in parts:
        return f"bad RRULE value {_show(value)}: it has both UNTIL and COUNT, RFC 5545 allows one"
    for key in ("INTERVAL", "COUNT"):
        if key in parts and not (parts[key].isdigit() and int(parts[key]) >= 1):
            return f"bad RRULE value {_show(value)}: {key}={parts[key]} is not a whole number of 1 or more"
    for key, (low, high, negative) in _BY_RANGES.items():
        for number in parts.get(key, "").split(",") if key in parts else ():
            digits = number[1:] if number[:1] in "+-" else number
            if not digits.isdigit() or (number.startswith("-") and not negative):
                return f"bad RRULE value {_show(value)}: {key}={parts[key]} is not a list of numbers"
            if not low <= int(digits) <= high or (low == 0 and number.startswith("-")):
                span = f"{low} to {high}" + (f" (or -{high} to -1)" if negative else "")
                return f"bad RRULE value {_show(value)}: {key} {number} is outside {span}"
    for day in parts.get("BYDAY", "").split(",") if "BYDAY" in parts else ():
        if not _WEEKDAY.fullmatch(day.strip()):
            return f"bad RRULE value {_show(value)}: BYDAY {day!r} is not a weekday like MO, TU or -1SU"
    return None


def dates_problem(name: str, value_type: str | None) -> str | None:
    """RDATE/EXDATE with a VALUE= type that cannot be a day of an occurrence (VALUE=TIME, ...)."""
    allowed = _VALUE_TYPES.get(name)
    if allowed is None or value_type is None or value_type.upper() in allowed:
        return None
    if value_type.upper() == "TIME":
        return f"bad {name} value: VALUE=TIME is a time of day without a date, so it names no occurrence"
    return f"bad {name} value: VALUE={value_type} is not one of {', '.join(allowed)}"


def bad_value(name: str, raw: str, library_message: str) -> str:
    """Reword what icalendar says about a value it could not read."""
    wrong = _WRONG_FORMAT.search(library_message)
    if wrong is not None:
        kind = {"datetime": "date-time"}.get(wrong.group(1).lower(), wrong.group(1).lower())
        return f"bad {name} value {_show(raw)}: {wrong.group(2)} is not a valid {kind}"
    expected = _EXPECTED.get(name, "a value of the right type")
    return f"bad {name} value {_show(raw)}: it is not {expected}"
