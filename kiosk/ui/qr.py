"""QR codes a phone can scan from a lobby screen, drawn with half-block characters.

One QR module is half a terminal cell: a cell is one module wide and two modules tall, drawn with
"▀", "▄", "█" or a space. Terminal cells are about twice as tall as wide, so the modules come out
square, which is what a phone's decoder expects.

The colours are fixed pure black on pure white, whatever the theme: a dark theme must not invert the
code (many phone decoders reject inverted codes), and black/white survives the Linux console's 16
colours. The quiet zone (light border) is part of the widget, `border` modules on every
side; the specification asks for 4.

Size trade-off (see `QRCode.cell_size`): a 60-character URL is a version 4 code at level M, 33 modules,
so 41 x 21 cells with the full quiet zone and 37 x 19 with `border=2`; a 100-character registration
URL needs 49 x 25, taller than an 80x24 screen, and 45 x 23 with `border=2`. Most phone decoders read
a 2-module quiet zone reliably when the code is surrounded by plain background, but not when other
text sits right next to it: give it margin. `QRCode.fitting_border()` picks 4, else 2, else says it
does not fit.

Error correction: level M (15 % of the code may be unreadable: glare on the screen, a finger mark),
falling back to L (7 %) only when the data is too long for M. A caller short of space may also ask for
L outright (`level="L"`): L needs fewer modules for the same data, and a whole code at L scans where a
cut-off code at M does not. `QRCode.fitting_code()` makes that choice: M with the biggest quiet zone
that fits, and L only when M does not fit at all (the full-screen QR view, kiosk/ui/screens/qr_view.py,
is where that happens). Data too long even for L (about 2,900 bytes) is not drawn at all: the widget
is then 0x0 and a warning is logged, so an absurd URL from a tenant never breaks the page.

The data is encoded, never displayed as text, so an untrusted URL cannot inject markup.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Literal, NamedTuple

import qrcode
from qrcode.constants import ERROR_CORRECT_L, ERROR_CORRECT_M
from qrcode.exceptions import DataOverflowError
from rich.segment import Segment
from rich.style import Style
from textual.geometry import Size
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

log = logging.getLogger(__name__)

Matrix = tuple[tuple[bool, ...], ...]

#: Error correction level: M (15 %) unless a caller short of space asks for L (7 %).
Level = Literal["M", "L"]

#: Pure black on pure white. Not theme colours: contrast must hold on every theme and console.
QR_STYLE = Style(color="#000000", bgcolor="#ffffff")

#: The quiet zone the QR specification asks for, and the smallest one worth trying on small screens.
FULL_BORDER = 4
SMALL_BORDER = 2

#: Best first: the level a screen should use when its code fits at more than one.
LEVELS: tuple[Level, ...] = ("M", "L")

#: What each level tries, in order: M still falls back to L when the data is too long for M.
_ATTEMPTS: dict[Level, tuple[int, ...]] = {
    "M": (ERROR_CORRECT_M, ERROR_CORRECT_L),
    "L": (ERROR_CORRECT_L,),
}

#: The most characters any QR code holds (version 40-L, digits only); anything longer cannot be encoded.
_MOST_CHARACTERS = 7089


class Fit(NamedTuple):
    """How a code fits a space: its error correction, its quiet zone, and which space it fits in."""

    level: Level
    border: int
    space: int


# (upper module dark, lower module dark) -> the character drawn with black foreground on white.
_HALF_BLOCKS = {(False, False): " ", (True, False): "▀", (False, True): "▄", (True, True): "█"}


def qr_matrix(data: str, level: Level = "M") -> Matrix | None:
    """The code's modules without a quiet zone (True = dark), or None when `data` cannot be encoded.

    Cached: a screen re-rendering, or the attract loop cycling through the same cards, costs nothing.
    Data longer than any QR code can hold is refused before it reaches the cache or the encoder, so a
    hostile megabyte "URL" costs neither memory in the cache nor time in qrcode's mode analysis.
    """
    if not data:
        return None
    if len(data) > _MOST_CHARACTERS:
        _warn_too_long(len(data))
        return None
    return _encode(data, level)


@lru_cache(maxsize=128)
def _encode(data: str, level: Level) -> Matrix | None:
    # The level is part of the cache key: the same URL at M and at L are different codes.
    for correction in _ATTEMPTS[level]:
        code = qrcode.QRCode(error_correction=correction, border=0)
        code.add_data(data)
        try:
            code.make(fit=True)
        except (DataOverflowError, ValueError):
            # qrcode raises DataOverflowError, or ValueError("Invalid version (was 41 ...)") when its
            # best-fit search steps past version 40 on data just over the limit.
            continue
        return tuple(tuple(bool(module) for module in row) for row in code.get_matrix())
    _warn_too_long(len(data))
    return None


@lru_cache(maxsize=32)
def _warn_too_long(length: int) -> None:
    # Cached so a layout pass asking for the size again does not repeat the warning.
    log.warning("QR code not drawn: %d characters is too long for a QR code", length)


def _cell_size(matrix: Matrix | None, border: int) -> tuple[int, int]:
    if matrix is None:
        return (0, 0)
    modules = len(matrix) + 2 * border
    return (modules, (modules + 1) // 2)


def render_qr(data: str, border: int = FULL_BORDER, level: Level = "M") -> tuple[Strip, ...]:
    """The code as one strip per terminal row, quiet zone included (empty when it cannot be encoded)."""
    if qr_matrix(data, level) is None:
        return ()
    return _render_strips(data, max(0, border), level)


@lru_cache(maxsize=128)
def _render_strips(data: str, border: int, level: Level) -> tuple[Strip, ...]:
    # Keyed by the string (its hash is cached by Python), not the matrix: render_line runs per row.
    matrix = _encode(data, level)
    assert matrix is not None  # render_qr checked
    size = len(matrix)
    width = size + 2 * border

    def dark(row: int, column: int) -> bool:
        row -= border
        column -= border
        return 0 <= row < size and 0 <= column < size and matrix[row][column]

    strips = []
    for top in range(0, width, 2):
        # An odd number of module rows leaves the last cell's lower half light: more quiet zone.
        text = "".join(_HALF_BLOCKS[dark(top, column), dark(top + 1, column)] for column in range(width))
        strips.append(Strip([Segment(text, QR_STYLE)], width))
    return tuple(strips)


class QRCode(Widget):
    """A scannable QR code. Its size follows its content (never squashed); set `data` to change it."""

    DEFAULT_CSS = """
    QRCode {
        width: auto;
        height: auto;
    }
    """

    data: reactive[str] = reactive("", layout=True)

    def __init__(
        self,
        data: str,
        *,
        border: int = FULL_BORDER,
        level: Level = "M",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._border = max(0, border)
        self._level: Level = level
        self.set_reactive(QRCode.data, data)

    @property
    def border(self) -> int:
        """Quiet zone in modules on each side."""
        return self._border

    @border.setter
    def border(self, value: int) -> None:
        self._border = max(0, value)
        self.refresh(layout=True)

    @property
    def level(self) -> Level:
        """Error correction asked for (M may still come out as L when the data is too long for M)."""
        return self._level

    @staticmethod
    def cell_size(data: str, border: int = FULL_BORDER, level: Level = "M") -> tuple[int, int]:
        """(columns, rows) the code needs with this quiet zone; (0, 0) when it cannot be encoded."""
        return _cell_size(qr_matrix(data, level), max(0, border))

    @staticmethod
    def fitting_border(data: str, columns: int, rows: int, level: Level = "M") -> int | None:
        """The quiet zone to use in a `columns` x `rows` space: 4 if it fits, else 2, else None."""
        for border in (FULL_BORDER, SMALL_BORDER):
            width, height = QRCode.cell_size(data, border, level)
            if 0 < width <= columns and 0 < height <= rows:
                return border
        return None

    @staticmethod
    def fitting_code(data: str, *spaces: tuple[int, int]) -> Fit | None:
        """How to draw the code in the first of `spaces` ((columns, rows), best first) it fits in.

        M wherever it fits, with the biggest quiet zone that fits in that space; L only when M fits
        in none of them: a smaller quiet zone or a less preferred space costs a phone less than half
        the error correction does. None when not even L with the small quiet zone fits anywhere.
        """
        for level in LEVELS:
            for index, (columns, rows) in enumerate(spaces):
                border = QRCode.fitting_border(data, columns, rows, level)
                if border is not None:
                    return Fit(level, border, index)
        return None

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return self.cell_size(self.data, self._border, self._level)[0]

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return self.cell_size(self.data, self._border, self._level)[1]

    def render_line(self, y: int) -> Strip:
        strips = render_qr(self.data, self._border, self._level)
        if 0 <= y < len(strips):
            return strips[y]
        return Strip.blank(self.size.width, self.rich_style)
