"""The half-block drawing itself: one module per half cell, quiet zone, error correction, bad data."""

from __future__ import annotations

import logging

import pytest
import zxingcpp

from kiosk.ui.qr import QRCode, qr_matrix, render_qr
from tests.ui.screen_image import decode_qr_codes, strips_to_image

URL = "https://innovatum.se/foretag/nordvik-robotics"
BLACK = (0, 0, 0)
WHITE = (255, 255, 255)


@pytest.mark.parametrize("border", [0, 1, 2, 4])
def test_every_module_is_exactly_one_half_cell_and_the_quiet_zone_is_white(border: int) -> None:
    matrix = qr_matrix(URL)
    assert matrix is not None
    strips = list(render_qr(URL, border))
    columns, rows = QRCode.cell_size(URL, border)
    image = strips_to_image(strips, columns)  # scale 1: one pixel per half cell
    assert image.size == (columns, 2 * rows)
    modules = len(matrix) + 2 * border
    for y in range(image.height):
        for x in range(image.width):
            inside = border <= x < border + len(matrix) and border <= y < border + len(matrix)
            dark = inside and matrix[y - border][x - border]
            assert image.getpixel((x, y)) == (BLACK if dark else WHITE), (x, y)
    # Module rows are odd in number (21 + 4k + 2*border), so the last cell's lower half is extra quiet zone.
    assert modules % 2 == 1 and 2 * rows == modules + 1


def test_cell_size_is_modules_wide_and_half_as_many_rows() -> None:
    matrix = qr_matrix(URL)
    assert matrix is not None
    assert QRCode.cell_size(URL) == (len(matrix) + 8, (len(matrix) + 8 + 1) // 2)
    assert QRCode.cell_size(URL, border=2) == (len(matrix) + 4, (len(matrix) + 4 + 1) // 2)


def test_every_strip_is_one_black_on_white_segment_of_half_blocks() -> None:
    for strip in render_qr(URL):
        segments = list(strip)
        assert len(segments) == 1
        assert set(segments[0].text) <= {" ", "▀", "▄", "█"}
        assert str(segments[0].style) == "#000000 on #ffffff"


def _decode_ec_level(data: str) -> str:
    columns, _rows = QRCode.cell_size(data)
    image = strips_to_image(list(render_qr(data)), columns)
    image = image.resize((image.width * 4, image.height * 4))
    found = zxingcpp.read_barcodes(image, text_mode=zxingcpp.TextMode.Plain)
    assert [barcode.text for barcode in found] == [data]
    return found[0].ec_level


def test_error_correction_is_m_for_an_ordinary_url() -> None:
    assert _decode_ec_level(URL) == "M"


def test_error_correction_falls_back_to_l_when_m_cannot_hold_the_data() -> None:
    # Byte mode holds 2331 bytes at M (version 40) and 2953 at L.
    data = "https://example.se/?q=" + "abcdefghij" * 250
    assert _decode_ec_level(data) == "L"


def test_data_too_long_for_any_code_draws_nothing_and_logs(caplog: pytest.LogCaptureFixture) -> None:
    data = "https://example.se/?q=" + "x" * 4000
    with caplog.at_level(logging.WARNING, logger="kiosk.ui.qr"):
        assert QRCode.cell_size(data) == (0, 0)
        assert render_qr(data) == ()
    assert "too long" in caplog.text


def test_a_megabyte_of_data_is_refused_at_once(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="kiosk.ui.qr"):
        assert QRCode.cell_size("https://example.se/?" + "a" * 1_000_000) == (0, 0)
    assert "too long" in caplog.text


def test_empty_data_draws_nothing() -> None:
    assert QRCode.cell_size("") == (0, 0)
    assert render_qr("") == ()


def test_fitting_border_prefers_the_full_quiet_zone() -> None:
    columns, rows = QRCode.cell_size(URL, 4)
    assert QRCode.fitting_border(URL, columns, rows) == 4
    assert QRCode.fitting_border(URL, columns - 1, rows) == 2
    small_columns, small_rows = QRCode.cell_size(URL, 2)
    assert QRCode.fitting_border(URL, small_columns, small_rows - 1) is None
    assert QRCode.fitting_border("", 200, 200) is None


def test_a_two_module_quiet_zone_still_decodes() -> None:
    columns, _rows = QRCode.cell_size(URL, 2)
    image = strips_to_image(list(render_qr(URL, 2)), columns).resize((columns * 4, 4 * 2 * _rows))
    assert decode_qr_codes(image) == [URL]
