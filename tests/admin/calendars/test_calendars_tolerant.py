"""A feed from a producer the operator does not control: lines that do not matter are dropped with a
warning, an event that cannot be read is skipped (one line: file line, UID, why) and the rest imported,
an event without UID gets a derived identity, and `--strict` keeps the all-or-nothing import."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from admin.calendars import apply
from admin.calendars.errors import CalendarError
from admin.calendars.expand import Occurrence, Window, expand
from admin.content import validate
from tests.admin.calendars.conftest import ROOM, day, dump, feed, local, ok, query, run_cli, without

QUIRKS = feed("vendor-quirks.ics")
BAD = feed("bad-events.ics")


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_malformed_lines_that_do_not_matter_are_dropped_with_a_warning(db_path: Path, tmp_path: Path) -> None:
    path = write(tmp_path, "quirks.ics", QUIRKS)
    result = ok(run_cli(db_path, "booking", "import-ics", path, "--room", ROOM))
    assert result.stderr.splitlines() == [
        f"warning: line {line_of(QUIRKS, 'X-APPLE-RADIUS')}: ignored 'X-APPLE-RADIUS=49.9': "
        "not a NAME:VALUE content line",
        f"warning: line {line_of(QUIRKS, chr(10) + 'mple.se') + 1}: ignored 'mple.se': "
        "not a NAME:VALUE content line",
        f"warning: line {line_of(QUIRKS, 'FREEBUSY;')}: ignored 'FREEBUSY;FBTYPE=BUSY': "
        "FREEBUSY has no value (no ':')",
        f"warning: line {line_of(QUIRKS, 'X-COMMENT')}: ignored 'X-COMMENT:Exported from Podio': "
        "text after END:VCALENDAR",
    ]
    assert result.stdout == (
        f"imported bookings from {ROOM}: 2 added, 0 updated, 0 removed, 0 unchanged, 4 warnings "
        "(revision 2)\n"
    )
    rows = [tuple(r) for r in query(db_path, "SELECT title, organiser, start FROM bookings ORDER BY start")]
    assert rows == [
        ("Robotverkstad", "", local(1, "10:00")),
        # The ORGANIZER line before the broken fold still gives the organiser's name.
        ("Sprintdemo", "Karin Lundqvist", rows[1][2]),
    ]
    assert rows[1][2].startswith(day(2))


def test_strict_refuses_a_dropped_line_as_before(db_path: Path, tmp_path: Path) -> None:
    path = write(tmp_path, "quirks.ics", QUIRKS)
    before = dump(db_path)
    result = run_cli(db_path, "event", "import-ics", path, "--source", "quirks", "--strict")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"error: line {line_of(QUIRKS, 'X-APPLE-RADIUS')}: "
        "not an iCalendar content line: 'X-APPLE-RADIUS=49.9'"
    ]
    assert dump(db_path) == before


def skipped_lines() -> list[str]:
    """What `import-ics` says about bad-events.ics, in the order of the feed."""
    return [
        f"warning: event skipped: line {line_of(BAD, 'RDATE;VALUE=DATE:2027')} "
        "(UID 2ieg9ue7fnp0bq3t1n5n4me2kl_BIRTHDAY_self@google.com): "
        "bad RDATE value '20270229': 20270229 is not a valid date",
        f"warning: event skipped: line {line_of(BAD, 'T160000Z')} (UID backwards@example.se): "
        f"DTEND {day(2).replace('-', '')}T160000Z is before DTSTART {day(2).replace('-', '')}T170000Z",
        f"warning: event skipped: line {line_of(BAD, 'RRULE:RSCALE')} (UID lunar-new-year@example.se): "
        "bad RRULE value 'RSCALE=CHINESE;FREQ=YEARLY': RSCALE=CHINESE repeats it by another calendar "
        "than the Gregorian, the only one supported",
        f"warning: event skipped: line {line_of(BAD, 'UNTL=')} (UID typo@example.se): "
        "bad RRULE value 'FREQ=WEEKLY;UNTL=20991231T000000Z': unknown part 'UNTL' (a typo of UNTIL?)",
        f"warning: event skipped: line {line_of(BAD, 'RDATE;VALUE=TIME')} (UID time-only@example.se): "
        "bad RDATE value: VALUE=TIME is a time of day without a date, so it names no occurrence",
    ]


def test_each_bad_event_is_skipped_named_and_counted_and_the_rest_imported(
    db_path: Path, tmp_path: Path
) -> None:
    path = write(tmp_path, "bad.ics", BAD)
    result = ok(run_cli(db_path, "event", "import-ics", path, "--source", "park"))
    no_uid = line_of(BAD, "BEGIN:VEVENT\nDTSTAMP")
    (derived,) = [
        r["source_uid"] for r in query(db_path, "SELECT source_uid FROM events WHERE title_sv = 'Filmkväll'")
    ]
    assert result.stderr.splitlines() == [
        f"warning: line {no_uid}: VEVENT has no UID; imported as {derived}, an identity derived from its "
        "DTSTART and SUMMARY (if either changes, the event is removed and added again)",
        *skipped_lines(),
    ]
    assert result.stdout == (
        "imported events from park: 3 added, 0 updated, 0 removed, 0 unchanged, "
        "5 unreadable events skipped, 1 warning (revision 2)\n"
    )
    titles = sorted(r["title_sv"] for r in query(db_path, "SELECT title_sv FROM events"))
    assert titles == ["Filmkväll", "Lödworkshop", "Öppet hus"]
    for library_words in ("not supported between", "UNTIL parameter is missing", "Wrong date format"):
        assert library_words not in result.stderr


def test_strict_keeps_the_all_or_nothing_import(db_path: Path, tmp_path: Path) -> None:
    path = write(tmp_path, "bad.ics", BAD)
    before = dump(db_path)
    for args in (
        ["event", "import-ics", path, "--source", "park"],
        ["booking", "import-ics", path, "--room", ROOM],
    ):
        result = run_cli(db_path, *args, "--strict")
        assert result.exit_code == 1 and result.stdout == ""
        # The first problem found, as one line: the same words the tolerant import uses for it.
        assert result.stderr == f"error: {skipped_lines()[2].removeprefix('warning: event skipped: ')}\n"
    assert dump(db_path) == before


def test_a_skipped_event_keeps_its_last_good_version(db_path: Path, tmp_path: Path) -> None:
    date = day(2).replace("-", "")
    good = BAD.replace(f"DTEND:{date}T160000Z", f"DTEND:{date}T183000Z")  # the lecture, still readable
    ok(run_cli(db_path, "event", "import-ics", write(tmp_path, "v1.ics", good), "--source", "park"))
    lecture = "SELECT id, start, title_sv FROM events WHERE source_uid = 'backwards@example.se'"
    (stored,) = [tuple(r) for r in query(db_path, lecture)]
    # The lecture breaks in the feed (and the open house is renamed): the lecture's row stays as it was.
    broken = BAD.replace("SUMMARY:Öppet hus", "SUMMARY:Öppet hus!")
    result = ok(
        run_cli(db_path, "event", "import-ics", write(tmp_path, "v2.ics", broken), "--source", "park")
    )
    assert "0 added, 1 updated, 0 removed, 2 unchanged, 5 unreadable events skipped" in result.stdout
    assert [tuple(r) for r in query(db_path, lecture)] == [stored]
    # Gone from the feed altogether, it is removed as before.
    gone = write(tmp_path, "v3.ics", without(broken, "backwards@example.se"))
    result = ok(run_cli(db_path, "event", "import-ics", gone, "--source", "park"))
    assert "0 added, 0 updated, 1 removed, 3 unchanged, 4 unreadable events skipped" in result.stdout


def test_an_event_without_uid_keeps_its_derived_identity_while_it_is_unchanged(
    db_path: Path, tmp_path: Path
) -> None:
    path = write(tmp_path, "bad.ics", BAD)
    ok(run_cli(db_path, "event", "import-ics", path, "--source", "park"))
    first = [
        tuple(r) for r in query(db_path, "SELECT id, source_uid FROM events WHERE title_sv = 'Filmkväll'")
    ]
    again = ok(run_cli(db_path, "event", "import-ics", path, "--source", "park"))
    assert "0 added, 0 updated, 0 removed, 3 unchanged" in again.stdout
    assert [
        tuple(r) for r in query(db_path, "SELECT id, source_uid FROM events WHERE title_sv = 'Filmkväll'")
    ] == first
    # The trade-off: a changed title is a new identity, so the old row goes and a new one comes.
    renamed = write(tmp_path, "renamed.ics", BAD.replace("SUMMARY:Filmkväll", "SUMMARY:Filmkväll: Apollo 13"))
    result = ok(run_cli(db_path, "event", "import-ics", renamed, "--source", "park"))
    assert "1 added, 0 updated, 1 removed, 2 unchanged" in result.stdout


def test_a_library_warning_is_a_counted_line_not_a_python_warning(tmp_path: Path) -> None:
    """A real process (the warning fires once per process): GloballyUniqueTZIDGuessed becomes a line."""
    text = QUIRKS.replace(
        "DTSTART;TZID=Europe/Stockholm:", "DTSTART;TZID=/freeassociation.sourceforge.net/Europe/Stockholm:"
    )
    path = write(tmp_path, "guessed.ics", text)
    admin = str(Path(sys.executable).with_name("innovatum-admin"))
    db = str(tmp_path / "admin.db")
    subprocess.run([admin, "--db", db, "init"], check=True, capture_output=True, timeout=60)
    result = subprocess.run(
        [admin, "--db", db, "event", "import-ics", path, "--source", "apple"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    zone_line = line_of(text, "DTSTART;TZID=/free")
    assert (
        f"warning: line {zone_line}: calendar library warning (GloballyUniqueTZIDGuessed): Timezone "
        "'/freeassociation.sourceforge.net/Europe/Stockholm' is a globally unique TZID"
    ) in result.stderr
    assert "Warning:" not in result.stderr and "warnings.warn" not in result.stderr  # no raw Python warning
    assert all(line.startswith("warning: ") for line in result.stderr.splitlines())
    assert "2 added" in result.stdout and "5 warnings" in result.stdout


def test_an_event_a_shared_content_check_refuses_is_one_skipped_event(
    db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A check of admin/content/validate.py (such as a sane time range) that refuses one occurrence
    skips that event like an unreadable one: named, counted, its earlier rows kept; --strict refuses."""
    original = apply._event_values

    def checked(occurrence: Occurrence) -> dict[str, Any]:
        if occurrence.uid == "workshop@example.se":
            raise validate.Invalid("start is outside the years 2000 to 2100")
        return original(occurrence)

    monkeypatch.setattr(apply, "_event_values", checked)
    path = write(tmp_path, "bad.ics", BAD)
    result = ok(run_cli(db_path, "event", "import-ics", path, "--source", "park"))
    workshop = line_of(BAD, "BEGIN:VEVENT\nUID:workshop@example.se")
    assert (
        f"warning: event skipped: line {workshop} (UID workshop@example.se): "
        "start is outside the years 2000 to 2100"
    ) == result.stderr.splitlines()[-1]
    assert "2 added" in result.stdout and "6 unreadable events skipped" in result.stdout
    assert [
        r["title_sv"] for r in query(db_path, "SELECT title_sv FROM events WHERE title_sv = 'Lödworkshop'")
    ] == []

    good = write(tmp_path, "good.ics", without_bad_events())
    before = dump(db_path)
    refused = run_cli(db_path, "event", "import-ics", good, "--source", "park", "--strict")
    assert refused.exit_code == 1
    assert refused.stderr == (
        f"error: line {line_of(without_bad_events(), 'BEGIN:VEVENT' + chr(10) + 'UID:workshop')} "
        "(UID workshop@example.se): start is outside the years 2000 to 2100\n"
    )
    assert dump(db_path) == before


def without_bad_events() -> str:
    """bad-events.ics with only its readable events that have a UID."""
    text = BAD
    for uid in (
        "2ieg9ue7fnp0bq3t1n5n4me2kl_BIRTHDAY_self@google.com",
        "backwards@example.se",
        "lunar-new-year@example.se",
        "typo@example.se",
        "time-only@example.se",
    ):
        text = without(text, uid)
    at = text.index("SUMMARY:Filmkväll")  # the event without UID
    start, end = text.rindex("BEGIN:VEVENT", 0, at), text.index("END:VEVENT", at) + len("END:VEVENT\n")
    return text[:start] + text[end:]


def one_bad(line: str) -> str:
    return "\r\n".join(
        [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//test//EN",
            "BEGIN:VEVENT",
            "UID:bad@example.se",
            "DTSTART:20261204T100000",
            line,
            "END:VEVENT",
            "BEGIN:VEVENT",
            "UID:good@example.se",
            "DTSTART:20261205T100000",
            "SUMMARY:Öppet hus",
            "END:VEVENT",
            "END:VCALENDAR",
            "",
        ]
    )


@pytest.mark.parametrize(
    ("line", "why"),
    [
        # Out-of-range rule parts make dateutil search for an occurrence that never comes, forever.
        (
            "RRULE:FREQ=DAILY;INTERVAL=0",
            "bad RRULE value 'FREQ=DAILY;INTERVAL=0': INTERVAL=0 is not a whole number of 1 or more",
        ),
        (
            "RRULE:FREQ=DAILY;BYMONTH=13",
            "bad RRULE value 'FREQ=DAILY;BYMONTH=13': BYMONTH 13 is outside 1 to 12",
        ),
        (
            "RRULE:FREQ=WEEKLY;BYDAY=XX",
            "bad RRULE value 'FREQ=WEEKLY;BYDAY=XX': BYDAY 'XX' is not a weekday like MO, TU or -1SU",
        ),
        (
            "RRULE:FREQ=DAILY;COUNT=3;UNTIL=20270101",
            "bad RRULE value 'FREQ=DAILY;COUNT=3;UNTIL=20270101': "
            "it has both UNTIL and COUNT, RFC 5545 allows one",
        ),
        (
            "EXDATE:20261204T100000,garbage",
            "bad EXDATE value '20261204T100000,garbage': "
            "it is not a list of dates or date-times (20261204,20261211)",
        ),
        (
            "DTEND;TZID=Mars/Olympus_Mons:20261204T110000",
            "unknown time zone 'Mars/Olympus_Mons' in DTEND and no VTIMEZONE defines it",
        ),
        ("DTEND=20261204T110000", "not a NAME:VALUE content line"),
    ],
)
def test_each_kind_of_bad_value_is_one_skipped_event_in_words(line: str, why: str) -> None:
    expanded = expand(one_bad(line), Window.ahead(date(2026, 12, 3)))
    assert [o.uid for o in expanded.occurrences] == ["good@example.se"]
    assert [s.describe() for s in expanded.skipped] == [f"line 7 (UID bad@example.se): {why}"]
    assert expanded.kept_uids == {"bad@example.se"}


def test_a_sequence_that_is_not_a_number_is_a_dropped_line() -> None:
    """recurring-ical-events fails on it ('>' not supported ... 'vBroken'); it does not place the event."""
    expanded = expand(one_bad("SEQUENCE:x"), Window.ahead(date(2026, 12, 3)))
    assert sorted(o.uid for o in expanded.occurrences) == ["bad@example.se", "good@example.se"]
    assert [n.describe() for n in expanded.notices] == [
        "line 7: ignored 'SEQUENCE:x': SEQUENCE is not a whole number"
    ]


GOOGLE = feed("google-science-center.ics")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "DTSTART:19701025T030000",
            "DTSTART:19701025T03000",
            "line {line}: in a time zone definition (VTIMEZONE): bad DTSTART value '19701025T03000': "
            "not a local date-time like 19701025T030000",
        ),
        (
            "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
            "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SUN",
            "line {line}: in a time zone definition (VTIMEZONE): bad RRULE value "
            "'FREQ=YEARLY;BYMONTH=10;BYDAY=-1SUN': BYDAY '-1SUN' is not a weekday like MO, TU or -1SU",
        ),
        (
            "CALSCALE:GREGORIAN",
            "CALSCALE:CHINESE",
            "line {line}: CALSCALE 'CHINESE': only the Gregorian calendar is supported",
        ),
    ],
)
def test_a_problem_with_the_whole_feed_names_its_line_in_words(old: str, new: str, message: str) -> None:
    """What the libraries would refuse the whole calendar for without saying where (a VTIMEZONE value)."""
    text = GOOGLE.replace(old, new, 1)
    with pytest.raises(CalendarError) as caught:
        expand(text, Window.ahead(date(2026, 12, 3)))
    assert str(caught.value) == message.format(line=line_of(text, new))


def test_an_empty_parameter_in_the_header_is_a_dropped_line_and_a_tzid_naming_a_directory_one_bad_event() -> (
    None
):
    text = GOOGLE.replace("METHOD:PUBLISH", "METHOD;;:PUBLISH").replace(
        "DTSTART;TZID=Europe/Stockholm:", "DTSTART;TZID=Europe:", 1
    )
    expanded = expand(text, Window.ahead(date(2026, 12, 3)))
    assert [n.describe() for n in expanded.notices] == [
        f"line {line_of(text, 'METHOD;;')}: ignored 'METHOD;;:PUBLISH': "
        "an empty parameter (';;' or ';:') in METHOD"
    ]
    (skipped,) = expanded.skipped
    assert skipped.describe() == (
        f"line {line_of(text, 'DTSTART;TZID=Europe:')} (UID 5k2q7c1v3h0m9a8r4t6b2n1d0s@google.com): "
        "unknown time zone 'Europe' in DTSTART and no VTIMEZONE defines it"
    )
