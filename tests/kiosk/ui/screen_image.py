"""Turn what a running Textual app actually shows into a picture, and read the QR codes in it.

A QR test must prove that a phone could scan the *screen*, not that the `qrcode` package works. So we
take the cells Textual's compositor produced for the current screen (the same strips it writes to the
terminal, after layout, clipping, overlapping widgets and line filters), and paint them as a terminal
would: each cell is 1 pixel wide and 2 pixels tall, "▀" paints the upper pixel in the foreground colour
and the lower one in the background colour, "▄" the other way round, "█" both in the foreground, a space
both in the background. Any other glyph is approximated by its background colour (text is not what a
decoder looks for). Then the image is scaled up, nearest neighbour, and handed to zxing-cpp.

Usage with Pilot:

    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert decode_qr_codes(screen_image(pilot.app)) == ["https://..."]
"""

from __future__ import annotations

from typing import Any

import zxingcpp
from PIL import Image
from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual._context import visible_screen_stack
from textual.app import App
from textual.strip import Strip

RGB = tuple[int, int, int]

# What a typical dark terminal shows for "default" colours. Textual normally resolves every colour to
# truecolor, so these only matter for segments without a colour at all.
DEFAULT_FOREGROUND: RGB = (255, 255, 255)
DEFAULT_BACKGROUND: RGB = (0, 0, 0)

#: Pixels per module edge after scaling; zxing-cpp wants several pixels per module.
DEFAULT_SCALE = 4


def screen_strips(app: App[Any]) -> list[Strip]:
    """The current screen's rendered lines, exactly as the compositor produces them for the terminal.

    `Compositor.render_strips` is what Textual itself uses for inline mode and (via `render_update`)
    for `export_screenshot`; unlike `render_update` it does not clear the pending dirty regions, so
    capturing an image does not change what the app draws next. The visible screen stack is set the way
    `export_screenshot` sets it, so a modal screen is captured over its background screen.
    """
    token = visible_screen_stack.set(list(app._background_screens))
    try:
        return app.screen._compositor.render_strips()
    finally:
        visible_screen_stack.reset(token)


def strips_to_image(strips: list[Strip], width: int) -> Image.Image:
    """Paint strips one pixel per half cell: the image is `width` x 2*len(strips) pixels."""
    image = Image.new("RGB", (width, 2 * len(strips)), DEFAULT_BACKGROUND)
    pixels = image.load()
    assert pixels is not None
    for row, strip in enumerate(strips):
        x = 0
        for segment in strip:
            if segment.control:
                continue
            foreground, background = _colours(segment.style)
            upper, lower = background, background
            for char in segment.text:
                cells = Segment(char).cell_length
                if cells == 0:
                    continue
                upper, lower = _halves(char, foreground, background)
                for _ in range(cells):
                    if x < width:
                        pixels[x, 2 * row] = upper
                        pixels[x, 2 * row + 1] = lower
                    x += 1
    return image


def screen_image(app: App[Any], scale: int = DEFAULT_SCALE) -> Image.Image:
    """The app's current screen as an RGB image, each cell 1x2 pixels, scaled up `scale` times."""
    width, _height = app.size
    image = strips_to_image(screen_strips(app), width)
    if scale != 1:
        image = image.resize((image.width * scale, image.height * scale), Image.Resampling.NEAREST)
    return image


def decode_qr_codes(image: Image.Image) -> list[str]:
    """Every QR code zxing-cpp finds in the image, as text, in reading order (top to bottom, then left)."""
    # try_invert=False: a light-on-dark code is a bug here (many phone scanners reject it).
    only_qr = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    # TextMode.Plain: the exact decoded text (the default HRI mode shows control characters as "<ESC>").
    results = zxingcpp.read_barcodes(
        image, formats=only_qr, try_invert=False, text_mode=zxingcpp.TextMode.Plain
    )
    found = [r for r in results if r.valid]
    found.sort(key=lambda r: (r.position.top_left.y, r.position.top_left.x))
    return [r.text for r in found]


def _halves(char: str, foreground: RGB, background: RGB) -> tuple[RGB, RGB]:
    if char == "▀":
        return foreground, background
    if char == "▄":
        return background, foreground
    if char == "█":
        return foreground, foreground
    return background, background


def _colours(style: Style | None) -> tuple[RGB, RGB]:
    if style is None:
        return DEFAULT_FOREGROUND, DEFAULT_BACKGROUND
    foreground = _rgb(style.color, DEFAULT_FOREGROUND)
    background = _rgb(style.bgcolor, DEFAULT_BACKGROUND)
    if style.reverse:
        foreground, background = background, foreground
    return foreground, background


def _rgb(colour: Color | None, default: RGB) -> RGB:
    if colour is None or colour.is_default:
        return default
    triplet = colour.get_truecolor()
    return (triplet.red, triplet.green, triplet.blue)
