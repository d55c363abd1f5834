"""A realistic replica for the UI tests, written through the replica's own store (the same code the
sync client uses), and a fake SyncPort that records what the app reports and can emit sync events.

All times are relative to NOW, a fixed Wednesday morning, so tests and snapshots are deterministic.
"""

from __future__ import annotations

import base64
import io
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from PIL import Image
from textual.pilot import Pilot

from broker.times import STOCKHOLM, to_iso
from kiosk.ports import RemoteCommand, SyncEvent, SyncEventKind
from kiosk.replica.store import ReplicaStore, Row

#: Wednesday 2 December 2026, 10:30 in Trollhättan.
NOW = datetime(2026, 12, 2, 10, 30, tzinfo=STOCKHOLM)

ROBOT_SITE = "https://robotlabbet.example.se/"
ROBOT_JOBS = "https://robotlabbet.example.se/jobb"
WORKSHOP_URL = "https://innovatum.example.se/evenemang/robotverkstad"
MARKUP_NAME = "[bold red]x[/]"
ESCAPE_NAME = "Evil\x1b[2J\x1b]0;pwned\x07Corp"
LONG_WORD = "Supercalifragilistic" * 15


def _listing(slug: str, name: str, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "slug": slug,
        "name": name,
        "description_sv": "",
        "description_en": "",
        "category": "",
        "tags": [],
        "floor": None,
        "room": "",
        "website": "",
        "contact": "",
        "hiring": False,
        "hiring_url": "",
        "visible": True,
        "demo": True,
        "has_logo": False,
    }
    data.update(extra)
    return data


def _partner(slug: str, name: str, **extra: Any) -> dict[str, Any]:
    fields = {"kind": "", "address": "", "hours_sv": "", "hours_en": ""}
    fields.update({key: extra.pop(key) for key in list(extra) if key in fields})
    return {**_listing(slug, name, **extra), **fields}


def at(days: int = 0, hour: int = 0, minute: int = 0) -> str:
    day = NOW.date() + timedelta(days=days)
    return to_iso(datetime(day.year, day.month, day.day, hour, minute, tzinfo=STOCKHOLM))


def logo_png() -> bytes:
    image = Image.new("RGB", (32, 32), (0, 90, 160))
    for x in range(8, 24):
        for y in range(8, 24):
            image.putpixel((x, y), (255, 200, 0))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def tenants() -> list[dict[str, Any]]:
    return [
        _listing(
            "robotlabbet",
            "Robotlabbet Väst AB",
            description_sv="Vi bygger samarbetande robotar för små verkstäder. Demoföretag.",
            description_en="We build collaborative robots for small workshops. Demo company.",
            category="Robotik",
            tags=["automation", "AI"],
            floor=2,
            room="204",
            website=ROBOT_SITE,
            contact="hej@robotlabbet.example.se",
            hiring=True,
            hiring_url=ROBOT_JOBS,
            has_logo=True,
        ),
        _listing(
            "solkraft",
            "Solkraft Energi",
            description_sv="Solceller på industritak. Demoföretag.",
            category="Energi",
            floor=3,
            room="310",
            website="https://solkraft.example.se",
        ),
        _listing(
            "vavstolen",
            "Vävstolen Design",
            description_sv="Textil formgivning med återvunnet material. Demoföretag.",
            description_en="Textile design from recycled material. Demo company.",
            category="Design",
            floor=1,
            room="112",
        ),
        _listing(
            "nordic-drone",
            "Nordic Drone Systems",
            description_en="Drones for inspecting power lines. Demo company.",
            category="Robotik",
            floor=2,
            room="210",
            website="https://drone.example.se",
        ),
        _listing(
            "kodkollektivet",
            "Kodkollektivet",
            description_sv="Apputveckling för kommuner. Demoföretag.",
            category="IT",
            floor=3,
            room="302",
            hiring=True,
        ),
        _listing(
            "markup",
            MARKUP_NAME,
            description_sv="[link=https://evil.example]klicka[/link] och [blink]blinka[/]",
            description_en="[link=https://evil.example]click[/link] and [blink]blink[/]",
            category="Test",
            floor=1,
            room="[i]101[/i]",
        ),
        _listing(
            "escape",
            ESCAPE_NAME,
            description_sv="Rensa\x1b[2J skärmen" + " " + LONG_WORD,
            description_en="Clear\x1b[2J the screen" + " " + LONG_WORD,
            category="Test",
            floor=1,
        ),
        _listing("hemligt", "Hemligt Bolag", category="IT", floor=4, visible=False),
    ]


def partners() -> list[dict[str, Any]]:
    return [
        _partner(
            "hogskolan-vast",
            "Högskolan Väst",
            kind="Högskola",
            description_sv="Universitet i Trollhättan med arbetsintegrerat lärande.",
            description_en="University in Trollhättan with work-integrated learning.",
            category="Utbildning",
            website="https://www.hv.se",
        ),
        _partner(
            "kontaktcenter",
            "Kontaktcenter Trollhättans stad",
            kind="Kommun",
            address="Gärdhemsvägen 9, 461 83 Trollhättan",
            hours_sv="Måndag–fredag 8:00–16:30",
            hours_en="Monday–Friday 8:00–16:30",
            category="Samhälle",
        ),
        _partner("almi", "Almi Väst", kind="Finansiering", category="Företagsstöd"),
    ]


def events() -> list[dict[str, Any]]:
    def event(event_id: int, title_sv: str, start: str, end: str, **extra: Any) -> dict[str, Any]:
        data = {
            "id": event_id,
            "title_sv": title_sv,
            "title_en": "",
            "description_sv": "",
            "description_en": "",
            "start": start,
            "end": end,
            "place": "",
            "audience": "",
            "registration_url": "",
            "capacity": None,
            "source": "manual",
            "all_day": False,
            "full": False,
            "cancelled": False,
        }
        data.update(extra)
        return data

    return [
        event(
            1,
            "Robotverkstad för barn",
            at(0, 13),
            at(0, 15),
            title_en="Robot workshop for kids",
            description_sv="Bygg och programmera en egen robot. 8–12 år.",
            description_en="Build and program your own robot. Ages 8–12.",
            place="Science center, plan 1",
            audience="Familjer",
            registration_url=WORKSHOP_URL,
            capacity=20,
        ),
        event(
            2,
            "Frukostmöte: AI i industrin",
            at(0, 8),
            at(0, 9),
            title_en="Breakfast: AI in industry",
            full=True,
        ),
        event(
            3,
            "Öppet hus i projektarenan",
            at(0, 16),
            at(0, 18),
            title_en="Open house in the project arena",
            registration_url="https://innovatum.example.se/oppet-hus",
            full=True,
        ),
        event(
            4,
            "Pitchkväll",
            at(1, 18),
            at(1, 20),
            title_en="Pitch night",
            place="Aulan",
            registration_url="https://innovatum.example.se/pitch",
        ),
        event(5, "Rymdvecka", at(7, 10), at(7, 16), title_en="Space week", cancelled=True),
        event(6, MARKUP_NAME, at(1, 9), at(1, 10), place=ESCAPE_NAME),
    ]


def rooms() -> list[dict[str, Any]]:
    return [
        {
            "slug": "ada",
            "name": "Ada",
            "floor": 2,
            "capacity": 12,
            "description_sv": "",
            "description_en": "",
        },
        {
            "slug": "turing",
            "name": "Turing",
            "floor": 2,
            "capacity": 6,
            "description_sv": "",
            "description_en": "",
        },
        {
            "slug": "polhem",
            "name": "Polhem",
            "floor": 3,
            "capacity": 40,
            "description_sv": "",
            "description_en": "",
        },
    ]


def bookings() -> list[dict[str, Any]]:
    def booking(
        booking_id: int, room: str, start: str, end: str, title: str = "", private: bool = False
    ) -> dict[str, Any]:
        return {
            "id": booking_id,
            "room": room,
            "start": start,
            "end": end,
            "private": private,
            "title": "" if private else title,
            "organiser": "" if private else "Innovatum",
            "source": "manual",
        }

    return [
        booking(1, "ada", at(0, 10), at(0, 11, 30), "Designsprint"),
        booking(2, "ada", at(0, 13), at(0, 14), private=True),
        booking(3, "turing", at(0, 11), at(0, 12), private=True),
        booking(4, "polhem", at(0, 8), at(0, 9), "Frukostmöte"),
        booking(5, "polhem", at(1, 9), at(1, 12), "Styrelsemöte"),
    ]


def announcement(
    announcement_id: int,
    text_sv: str,
    text_en: str,
    priority: str,
    *,
    target: str = "all",
    start: str | None = None,
    until: str | None = None,
) -> dict[str, Any]:
    return {
        "id": announcement_id,
        "text_sv": text_sv,
        "text_en": text_en,
        "priority": priority,
        "start": start,
        "until": until,
        "target": target,
    }


def announcements() -> list[dict[str, Any]]:
    """One of each priority and target; only 1 and 2 are active for lobby-1 in group lobby at NOW."""
    return [
        announcement(1, "Fika i foajén kl. 14", "Coffee in the foyer at 2 pm", "info", until=at(0, 15)),
        announcement(
            2,
            "Hissen på plan 2 är ur funktion",
            "The lift on floor 2 is out of order",
            "warning",
            target="group:lobby",
        ),
        announcement(3, "Gammalt meddelande", "Old message", "info", until=at(-1, 12)),
        announcement(4, "Till en annan kiosk", "For another kiosk", "warning", target="kiosk:cafe-1"),
        announcement(5, "Kommer i morgon", "Coming tomorrow", "info", start=at(1, 8)),
        announcement(
            6,
            "Utrymningsövning i går",
            "Evacuation drill yesterday",
            "emergency",
            start=at(-1, 9),
            until=at(-1, 10),
        ),
    ]


class Replica:
    """Writes records through the replica store: one revision per call, as the sync client would."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.store = ReplicaStore(path)
        self.rev = 0

    def put(self, kind: str, key: str, data: dict[str, Any] | None) -> int:
        return self.put_many([(kind, key, data)])

    def put_many(self, records: list[tuple[str, str, dict[str, Any] | None]]) -> int:
        self.rev += 1
        with self.store.transaction():
            self.store.write_records([Row(kind, key, self.rev, data) for kind, key, data in records])
        return self.rev

    def delete(self, kind: str, key: str) -> int:
        return self.put(kind, key, None)

    def close(self) -> None:
        self.store.close()


def build_replica(path: Path, *, with_announcements: bool = True) -> Replica:
    replica = Replica(path)
    records: list[tuple[str, str, dict[str, Any] | None]] = []
    records += [("tenant", data["slug"], data) for data in tenants()]
    records += [("partner", data["slug"], data) for data in partners()]
    records += [("event", str(data["id"]), data) for data in events()]
    records += [("room", data["slug"], data) for data in rooms()]
    records += [("booking", str(data["id"]), data) for data in bookings()]
    if with_announcements:
        records += [("announcement", str(data["id"]), data) for data in announcements()]
    png = base64.b64encode(logo_png()).decode("ascii")
    records.append(
        ("logo", "tenant:robotlabbet", {"owner": "tenant:robotlabbet", "mime": "image/png", "data": png})
    )
    replica.put_many(records)
    return replica


@dataclass
class FakeClock:
    """The app's clock, moved by the test."""

    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@dataclass
class FakeSyncPort:
    """Records what the app tells the sync client; `emit` calls back from a thread, as the real one does."""

    started: bool = False
    stopped: bool = False
    screens: list[str] = field(default_factory=list)
    acks: list[int] = field(default_factory=list)
    answers: list[tuple[RemoteCommand, bool, str, bytes]] = field(default_factory=list)
    _on_event: Callable[[SyncEvent], None] | None = None

    def start(self, on_event: Callable[[SyncEvent], None]) -> None:
        self.started = True
        self._on_event = on_event

    def stop(self) -> None:
        self.stopped = True

    def report_screen(self, screen: str) -> None:
        self.screens.append(screen)

    def acknowledge(self, announcement_id: int) -> None:
        self.acks.append(announcement_id)

    def answer(
        self, command: RemoteCommand, *, ok: bool, error: str = "", detail: str = "", screenshot: bytes = b""
    ) -> None:
        self.answers.append((command, ok, error or detail, screenshot))

    def emit(self, kind: SyncEventKind, revision: int = 0, at: datetime = NOW, *, count: int = 1) -> None:
        """Deliver `count` events from a background thread and wait until it has delivered them."""
        callback = self._on_event
        assert callback is not None, "the app has not started the port"

        def deliver() -> None:
            for offset in range(count):
                callback(SyncEvent(kind, revision + offset, at))

        thread = threading.Thread(target=deliver)
        thread.start()
        thread.join()


def screen_text(app: Any) -> str:
    """What the terminal shows now, as text: the compositor's cells for the current screen stack."""
    from tests.kiosk.ui.screen_image import screen_strips

    return "\n".join("".join(segment.text for segment in strip) for strip in screen_strips(app))


async def settle(pilot: Pilot[Any], rounds: int = 3) -> None:
    """Let a few rounds of messages run: a navigation posts a message, the new screen composes, the
    chrome subscribes and redraws, each a round of Textual's loops."""
    for _ in range(rounds):
        await pilot.pause()
