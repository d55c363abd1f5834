"""Regenerate the SVG screenshots in this folder: `python docs/screenshots/make.py`.

Each main screen of the kiosk, rendered by the real app (Textual Pilot, no terminal needed) over the
UI tests' fixed demo replica and clock, so the pictures change only when the screen does.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))  # run from a checkout without installing the tests

from kiosk.ui.app import KioskApp  # noqa: E402
from tests.kiosk.ui.fixtures import NOW, FakeClock, announcement, build_replica  # noqa: E402

Step = Callable[[KioskApp, Any], Awaitable[None]]


def keys(*pressed: str) -> Step:
    async def run(app: KioskApp, pilot: Any) -> None:
        await pilot.press(*pressed)

    return run


def panel(name: str) -> Step:
    async def run(app: KioskApp, pilot: Any) -> None:
        await app.screen.show_panel(name)  # type: ignore[attr-defined]

    return run


def listing(kind: str, key: str) -> Step:
    async def run(app: KioskApp, pilot: Any) -> None:
        app.open_listing(kind, key)

    return run


def event(event_id: int) -> Step:
    async def run(app: KioskApp, pilot: Any) -> None:
        app.open_event(event_id)

    return run


def event_code(event_id: int) -> Step:
    """The event page at a size where its code does not fit, and Q: the code alone on the screen."""

    async def run(app: KioskApp, pilot: Any) -> None:
        app.open_event(event_id)
        for _ in range(3):
            await pilot.pause()
        await pilot.press("q")

    return run


def offline(app: KioskApp, pilot: Any) -> Awaitable[None]:
    app.offline_since = NOW.replace(hour=9, minute=58)
    pressed: Awaitable[None] = pilot.press("3")
    return pressed


#: file name -> (size, language, what to do first)
SHOTS: dict[str, tuple[tuple[int, int], str, Step]] = {
    "attract-welcome": ((160, 45), "sv", keys()),
    "attract-featured": ((160, 45), "sv", panel("featured")),
    "attract-events": ((160, 45), "sv", panel("events")),
    "attract-rooms": ((160, 45), "sv", panel("rooms")),
    "directory-search": ((160, 45), "sv", keys("2", *"robot")),
    "tenant": ((160, 45), "sv", listing("tenant", "robotlabbet")),
    "tenant-en": ((160, 45), "en", listing("tenant", "robotlabbet")),
    "tenant-80x24": ((80, 24), "sv", listing("tenant", "robotlabbet")),
    "events": ((160, 45), "sv", keys("3")),
    "event": ((160, 45), "sv", event(1)),
    "event-80x24": ((80, 24), "sv", event(1)),
    "qr-view-80x24": ((80, 24), "sv", event_code(1)),
    "rooms": ((160, 45), "en", keys("4")),
    "visit": ((160, 45), "sv", keys("5")),
    "offline": ((160, 45), "sv", offline),
    "emergency": ((160, 45), "sv", keys()),
}


async def shoot(name: str, size: tuple[int, int], language: str, step: Step, folder: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        replica = build_replica(Path(tmp) / "replica.db")
        if name == "emergency":
            text_sv = "Brandlarm: lämna byggnaden via närmaste nödutgång."
            text_en = "Fire alarm: leave the building by the nearest emergency exit."
            replica.put("announcement", "30", announcement(30, text_sv, text_en, "emergency"))
        app = KioskApp(
            replica.path,
            kiosk_id="lobby-1",
            group="lobby",
            location="Entré, plan 1",
            clock=FakeClock(),
            attract_cycle=0,
            home_language=language,
        )
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            await step(app, pilot)
            for _ in range(3):
                await pilot.pause()
            app.save_screenshot(f"{name}.svg", str(folder))
        replica.close()


async def main() -> None:
    for name, (size, language, step) in SHOTS.items():
        await shoot(name, size, language, step, HERE)
        print(f"{name}.svg")


if __name__ == "__main__":
    asyncio.run(main())
