"""Feed health as staff see it, over real HTTP from a local calendar host: a polled feed with unreadable
events, a feed that keeps failing, and an empty or shrunken reply held back until it repeats or is
accepted (`calendar status`, `calendar list --json`, `calendar poll`, `calendar accept`)."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from admin.calendars.poll import poll_due_feeds
from tests.admin.calendars.conftest import (
    FeedServer,
    Response,
    dump,
    feed,
    ok,
    query,
    revision,
    run_cli,
    without,
)

GOOD = feed("google-science-center.ics")
BAD = feed("bad-events.ics")
SHOW_UID = "5k2q7c1v3h0m9a8r4t6b2n1d0s@google.com"
LECTURE_UID = "0a9s8d7f6g5h4j3k2l1qwertyu@google.com"
EMPTY = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Google Inc//Google Calendar 70.9054//EN\r\nEND:VCALENDAR\r\n"
)


def listed(db_path: Path) -> dict[str, dict[str, Any]]:
    return {f["name"]: f for f in json.loads(ok(run_cli(db_path, "calendar", "list", "--json")).stdout)}


def status(db_path: Path) -> dict[str, dict[str, Any]]:
    return {f["name"]: f for f in json.loads(ok(run_cli(db_path, "calendar", "status", "--json")).stdout)}


def events(db_path: Path) -> list[tuple[object, ...]]:
    return [tuple(r) for r in query(db_path, 'SELECT id, source_uid, start, "end" FROM events ORDER BY id')]


def subscribe(db_path: Path, url: str, *extra: str) -> None:
    ok(run_cli(db_path, "calendar", "add", "sc", url, "--kind", "events", *extra))


def test_a_polled_feed_with_unreadable_events_imports_the_rest_and_says_which(
    db_path: Path, feed_server: FeedServer, caplog: pytest.LogCaptureFixture
) -> None:
    url = feed_server.serve("/park.ics", Response(BAD.encode()))
    subscribe(db_path, url)
    result = ok(run_cli(db_path, "calendar", "poll", "sc"))
    lines = result.stderr.splitlines()
    assert len(lines) == 6  # the derived UID, then one line per skipped event
    assert lines[0].startswith("warning: sc: line ") and "VEVENT has no UID; imported as no-uid-" in lines[0]
    assert (
        lines[2].startswith("warning: sc: event skipped: line ")
        and "(UID backwards@example.se): DTEND " in lines[2]
    )
    assert result.stdout == (
        "sc: 3 added, 0 updated, 0 removed, 0 unchanged, 5 unreadable events skipped, 1 warning\n"
    )
    feed_json = listed(db_path)["sc"]
    assert feed_json["last_result"] == "imported" and feed_json["last_polled"] is not None
    assert (feed_json["last_imported"], feed_json["last_skipped"], feed_json["last_warnings"]) == (3, 5, 1)
    assert feed_json["health"] == "skipping"
    health = status(db_path)["sc"]
    assert health["health"] == "skipping" and health["skipped"] == 5
    assert [line.removeprefix("warning: sc: ") for line in lines[1:]] == [
        p for p in health["problems"] if p.startswith("event skipped: ")
    ]
    table = ok(run_cli(db_path, "calendar", "status")).stdout
    assert "1 calendar feeds, 1 need attention" in table and "SKIPPING" in table
    assert "sc: event skipped: line " in table  # the lines below the table

    # The poller inside `serve` logs the same lines.
    feed_server.serve("/park.ics", Response(BAD.replace("Öppet hus", "Öppet hus!").encode()))
    ok(run_cli(db_path, "calendar", "add", "again", url, "--kind", "events"))
    with caplog.at_level(logging.INFO, logger="admin.calendars.poll"):
        poll_due_feeds(db_path)
    logged = [r.getMessage() for r in caplog.records]
    assert sum("event skipped: line " in m for m in logged) == 5
    assert (
        "calendar feed again: 3 added, 0 updated, 0 removed, 0 unchanged, "
        "5 unreadable events skipped, 1 warning" in logged
    )


def test_a_feed_that_keeps_failing_is_visible_to_staff(db_path: Path, feed_server: FeedServer) -> None:
    url = feed_server.serve("/sc.ics", Response(GOOD.encode()))
    subscribe(db_path, url)
    ok(run_cli(db_path, "calendar", "poll"))
    assert status(db_path)["sc"]["health"] == "ok"
    feed_server.serve("/sc.ics", Response(b"", status=500))
    for _ in range(3):
        assert run_cli(db_path, "calendar", "poll").exit_code == 1
    health = status(db_path)["sc"]
    assert health["health"] == "failing" and health["failures"] == 3
    assert health["message"].startswith("3 polls in a row failed (since ")
    assert health["message"].endswith(f": {url}: HTTP 500 Internal Server Error")
    assert "the screens show the data of the last good poll" in health["message"]
    table = ok(run_cli(db_path, "calendar", "status")).stdout
    assert "FAILING" in table and "1 need attention" in table
    assert listed(db_path)["sc"]["last_result"] == "failed"
    assert len(query(db_path, "SELECT id FROM events")) == 14  # the last good data keeps showing

    feed_server.serve("/sc.ics", Response(GOOD.encode()))
    ok(run_cli(db_path, "calendar", "poll"))
    health = status(db_path)["sc"]
    assert (health["health"], health["failures"]) == ("ok", 0)


def test_an_empty_reply_is_held_until_the_next_poll_says_the_same(
    db_path: Path, feed_server: FeedServer
) -> None:
    url = feed_server.serve("/sc.ics", Response(GOOD.encode()))
    subscribe(db_path, url)
    ok(run_cli(db_path, "calendar", "poll"))
    before, rev = events(db_path), revision(db_path)

    feed_server.serve("/sc.ics", Response(EMPTY.encode()))
    held = ok(run_cli(db_path, "calendar", "poll"))
    assert held.stdout == ""
    assert held.stderr == (
        "warning: sc: reply held back, the last good data stays: the reply has no events in the window, "
        "where 14 are shown now; it is taken if the next poll says the same, or now with "
        "`innovatum-admin calendar accept sc`\n"
    )
    assert events(db_path) == before and revision(db_path) == rev
    health = status(db_path)["sc"]
    assert health["health"] == "held" and "the reply has no events in the window" in health["message"]
    assert listed(db_path)["sc"]["last_result"] == "held"

    # The same on the next poll: it is real (a calendar that was emptied), and taken.
    taken = ok(run_cli(db_path, "calendar", "poll"))
    assert taken.stdout.startswith("sc: 0 added, 0 updated, 14 removed")
    assert events(db_path) == [] and status(db_path)["sc"]["health"] == "ok"


def test_a_shrunken_reply_is_held_a_small_change_is_not_and_accept_takes_it_now(
    db_path: Path, feed_server: FeedServer
) -> None:
    url = feed_server.serve("/sc.ics", Response(GOOD.encode()))
    subscribe(db_path, url)
    ok(run_cli(db_path, "calendar", "poll"))

    # One event of 14 leaves the feed: an ordinary change.
    feed_server.serve("/sc.ics", Response(without(GOOD, LECTURE_UID).encode()))
    assert ok(run_cli(db_path, "calendar", "poll")).stdout.startswith("sc: 0 added, 0 updated, 1 removed")

    # The weekly show (most of what is left) goes at once: held.
    before = events(db_path)
    shrunk = without(without(GOOD, LECTURE_UID), SHOW_UID)
    feed_server.serve("/sc.ics", Response(shrunk.encode()))
    held = ok(run_cli(db_path, "calendar", "poll"))
    removing = len([e for e in before if e[1] == SHOW_UID])
    assert (
        f"the reply would remove {removing} of the 13 events in the window at once "
        "(more than the 50% allowed)" in held.stderr
    )
    assert events(db_path) == before

    # A different suspicious reply is held again (it is not the one the first poll saw)...
    feed_server.serve("/sc.ics", Response(EMPTY.encode()))
    assert "held back" in ok(run_cli(db_path, "calendar", "poll")).stderr
    assert events(db_path) == before
    # ... and staff who know the calendar was cut take the reply at once.
    feed_server.serve("/sc.ics", Response(shrunk.encode()))
    accepted = ok(run_cli(db_path, "calendar", "accept", "sc"))
    assert accepted.stdout.startswith(f"sc: 0 added, 0 updated, {removing} removed")
    assert status(db_path)["sc"]["health"] == "ok"
    refused = run_cli(db_path, "calendar", "accept", "sc")
    assert refused.exit_code == 1
    assert refused.stderr == "error: calendar feed 'sc' has no reply held back (see `calendar status sc`)\n"


def test_the_threshold_is_a_setting(db_path: Path, feed_server: FeedServer) -> None:
    url = feed_server.serve("/sc.ics", Response(GOOD.encode()))
    subscribe(db_path, url, "--max-drop", "90")
    assert listed(db_path)["sc"]["max_drop"] == 90
    ok(run_cli(db_path, "calendar", "poll"))
    feed_server.serve("/sc.ics", Response(without(GOOD, SHOW_UID).encode()))
    assert "removed" in ok(run_cli(db_path, "calendar", "poll")).stdout  # under 90%: taken
    assert (
        ok(run_cli(db_path, "calendar", "set", "sc", "--max-drop", "10")).stdout
        == "calendar sc: --max-drop 10%\n"
    )
    feed_server.serve("/sc.ics", Response(without(without(GOOD, SHOW_UID), LECTURE_UID).encode()))
    assert "more than the 10% allowed" in ok(run_cli(db_path, "calendar", "poll")).stderr

    before = dump(db_path)
    for args in (
        ["set", "sc", "--max-drop", "0"],
        ["add", "x", url, "--kind", "events", "--max-drop", "101"],
    ):
        result = run_cli(db_path, "calendar", *args)
        assert result.exit_code == 1
        assert result.stderr.startswith("error: --max-drop must be between 1 and 100 (per cent), not ")
    assert dump(db_path) == before


def test_a_manual_import_is_never_held(db_path: Path, tmp_path: Path) -> None:
    """The operator is looking: `import-ics` of an empty calendar does what it says."""
    (tmp_path / "good.ics").write_text(GOOD, encoding="utf-8")
    (tmp_path / "empty.ics").write_text(EMPTY, encoding="utf-8")
    ok(run_cli(db_path, "event", "import-ics", str(tmp_path / "good.ics"), "--source", "sc"))
    result = ok(run_cli(db_path, "event", "import-ics", str(tmp_path / "empty.ics"), "--source", "sc"))
    assert "14 removed" in result.stdout
