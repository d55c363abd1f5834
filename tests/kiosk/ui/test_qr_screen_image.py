"""The screen-to-image helper paints cells the way a terminal shows them (the QR tests rely on it)."""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from tests.kiosk.ui.screen_image import strips_to_image

RED = (255, 0, 0)
BLUE = (0, 0, 255)


def test_half_blocks_paint_upper_and_lower_pixels() -> None:
    style = Style(color="#ff0000", bgcolor="#0000ff")
    image = strips_to_image([Strip([Segment("▀▄█ x", style)])], 5)
    assert image.size == (5, 2)
    upper = [image.getpixel((x, 0)) for x in range(5)]
    lower = [image.getpixel((x, 1)) for x in range(5)]
    assert upper == [RED, BLUE, RED, BLUE, BLUE]  # other glyphs ("x") count as background
    assert lower == [BLUE, RED, RED, BLUE, BLUE]


def test_reverse_video_swaps_the_colours() -> None:
    image = strips_to_image(
        [Strip([Segment("▀", Style(color="#ff0000", bgcolor="#0000ff", reverse=True))])], 1
    )
    assert [image.getpixel((0, 0)), image.getpixel((0, 1))] == [BLUE, RED]


def test_wide_characters_take_two_cells_and_rows_stack() -> None:
    style = Style(color="#ff0000", bgcolor="#0000ff")
    image = strips_to_image([Strip([Segment("漢█", style)]), Strip([Segment("███", style)])], 3)
    assert image.size == (3, 4)
    assert [image.getpixel((x, 0)) for x in range(3)] == [BLUE, BLUE, RED]
    assert [image.getpixel((x, 3)) for x in range(3)] == [RED, RED, RED]
