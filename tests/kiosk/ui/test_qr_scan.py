"""A phone's view of the QR widget: render the app's actual screen cells to an image and decode it."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label

from kiosk.ui.qr import QRCode
from tests.kiosk.ui.screen_image import decode_qr_codes, screen_image, screen_strips

TENANT_URL = "https://innovatum.se/foretag/nordvik-robotics"
EVENT_URL = "https://innovatum.se/evenemang/julmarknad-2026/anmalan"
SWEDISH_URL = "https://example.se/anmälan?evenemang=Höstlov på Innovatum&ålder=7-12#översikt"
SIZES = [(80, 24), (160, 45)]


class QRApp(App[None]):
    """A screen with some text and the given QR codes side by side, like a tenant/event page."""

    CSS = """
    Screen { layout: vertical; }
    Horizontal { height: auto; }
    """

    def __init__(self, *urls: str, border: int = 4) -> None:
        super().__init__()
        self.urls = urls
        self.border = border

    def compose(self) -> ComposeResult:
        yield Label("Nordvik Robotics AB  ·  plan 2, rum 214")
        with Horizontal():
            for url in self.urls:
                yield QRCode(url, border=self.border)


@pytest.mark.parametrize("size", SIZES)
async def test_tenant_and_event_codes_scan_back_to_exactly_their_urls(size: tuple[int, int]) -> None:
    app = QRApp(TENANT_URL, EVENT_URL)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        assert decode_qr_codes(screen_image(app)) == [TENANT_URL, EVENT_URL]


@pytest.mark.parametrize("size", SIZES)
async def test_url_with_swedish_characters_and_query_string_scans_back_unchanged(
    size: tuple[int, int],
) -> None:
    app = QRApp(SWEDISH_URL)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        assert decode_qr_codes(screen_image(app)) == [SWEDISH_URL]


async def test_a_screen_without_the_widget_decodes_to_nothing() -> None:
    app = QRApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert decode_qr_codes(screen_image(app)) == []


async def test_changing_data_redraws_the_code_at_its_new_size() -> None:
    app = QRApp(TENANT_URL)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        qr = app.query_one(QRCode)
        qr.data = EVENT_URL
        await pilot.pause()
        assert tuple(qr.size) == QRCode.cell_size(EVENT_URL)
        assert decode_qr_codes(screen_image(app)) == [EVENT_URL]


@pytest.mark.parametrize("size", SIZES)
async def test_widget_takes_exactly_its_cell_size_and_is_never_squashed(size: tuple[int, int]) -> None:
    app = QRApp(TENANT_URL)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        assert tuple(app.query_one(QRCode).size) == QRCode.cell_size(TENANT_URL)


@pytest.mark.parametrize("theme", ["textual-dark", "textual-light", "nord"])
async def test_code_is_pure_black_on_white_on_every_theme(theme: str) -> None:
    app = QRApp(TENANT_URL)
    async with app.run_test(size=(80, 24)) as pilot:
        app.theme = theme
        await pilot.pause()
        region = app.query_one(QRCode).region
        colours = set()
        for strip in screen_strips(app)[region.y : region.bottom]:
            for segment in strip.crop(region.x, region.right):
                style = segment.style
                assert style is not None and style.color is not None and style.bgcolor is not None
                colours.add((style.color.get_truecolor().hex, style.bgcolor.get_truecolor().hex))
        assert colours == {("#000000", "#ffffff")}
        assert decode_qr_codes(screen_image(app)) == [TENANT_URL]


async def test_long_registration_url_fits_80x24_with_the_smaller_quiet_zone() -> None:
    long_url = (
        "https://www.eventbrite.se/e/julmarknad-pa-innovatum-science-center-biljetter-123456789012?aff=kiosk"
    )
    columns, rows = 80, 24 - 1  # one row for the label above
    assert QRCode.fitting_border(long_url, columns, rows) == 2  # the full quiet zone does not fit
    app = QRApp(long_url, border=2)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert decode_qr_codes(screen_image(app)) == [long_url]


async def test_markup_in_the_url_is_encoded_not_shown() -> None:
    url = "https://example.se/[bold red]x[/]?a=\x1b[2J"
    app = QRApp(url)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen_text = "".join(strip.text for strip in screen_strips(app))
        assert "bold" not in screen_text and "\x1b" not in screen_text
        assert decode_qr_codes(screen_image(app)) == [url]
