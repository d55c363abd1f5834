"""Times on the wire: ISO 8601 with an offset. Both sides show them in Europe/Stockholm."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

STOCKHOLM = ZoneInfo("Europe/Stockholm")

#: The sane time range, [EARLIEST, LATEST): the admin node accepts and signs only times inside it
#: (admin.content.validate), and a kiosk skips a record with a time outside it (kiosk.replica.guard).
#: A lobby screen has nothing to show outside it, and at the ends of Python's range (year 1, year
#: 9999) converting to Stockholm time overflows: such a record once crashed every screen showing it.
EARLIEST = datetime(2000, 1, 1, tzinfo=STOCKHOLM)
LATEST = datetime(2100, 1, 1, tzinfo=STOCKHOLM)


def in_sane_range(value: datetime) -> bool:
    """Whether `value` (naive is Stockholm time) lies in [EARLIEST, LATEST); never raises."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=STOCKHOLM)
    try:
        return EARLIEST <= value < LATEST  # compared before any conversion, which could overflow
    except (OverflowError, ValueError):
        return False


def parse_iso(text: str) -> datetime:
    """Parse ISO 8601; a naive time is taken as Europe/Stockholm wall-clock time.

    Raises ValueError with a message fit for the user.
    """
    try:
        value = datetime.fromisoformat(text.strip())
    except (ValueError, AttributeError):
        raise ValueError(f"{text!r} is not an ISO 8601 time (for example 2026-12-01T18:00)") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=STOCKHOLM)
    return value


def to_iso(value: datetime) -> str:
    """The stored and transmitted form: Stockholm local time with its offset, to the second."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=STOCKHOLM)
    return value.astimezone(STOCKHOLM).isoformat(timespec="seconds")


def now() -> datetime:
    return datetime.now(UTC).astimezone(STOCKHOLM)


def now_iso() -> str:
    return to_iso(now())
