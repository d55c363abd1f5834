"""Expanding realistic feeds into occurrences: recurrences, overrides, zones, all-day and multi-day events.

These call admin.calendars.expand directly with an explicit window, so dates can be fixed where the
point is a calendar fact (a DST change) and relative to today elsewhere.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from admin.calendars.errors import CalendarError
from admin.calendars.expand import Occurrence, Window, expand
from tests.admin.calendars.conftest import feed

STOCKHOLM = ZoneInfo("Europe/Stockholm")
SHOW = "5k2q7c1v3h0m9a8r4t6b2n1d0s@google.com"
PLANETARIUM = "9z8x7c6v5b4n3m2l1k0j9h8g7f@google.com"


def at(on: date, offset: int, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(on + timedelta(days=offset), datetime.min.time(), STOCKHOLM).replace(
        hour=hour, minute=minute
    )


def of(occurrences: list[Occurrence], uid: str) -> list[Occurrence]:
    return [o for o in occurrences if o.uid == uid]


def vcalendar(*event_lines: str, head: tuple[str, ...] = ()) -> str:
    return "\r\n".join(
        [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//test//EN",
            *head,
            "BEGIN:VEVENT",
            "UID:test-1@example.org",
            "DTSTAMP:20260101T000000Z",
            "SUMMARY:Test",
            *event_lines,
            "END:VEVENT",
            "END:VCALENDAR",
            "",
        ]
    )


ON = date(2026, 11, 27)  # a Friday, outside DST


def test_weekly_show_with_a_moved_an_excluded_and_a_cancelled_occurrence() -> None:
    occurrences = expand(feed("google-science-center.ics", ON), Window.ahead(ON)).occurrences
    show = of(occurrences, SHOW)
    # Weekly from D-7 without end: D+0 ... D+56 in the 60-day window, D+21 excluded (EXDATE),
    # D+14 moved to D+15 15:00, D+28 cancelled (still listed, marked).
    assert [o.start for o in show] == [
        at(ON, 0, 13),
        at(ON, 7, 13),
        at(ON, 15, 15),
        at(ON, 28, 13),
        at(ON, 35, 13),
        at(ON, 42, 13),
        at(ON, 49, 13),
        at(ON, 56, 13),
    ]
    moved = show[2]
    assert moved.summary == "Vetenskapsshow: Eld och is (flyttad)"
    assert moved.end == at(ON, 15, 15, 45)
    # Identity of the moved occurrence: its original start (D+14 13:00 Stockholm = 12:00 UTC).
    assert moved.recurrence_id == (ON + timedelta(days=14)).isoformat() + "T12:00:00Z"
    assert [o.cancelled for o in show] == [False, False, False, True, False, False, False, False]
    assert show[0].recurrence_id == ON.isoformat() + "T12:00:00Z"
    assert show[0].description.startswith("Vår populära vetenskapsshow: vi fryser, bränner och spränger")
    assert "\n" not in show[0].description


def test_rdate_adds_occurrences() -> None:
    occurrences = expand(feed("google-science-center.ics", ON), Window.ahead(ON)).occurrences
    assert [o.start for o in of(occurrences, PLANETARIUM)] == [at(ON, 2, 10), at(ON, 9, 10), at(ON, 16, 10)]


def test_utc_single_event_all_day_and_multi_day() -> None:
    occurrences = expand(feed("google-science-center.ics", ON), Window.ahead(ON)).occurrences
    lecture = of(occurrences, "0a9s8d7f6g5h4j3k2l1qwertyu@google.com")[0]
    assert lecture.start == at(ON, 3, 18)  # 17:00Z is 18:00 in Stockholm in winter
    assert lecture.recurrence_id == ""
    assert lecture.url == "https://www.innovatum.se/evenemang/ai-i-industrin"
    open_day = of(occurrences, "7h6g5f4d3s2a1p0o9i8u7y6t5r@google.com")[0]
    assert (open_day.all_day, open_day.start, open_day.end) == (True, at(ON, 5, 0), at(ON, 6, 0))
    week = of(occurrences, "1q2w3e4r5t6y7u8i9o0p1a2s3d@google.com")[0]
    assert (week.all_day, week.start, week.end) == (True, at(ON, 10, 0), at(ON, 15, 0))


def test_weekly_rule_keeps_wall_clock_time_across_the_dst_change() -> None:
    before_dst_ends = date(2026, 10, 16)  # DST ends on 2026-10-25
    show = of(
        expand(
            feed("google-science-center.ics", before_dst_ends), Window.ahead(before_dst_ends, 21)
        ).occurrences,
        SHOW,
    )
    assert [(o.start.hour, o.start.utcoffset()) for o in show] == [
        (13, timedelta(hours=2)),
        (13, timedelta(hours=2)),
        (15, timedelta(hours=1)),  # D+14 moved to D+15 15:00, after the change
    ]


def test_outlook_room_calendar_with_windows_zone_names() -> None:
    occurrences = expand(feed("outlook-room.ics", ON), Window.ahead(ON)).occurrences
    by_title = {o.summary: o for o in occurrences}
    weekly = [o for o in occurrences if o.summary == "Veckomöte Inkubatorn"]
    # COUNT=6 from D+0, D+7 excluded: five meetings at 09:00 "W. Europe Standard Time".
    assert [o.start.astimezone(STOCKHOLM) for o in weekly] == [at(ON, d, 9) for d in (0, 14, 21, 28, 35)]
    assert weekly[0].organiser == "Karin Lindqvist"  # the name, never the e-mail address
    london = by_title["Workshop: Supply chain with Sheffield partners"]
    assert london.start.astimezone(STOCKHOLM) == at(ON, 2, 13)  # 12:00 GMT Standard Time
    training = by_title["Utbildning: Projektledning (dag 1–2)"]
    assert (training.start, training.end) == (at(ON, 3, 8, 30), at(ON, 4, 16, 30))
    private = by_title["Lönesamtal Anders"]
    assert private.private and not private.cancelled
    assert by_title["Styrelsemöte (inställt)"].cancelled


def test_windows_zone_name_without_vtimezone_is_resolved() -> None:
    text = vcalendar(
        "DTSTART;TZID=Central Europe Standard Time:20261201T100000",
        "DTEND;TZID=Central Europe Standard Time:20261201T110000",
    )
    (only,) = expand(text, Window.ahead(ON)).occurrences
    assert only.start.astimezone(STOCKHOLM) == datetime(2026, 12, 1, 10, tzinfo=STOCKHOLM)


def test_floating_times_are_stockholm_and_duration_and_defaults_apply() -> None:
    (floating,) = expand(
        vcalendar("DTSTART:20260701T100000", "DURATION:PT90M"), Window.ahead(date(2026, 6, 30))
    ).occurrences
    assert floating.start == datetime(2026, 7, 1, 10, tzinfo=STOCKHOLM)
    assert floating.start.utcoffset() == timedelta(hours=2)
    assert floating.end == datetime(2026, 7, 1, 11, 30, tzinfo=STOCKHOLM)
    (all_day,) = expand(vcalendar("DTSTART;VALUE=DATE:20261201"), Window.ahead(ON)).occurrences
    assert (all_day.all_day, all_day.start, all_day.end) == (
        True,
        datetime(2026, 12, 1, tzinfo=STOCKHOLM),
        datetime(2026, 12, 2, tzinfo=STOCKHOLM),
    )


def test_x_wr_timezone_places_a_googles_utc_series_in_local_time() -> None:
    # Some exports write a series in UTC and name the zone in X-WR-TIMEZONE: the wall-clock time must
    # hold across the DST change, as the calendar app shows it.
    text = vcalendar(
        "DTSTART:20261016T110000Z",
        "DTEND:20261016T120000Z",
        "RRULE:FREQ=WEEKLY;COUNT=3",
        head=("X-WR-TIMEZONE:Europe/Stockholm",),
    )
    occurrences = expand(text, Window.ahead(date(2026, 10, 16))).occurrences
    assert [o.start.astimezone(STOCKHOLM).hour for o in occurrences] == [13, 13, 13]


def test_window_bounds_a_rule_without_end_and_includes_an_event_already_running() -> None:
    endless = expand(vcalendar("DTSTART:20261101T100000", "RRULE:FREQ=DAILY"), Window.ahead(ON, 10))
    assert len(endless.occurrences) == 10
    assert endless.occurrences[0].start == at(ON, 0, 10)
    running = vcalendar("DTSTART;VALUE=DATE:20261125", "DTEND;VALUE=DATE:20261130")
    assert len(expand(running, Window.ahead(ON)).occurrences) == 1
    past = vcalendar("DTSTART:20261126T100000", "DTEND:20261126T110000")
    assert expand(past, Window.ahead(ON)).occurrences == []


def test_runaway_rule_hits_the_occurrence_cap() -> None:
    expected = (
        r"more than 500 occurrences in 60 days \(line 4 \(UID test-1@example.org\) alone has 501 so far\)"
    )
    with pytest.raises(CalendarError, match=expected):
        expand(vcalendar("DTSTART:20261201T100000", "RRULE:FREQ=MINUTELY"), Window.ahead(ON), cap=500)


def test_feed_text_becomes_one_clean_line() -> None:
    text = vcalendar(
        "DTSTART:20261201T100000",
        "DESCRIPTION:Rad ett\\nRad två\t\x1b[31mröd\x1b[0m",
        "LOCATION:" + "x" * 300,
    )
    (only,) = expand(text, Window.ahead(ON)).occurrences
    assert only.description == "Rad ett Rad två [31mröd [0m"
    assert len(only.location) == 120 and only.location.endswith("…")


def test_outlook_customized_time_zone_is_read_from_its_vtimezone() -> None:
    """Outlook names an edited zone "Customized Time Zone": only its VTIMEZONE says what it is."""
    vtimezone = (
        "BEGIN:VTIMEZONE",
        "TZID:Customized Time Zone",
        "BEGIN:STANDARD",
        "DTSTART:16010101T030000",
        "TZOFFSETFROM:+0200",
        "TZOFFSETTO:+0100",
        "RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10",
        "END:STANDARD",
        "BEGIN:DAYLIGHT",
        "DTSTART:16010101T020000",
        "TZOFFSETFROM:+0100",
        "TZOFFSETTO:+0200",
        "RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3",
        "END:DAYLIGHT",
        "END:VTIMEZONE",
    )
    text = vcalendar(
        "DTSTART;TZID=Customized Time Zone:20260701T100000",
        "DTEND;TZID=Customized Time Zone:20260701T110000",
        head=vtimezone,
    )
    (only,) = expand(text, Window.ahead(date(2026, 6, 30))).occurrences
    assert only.start.astimezone(STOCKHOLM) == datetime(2026, 7, 1, 10, tzinfo=STOCKHOLM)
    assert only.start.utcoffset() == timedelta(hours=2)


def test_feed_text_in_an_error_cannot_reach_the_terminal_raw() -> None:
    text = vcalendar("DTSTART;TZID=Nowhere/Zone:20261201T100000").replace(
        "UID:test-1@example.org", "UID:evil\x1b]0;pwned\x07@example.org"
    )
    with pytest.raises(CalendarError) as caught:
        expand(text, Window.ahead(ON), strict=True)
    message = str(caught.value)
    assert "\x1b" not in message and "\x07" not in message
    assert "UID evil\\x1b]0;pwned\\x07@example.org" in message
    # Tolerant (the default), the event is skipped and the same message lists it.
    (skipped,) = expand(text, Window.ahead(ON)).skipped
    assert skipped.describe() == message


def test_this_and_future_override_changes_the_rest_of_the_series_and_keeps_identities() -> None:
    """RANGE=THISANDFUTURE (iCloud, Thunderbird): from the 3rd occurrence on, two hours later and
    renamed. Every occurrence keeps the identity it had before, so the stored rows are updated."""
    master = (
        "DTSTART;TZID=Europe/Stockholm:20261201T100000",
        "DTEND;TZID=Europe/Stockholm:20261201T110000",
        "RRULE:FREQ=WEEKLY;COUNT=5",
    )
    before = expand(vcalendar(*master), Window.ahead(ON)).occurrences
    override = "\r\n".join(
        [
            "BEGIN:VEVENT",
            "UID:test-1@example.org",
            "DTSTAMP:20260101T000000Z",
            "SEQUENCE:1",
            "RECURRENCE-ID;RANGE=THISANDFUTURE;TZID=Europe/Stockholm:20261215T100000",
            "DTSTART;TZID=Europe/Stockholm:20261215T120000",
            "DTEND;TZID=Europe/Stockholm:20261215T130000",
            "SUMMARY:Test (ny tid)",
            "END:VEVENT",
            "END:VCALENDAR",
        ]
    )
    after = expand(vcalendar(*master).replace("END:VCALENDAR", override), Window.ahead(ON))
    assert after.duplicates == 0
    assert [o.recurrence_id for o in after.occurrences] == [o.recurrence_id for o in before]
    assert [(o.start.day, o.start.hour, o.summary) for o in after.occurrences] == [
        (1, 10, "Test"),
        (8, 10, "Test"),
        (15, 12, "Test (ny tid)"),
        (22, 12, "Test (ny tid)"),
        (29, 12, "Test (ny tid)"),
    ]
