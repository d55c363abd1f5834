"""Lay a `Poster` out on an A5, A4 or A3 page: a PDF with fpdf2, and a PNG rasterised from that PDF.

Why fpdf2: pure Python (no C library to build on the admin node or a Pi), maintained, embeds and
subsets TrueType fonts, and draws vector rectangles, so the QR code prints razor-sharp at any size.
reportlab would do too, but is far larger for one page of text and squares. The PNG is the same PDF
rendered by PDFium (pypdfium2, a self-contained wheel): one layout, never two that drift apart, and
no poppler needed at run time.

Invariants:
- The fonts are DejaVu Sans (assets/fonts, with its licence), embedded, so Swedish letters (åäö) and
  the dashes print the same on every printer and extract as text.
- The QR code keeps a quiet zone of QUIET_MODULES on every side in which nothing is drawn; it is
  drawn in pure black on white, modules as rectangles (runs along a row merged into one).
- Everything above the code is fitted into the space the code leaves: a long description is cut
  with "…", never drawn over the code or off the page.
"""

from __future__ import annotations

import io
import logging
import warnings
from dataclasses import dataclass
from typing import Literal

import qrcode
from fpdf import FPDF
from fpdf.enums import Align, WrapMode, XPos, YPos
from PIL import Image
from qrcode.constants import ERROR_CORRECT_M

from admin.posters.content import PARK_NAME, Poster
from assets import ASSETS

log = logging.getLogger(__name__)

PageSize = Literal["A5", "A4", "A3"]
#: Portrait width x height in millimetres.
PAGE_SIZES: dict[PageSize, tuple[float, float]] = {"A5": (148, 210), "A4": (210, 297), "A3": (297, 420)}

FONT_DIR = ASSETS / "fonts"
FONT = "DejaVu"
#: The quiet zone the QR specification asks for: 4 modules of plain light background on every side.
QUIET_MODULES = 4
#: The code's side (quiet zone included) as a share of the page width: 105 mm on A4.
QR_SHARE = 0.5
#: The smallest code that still scans from arm's length; the text gives way before the code does.
QR_MIN_SHARE = 0.35

INK = (26, 26, 26)
MUTED = (80, 80, 80)
ACCENT = (0, 94, 84)  # Innovatum green: the header rule
BLACK = (0, 0, 0)
PT = 25.4 / 72  # millimetres per point
DEFAULT_DPI = 150


@dataclass
class _Page:
    pdf: FPDF
    width: float
    height: float
    scale: float  # 1.0 on A4
    margin: float

    def font(self, size: float, bold: bool = False, colour: tuple[int, int, int] = INK) -> float:
        """Set the font (size in A4 points, scaled to the page); return the line height in mm."""
        points = size * self.scale
        self.pdf.set_font(FONT, "B" if bold else "", points)
        self.pdf.set_text_color(*colour)
        return points * PT * 1.3

    @property
    def text_width(self) -> float:
        return self.width - 2 * self.margin

    def lines(self, text: str, width: float, wrap: WrapMode = WrapMode.WORD) -> list[str]:
        result = self.pdf.multi_cell(width, text=text, dry_run=True, output="LINES", wrapmode=wrap)
        assert isinstance(result, list)  # output="LINES" returns the list alone
        return [str(line) for line in result]

    def block(
        self,
        text: str,
        y: float,
        line_height: float,
        *,
        limit: float,
        align: Align = Align.C,
        width: float | None = None,
        x: float | None = None,
        wrap: WrapMode = WrapMode.WORD,
    ) -> float:
        """Draw `text` wrapped from `y`, cut with "…" so it ends above `limit`; return the y below it."""
        width = width or self.text_width
        x = self.margin if x is None else x
        room = int((limit - y) // line_height)
        if room <= 0:
            return y
        lines = self.lines(text, width, wrap)
        if len(lines) > room:
            lines = lines[:room]
            last = lines[-1].rstrip()
            while last and self.pdf.get_string_width(last + " …") > width:
                last = last[:-1].rstrip()
            lines[-1] = last + " …"
        for line in lines:
            self.pdf.set_xy(x, y)
            self.pdf.cell(width, line_height, line, align=align, new_x=XPos.LEFT, new_y=YPos.NEXT)
            y += line_height
        return y


def qr_matrix(url: str) -> list[list[bool]]:
    """The code's modules without a quiet zone (level M: 15 % of a scuffed poster may be unreadable)."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0)
    code.add_data(url)
    code.make(fit=True)
    return [list(row) for row in code.get_matrix()]


def _draw_qr(page: _Page, url: str, x: float, y: float, side: float) -> None:
    """The code in a `side` mm square at (x, y), quiet zone included."""
    matrix = qr_matrix(url)
    modules = len(matrix) + 2 * QUIET_MODULES
    unit = side / modules
    pdf = page.pdf
    pdf.set_fill_color(255, 255, 255)
    pdf.rect(x, y, side, side, style="F")
    pdf.set_fill_color(*BLACK)
    # A hair of overlap between rows, so an anti-aliasing rasteriser leaves no light seam between them.
    overlap = unit * 0.04
    for row_index, row in enumerate(matrix):
        top = y + (row_index + QUIET_MODULES) * unit
        column = 0
        while column < len(row):
            if not row[column]:
                column += 1
                continue
            start = column
            while column < len(row) and row[column]:
                column += 1
            left = x + (start + QUIET_MODULES) * unit
            pdf.rect(left, top, (column - start) * unit, unit + overlap, style="F")


def _logo(data: bytes) -> Image.Image | None:
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            return image.convert("RGBA")
    except Exception as exc:  # a damaged stored logo costs the poster its logo, not the poster
        log.warning("logo left out: %s", exc)
        return None


def render_pdf(poster: Poster, size: PageSize = "A4") -> bytes:
    width, height = PAGE_SIZES[size]
    with warnings.catch_warnings():  # "A5 dimensions were fixed in 2.8.5": news, not a problem
        warnings.simplefilter("ignore", UserWarning)
        pdf = FPDF(orientation="P", unit="mm", format=size)
    pdf.set_auto_page_break(False)
    pdf.c_margin = 0
    pdf.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_title(poster.title)
    pdf.set_author("Innovatum")
    pdf.set_creator("innovatum-admin poster")
    pdf.add_page()
    scale = width / 210
    page = _Page(pdf, width, height, scale, margin=15 * scale)
    m = page.margin

    # Header: the park's name over a rule in its colour.
    line = page.font(16, bold=True, colour=ACCENT)
    page.block("Innovatum", m, line, limit=m + line + 1, align=Align.L)
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(0.8 * scale)
    rule = m + line + 1.5 * scale
    pdf.line(m, rule, width - m, rule)
    top = rule + 8 * scale

    # Footer, then from the bottom up: the URL, the code, its caption.
    foot_line = page.font(9, colour=MUTED)
    foot_y = height - m - foot_line
    page.block(PARK_NAME, foot_y, foot_line, limit=height)
    url_line = page.font(11)
    side = width * QR_SHARE
    url_lines = page.lines(poster.url, side, WrapMode.CHAR)
    url_y = foot_y - 6 * scale - len(url_lines) * url_line
    qr_y = url_y - 1 * scale - side
    caption_line = page.font(16, bold=True)
    caption_y = qr_y - caption_line
    if caption_y - top < height * 0.22:  # little room for text: the code shrinks, to its minimum
        side = max(width * QR_MIN_SHARE, side - (height * 0.22 - (caption_y - top)))
        url_lines = page.lines(poster.url, side, WrapMode.CHAR)
        url_y = foot_y - 6 * scale - len(url_lines) * url_line
        qr_y = url_y - 1 * scale - side
        caption_y = qr_y - caption_line
    qr_x = (width - side) / 2
    page.font(16, bold=True)
    page.block(poster.caption, caption_y, caption_line, limit=qr_y + 0.01)
    _draw_qr(page, poster.url, qr_x, qr_y, side)
    page.font(11)
    page.block(poster.url, url_y, url_line, limit=foot_y, width=side, x=qr_x, wrap=WrapMode.CHAR)

    # Above the caption: logo, title, where/when, a room's bookings, the description.
    limit = caption_y - 4 * scale
    y = top
    logo = _logo(poster.logo) if poster.logo else None
    if logo is not None:
        logo_h = 26 * scale
        logo_w = logo_h * logo.width / max(logo.height, 1)
        pdf.image(logo, x=(width - logo_w) / 2, y=y, w=logo_w, h=logo_h)
        y += logo_h + 5 * scale
    for points in (34, 28, 22):  # a long name steps down in size rather than filling the page
        title_line = page.font(points, bold=True)
        if len(page.lines(poster.title, page.text_width)) <= 2:
            break
    y = page.block(poster.title, y, title_line, limit=limit) + 2 * scale
    sub_line = page.font(14, colour=MUTED)
    for subtitle in poster.subtitles:
        y = page.block(subtitle, y, sub_line, limit=limit)
    y += 5 * scale
    if poster.list_heading:
        y = page.block(poster.list_heading, y, page.font(14, bold=True), limit=limit, align=Align.L)
        item_line = page.font(13)
        for item in poster.list_items:
            y = page.block(item, y, item_line, limit=limit, align=Align.L)
        y += 4 * scale
    body_line = page.font(12)
    for paragraph in poster.paragraphs:
        y = page.block(paragraph, y, body_line, limit=limit, align=Align.L) + 2 * scale
    return bytes(pdf.output())


def render_png(pdf: bytes, dpi: int = DEFAULT_DPI) -> bytes:
    """The first page of `pdf` as a PNG at `dpi` (PDFium, bundled with pypdfium2: no poppler)."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        bitmap = document[0].render(scale=dpi / 72)
        image = bitmap.to_pil()
    finally:
        document.close()
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(dpi, dpi), optimize=True)
    return out.getvalue()
