"""A record the screens cannot show is skipped and counted; it never takes a screen down.

Records are signed by the admin node, which refuses times outside the sane range
(`broker.times.EARLIEST` to `LATEST`) and checks every field. A kiosk must not depend on that: an
older admin node signed a year-1 time once, and converting it to Stockholm time raised OverflowError
in every screen that listed it, on every restart. So:

- the replica stores exactly what was signed (the manifest's digest covers it), and the screens'
  read API (`kiosk.replica.queries`) parses each record through `parse` here when it reads it;
- a time outside the sane range reads as no time (`sane_time`), which makes a record that needs
  one (an event's start, a booking's start and end) unshowable;
- any exception while parsing a record is caught: the record is skipped, logged once per record and
  counted in this process (`skipped_counts`), and the screen shows everything else;
- `innovatum-kiosk dump` lists the records the screens skip under `skipped`, by running the same
  parsers over the replica (`unshowable`), so an operator sees them without the screen process.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, TypeVar

from broker.times import STOCKHOLM, in_sane_range

log = logging.getLogger(__name__)

T = TypeVar("T")

_lock = threading.Lock()
_skipped: Counter[str] = Counter()
_logged: set[tuple[str, str]] = set()


def sane_time(value: datetime) -> datetime | None:
    """`value` in Stockholm time, or None when it lies outside the sane range (never raises)."""
    if not in_sane_range(value):
        return None
    try:
        return value.astimezone(STOCKHOLM)
    except (OverflowError, ValueError):
        return None


def parse(
    kind: str, key: str, data: dict[str, Any], make: Callable[[str, dict[str, Any]], T | None]
) -> T | None:
    """`make(key, data)`, or None (counted) when the record cannot be shown: it returned None, or
    raised anything at all."""
    try:
        made = make(key, data)
    except Exception as exc:  # a record must never take a screen down, whatever it holds
        _count(kind, key, f"{type(exc).__name__}: {exc}")
        return None
    if made is None:
        _count(kind, key, "a required field is missing or unusable")
    return made


def _count(kind: str, key: str, why: str) -> None:
    with _lock:
        _skipped[kind] += 1
        first = (kind, key) not in _logged
        if first and len(_logged) < 10_000:
            _logged.add((kind, key))
    if first:
        log.warning("skipped %s %r: the screens cannot show it (%s)", kind, key[:80], why[:200])


def skipped_counts() -> dict[str, int]:
    """How often each kind of record was skipped by this process's screens."""
    with _lock:
        return dict(_skipped)


def _parsers() -> dict[str, Callable[[str, dict[str, Any]], object | None]]:
    from kiosk.replica import queries  # queries imports this module: import it only when needed

    return {
        "tenant": queries.Tenant.from_record,
        "partner": queries.Partner.from_record,
        "event": queries.Event.from_record,
        "room": queries.Room.from_record,
        "booking": queries.Booking.from_record,
        "announcement": queries.Announcement.from_record,
    }


def unshowable(rows: Iterable[tuple[str, str, Any]]) -> dict[str, list[str]]:
    """The keys, by kind, of the live records (kind, key, data) the screens would skip."""
    parsers = _parsers()
    found: dict[str, list[str]] = {}
    for kind, key, data in rows:
        make = parsers.get(kind)
        if make is None:
            continue
        try:
            ok = isinstance(data, dict) and make(key, data) is not None
        except Exception:
            ok = False
        if not ok:
            found.setdefault(kind, []).append(key)
    return found
