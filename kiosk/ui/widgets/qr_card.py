"""A QR code with a caption above it: the hand-over from the lobby screen to a visitor's phone.

A code that is cut off does not scan, so a card is only ever placed where it fits whole; callers ask
`fitting_border` first and put the card elsewhere, offer the code on its own screen
(kiosk/ui/screens/qr_view.py), or leave it out when it returns None.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Label

from kiosk.ui.qr import QRCode
from kiosk.ui.safe import literal

#: The caption's row above the code.
CAPTION_ROWS = 1


def fitting_border(url: str, columns: int, rows: int, *, titled: bool = False) -> int | None:
    """The quiet zone for a card (caption, and title if any, included) in columns x rows, or None."""
    return QRCode.fitting_border(url, columns, rows - CAPTION_ROWS - int(titled))


def card_width(url: str, border: int) -> int:
    return QRCode.cell_size(url, border)[0]


class QrCard(Vertical):
    """Caption, then the code. The URL itself is not printed: it is untrusted and long; the code is it."""

    def __init__(
        self, caption: str, url: str, *, border: int, title: str = "", id: str | None = None
    ) -> None:
        super().__init__(id=id, classes="qr-card")
        self.title = title
        self.caption = caption
        self.url = url
        self.border = border
        # The caption must not widen the card beyond its code (it is cropped with an ellipsis instead).
        self.styles.width = card_width(url, border)

    def compose(self) -> ComposeResult:
        if self.title:
            yield Label(
                literal(self.title, single_line=True, no_wrap=True, overflow="ellipsis"), classes="qr-title"
            )
        yield Label(
            literal(self.caption, single_line=True, no_wrap=True, overflow="ellipsis"), classes="qr-caption"
        )
        yield QRCode(self.url, border=self.border)
