"""The sane time range (admin.content.validate: 2000-01-01 up to 2100-01-01, Stockholm time).

A time at the ends of Python's range (year 1, year 9999) was accepted, signed and synced, and then
crashed every kiosk screen converting it to Stockholm time; some of them crashed the CLI itself
(issue 9, point 2). Every command and every import that takes a time now refuses one outside the
range with one `error:` line, and leaves the database unchanged.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.admin.conftest import dump, ok, run_cli

RANGE = "outside the accepted range (2000-01-01 to 2099-12-31)"
EVENT = ["event", "add", "--title-sv", "Show"]
BOOK = ["booking", "add", "--room", "arena-1", "--title", "Möte"]

CASES: list[tuple[str, list[str]]] = [
    (
        "announcement from year 1",
        ["announce", "push", "Hej", "--priority", "info", "--from", "0001-01-01T00:00"],
    ),
    (
        "emergency until year 9999",
        ["announce", "push", "Ut!", "--priority", "emergency", "--until", "9999-12-31T23:59"],
    ),
    ("event at the start of year 1", [*EVENT, "--start", "0001-01-01T00:30", "--end", "2030-01-01T00:00"]),
    (
        "event at the end of year 9999 west of Greenwich",
        [*EVENT, "--start", "9999-12-31T23:00-05:00", "--end", "9999-12-31T23:30-05:00"],
    ),
    ("event a minute before 2000", [*EVENT, "--start", "1999-12-31T23:59", "--end", "2000-01-01T01:00"]),
    ("event ending in 2100", [*EVENT, "--start", "2099-12-31T23:00", "--end", "2100-01-01T00:00"]),
    ("event edit to year 1", ["event", "edit", "1", "--start", "0001-01-01T00:00"]),
    ("booking in year 1", [*BOOK, "--start", "0001-01-01T00:00", "--end", "0001-01-01T01:00"]),
    ("booking in year 9999", [*BOOK, "--start", "9999-12-31T22:00", "--end", "9999-12-31T23:00"]),
]


@pytest.mark.parametrize(("name", "args"), CASES, ids=[c[0] for c in CASES])
def test_a_time_outside_the_range_is_refused(seeded: Path, name: str, args: list[str]) -> None:
    before = dump(seeded)
    result = run_cli(seeded, *args)
    assert result.exit_code != 0
    assert len(result.error_lines) == 1 and result.error_lines[0].startswith("error: "), result.stderr
    assert RANGE in result.error_lines[0]
    assert dump(seeded) == before


def test_the_edges_of_the_range_are_accepted(seeded: Path) -> None:
    ok(run_cli(seeded, *EVENT, "--start", "2000-01-01T00:00", "--end", "2000-01-01T01:00"))
    ok(run_cli(seeded, *EVENT, "--start", "2099-12-31T22:00", "--end", "2099-12-31T23:59"))


def _ics(start: str, end: str) -> str:
    return "\r\n".join(
        [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//test//EN",
            "BEGIN:VEVENT",
            "UID:fine@test",
            f"DTSTART:{(date.today() + timedelta(days=2)).strftime('%Y%m%d')}T100000",
            f"DTEND:{(date.today() + timedelta(days=2)).strftime('%Y%m%d')}T110000",
            "SUMMARY:Fine",
            "END:VEVENT",
            "BEGIN:VEVENT",
            "UID:extreme@test",
            f"DTSTART:{start}",
            f"DTEND:{end}",
            "SUMMARY:Extreme",
            "END:VEVENT",
            "END:VCALENDAR",
            "",
        ]
    )


#: Year 1 and 9999 already stop the iCalendar library ("date value out of range"); times it can
#: represent but outside the range are refused by the one range check.
OUT_OF_RANGE = "outside the accepted range"
UNREPRESENTABLE = "out of range"


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("00010101T000000", f"{date.today().year + 1}0101T000000", UNREPRESENTABLE),
        ("19000101T000000", f"{date.today().year + 1}0101T000000", OUT_OF_RANGE),  # overlaps the window
        (f"{date.today().year}0101T000000Z", "21000101T000000Z", OUT_OF_RANGE),
        (f"{date.today().year}0101T000000Z", "99991231T235959Z", UNREPRESENTABLE),
    ],
    ids=["year 1 start", "1900 start", "2100 end", "9999 end"],
)
def test_an_icalendar_event_outside_the_range_is_skipped_or_refused(
    seeded: Path, tmp_path: Path, start: str, end: str, expected: str
) -> None:
    """A feed's event outside the range is one unreadable event: skipped with a line that names it
    (the rest of the feed imports, issue 17), or with --strict the whole import refused."""
    path = tmp_path / "extreme.ics"
    path.write_text(_ics(start, end), encoding="utf-8")
    before = dump(seeded)
    for args in (
        ["event", "import-ics", str(path), "--source", "science-center"],
        ["booking", "import-ics", str(path), "--room", "arena-1"],
    ):
        refused = run_cli(seeded, *args, "--strict")
        assert refused.exit_code != 0, refused.stdout
        assert len(refused.error_lines) == 1 and refused.error_lines[0].startswith("error: "), refused.stderr
        assert expected in refused.error_lines[0] and "extreme@test" in refused.stderr
        assert dump(seeded) == before
    imported = ok(run_cli(seeded, "event", "import-ics", str(path), "--source", "science-center"))
    (skipped,) = [line for line in imported.error_lines if "extreme@test" in line]
    assert skipped.startswith("warning: event skipped: ") and expected in skipped
    assert "1 added" in imported.stdout and "1 unreadable event skipped" in imported.stdout
