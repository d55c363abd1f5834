"""No record can take a screen down (issue 9, point 2).

Signed records with extreme and malformed values in every field of every record kind go through the
real replica (signed with a test key, applied by the replica engine to a real file) and then the real
screens under Pilot. No exception may escape, the good content beside them stays on screen, and a
record a screen cannot show is skipped and counted (`innovatum-kiosk dump` lists it under `skipped`).

A year-1 announcement once crashed every kiosk on start (OverflowError converting it to Stockholm
time); it is one of the explicit examples below.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from broker.schema import RECORD_FIELDS, RecordChange
from kiosk.replica import guard
from kiosk.replica.engine import Replica
from kiosk.replica.queries import Queries
from kiosk.ui.app import KioskApp
from kiosk.ui.screens.attract import AttractScreen
from tests.kiosk.replica.replica_messages import Admin, feed
from tests.kiosk.ui.fixtures import (
    FakeClock,
    FakeSyncPort,
    at,
    bookings,
    events,
    partners,
    rooms,
    screen_text,
    tenants,
)

KEY = Ed25519PrivateKey.generate()
#: Each example starts the app and walks every screen (about a second): few examples, each hostile.
HOSTILE = settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])

EXTREME_TIMES = [
    "0001-01-01T00:00:00+00:00",
    "0001-01-01T00:30:00+01:00",
    "0001-01-01T00:00",
    "9999-12-31T23:59:59-05:00",
    "9999-12-31T23:00:00+00:00",
    "1999-12-31T23:59:59+01:00",
    "2100-01-01T00:00:00+01:00",
    "2026-13-45T99:99",
    "not a time",
    "",
]
times = st.one_of(
    st.sampled_from(EXTREME_TIMES), st.sampled_from([at(0, 12), at(0, 9), at(1, 10), at(0, 11)])
)
texts = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "",
            "\x1b[2J\x1b]0;pwned\x07",
            "[bold red]x[/",
            "[link=https://evil.example]x",
            "\u202eevil",
            "x" * 3000,
            "W" * 400,
            "🙂" * 200,
            "a\nb\rc\td",
            "\x00",
        ]
    ),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([-(2**63), 2**63 - 1, -1, 0, 10**30]),
    st.floats(allow_nan=False, allow_infinity=False),
    texts,
    times,
)
values = st.one_of(
    scalars,
    st.lists(scalars, max_size=3),
    st.dictionaries(st.text(max_size=4), scalars, max_size=2),
)

#: Every field of every record kind, as the admin publishes them (admin.content.public).
FIELDS: dict[str, list[str]] = {
    "tenant": [
        *("slug", "name", "description_sv", "description_en", "category", "tags", "floor", "room"),
        *("website", "contact", "hiring", "hiring_url", "visible", "demo", "has_logo"),
    ],
    "partner": [
        *("slug", "name", "kind", "address", "hours_sv", "hours_en", "description_sv", "description_en"),
        *("category", "tags", "floor", "room", "website", "contact", "visible", "has_logo"),
    ],
    "event": [
        *("id", "title_sv", "title_en", "description_sv", "description_en", "start", "end", "all_day"),
        *("place", "audience", "registration_url", "capacity", "full", "cancelled", "source"),
    ],
    "room": ["slug", "name", "floor", "capacity", "description_sv", "description_en"],
    "booking": ["id", "room", "start", "end", "private", "title", "organiser", "source"],
    "announcement": ["id", "text_sv", "text_en", "priority", "start", "until", "target"],
    "logo": ["owner", "mime", "data"],
}
#: Plausible values, so that a hostile field usually sits in a record that is otherwise shown.
PLAUSIBLE: dict[str, st.SearchStrategy[Any]] = {
    "start": times,
    "end": times,
    "until": times,
    "id": st.integers(min_value=900, max_value=999),
    "room": st.sampled_from(["ada", "turing", "nowhere"]),
    "visible": st.just(True),
    # Not "emergency": an active one rightly takes the whole screen (tested on its own below).
    "priority": st.sampled_from(["info", "warning"]),
    "target": st.sampled_from(["all", "group:lobby", "kiosk:lobby-1", "kiosk:", "x"]),
    "floor": st.integers(min_value=-5, max_value=9),
    "data": st.sampled_from(["iVBORw0KGgo=", "!!!", ""]),
}


def _required(kind: str, name: str) -> st.SearchStrategy[Any] | None:
    """A value the message schema accepts for a field it requires (broker.schema.RECORD_FIELDS):
    a record that fails the schema drops its whole message as `malformed` (test_replica_fuzz), so
    here every record passes it and only its values are hostile."""
    types = RECORD_FIELDS[kind].get(name)
    if types is None:
        return None
    if name == "priority":
        return PLAUSIBLE["priority"]
    if types == (int,):
        return st.one_of(PLAUSIBLE["id"], st.integers(min_value=-(2**70), max_value=2**70))
    if types == (bool,):
        return st.booleans()
    return st.one_of(PLAUSIBLE.get(name, texts), texts)


@st.composite
def hostile_record(draw: st.DrawFn, kind: str) -> RecordChange:
    data: dict[str, Any] = {}
    for name in FIELDS[kind]:
        required = _required(kind, name)
        if required is not None:
            data[name] = draw(required)
            continue
        if draw(st.integers(0, 9)) == 0:
            continue  # a missing field
        plausible = PLAUSIBLE.get(name, texts)
        data[name] = draw(st.one_of(plausible, values) if draw(st.booleans()) else plausible)
    key = {"tenant": "hostile", "partner": "hostile-p", "room": "hostile-r", "logo": "tenant:robotlabbet"}
    return RecordChange(kind, key.get(kind, "900"), "upsert", data)


hostile_sets = st.lists(st.sampled_from(sorted(FIELDS)).flatmap(hostile_record), min_size=1, max_size=6)


def _good() -> list[RecordChange]:
    records = [RecordChange("tenant", d["slug"], "upsert", d) for d in tenants()]
    records += [RecordChange("partner", d["slug"], "upsert", d) for d in partners()]
    records += [RecordChange("event", str(d["id"]), "upsert", d) for d in events()]
    records += [RecordChange("room", d["slug"], "upsert", d) for d in rooms()]
    records += [RecordChange("booking", str(d["id"]), "upsert", d) for d in bookings()]
    return records


def _signed_replica(path: Path, hostile: list[RecordChange]) -> dict[str, Any]:
    """The good fixture content plus the hostile records, signed and applied by the replica engine."""
    admin = Admin(KEY)
    admin.commit(*_good())
    unique = {}
    for number, record in enumerate(hostile):
        key = record.key if record.kind == "logo" else f"{record.key}{number}"
        if record.kind in ("event", "booking", "announcement"):
            key = str(900 + number)
        unique[(record.kind, key)] = RecordChange(record.kind, key, "upsert", record.data)
    admin.commit(*unique.values())
    replica = Replica(path, KEY.public_key())
    try:
        feed(replica, admin.retained())
        assert replica.complete and replica.dropped_counts() == {}, replica.dropped_counts()
        return replica.dump()
    finally:
        replica.close()


async def _walk(path: Path) -> dict[str, str]:
    """Every screen, as a visitor reaches it; what each showed."""
    app = KioskApp(
        Queries(path),
        kiosk_id="lobby-1",
        group="lobby",
        location="Entré, plan 1",
        port=FakeSyncPort(),
        clock=FakeClock(),
        attract_cycle=0,
        idle_timeout=600,
        tick_interval=0.05,
    )
    shown: dict[str, str] = {}
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        attract = app.screen
        assert isinstance(attract, AttractScreen)
        for panel in range(5):
            shown[f"attract-{panel}"] = screen_text(app)
            attract.next_panel()
            await pilot.pause()
        for name in ("directory", "events", "rooms", "visit"):
            await pilot.click(f"#nav-{name}")
            await pilot.pause()
            shown[name] = screen_text(app)
        for section in ("directory", "events"):  # open the first rows (hostile ones sort among them)
            for row in range(3):
                await pilot.click(f"#nav-{section}")
                await pilot.pause()
                await pilot.press(*(["down"] * (row + (section == "directory"))), "enter")
                await pilot.pause()
                shown[f"page-{section}-{row}"] = screen_text(app)
                await pilot.press("escape")
                await pilot.pause()
        await pilot.click("#nav-events")
        await pilot.click("#nav-language")  # the same in English
        await pilot.pause()
        shown["events-en"] = screen_text(app)
    assert app.return_code in (None, 0)
    return shown


def _check(hostile: list[RecordChange]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "replica.db"
        dump = _signed_replica(path, hostile)
        shown = asyncio.run(_walk(path))
    everything = "\n".join(shown.values())
    assert "Välkommen till Innovatum" in shown["attract-0"]
    assert "Robotlabbet Väst AB" in shown["directory"]
    assert "Robotverkstad för barn" in shown["events"]
    assert "Designsprint" in shown["rooms"]
    assert "Gärdhemsvägen 9" in shown["visit"]
    assert "Robot workshop for kids" in shown["events-en"]
    assert "\x1b" not in everything
    assert set(dump["skipped"]) <= set(FIELDS)


@HOSTILE
@given(hostile_sets)
@example(
    [
        RecordChange(
            "announcement",
            "900",
            "upsert",
            {
                "id": 900,
                "text_sv": "x",
                "priority": "info",
                "target": "all",
                "start": "0001-01-01T00:00:00+00:00",
            },
        )
    ]
)
@example(
    [
        RecordChange(
            "event",
            "900",
            "upsert",
            {"id": 900, "title_sv": "x", "start": "0001-01-01T00:30", "end": "9999-12-31T23:00:00-05:00"},
        )
    ]
)
@example(
    [
        RecordChange(
            "booking",
            "900",
            "upsert",
            {"id": 900, "room": "ada", "start": "0001-01-01T00:00", "end": at(0, 12), "private": False},
        )
    ]
)
def test_no_record_takes_a_screen_down(hostile: list[RecordChange]) -> None:
    _check(hostile)


def test_unshowable_records_are_skipped_counted_and_listed_in_dump(tmp_path: Path) -> None:
    year_one = {"id": 900, "title_sv": "År ett", "start": "0001-01-01T00:30:00+01:00", "end": at(0, 12)}
    far = {
        "id": 901,
        "room": "ada",
        "start": "0001-01-01T00:00:00+00:00",  # overlaps today, so the room board reads it
        "end": at(0, 12),
        "private": True,
    }
    dump = _signed_replica(
        tmp_path / "replica.db",
        [RecordChange("event", "900", "upsert", year_one), RecordChange("booking", "901", "upsert", far)],
    )
    assert dump["skipped"] == {"event": ["900"], "booking": ["901"]}
    assert year_one in dump["events"]  # stored exactly as signed (the manifest's digest covers it)
    before = guard.skipped_counts()
    shown = asyncio.run(_walk(tmp_path / "replica.db"))
    after = guard.skipped_counts()
    assert after.get("event", 0) > before.get("event", 0) and after.get("booking", 0) > before.get(
        "booking", 0
    )
    assert "År ett" not in "\n".join(shown.values())
    assert "Robotverkstad för barn" in shown["events"]


def test_a_hostile_emergency_takes_the_screen_and_shows_literally(tmp_path: Path) -> None:
    text = "[bold]UTRYM[/] \x1b[2J nu"
    emergency = {
        "id": 900,
        "text_sv": text,
        "text_en": "x" * 3000,
        "priority": "emergency",
        "target": "all",
        "start": at(0, 9),
        "until": "9999-12-31T23:59:59-05:00",
    }
    _signed_replica(tmp_path / "replica.db", [RecordChange("announcement", "900", "upsert", emergency)])

    async def show() -> str:
        app = KioskApp(
            Queries(tmp_path / "replica.db"),
            kiosk_id="lobby-1",
            group="lobby",
            port=FakeSyncPort(),
            clock=FakeClock(),
            attract_cycle=0,
            idle_timeout=600,
        )
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            return screen_text(app)

    assert "[bold]UTRYM[/]" in asyncio.run(show())
