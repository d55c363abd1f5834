"""Snapshots of the map screen at the smallest and a large size, in Swedish and English, and as a
16-colour console shows it (the Linux console: every colour downgraded to the 16 standard ones).

Regenerate after an intended change with `pytest tests/kiosk/ui/test_snapshots_wayfinding.py
--snapshot-update` and look at the SVGs before committing them.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from pytest_textual_snapshot import SVGImageExtension
from rich.color import ColorSystem
from rich.console import Console
from rich.segment import Segment, Segments
from rich.style import Style
from textual.pilot import Pilot

from kiosk.ui.app import KioskApp
from tests.broker.wayfinding.plans import ui_records
from tests.kiosk.ui.conftest import AppFactory
from tests.kiosk.ui.fixtures import Replica
from tests.kiosk.ui.screen_image import screen_strips

pytestmark = pytest.mark.slow

SIZES = {"80x24": (80, 24), "160x45": (160, 45)}


@pytest.fixture
def placed(replica: Replica) -> Replica:
    replica.put_many(list(ui_records()))
    return replica


async def open_way(pilot: Pilot[Any]) -> None:
    app: Any = pilot.app
    app.open_listing("tenant", "robotlabbet")
    await pilot.pause()
    await pilot.press("w")
    await pilot.pause()


@pytest.mark.parametrize("language", ["sv", "en"])
@pytest.mark.parametrize("size", list(SIZES))
def test_way_screen(
    snap_compare: Any, make_app: AppFactory, placed: Replica, size: str, language: str
) -> None:
    app = make_app(home_language=language)
    assert snap_compare(app, terminal_size=SIZES[size], run_before=open_way)


def _standard(style: Style | None) -> Style | None:
    if style is None:
        return None
    color = style.color.downgrade(ColorSystem.STANDARD) if style.color else None
    bgcolor = style.bgcolor.downgrade(ColorSystem.STANDARD) if style.bgcolor else None
    return style + Style(color=color, bgcolor=bgcolor)


def sixteen_colour_svg(app: KioskApp) -> str:
    """What the screen shows now, every colour downgraded as a 16-colour terminal driver does."""
    width, height = app.size
    console = Console(
        width=width,
        height=height,
        file=io.StringIO(),
        force_terminal=True,
        color_system="standard",
        record=True,
        legacy_windows=False,
        safe_box=False,
    )
    for strip in screen_strips(app):
        downgraded = [Segment(segment.text, _standard(segment.style)) for segment in strip]
        console.print(Segments([*downgraded, Segment.line()]))
    return console.export_svg(title="Innovatum (16 colours)")


@pytest.mark.parametrize("size", list(SIZES))
async def test_way_screen_in_16_colours(
    snapshot: Any, make_app: AppFactory, placed: Replica, size: str
) -> None:
    app = make_app()
    async with app.run_test(size=SIZES[size]) as pilot:
        await open_way(pilot)
        await pilot.pause()
        svg = sixteen_colour_svg(app)
    assert svg == snapshot(extension_class=SVGImageExtension)
