"""`event edit` and `event remove` of an event imported from a calendar warn that the next import undoes
them and need --force; manual events are edited as before."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from admin.calendars.apply import EVENT_FEED_FIELDS, _event_values
from admin.calendars.expand import Occurrence
from assets import ASSETS
from tests.admin.conftest import CliFn, dump, ok

ICS = ASSETS / "examples" / "science-center.ics"


def _first_imported(cli: CliFn) -> int:
    ok(cli("event", "import-ics", str(ICS), "--source", "sciencecenter"))
    events = json.loads(ok(cli("event", "list", "--json")).stdout)
    assert events and all(e["source"] == "sciencecenter" for e in events)
    return int(events[0]["id"])


def test_editing_or_removing_an_imported_event_needs_force(cli: CliFn, db_path: Path) -> None:
    event_id = _first_imported(cli)
    before = dump(db_path)
    for args, doing in (
        (("edit", str(event_id), "--title-sv", "Ändrad"), "edit of title_sv"),
        (("remove", str(event_id)), "removal"),
    ):
        refused = cli("event", *args)
        assert refused.exit_code == 1
        assert refused.error_lines == [
            f"error: event {event_id} was imported from 'sciencecenter': "
            f"its next import will undo this {doing}; change it at the source, or pass --force"
        ]
        assert dump(db_path) == before

    edited = ok(cli("event", "edit", str(event_id), "--title-sv", "Ändrad", "--force"))
    assert f"changed event {event_id}" in edited.stdout
    assert edited.stderr == (
        f"warning: event {event_id} was imported from 'sciencecenter': "
        "its next import will undo this edit of title_sv\n"
    )
    removed = ok(cli("event", "remove", str(event_id), "--force"))
    assert f"removed event {event_id}" in removed.stdout and removed.stderr.startswith("warning: ")


def test_what_staff_add_to_an_imported_event_needs_no_force(cli: CliFn) -> None:
    """English text, audience and capacity are not in the feed: the next import keeps them."""
    event_id = _first_imported(cli)
    edited = ok(cli("event", "edit", str(event_id), "--title-en", "Star night", "--capacity", "40"))
    assert edited.stderr == ""
    refused = cli("event", "edit", str(event_id), "--title-en", "Star night", "--place", "Foajén")
    assert refused.exit_code == 1 and "this edit of place;" in refused.stderr


def test_the_feed_fields_are_what_an_import_sets() -> None:
    occurrence = Occurrence(
        "uid", "", datetime(2026, 12, 4, 18, tzinfo=UTC), datetime(2026, 12, 4, 20, tzinfo=UTC), False,
        "Rymdkväll", "", "", "", "", False, False,
    )  # fmt: skip
    assert set(_event_values(occurrence)) == EVENT_FEED_FIELDS


def test_a_manual_event_needs_no_force(cli: CliFn) -> None:
    ok(cli("event", "add", "--title-sv", "Rymdkväll", "--start", "tomorrow 18:00", "--end", "tomorrow 20:00"))
    edited = ok(cli("event", "edit", "1", "--title-en", "Space night"))
    assert edited.stderr == ""
    assert ok(cli("event", "remove", "1")).stderr == ""
