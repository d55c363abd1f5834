"""The theme is legible in 16 colours (a Pi's Linux console) as well as in truecolor.

Each screen is rendered by the real app, then every cell's colours are mapped to the nearest of the
16 ANSI colours, as a 16-colour terminal shows them (Rich's downgrade, the one Textual uses). The
rules a visitor's eye needs: no text in red except a cancellation or an emergency, no text in the
colour of its background, no bold black (drawn dark grey) on a light background. The same pictures
are kept as SVG snapshots (`--snapshot-update` after an intended change; look at them first).
"""

from __future__ import annotations

import io
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from rich.color import Color, ColorSystem
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from syrupy.extensions.image import SVGImageSnapshotExtension
from textual.pilot import Pilot

from kiosk.ui.theme import KIOSK_THEME
from tests.kiosk.ui.conftest import AppFactory
from tests.kiosk.ui.screen_image import screen_strips

Step = Callable[[Any, Pilot[Any]], Awaitable[None]]
RED = {1, 9}
#: Backgrounds light enough that bold black (dark grey on many consoles) is hard to read on them.
LIGHT = {2, 3, 6, 7, 10, 11, 14, 15}
#: Words that may be red: a cancellation is meant to alarm.
MAY_BE_RED = ("Inställt", "Cancelled")


def ansi(color: Color | None) -> int | None:
    if color is None or color.is_default:
        return None
    return color.downgrade(ColorSystem.STANDARD).number


def downgraded(segment: Segment) -> Segment:
    style = segment.style or Style()
    colors = {}
    if style.color is not None and not style.color.is_default:
        colors["color"] = Color.from_ansi(ansi(style.color) or 0)
    if style.bgcolor is not None and not style.bgcolor.is_default:
        colors["bgcolor"] = Color.from_ansi(ansi(style.bgcolor) or 0)
    return Segment(segment.text, style + Style(**colors))


def sixteen_colour_cells(app: Any) -> list[list[Segment]]:
    return [[downgraded(segment) for segment in strip] for strip in screen_strips(app)]


def problems(lines: list[list[Segment]]) -> list[str]:
    found = []
    for number, line in enumerate(lines):
        for segment in line:
            text, style = segment.text.strip(), segment.style or Style()
            if not text or set(text) <= set("▀▄█▁▔▎▊▌▐─│"):
                continue
            fg, bg = ansi(style.color), ansi(style.bgcolor)
            if style.reverse:
                fg, bg = bg, fg
            if fg in RED and not any(word in text for word in MAY_BE_RED):
                found.append(f"line {number}: red text {text!r}")
            if fg is not None and fg == bg:
                found.append(f"line {number}: text in its background's colour {text!r}")
            if fg == 0 and style.bold and bg in LIGHT:
                found.append(f"line {number}: bold black (dark grey) on a light colour {text!r}")
    return found


def svg(lines: list[list[Segment]], width: int) -> str:
    """The cells as a 16-colour terminal shows them, as an SVG picture (Rich's export)."""
    console = Console(
        width=width, file=io.StringIO(), force_terminal=True, color_system="standard", record=True
    )
    for line in lines:
        text = Text()
        for segment in line:
            text.append(segment.text, segment.style)
        console.print(text, no_wrap=True, crop=True)
    return console.export_svg(title="16 colours")


def _keys(*keys: str) -> Step:
    async def run(app: Any, pilot: Pilot[Any]) -> None:
        await pilot.press(*keys)
        await pilot.pause()

    return run


async def _tenant(app: Any, pilot: Pilot[Any]) -> None:
    app.open_listing("tenant", "robotlabbet")
    await pilot.pause()


async def _event(app: Any, pilot: Pilot[Any]) -> None:
    app.open_event(1)
    await pilot.pause()


SCREENS: dict[str, Step] = {
    "attract": _keys(),
    "search": _keys("2", *"robot"),
    "tenant": _tenant,
    "events": _keys("3"),
    "event": _event,
    "rooms": _keys("4"),
    "visit": _keys("5"),
}


def test_the_theme_colours_fall_to_legible_ansi_colours() -> None:
    falls_to = {
        name: Color.parse(getattr(KIOSK_THEME, name)).downgrade(ColorSystem.STANDARD).number
        for name in ("primary", "accent", "success", "warning", "error")
    }
    assert falls_to == {"primary": 4, "accent": 11, "success": 2, "warning": 11, "error": 1}


@pytest.mark.parametrize("language", ["sv", "en"])
@pytest.mark.parametrize("screen", list(SCREENS))
async def test_every_screen_is_legible_in_16_colours(
    make_app: AppFactory, snapshot: Any, screen: str, language: str
) -> None:
    app = make_app(home_language=language)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await SCREENS[screen](app, pilot)
        await pilot.pause()
        lines = sixteen_colour_cells(app)
        assert problems(lines) == []
        if language == "sv":  # the pictures: one language is enough to see the colours
            assert svg(lines, 80) == snapshot(extension_class=SVGImageSnapshotExtension)
