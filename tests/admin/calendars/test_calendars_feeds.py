"""Subscribed feeds polled over HTTP from a real local server: changes between polls, 304 rounds,
failures that keep the last good data, and `poll_due_feeds` as `serve` calls it."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from admin.calendars.poll import poll_due_feeds
from tests.admin.calendars.conftest import (
    ROOM,
    FeedServer,
    Response,
    day,
    dump,
    feed,
    ok,
    query,
    revision,
    run_cli,
)

LECTURE_UID = "0a9s8d7f6g5h4j3k2l1qwertyu@google.com"
HTML = b"<!DOCTYPE html><html><body>Sign in to view this calendar</body></html>"


def content(db_path: Path) -> list[tuple[object, ...]]:
    """The published content and its history: what must not move when a poll changes nothing."""
    rows = query(db_path, 'SELECT id, title_sv, start, "end", cancelled FROM events ORDER BY id')
    return [tuple(r) for r in rows] + [("revision", revision(db_path))]


def listed(db_path: Path) -> dict[str, dict[str, Any]]:
    return {f["name"]: f for f in json.loads(ok(run_cli(db_path, "calendar", "list", "--json")).stdout)}


def set_column(db_path: Path, name: str, column: str, value: str | None) -> None:
    conn = sqlite3.connect(db_path)
    with conn:
        conn.execute(f"UPDATE calendars SET {column} = ? WHERE name = ?", (value, name))
    conn.close()


def test_feed_polled_changed_not_modified_failing_and_recovering(
    db_path: Path, feed_server: FeedServer
) -> None:
    v1 = feed("google-science-center.ics")
    url = feed_server.serve(
        "/sc.ics", Response(v1.encode(), etag='"v1"', last_modified="Fri, 27 Nov 2026 08:00:00 GMT")
    )
    added = ok(
        run_cli(db_path, "calendar", "add", "science-center", url, "--kind", "events", "--every", "15")
    )
    assert "added calendar science-center" in added.stdout
    assert listed(db_path)["science-center"]["status"] == "not polled yet"

    poll_due_feeds(db_path)  # what `serve` does every 30 s
    assert len(feed_server.requests) == 1
    assert feed_server.requests[0] == ("/sc.ics", None, None)  # nothing to validate against yet
    status = listed(db_path)["science-center"]
    assert status["last_error"] is None and status["etag"] == '"v1"'
    assert str(status["status"]).startswith("ok: 14 added")
    assert len(query(db_path, "SELECT * FROM events WHERE source = 'science-center'")) == 14

    poll_due_feeds(db_path)  # not due again for 15 minutes
    assert len(feed_server.requests) == 1

    # A 304 round: validators are sent, nothing changes.
    before = content(db_path)
    result = ok(run_cli(db_path, "calendar", "poll", "science-center"))
    assert result.stdout.strip() == "science-center: not modified since the last poll"
    assert feed_server.requests[-1] == ("/sc.ics", '"v1"', "Fri, 27 Nov 2026 08:00:00 GMT")
    assert content(db_path) == before

    # The calendar changes: the lecture is renamed. The row is updated in place.
    (lecture_id,) = [
        r["id"] for r in query(db_path, "SELECT id FROM events WHERE source_uid = ?", LECTURE_UID)
    ]
    v2 = v1.replace("SUMMARY:Kvällsföreläsning: AI i industrin", "SUMMARY:Kvällsföreläsning: AI och robotar")
    feed_server.serve("/sc.ics", Response(v2.encode(), etag='"v2"'))
    result = ok(run_cli(db_path, "calendar", "poll"))
    assert (
        result.stdout.strip()
        == "science-center: 0 added, 1 updated, 0 removed, 13 unchanged, 1 marked cancelled"
    )
    rows = query(db_path, "SELECT id, title_sv FROM events WHERE source_uid = ?", LECTURE_UID)
    assert [tuple(r) for r in rows] == [(lecture_id, "Kvällsföreläsning: AI och robotar")]

    # The host starts answering with a login page: the poll fails, the last good data stays.
    good = content(db_path)
    feed_server.serve("/sc.ics", Response(HTML, "text/html; charset=utf-8"))
    result = run_cli(db_path, "calendar", "poll", "science-center")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"error: science-center: {url}: the server returned a web page (text/html), not an iCalendar feed"
    ]
    assert content(db_path) == good
    status = listed(db_path)["science-center"]
    assert "returned a web page" in str(status["last_error"])
    assert str(status["status"]).startswith("error: ")
    assert status["etag"] == '"v2"'  # still describing the data we have
    table = ok(run_cli(db_path, "calendar", "list")).stdout
    assert "returned a web page" in table

    # It recovers: the error is cleared.
    feed_server.serve("/sc.ics", Response(v2.encode(), etag='"v2"'))
    ok(run_cli(db_path, "calendar", "poll", "science-center"))
    assert listed(db_path)["science-center"]["last_error"] is None
    assert content(db_path) == good


def test_validators_are_only_sent_for_todays_window(db_path: Path, feed_server: FeedServer) -> None:
    """An unchanged feed is still re-read on a new day: the window moved, new occurrences come into it."""
    url = feed_server.serve("/sc.ics", Response(feed("google-science-center.ics").encode(), etag='"same"'))
    ok(run_cli(db_path, "calendar", "add", "science-center", url, "--kind", "events"))
    ok(run_cli(db_path, "calendar", "poll"))
    set_column(db_path, "science-center", "last_ok", f"{day(-1)}T12:00:00+01:00")
    ok(run_cli(db_path, "calendar", "poll"))
    assert feed_server.requests[-1] == ("/sc.ics", None, None)
    ok(run_cli(db_path, "calendar", "poll"))
    assert feed_server.requests[-1] == ("/sc.ics", '"same"', None)


def test_due_feeds_and_a_failing_feed_never_raise(db_path: Path, feed_server: FeedServer) -> None:
    url = feed_server.serve("/sc.ics", Response(feed("google-science-center.ics").encode()))
    ok(run_cli(db_path, "calendar", "add", "science-center", url, "--kind", "events", "--every", "5"))
    ok(run_cli(db_path, "calendar", "add", "broken", feed_server.url + "/gone.ics", "--kind", "events"))
    poll_due_feeds(db_path)
    status = listed(db_path)
    assert status["broken"]["last_error"] == f"{feed_server.url}/gone.ics: HTTP 404 Not Found"
    assert status["science-center"]["last_error"] is None
    assert len(feed_server.requests) == 2

    set_column(db_path, "science-center", "last_polled", f"{day(-1)}T12:00:00+01:00")
    poll_due_feeds(db_path)
    assert [path for path, *_ in feed_server.requests] == ["/gone.ics", "/sc.ics", "/sc.ics"]  # by name

    poll_due_feeds(db_path.parent / "missing" / "admin.db")  # logged, not raised
    garbage = db_path.parent / "garbage.db"
    garbage.write_bytes(b"this is not a database" * 100)
    poll_due_feeds(garbage)


def test_bookings_feed_reports_overlaps_in_calendar_list(db_path: Path, feed_server: FeedServer) -> None:
    tomorrow = day(1)
    ok(
        run_cli(
            db_path,
            "booking",
            "add",
            "--room",
            ROOM,
            "--title",
            "Studiebesök",
            "--start",
            f"{tomorrow}T14:30",
            "--end",
            f"{tomorrow}T15:30",
        )
    )
    url = feed_server.serve("/room.ics", Response(feed("outlook-room.ics").encode()))
    ok(run_cli(db_path, "calendar", "add", ROOM, url, "--kind", "bookings", "--room", ROOM, "--every", "10"))
    result = ok(run_cli(db_path, "calendar", "poll", ROOM))
    assert result.stderr.startswith("warning: booking #") and "overlaps manual booking #1" in result.stderr
    status = listed(db_path)[ROOM]
    (overlap,) = status["overlaps"]
    assert overlap["manual_id"] == 1 and overlap["room"] == ROOM
    assert "overlaps manual booking #1 ('Studiebesök')" in ok(run_cli(db_path, "calendar", "list")).stdout


def test_remove_takes_the_feeds_rows_off_the_screens(db_path: Path, feed_server: FeedServer) -> None:
    url = feed_server.serve("/sc.ics", Response(feed("google-science-center.ics").encode()))
    ok(run_cli(db_path, "calendar", "add", "science-center", url, "--kind", "events"))
    ok(run_cli(db_path, "calendar", "poll"))
    ids = [r["id"] for r in query(db_path, "SELECT id FROM events")]
    result = ok(run_cli(db_path, "calendar", "remove", "science-center"))
    assert result.stdout.strip() == f"removed calendar science-center and the {len(ids)} rows it had imported"
    assert query(db_path, "SELECT * FROM events") == []
    tombstones = query(db_path, "SELECT key FROM sync_state WHERE kind = 'event' AND op = 'delete'")
    assert sorted(int(r["key"]) for r in tombstones) == sorted(ids)
    assert listed(db_path) == {}


def test_remove_keep_data(db_path: Path, feed_server: FeedServer) -> None:
    url = feed_server.serve("/sc.ics", Response(feed("google-science-center.ics").encode()))
    ok(run_cli(db_path, "calendar", "add", "science-center", url, "--kind", "events"))
    ok(run_cli(db_path, "calendar", "poll"))
    ok(run_cli(db_path, "calendar", "remove", "science-center", "--keep-data"))
    assert len(query(db_path, "SELECT * FROM events")) == 14


def test_a_room_with_a_feed_or_imported_bookings_cannot_be_removed(
    db_path: Path, feed_server: FeedServer
) -> None:
    """Not SQLite's 'FOREIGN KEY constraint failed': one line naming what still uses the room."""
    url = feed_server.serve("/room.ics", Response(feed("outlook-room.ics").encode()))
    ok(run_cli(db_path, "calendar", "add", "room-feed", url, "--kind", "bookings", "--room", ROOM))
    ok(run_cli(db_path, "calendar", "poll", "room-feed"))
    before = dump(db_path)
    refused = run_cli(db_path, "room", "remove", ROOM)
    assert refused.exit_code == 1
    assert refused.stderr.splitlines() == [
        f"error: room '{ROOM}' is the room of calendar feed 'room-feed'; "
        "remove it first (`innovatum-admin calendar remove NAME`)"
    ]
    assert dump(db_path) == before

    ok(run_cli(db_path, "calendar", "remove", "room-feed", "--keep-data"))
    count = len(query(db_path, "SELECT id FROM bookings WHERE room = ?", ROOM))
    assert count > 0
    before = dump(db_path)
    refused = run_cli(db_path, "room", "remove", ROOM)
    assert refused.exit_code == 1
    assert refused.stderr.splitlines() == [
        f"error: room '{ROOM}' still has {count} bookings; remove them first"
    ]
    assert dump(db_path) == before

    ok(run_cli(db_path, "calendar", "add", "room-feed", url, "--kind", "bookings", "--room", ROOM))
    ok(run_cli(db_path, "calendar", "remove", "room-feed"))  # also removes what the feed imported
    assert ok(run_cli(db_path, "room", "remove", ROOM)).stdout.startswith(f"removed room {ROOM} ")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["sc", "ftp://example.org/x.ics", "--kind", "events"], "not an http(s) or webcal URL"),
        (["sc", "https://example.org/x.ics", "--kind", "bookings"], "a bookings feed needs --room"),
        (
            ["sc", "https://example.org/x.ics", "--kind", "events", "--room", ROOM],
            "--room is only for a bookings feed",
        ),
        (["sc", "https://example.org/x.ics", "--kind", "bookings", "--room", "attic"], "no room 'attic'"),
        (
            ["sc", "https://example.org/x.ics", "--kind", "events", "--every", "0"],
            "--every must be between 1 and",
        ),
        (["manual", "https://example.org/x.ics", "--kind", "events"], "source 'manual' is reserved"),
        (
            ["existing", "https://example.org/x.ics", "--kind", "events"],
            "a calendar feed named 'existing' already exists",
        ),
        (["sc", "https://example.org/x.ics", "--kind", "tasks"], "'tasks' is not one of"),
    ],
)
def test_calendar_add_refuses(db_path: Path, args: list[str], expected: str) -> None:
    ok(run_cli(db_path, "calendar", "add", "existing", "webcal://example.org/feed.ics", "--kind", "events"))
    assert listed(db_path)["existing"]["url"] == "https://example.org/feed.ics"
    before = dump(db_path)
    result = run_cli(db_path, "calendar", "add", *args)
    assert result.exit_code != 0
    assert expected in result.stderr
    assert dump(db_path) == before


def test_poll_without_feeds_says_so(db_path: Path) -> None:
    assert ok(run_cli(db_path, "calendar", "poll")).stdout == (
        "no calendar feeds to poll (subscribe with `innovatum-admin calendar add`)\n"
    )


def test_remove_and_poll_unknown_feed(db_path: Path) -> None:
    before = dump(db_path)
    for args in (["calendar", "remove", "nope"], ["calendar", "poll", "nope"]):
        result = run_cli(db_path, *args)
        assert result.exit_code == 1
        assert result.stderr.splitlines() == [
            "error: no calendar feed named 'nope' (see `innovatum-admin calendar list`)"
        ]
    assert dump(db_path) == before


def test_same_text_without_validators_is_not_imported_again_the_same_day(
    db_path: Path, feed_server: FeedServer
) -> None:
    text = feed("google-science-center.ics")
    url = feed_server.serve("/plain.ics", Response(text.encode()))  # no ETag, no Last-Modified
    ok(run_cli(db_path, "calendar", "add", "science-center", url, "--kind", "events"))
    assert ok(run_cli(db_path, "calendar", "poll")).stdout.startswith("science-center: 14 added")
    assert (
        ok(run_cli(db_path, "calendar", "poll")).stdout.strip()
        == "science-center: not modified since the last poll"
    )
    feed_server.serve(
        "/plain.ics", Response(text.replace("SUMMARY:Öppet hus", "SUMMARY:Öppet hus!").encode())
    )
    assert "1 updated" in ok(run_cli(db_path, "calendar", "poll")).stdout


def test_an_unexpected_error_is_recorded_not_raised(
    db_path: Path, feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Even a bug in the importer must not take `serve` down: it becomes the feed's last error."""
    url = feed_server.serve("/sc.ics", Response(feed("google-science-center.ics").encode()))
    ok(run_cli(db_path, "calendar", "add", "science-center", url, "--kind", "events"))

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("importer bug")

    monkeypatch.setattr("admin.calendars.poll.import_text", broken)
    poll_due_feeds(db_path)
    assert listed(db_path)["science-center"]["last_error"] == "unexpected error: RuntimeError: importer bug"
