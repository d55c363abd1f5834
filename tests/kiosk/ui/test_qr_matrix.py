"""The half-block drawing itself: one module per half cell, quiet zone, error correction, bad data."""

from __future__ import annotations

import logging

import pytest
import zxingcpp

from kiosk.ui.qr import Fit, Level, QRCode, qr_matrix, render_qr
from tests.kiosk.ui.screen_image import decode_qr_codes, strips_to_image

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


#: 101 characters: version 6 (41 modules) at M, version 5 (37 modules) at L.
LONG_URL = (
    "https://innovatum.example.se/evenemang/2026/host/robotverkstad-for-hela-familjen/anmalan?plats=plan-1"
)


def _ec_level(data: str, border: int, level: Level) -> str:
    columns, rows = QRCode.cell_size(data, border, level)
    image = strips_to_image(list(render_qr(data, border, level)), columns).resize((columns * 4, rows * 8))
    found = zxingcpp.read_barcodes(image, text_mode=zxingcpp.TextMode.Plain)
    assert [barcode.text for barcode in found] == [data]
    return found[0].ec_level


def test_level_l_can_be_asked_for_and_is_smaller_than_m() -> None:
    assert QRCode.cell_size(LONG_URL, 2) == (45, 23)
    assert QRCode.cell_size(LONG_URL, 2, "L") == (41, 21)
    assert _ec_level(LONG_URL, 2, "L") == "L"
    assert _ec_level(LONG_URL, 2, "M") == "M"


def test_the_level_is_part_of_every_cache_key() -> None:
    # Asked in turn, each level keeps its own code: a cache keyed on the data alone would hand the
    # first one asked for to both.
    for _ in range(2):
        m, low = qr_matrix(LONG_URL), qr_matrix(LONG_URL, "L")
        assert m is not None and low is not None and (len(m), len(low)) == (41, 37)
        assert (len(render_qr(LONG_URL, 2)), len(render_qr(LONG_URL, 2, "L"))) == (23, 21)


def test_fitting_code_takes_m_with_the_biggest_quiet_zone_that_fits() -> None:
    assert QRCode.fitting_code(LONG_URL, (49, 25)) == Fit("M", 4, 0)
    assert QRCode.fitting_code(LONG_URL, (48, 24)) == Fit("M", 2, 0)
    assert QRCode.fitting_code(LONG_URL, (45, 23)) == Fit("M", 2, 0)


def test_fitting_code_takes_l_only_when_m_does_not_fit_and_l_does() -> None:
    # M with 2 is 45 x 23, L with 4 is 45 x 23 too, L with 2 is 41 x 21.
    assert QRCode.fitting_code(LONG_URL, (44, 23)) == Fit("L", 2, 0)
    assert QRCode.fitting_code(LONG_URL, (45, 22)) == Fit("L", 2, 0)
    assert QRCode.fitting_code(LONG_URL, (40, 30)) is None  # not even L with 2 (41 wide)
    assert QRCode.fitting_code("", (200, 200)) is None


def test_fitting_code_prefers_m_in_a_later_space_to_l_in_an_earlier_one() -> None:
    assert QRCode.fitting_code(LONG_URL, (45, 22), (49, 25)) == Fit("M", 4, 1)
    assert QRCode.fitting_code(LONG_URL, (45, 22), (44, 21)) == Fit("L", 2, 0)
