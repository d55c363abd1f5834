"""event, room, booking, announce and audit commands: the happy paths and their --json forms."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from tests.admin.conftest import CliFn, ok


def test_event_lifecycle_with_naive_and_offset_times(cli: CliFn) -> None:
    added = ok(
        cli(
            "event",
            "add",
            "--title-sv",
            "Kemishow",
            "--title-en",
            "Chemistry show",
            "--start",
            "2030-07-01T11:00",
            "--end",
            "2030-07-01T12:00:00+00:00",
            "--place",
            "Science center",
            "--audience",
            "Alla",
            "--registration-url",
            "https://example.org/kemi",
        )
    )
    assert added.stdout == "added event 1 (revision 1)\n"
    [event] = json.loads(ok(cli("event", "list", "--json")).stdout)
    assert {"id", "title_sv", "title_en", "start", "end", "place", "registration_url", "audience"} <= set(
        event
    )
    # Naive input is Stockholm wall-clock time; stored and shown with its offset (CEST in July).
    assert event["start"] == "2030-07-01T11:00:00+02:00"
    assert event["end"] == "2030-07-01T14:00:00+02:00"
    assert (event["id"], event["title_en"], event["registration_url"]) == (
        1,
        "Chemistry show",
        "https://example.org/kemi",
    )

    ok(cli("event", "edit", "1", "--title-sv", "Stora kemishowen", "--full"))
    [event] = json.loads(ok(cli("event", "list", "--json")).stdout)
    assert (event["title_sv"], event["full"], event["title_en"]) == (
        "Stora kemishowen",
        True,
        "Chemistry show",
    )
    table = ok(cli("event", "list")).stdout
    assert "Stora kemishowen" in table and "2030-07-01 11:00" in table

    assert ok(cli("event", "remove", "1")).stdout == "removed event 1 (revision 3)\n"
    assert json.loads(ok(cli("event", "list", "--json")).stdout) == []


def test_rooms_and_bookings(cli: CliFn) -> None:
    ok(cli("room", "add", "arena-1", "--name", "Arena 1", "--floor", "1", "--capacity", "12"))
    ok(cli("room", "add", "arena-2", "--name", "Arena 2"))
    rooms = json.loads(ok(cli("room", "list", "--json")).stdout)
    assert rooms[0] == {
        "slug": "arena-1",
        "name": "Arena 1",
        "floor": 1,
        "capacity": 12,
        "description_sv": "",
        "description_en": "",
    }
    assert "Arena 2" in ok(cli("room", "list")).stdout
    assert (
        ok(cli("room", "edit", "arena-2", "--capacity", "30")).stdout == "changed room arena-2 (revision 3)\n"
    )
    # The same wording as `event edit` and `tenant edit` when nothing changes.
    assert (
        ok(cli("room", "edit", "arena-2", "--capacity", "30")).stdout
        == "room arena-2 unchanged (no new revision: nothing changed)\n"
    )
    assert json.loads(ok(cli("room", "list", "--json")).stdout)[1]["capacity"] == 30

    ok(
        cli(
            "booking",
            "add",
            "--room",
            "arena-1",
            "--start",
            "2030-05-02T09:00",
            "--end",
            "2030-05-02T10:00",
            "--title",
            "Styrelsemöte",
            "--private",
            "--organiser",
            "Acme",
        )
    )
    # Touching end to start is not an overlap; the same time in another room is fine.
    ok(
        cli(
            "booking",
            "add",
            "--room",
            "arena-1",
            "--start",
            "2030-05-02T10:00",
            "--end",
            "2030-05-02T11:00",
            "--title",
            "Workshop",
        )
    )
    ok(
        cli(
            "booking",
            "add",
            "--room",
            "arena-2",
            "--start",
            "2030-05-02T09:00",
            "--end",
            "2030-05-02T10:00",
            "--title",
            "Lunch",
        )
    )
    everything = json.loads(ok(cli("booking", "list", "--json")).stdout)
    assert [b["id"] for b in everything] == [1, 3, 2]
    first = everything[0]
    assert set(first) == {"id", "room", "start", "end", "title", "organiser", "private", "source"}
    assert (first["title"], first["private"], first["start"]) == (
        "Styrelsemöte",
        True,
        "2030-05-02T09:00:00+02:00",
    )
    only = json.loads(ok(cli("booking", "list", "--room", "arena-2", "--json")).stdout)
    assert [b["title"] for b in only] == ["Lunch"]
    assert "Workshop" in ok(cli("booking", "list")).stdout

    ok(cli("booking", "remove", "1"))
    assert [b["id"] for b in json.loads(ok(cli("booking", "list", "--json")).stdout)] == [3, 2]
    ok(cli("booking", "remove", "3"))
    ok(cli("room", "remove", "arena-2"))
    assert [r["slug"] for r in json.loads(ok(cli("room", "list", "--json")).stdout)] == ["arena-1"]


def test_private_booking_title_never_reaches_the_kiosks(cli: CliFn, db_path: Path) -> None:
    ok(cli("room", "add", "arena-1", "--name", "Arena 1"))
    ok(
        cli(
            "booking",
            "add",
            "--room",
            "arena-1",
            "--start",
            "2030-05-02T09:00",
            "--end",
            "2030-05-02T10:00",
            "--title",
            "Hemligt förvärv",
            "--private",
        )
    )
    conn = sqlite3.connect(db_path)
    try:
        published = [row[0] for row in conn.execute("SELECT data FROM outbox WHERE kind = 'booking'")]
    finally:
        conn.close()
    assert len(published) == 1
    assert "Hemligt" not in published[0]
    assert json.loads(published[0])["private"] is True


def test_announcements_push_list_acknowledgements_retract(cli: CliFn, db_path: Path) -> None:
    # The kiosks the announcements are aimed at (a target that matches no kiosk is refused).
    ok(cli("kiosk", "add", "lobby-1", "--group", "lobby"))
    ok(cli("kiosk", "add", "entre-1", "--group", "entre"))
    pushed = ok(
        cli(
            "announce",
            "push",
            "Utrymning pågår",
            "--en",
            "Evacuation in progress",
            "--priority",
            "emergency",
            "--target",
            "group:lobby",
            "--from",
            "2020-01-01T00:00",
            "--until",
            "2099-01-01T00:00",
        )
    )
    assert pushed.stdout == "pushed announcement 1 to group:lobby (revision 1)\n"
    ok(cli("announce", "push", "Fika kl 15", "--priority", "info", "--target", "kiosk:entre-1"))
    conn = sqlite3.connect(db_path)
    try:
        conn.executemany(
            "INSERT INTO announcement_acks (announcement_id, kiosk_id, shown_at) VALUES (?, ?, ?)",
            [(1, "lobby-2", "2026-01-01T10:00:00+01:00"), (1, "lobby-1", "2026-01-01T10:00:01+01:00")],
        )
        conn.commit()
    finally:
        conn.close()
    listed = json.loads(ok(cli("announce", "list", "--json")).stdout)
    assert [a["id"] for a in listed] == [2, 1]
    emergency = listed[1]
    assert {
        k: emergency[k] for k in ("text", "en", "priority", "from", "until", "target", "status", "shown_by")
    } == {
        "text": "Utrymning pågår",
        "en": "Evacuation in progress",
        "priority": "emergency",
        "from": "2020-01-01T00:00:00+01:00",
        "until": "2099-01-01T00:00:00+01:00",
        "target": "group:lobby",
        "status": "active",
        "shown_by": ["lobby-1", "lobby-2"],
    }
    table = ok(cli("announce", "list")).stdout
    assert "shown by" in table and "lobby-1, lobby-2" in table

    assert ok(cli("announce", "retract", "1")).stdout == "retracted announcement 1 (revision 3)\n"
    listed = json.loads(ok(cli("announce", "list", "--json")).stdout)
    assert (listed[1]["status"], listed[1]["retracted"]) == ("retracted", True)


def test_audit_names_actor_action_and_record(cli: CliFn) -> None:
    ok(cli("tenant", "add", "acme", "--name", "Acme", actor="anna"))
    ok(cli("tenant", "edit", "acme", "--floor", "2", actor="bertil"))
    ok(cli("tenant", "edit", "acme", "--floor", "2", actor="cecilia"))  # no-op: no entry
    ok(cli("room", "add", "arena-1", "--name", "Arena 1", actor="anna"))
    entries = json.loads(ok(cli("audit", "--json")).stdout)
    assert [(e["actor"], e["action"], e["kind"], e["key"], e["rev"]) for e in entries] == [
        ("anna", "room.add", "room", "arena-1", 3),
        ("bertil", "tenant.edit", "tenant", "acme", 2),
        ("anna", "tenant.add", "tenant", "acme", 1),
    ]
    assert json.loads(entries[1]["detail"]) == {"floor": 2}
    assert set(entries[0]) == {"id", "at", "actor", "action", "kind", "key", "rev", "detail"}
    table = ok(cli("audit")).stdout
    assert "bertil" in table and "tenant.edit" in table
    assert len(json.loads(ok(cli("audit", "--json", "--limit", "1")).stdout)) == 1
