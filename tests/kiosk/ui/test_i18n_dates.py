"""Dates and times in the visitor's language, always in Stockholm time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from broker.times import STOCKHOLM
from kiosk.ui.i18n import format_date_short, format_day, format_range, format_time, format_weekday

EVENING = datetime(2026, 11, 27, 18, 0, tzinfo=STOCKHOLM)  # a Friday, winter time (UTC+1)


def test_day_in_swedish_and_english() -> None:
    assert format_day(EVENING, "sv") == "fredag 27 november"
    assert format_day(EVENING, "en") == "Friday 27 November"


def test_weekday_short_date_and_time() -> None:
    assert format_weekday(EVENING, "sv") == "fredag"
    assert format_weekday(EVENING, "en") == "Friday"
    assert format_date_short(EVENING, "sv") == "fre 27 nov."
    assert format_date_short(EVENING, "en") == "Fri 27 Nov"
    assert format_time(EVENING, "sv") == format_time(EVENING, "en") == "18:00"


def test_values_in_other_zones_are_shown_in_stockholm_time() -> None:
    utc = datetime(2026, 11, 27, 23, 30, tzinfo=UTC)  # already Saturday 00:30 in Stockholm
    assert format_day(utc, "sv") == "lördag 28 november"
    assert format_time(utc, "en") == "00:30"
    summer = datetime(2026, 6, 19, 10, 0, tzinfo=UTC)  # summer time: UTC+2
    assert format_time(summer, "sv") == "12:00"
    new_york = datetime(2026, 11, 27, 12, 0, tzinfo=timezone(timedelta(hours=-5)))
    assert format_time(new_york, "sv") == "18:00"


def test_naive_values_are_taken_as_stockholm_time() -> None:
    assert format_time(datetime(2026, 11, 27, 9, 5), "sv") == "09:05"


def test_unknown_language_falls_back_to_swedish() -> None:
    assert format_day(EVENING, "xx") == "fredag 27 november"


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("sv", "fredag 27 november 18:00–20:00"), ("en", "Friday 27 November 18:00–20:00")],
)
def test_range_on_one_day(lang: str, expected: str) -> None:
    assert format_range(EVENING, EVENING + timedelta(hours=2), lang) == expected


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("sv", "fre 27 nov. 18:00 – lör 28 nov. 02:00"), ("en", "Fri 27 Nov 18:00 – Sat 28 Nov 02:00")],
)
def test_range_over_midnight(lang: str, expected: str) -> None:
    assert format_range(EVENING, EVENING + timedelta(hours=8), lang) == expected


def test_range_without_a_usable_end_shows_the_start() -> None:
    assert format_range(EVENING, None, "sv") == "fredag 27 november 18:00"
    assert format_range(EVENING, EVENING - timedelta(hours=1), "en") == "Friday 27 November 18:00"


def test_all_day_events_use_an_exclusive_midnight_end() -> None:
    day = datetime(2026, 11, 27, tzinfo=STOCKHOLM)
    assert format_range(day, day + timedelta(days=1), "sv", all_day=True) == "fredag 27 november"
    assert format_range(day, None, "en", all_day=True) == "Friday 27 November"
    assert format_range(day, day + timedelta(days=3), "sv", all_day=True) == "fre 27 nov. – sön 29 nov."
    assert format_range(day, day + timedelta(days=3), "en", all_day=True) == "Fri 27 Nov – Sun 29 Nov"


def test_all_day_event_stored_in_utc_still_lands_on_its_stockholm_day() -> None:
    start = datetime(2026, 11, 26, 23, 0, tzinfo=UTC)  # Stockholm midnight, 27 November
    assert format_range(start, start + timedelta(days=1), "sv", all_day=True) == "fredag 27 november"
