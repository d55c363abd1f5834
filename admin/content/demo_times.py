"""Times in the demo data, relative to the moment the demo is loaded, so the screen is never empty.

An item in assets/demo/events.json or bookings.json has one of two forms:

- `"starts_in": "H:MM", "lasts": "H:MM"`: from the load time rounded down to the hour. `"0:00"` is on
  now (it started at most an hour ago), `"2:00"` starts later today or tonight.
- `"day": N, "start": "HH:MM", "end": "HH:MM"`: Stockholm clock times N days after the load date, for
  tomorrow and the weeks ahead (N >= 1, so a fixed clock time is never in the past on the day it is loaded).

The rounding makes loading twice within the same hour a no-op. Items relative to now last at most a few
hours and fixed items start at 08:00 at the earliest, so the two kinds never overlap in one room.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from typing import Any

from admin.content.validate import Invalid
from broker.times import STOCKHOLM, to_iso

TIME_FIELDS = ("starts_in", "lasts", "day", "start", "end")


def anchor(moment: datetime) -> datetime:
    """The load time rounded down to the hour: what relative items count from."""
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def _duration(text: object, name: str) -> timedelta:
    if not isinstance(text, str) or text.count(":") != 1:
        raise Invalid(f"demo data: {name} must be H:MM, not {text!r}")
    hours, _colon, minutes = text.partition(":")
    if not (hours.isdigit() and minutes.isdigit()):
        raise Invalid(f"demo data: {name} must be H:MM, not {text!r}")
    return timedelta(hours=int(hours), minutes=int(minutes))


def resolve(item: Mapping[str, Any], moment: datetime) -> tuple[str, str]:
    """The (start, end) of a demo item loaded at `moment`, as ISO 8601 Stockholm times."""
    if "starts_in" in item:
        start = anchor(moment) + _duration(item["starts_in"], "starts_in")
        end = start + _duration(item["lasts"], "lasts")
        return to_iso(start.astimezone(STOCKHOLM)), to_iso(end.astimezone(STOCKHOLM))
    day = moment.astimezone(STOCKHOLM).date() + timedelta(days=int(item["day"]))

    def at(hhmm: str) -> str:
        return to_iso(datetime.combine(day, clock.fromisoformat(hhmm), tzinfo=STOCKHOLM))

    return at(item["start"]), at(item["end"])
