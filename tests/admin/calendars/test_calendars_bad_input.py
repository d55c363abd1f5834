"""Every bad feed the issue names: one `error:` line naming the problem (with line / UID where there is
one), exit status 1, and the database exactly as before (full dump compared), including the data an
earlier good import left, which keeps showing.

A problem with one event refuses the feed only with `--strict`; by default that event is skipped and
the rest imported (tests/admin/calendars/test_calendars_tolerant.py). Problems with the whole feed refuse it
either way."""

from __future__ import annotations

import re
import socket
from collections.abc import Callable
from pathlib import Path

import pytest

from admin.calendars.errors import CalendarError
from admin.calendars.fetch import fetch
from tests.admin.calendars.conftest import ROOM, FeedServer, Response, dump, feed, ok, run_cli

GOOD = feed("google-science-center.ics")
LECTURE_UID = "0a9s8d7f6g5h4j3k2l1qwertyu@google.com"
SHOW_UID = "5k2q7c1v3h0m9a8r4t6b2n1d0s@google.com"


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def block(text: str, uid: str) -> tuple[int, int]:
    """Where the VEVENT with this UID starts and ends in the text."""
    at = text.index(f"UID:{uid}")
    return text.rindex("BEGIN:VEVENT", 0, at), text.index("END:VEVENT", at)


def in_block(uid: str, old: str, new: str) -> str:
    start, end = block(GOOD, uid)
    assert old in GOOD[start:end]
    return GOOD[:start] + GOOD[start:end].replace(old, new, 1) + GOOD[end:]


def truncated() -> tuple[str, str]:
    cut = GOOD[: GOOD.index("SUMMARY:Kvällsföreläsning")]
    begin = GOOD[: block(GOOD, LECTURE_UID)[0]].count("\n") + 1
    return (
        cut,
        rf"the feed is truncated: BEGIN:VEVENT at line {begin} \(UID {LECTURE_UID}\) has no END:VEVENT",
    )


def no_dtstart() -> tuple[str, str]:
    start, _ = block(GOOD, LECTURE_UID)
    text = in_block(LECTURE_UID, "DTSTART:", "X-WAS-DTSTART:")
    return text, rf"line {GOOD[:start].count(chr(10)) + 1} \(UID {LECTURE_UID}\): VEVENT has no DTSTART"


def unknown_zone() -> tuple[str, str]:
    text = GOOD.replace("DTSTART;TZID=Europe/Stockholm:", "DTSTART;TZID=Mars/Olympus_Mons:", 1)
    number = line_of(text, "DTSTART;TZID=Mars/Olympus_Mons")
    return text, rf"line {number} \(UID {SHOW_UID}\): unknown time zone 'Mars/Olympus_Mons'"


def bad_value() -> tuple[str, str]:
    text = in_block(LECTURE_UID, "DTSTART:", "DTSTART:2026-12-0")
    return text, rf"line {line_of(text, 'DTSTART:2026-12-0')} \(UID {LECTURE_UID}\): bad DTSTART value"


def end_before_start() -> tuple[str, str]:
    text = in_block(LECTURE_UID, "T183000Z", "T160000Z")
    number = line_of(text, "T160000Z")
    return (
        text,
        rf"line {number} \(UID {LECTURE_UID}\): DTEND \d{{8}}T160000Z is before DTSTART \d{{8}}T170000Z",
    )


def twice() -> tuple[str, str]:
    start, _ = block(GOOD, LECTURE_UID)
    first = GOOD.index("DTSTART:", start)
    line = GOOD[first : GOOD.index("\n", first) + 1]
    text = GOOD[:first] + line + line + GOOD[first + len(line) :]
    number = line_of(GOOD, line)
    return (
        text,
        rf"line {number + 1} \(UID {LECTURE_UID}\): DTSTART appears twice in VEVENT "
        rf"\(first on line {number}\)",
    )


def rule(freq: str) -> str:
    return GOOD.replace("RRULE:FREQ=WEEKLY;WKST=MO", f"RRULE:{freq}", 1)


CASES: list[tuple[str, Callable[[], tuple[str | bytes, str]]]] = [
    (
        "plain text",
        lambda: (
            "Hej! Här är vår kalender.\n",
            r"not an iCalendar feed: line 1 is 'Hej! Här är vår kalender.'",
        ),
    ),
    (
        "an HTML page",
        lambda: ("<!DOCTYPE html>\n<html><body>Logga in</body></html>\n", "got an HTML/XML page"),
    ),
    ("an empty file", lambda: ("", "not an iCalendar feed: it is empty")),
    ("a truncated file", truncated),
    ("an event without DTSTART", no_dtstart),
    ("an unknown time zone", unknown_zone),
    ("a malformed DTSTART", bad_value),
    ("an end before the start", end_before_start),
    ("a property given twice", twice),
    (
        "a malformed parameter",
        lambda: (
            in_block(LECTURE_UID, "DTSTART:", "DTSTART;VALUEDATE:"),
            r"line \d+: malformed parameter 'VALUEDATE' in DTSTART",
        ),
    ),
    ("a malformed RRULE", lambda: (rule("FREQ=FORTNIGHTLY"), rf"\(UID {SHOW_UID}\): bad RRULE value")),
    (
        "a rule repeating every second",
        lambda: (rule("FREQ=SECONDLY"), "FREQ=SECONDLY rules are not supported"),
    ),
    (
        "not UTF-8",
        lambda: (GOOD.encode("utf-8").replace("Öppet".encode(), "Öppet".encode("latin-1")), "not UTF-8 text"),
    ),
]


@pytest.fixture
def imported(db_path: Path, tmp_path: Path) -> Path:
    """A database with the science center's feed imported once: the last good data."""
    good = tmp_path / "good.ics"
    good.write_text(GOOD, encoding="utf-8")
    ok(run_cli(db_path, "event", "import-ics", str(good), "--source", "science-center"))
    return db_path


def refused(db_path: Path, args: list[str], expected: str) -> None:
    before = dump(db_path)
    result = run_cli(db_path, *args)
    assert result.exit_code == 1, result.stdout
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert re.search(expected, lines[0]), lines[0]
    assert result.stdout == ""
    assert dump(db_path) == before


#: The CASES that are one bad event, not a bad feed: refused only with --strict.
ONE_EVENT = {
    "an event without DTSTART",
    "an unknown time zone",
    "a malformed DTSTART",
    "an end before the start",
    "a property given twice",
    "a malformed parameter",
    "a malformed RRULE",
    "a rule repeating every second",
}


@pytest.mark.parametrize(("name", "make"), CASES, ids=[c[0] for c in CASES])
def test_bad_feed_file(
    imported: Path, tmp_path: Path, name: str, make: Callable[[], tuple[str | bytes, str]]
) -> None:
    content, expected = make()
    path = tmp_path / "bad.ics"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    for strict in [["--strict"]] if name in ONE_EVENT else [[], ["--strict"]]:
        refused(imported, ["event", "import-ics", str(path), "--source", "science-center", *strict], expected)
        refused(imported, ["booking", "import-ics", str(path), "--room", ROOM, *strict], expected)


def test_rule_without_end_expanding_past_the_cap(imported: Path, tmp_path: Path) -> None:
    path = tmp_path / "minutely.ics"
    path.write_text(rule("FREQ=MINUTELY"), encoding="utf-8")
    expected = (
        r"the feed expands to more than 20,000 occurrences in 60 days "
        rf"\(line {GOOD[: block(GOOD, SHOW_UID)[0]].count(chr(10)) + 1} \(UID {SHOW_UID}\) "
        r"alone has 20,001 so far\): "
        "is a rule repeating too often"
    )
    refused(imported, ["event", "import-ics", str(path), "--source", "science-center"], expected)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["event", "import-ics", "/nonexistent/feed.ics", "--source", "x"],
            "cannot read /nonexistent/feed.ics",
        ),
        (
            ["event", "import-ics", "ftp://example.org/feed.ics", "--source", "x"],
            "only http\\(s\\) and webcal",
        ),
        (["event", "import-ics", "GOOD", "--source", "manual"], "source 'manual' is reserved"),
        (["event", "import-ics", "GOOD", "--source", "Science Center"], "not a valid identifier"),
        (["booking", "import-ics", "GOOD", "--room", "nowhere"], "no room 'nowhere'"),
    ],
)
def test_bad_arguments(imported: Path, tmp_path: Path, args: list[str], expected: str) -> None:
    good = tmp_path / "good.ics"
    refused(imported, [str(good) if a == "GOOD" else a for a in args], expected)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_bad_urls(imported: Path, feed_server: FeedServer) -> None:
    html = b"<!DOCTYPE html><html><head><title>Logga in</title></head><body></body></html>"
    cases = [
        (
            feed_server.serve("/login", Response(html, "text/html; charset=utf-8")),
            r"returned a web page \(text/html\)",
        ),
        (feed_server.serve("/mislabelled.ics", Response(html)), "got an HTML/XML page"),
        (feed_server.url + "/missing.ics", r"/missing.ics: HTTP 404"),
        (
            feed_server.serve("/slow.ics", Response(GOOD.encode(), delay=3)),
            r"/slow.ics: timed out after 0.5 s",
        ),
        (
            feed_server.serve("/drip.ics", Response(GOOD.encode(), drip=0.05)),
            r"/drip.ics: timed out after 0.5 s \(download too slow\)",
        ),
        (feed_server.serve("/truncated.ics", Response(truncated()[0].encode())), "the feed is truncated"),
        (
            feed_server.serve("/cut.ics", Response(GOOD.encode()[:2000], declared_length=len(GOOD.encode()))),
            r"/cut.ics: the connection closed before the whole feed arrived",
        ),
        (f"http://127.0.0.1:{_closed_port()}/feed.ics", "cannot connect"),
        (
            feed_server.serve("/unasked.ics", Response(b"", status=304)),
            r"/unasked.ics: HTTP 304 Not Modified to a request that sent no ETag or date",
        ),
    ]
    for url, expected in cases:
        refused(
            imported, ["event", "import-ics", url, "--source", "science-center", "--timeout", "0.5"], expected
        )


def test_size_cap(feed_server: FeedServer) -> None:
    url = feed_server.serve("/big.ics", Response(GOOD.encode() * 3))
    with pytest.raises(
        CalendarError, match=rf"/big.ics: the feed is larger than {len(GOOD.encode()):,} bytes"
    ):
        fetch(url, max_bytes=len(GOOD.encode()))
