"""Logos become colour half-block cells; anything unusable becomes a placeholder, never a crash."""

from __future__ import annotations

import io
import logging
import os
import struct
import zlib

import pytest
from PIL import Image
from textual.app import App, ComposeResult
from textual.strip import Strip

from kiosk.ui.logo import Logo, render_logo
from tests.kiosk.ui.screen_image import screen_strips, strips_to_image

RED = (220, 20, 60)
BLUE = (0, 70, 200)
BACKGROUND = (10, 20, 30)
BACKGROUND_HEX = "#0a141e"


def image_bytes(image: Image.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt)
    return buffer.getvalue()


def pixels(strips: list[Strip], width: int) -> Image.Image:
    return strips_to_image(strips, width)


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims width x height pixels: a valid signature and IHDR, then a tiny IDAT."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


def is_placeholder(strips: list[Strip], initials: str = "") -> bool:
    text = [strip.text for strip in strips]
    return text[0].startswith("┌") and text[-1].startswith("└") and any(initials in line for line in text)


def test_opaque_png_fills_the_box_with_its_colours() -> None:
    logo = Image.new("RGB", (40, 20), RED)
    logo.paste(BLUE, (20, 0, 40, 20))  # right half blue
    strips = render_logo(image_bytes(logo, "PNG"), 20, 5, background=BACKGROUND_HEX)
    assert len(strips) == 5 and all(strip.cell_length == 20 for strip in strips)
    picture = pixels(strips, 20)  # 20 x 10 pixels: the 2:1 logo exactly fills it
    assert picture.getpixel((2, 0)) == RED and picture.getpixel((2, 9)) == RED
    assert picture.getpixel((17, 0)) == BLUE and picture.getpixel((17, 9)) == BLUE


def test_jpeg_is_decoded_with_close_colours() -> None:
    strips = render_logo(image_bytes(Image.new("RGB", (300, 300), RED), "JPEG"), 10, 5)
    picture = pixels(strips, 10)
    r, g, b = picture.getpixel((5, 5))  # type: ignore[misc]
    assert abs(r - RED[0]) < 8 and abs(g - RED[1]) < 8 and abs(b - RED[2]) < 8


def test_aspect_ratio_is_kept_and_the_logo_is_centred_on_the_background() -> None:
    wide = Image.new("RGB", (400, 100), RED)  # 4:1 into a 20 x 10 pixel box: 20 x 5, centred vertically
    picture = pixels(render_logo(image_bytes(wide, "PNG"), 20, 5, background=BACKGROUND_HEX), 20)
    column = [picture.getpixel((10, y)) for y in range(10)]
    assert column == [BACKGROUND] * 2 + [RED] * 5 + [BACKGROUND] * 3
    tall = Image.new("RGB", (100, 200), BLUE)  # 1:2 into 20 x 10: 5 x 10, centred horizontally
    picture = pixels(render_logo(image_bytes(tall, "PNG"), 20, 5, background=BACKGROUND_HEX), 20)
    row = [picture.getpixel((x, 4)) for x in range(20)]
    assert row == [BACKGROUND] * 7 + [BLUE] * 5 + [BACKGROUND] * 8


def test_transparency_is_composited_on_the_background() -> None:
    logo = Image.new("RGBA", (20, 10), (0, 0, 0, 0))
    logo.paste((*RED, 255), (0, 0, 10, 10))  # left half opaque red, right half transparent
    picture = pixels(render_logo(image_bytes(logo, "PNG"), 20, 5, background=BACKGROUND_HEX), 20)
    assert picture.getpixel((3, 3)) == RED
    assert picture.getpixel((16, 3)) == BACKGROUND


def test_rendering_is_cached_by_content_and_size() -> None:
    data = image_bytes(Image.new("RGB", (64, 64), BLUE), "PNG")
    first = render_logo(data, 12, 6)
    again = render_logo(bytes(data), 12, 6)  # equal content, different object
    assert all(a is b for a, b in zip(first, again, strict=True))
    assert render_logo(data, 14, 7)[0] is not first[0]


@pytest.mark.parametrize(
    ("case", "data"),
    [
        ("none", None),
        ("empty", b""),
        ("random bytes", os.urandom(2048)),
        ("truncated png", image_bytes(Image.new("RGB", (64, 64), RED), "PNG")[:-40]),
        ("20000x20000 header bomb", png_header_only(20000, 20000)),
        ("5000x5000 over our cap", png_header_only(5000, 5000)),
        ("8000x100 too wide", png_header_only(8000, 100)),
        ("oversized file", b"\x89PNG\r\n\x1a\n" + bytes(3 * 1024 * 1024)),
        ("tiff is not an allowed format", image_bytes(Image.new("RGB", (8, 8), RED), "TIFF")),
        ("svg text", b"<svg xmlns='http://www.w3.org/2000/svg'/>"),
    ],
)
def test_unusable_logos_show_the_placeholder_with_initials(case: str, data: bytes | None) -> None:
    strips = render_logo(data, 12, 5, placeholder_text="NR")
    assert is_placeholder(strips, "NR"), case
    assert len(strips) == 5 and all(strip.cell_length == 12 for strip in strips)


def test_a_bomb_is_refused_from_its_header_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="kiosk.ui.logo"):
        render_logo(png_header_only(5000, 5000), 10, 4, placeholder_text="XL")
    assert "5000x5000" in caplog.text


def test_placeholder_text_is_untrusted_too() -> None:
    strips = render_logo(None, 20, 3, placeholder_text="[b]X[/b]\x1b[2J")
    assert strips[1].text == "│     [b]X[/b]     │"


def test_tiny_boxes_never_fail() -> None:
    assert render_logo(None, 0, 0) == []
    assert [strip.text for strip in render_logo(None, 4, 1, placeholder_text="Nordvik")] == ["Nor…"]
    assert len(render_logo(image_bytes(Image.new("RGB", (9, 9), RED), "PNG"), 1, 1)) == 1


class LogoApp(App[None]):
    CSS = "Screen { background: #0a141e; }"

    def __init__(self, data: bytes | None) -> None:
        super().__init__()
        self.data = data

    def compose(self) -> ComposeResult:
        yield Logo(self.data, width=16, height=4, placeholder_text="NR")


async def test_logo_widget_shows_the_image_on_screen_at_its_size() -> None:
    logo = Image.new("RGBA", (32, 8), (0, 0, 0, 0))
    logo.paste((*RED, 255), (8, 0, 24, 8))
    app = LogoApp(image_bytes(logo, "PNG"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        widget = app.query_one(Logo)
        assert tuple(widget.size) == (16, 4)
        picture = strips_to_image(screen_strips(app), 80)
        # 32x8 into 16x8 pixels: 16x4, centred vertically (rows 2..5); transparent parts show the screen.
        assert picture.getpixel((8, 3)) == RED
        assert picture.getpixel((1, 3)) == BACKGROUND
        assert picture.getpixel((8, 0)) == BACKGROUND


async def test_logo_widget_with_a_corrupt_file_shows_the_placeholder_and_the_app_keeps_running() -> None:
    app = LogoApp(b"\x89PNG\r\n\x1a\n garbage")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        lines = [strip.text[:16] for strip in screen_strips(app)[:4]]
        assert lines[0] == "┌" + "─" * 14 + "┐"
        assert "NR" in lines[1]
        assert app.is_running


async def test_logo_widget_update_replaces_the_image() -> None:
    app = LogoApp(None)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.query_one(Logo).update(image_bytes(Image.new("RGB", (16, 8), BLUE), "PNG"))
        await pilot.pause()
        assert strips_to_image(screen_strips(app), 80).getpixel((8, 3)) == BLUE


def test_a_large_but_allowed_logo_is_shrunk_to_fit() -> None:
    big = Image.new("RGB", (1024, 512), RED)
    strips = render_logo(image_bytes(big, "PNG"), 20, 5)
    assert not is_placeholder(strips)
    assert pixels(strips, 20).getpixel((10, 5)) == RED


class ThemedLogoApp(App[None]):
    def __init__(self, data: bytes) -> None:
        super().__init__()
        self.data = data

    def compose(self) -> ComposeResult:
        yield Logo(self.data, width=16, height=4)


async def test_transparent_parts_follow_the_theme_background() -> None:
    logo = Image.new("RGBA", (32, 8), (0, 0, 0, 0))
    logo.paste((*RED, 255), (8, 0, 24, 8))
    app = ThemedLogoApp(image_bytes(logo, "PNG"))
    async with app.run_test(size=(80, 24)) as pilot:
        seen = []
        for theme in ("textual-dark", "textual-light"):
            app.theme = theme
            await pilot.pause()
            expected = app.query_one(Logo).background_colors[1].rgb
            picture = strips_to_image(screen_strips(app), 80)
            assert picture.getpixel((1, 3)) == expected
            assert picture.getpixel((8, 3)) == RED
            seen.append(expected)
        assert seen[0] != seen[1]
