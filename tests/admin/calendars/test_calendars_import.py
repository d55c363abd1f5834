"""`event import-ics` and `booking import-ics` against a real admin database, as an operator runs them."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from admin.calendars.expand import Window
from admin.calendars.importer import import_text
from admin.store.db import connect
from broker.times import parse_iso
from tests.admin.calendars.conftest import (
    ROOM,
    day,
    dump,
    feed,
    from_utc,
    local,
    ok,
    query,
    revision,
    run_cli,
    today,
)

LECTURE = "0a9s8d7f6g5h4j3k2l1qwertyu@google.com"
OPEN_DAY = "7h6g5f4d3s2a1p0o9i8u7y6t5r@google.com"
SHOW = "5k2q7c1v3h0m9a8r4t6b2n1d0s@google.com"


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def events(db_path: Path, uid: str) -> list[dict[str, object]]:
    rows = query(db_path, "SELECT * FROM events WHERE source_uid = ? ORDER BY start", uid)
    return [dict(row) for row in rows]


def published(db_path: Path, kind: str, key: object) -> dict[str, object] | None:
    rows = query(db_path, "SELECT op, data FROM sync_state WHERE kind = ? AND key = ?", kind, str(key))
    if not rows or rows[0]["op"] == "delete":
        return None
    return json.loads(rows[0]["data"])


def test_import_then_reimport_changes_nothing(db_path: Path, tmp_path: Path) -> None:
    path = write(tmp_path, "sc.ics", feed("google-science-center.ics"))
    first = ok(run_cli(db_path, "event", "import-ics", path, "--source", "science-center"))
    assert "imported events from science-center: 14 added, 0 updated, 0 removed" in first.stdout
    rev = revision(db_path)
    before = dump(db_path)
    again = ok(run_cli(db_path, "event", "import-ics", path, "--source", "science-center"))
    assert "0 added, 0 updated, 0 removed, 14 unchanged" in again.stdout
    assert "no new revision" in again.stdout
    assert revision(db_path) == rev
    assert dump(db_path) == before  # not even an audit row

    listed = json.loads(ok(run_cli(db_path, "event", "list", "--json")).stdout)
    lecture = next(e for e in listed if e["title_sv"] == "Kvällsföreläsning: AI i industrin")
    assert lecture["start"] == from_utc(3, "17:00")  # stored in Stockholm time
    assert lecture["registration_url"] == "https://www.innovatum.se/evenemang/ai-i-industrin"
    open_day = next(e for e in listed if e["title_sv"] == "Öppet hus")
    assert open_day["all_day"] is True
    assert (open_day["start"][:19], open_day["end"][:19]) == (f"{day(5)}T00:00:00", f"{day(6)}T00:00:00")
    cancelled = [e for e in listed if e["cancelled"]]
    assert [(e["title_sv"], e["start"][:10]) for e in cancelled] == [("Vetenskapsshow: Eld och is", day(28))]
    assert published(db_path, "event", cancelled[0]["id"])["cancelled"] is True  # type: ignore[index]


def test_edited_event_is_updated_in_place_and_a_vanished_one_removed(db_path: Path, tmp_path: Path) -> None:
    original = feed("google-science-center.ics")
    path = write(tmp_path, "sc.ics", original)
    ok(run_cli(db_path, "event", "import-ics", path, "--source", "science-center"))
    (lecture,) = events(db_path, LECTURE)
    (open_day,) = events(db_path, OPEN_DAY)
    moved_before = next(e for e in events(db_path, SHOW) if "flyttad" in str(e["title_sv"]))

    edited = original.replace(
        "SUMMARY:Kvällsföreläsning: AI i industrin", "SUMMARY:Kvällsföreläsning: AI i verkstaden"
    )
    edited = edited.replace(
        f"DTSTART:{day(3).replace('-', '')}T170000Z", f"DTSTART:{day(3).replace('-', '')}T163000Z"
    )
    # The moved show moves again (D+15 -> D+16): same occurrence, same row.
    edited = edited.replace(f"{day(15).replace('-', '')}T15", f"{day(16).replace('-', '')}T15")
    start = edited.index(f"UID:{OPEN_DAY}")
    edited = (
        edited[: edited.rindex("BEGIN:VEVENT", 0, start)]
        + edited[edited.index("END:VEVENT", start) + len("END:VEVENT\n") :]
    )
    write(tmp_path, "sc.ics", edited)
    rev = revision(db_path)
    result = ok(run_cli(db_path, "event", "import-ics", path, "--source", "science-center"))
    assert "0 added, 2 updated, 1 removed" in result.stdout

    (after,) = events(db_path, LECTURE)
    assert after["id"] == lecture["id"]
    assert after["title_sv"] == "Kvällsföreläsning: AI i verkstaden"
    assert after["start"] == from_utc(3, "16:30")
    moved_after = next(e for e in events(db_path, SHOW) if "flyttad" in str(e["title_sv"]))
    assert moved_after["id"] == moved_before["id"]
    assert str(moved_after["start"]).startswith(f"{day(16)}T15:00")
    assert events(db_path, OPEN_DAY) == []
    assert published(db_path, "event", open_day["id"]) is None  # a signed tombstone now
    outbox = query(db_path, "SELECT kind, key, op FROM outbox WHERE rev = ? ORDER BY seq", rev + 1)
    assert sorted((r["key"], r["op"]) for r in outbox) == sorted(
        [(str(lecture["id"]), "upsert"), (str(moved_before["id"]), "upsert"), (str(open_day["id"]), "delete")]
    )


def test_what_staff_add_to_an_imported_event_survives_the_next_import(db_path: Path, tmp_path: Path) -> None:
    path = write(tmp_path, "sc.ics", feed("google-science-center.ics"))
    ok(run_cli(db_path, "event", "import-ics", path, "--source", "science-center"))
    (lecture,) = events(db_path, LECTURE)
    ok(run_cli(db_path, "event", "edit", str(lecture["id"]), "--title-en", "Evening lecture: AI in industry"))
    result = ok(run_cli(db_path, "event", "import-ics", path, "--source", "science-center"))
    assert "0 updated" in result.stdout
    assert events(db_path, LECTURE)[0]["title_en"] == "Evening lecture: AI in industry"


def test_outlook_room_feed_private_meeting_cancellation_and_manual_overlap(
    db_path: Path, tmp_path: Path
) -> None:
    tomorrow = day(1)
    ok(
        run_cli(
            db_path,
            "booking",
            "add",
            "--room",
            ROOM,
            "--title",
            "Studiebesök Högskolan Väst",
            "--start",
            f"{tomorrow}T14:30",
            "--end",
            f"{tomorrow}T15:30",
        )
    )
    path = write(tmp_path, "room.ics", feed("outlook-room.ics"))
    result = ok(run_cli(db_path, "booking", "import-ics", path, "--room", ROOM))
    assert "imported bookings from nohab: 8 added" in result.stdout
    assert "1 cancelled booking left out, 1 overlapping manual booking" in result.stdout
    warnings = result.stderr.splitlines()
    assert len(warnings) == 1
    assert warnings[0].startswith("warning: booking #")
    assert (
        "(private," in warnings[0]
        and "overlaps manual booking #1 ('Studiebesök Högskolan Väst')" in warnings[0]
    )

    listed = json.loads(ok(run_cli(db_path, "booking", "list", "--json")).stdout)
    imported = [b for b in listed if b["source"] == ROOM]
    private = [b for b in imported if b["private"]]
    assert [(b["start"], b["end"], b["title"]) for b in private] == [
        (local(1, "14:00"), local(1, "15:00"), "")
    ]
    # The private meeting's title and organiser are nowhere: not stored, not published, not in the audit.
    everything = dump(db_path)
    assert "Lönesamtal" not in everything and "Eva Sundberg" not in everything
    assert "Styrelsemöte" not in everything  # STATUS:CANCELLED: the room is free
    london = next(b for b in imported if b["title"].startswith("Workshop"))
    # 12:00 "GMT Standard Time" (Europe/London) is 13:00 in Stockholm, summer or winter.
    assert london["start"] == local(2, "13:00")
    two_days = next(b for b in imported if b["title"].startswith("Utbildning"))
    assert (two_days["start"], two_days["end"]) == (local(3, "08:30"), local(4, "16:30"))
    # The manual booking is untouched.
    manual = [b for b in listed if b["source"] == "manual"]
    assert [(b["id"], b["title"]) for b in manual] == [(1, "Studiebesök Högskolan Väst")]


def test_rows_before_the_window_are_history_and_stay(db_path: Path) -> None:
    """A later import owns only its own window: what already happened is not deleted."""
    db = connect(db_path)
    try:
        first_day = today() - timedelta(days=30)
        import_text(
            db,
            "tester",
            feed("google-science-center.ics", first_day),
            kind="events",
            source="science-center",
            window=Window.ahead(first_day),
        )
        before = {r["id"]: (r["start"], r["end"]) for r in db.query('SELECT id, start, "end" FROM events')}
        empty = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//EN\r\nEND:VCALENDAR\r\n"
        report = import_text(
            db, "tester", empty, kind="events", source="science-center", window=Window.ahead(today())
        )
        after = {r["id"]: (r["start"], r["end"]) for r in db.query('SELECT id, start, "end" FROM events')}
    finally:
        db.close()
    window_start = Window.ahead(today()).start
    history = {key: times for key, times in before.items() if parse_iso(times[1]) <= window_start}
    assert history and after == history
    assert report.removed == len(before) - len(history) > 0


def test_private_events_are_skipped_and_the_latest_sequence_wins(db_path: Path, tmp_path: Path) -> None:
    d1, d2 = day(1).replace("-", ""), day(2).replace("-", "")
    text = "\r\n".join(
        [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//Bokningsportalen//SV",
            "BEGIN:VEVENT",
            "UID:intern-1@example.se",
            "DTSTAMP:20260101T000000Z",
            f"DTSTART:{d1}T090000",
            f"DTEND:{d1}T100000",
            "SUMMARY:Personalmöte",
            "CLASS:CONFIDENTIAL",
            "END:VEVENT",
            "BEGIN:VEVENT",
            "UID:kemi@example.se",
            "DTSTAMP:20260101T000000Z",
            "SEQUENCE:0",
            f"DTSTART:{d1}T130000",
            f"DTEND:{d1}T140000",
            "SUMMARY:Kemishow",
            "END:VEVENT",
            "BEGIN:VEVENT",
            "UID:kemi@example.se",
            "DTSTAMP:20260102T000000Z",
            "SEQUENCE:1",
            f"DTSTART:{d2}T130000",
            f"DTEND:{d2}T140000",
            "SUMMARY:Kemishow (ny dag)",
            "END:VEVENT",
            "END:VCALENDAR",
            "",
        ]
    )
    path = write(tmp_path, "portal.ics", text)
    result = ok(run_cli(db_path, "event", "import-ics", path, "--source", "portal"))
    assert "1 added" in result.stdout and "1 private event skipped" in result.stdout
    rows = [tuple(r) for r in query(db_path, 'SELECT title_sv, start, "end" FROM events')]
    assert rows == [("Kemishow (ny dag)", local(2, "13:00"), local(2, "14:00"))]  # floating: Stockholm time
    assert "Personalmöte" not in dump(db_path)
