"""A tenant's (or partner's) page: who they are, where to find them, whether they hire, and QR codes.

Each code goes beside the text, else below it, only where it fits whole (a phone cannot scan half a
code). A code that fits neither place gets a "Show QR code" button (keys q and j) that opens it on its
own screen (kiosk/ui/screens/qr_view.py).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import ClassVar, NamedTuple

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Label, Static

from kiosk.replica.queries import Listing, Partner
from kiosk.ui.context import ui_context
from kiosk.ui.logo import Logo
from kiosk.ui.navigation import OpenPage
from kiosk.ui.safe import clean, literal
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.screens.qr_view import QrContent, QrScreen, plan_for
from kiosk.ui.screens.wayfinding import action_way_there, way_there
from kiosk.ui.widgets.qr_card import QrCard, card_width, fitting_border

#: The text column never gets narrower than this; the QR codes take the rest.
INFO_MIN_COLUMNS = 36
#: From this width a page shows two codes side by side.
WIDE_COLUMNS = 140


class Code(NamedTuple):
    """One QR code a page may show: its widget id, caption, URL and the label of its button."""

    id: str
    caption: str
    url: str
    button: str


class Places(NamedTuple):
    """Where each code goes: (code, quiet zone) beside or below the text, or on its own screen."""

    beside: list[tuple[Code, int]]
    below: list[tuple[Code, int]]
    own_screen: list[Code]


def initials(name: str) -> str:
    words = [word for word in clean(name, single_line=True).split() if word[:1].isalnum()]
    return "".join(word[0] for word in words[:2]).upper() or "?"


def where(listing: Listing, _: Callable[[str], str]) -> str:
    """'Floor 2 · Room 204', in the visitor's language."""
    parts = []
    if listing.floor is not None:
        parts.append(_("Floor {floor}").format(floor=listing.floor))
    if listing.room:
        parts.append(_("Room {room}").format(room=clean(listing.room, 40, single_line=True)))
    return " · ".join(parts)


class ListingScreen(KioskScreen):
    section = "directory"
    # j for "jobb": the hiring code's button, when it has one.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "show_qr('website-code')", "QR code", show=False),
        Binding("j", "show_qr('hiring-code')", "QR code for open positions", show=False),
        Binding("w", "way_there", "The way there", show=False),
    ]

    def __init__(self, kind: str, slug: str) -> None:
        super().__init__()
        self.kind = kind
        self.slug = slug

    def report_name(self) -> str:
        return f"{self.kind}:{self.slug}"

    def screen_title(self) -> str:
        return self._("Partner") if self.kind == "partner" else self._("Company")

    def compose_body(self) -> ComposeResult:
        context = ui_context()
        listing = context.queries.listing(self.kind, self.slug)
        if listing is None:
            yield Static(self._("This listing is no longer available."), classes="empty")
            yield Static(self._("Press Esc or touch a section below."), classes="hint")
            return
        columns = self.body_columns() - 2
        places = self._place(self._codes(listing), self.body_rows(), columns)
        with Horizontal(id="listing"):
            with VerticalScroll(id="listing-info"):
                yield from self._head(listing, columns)
                yield from self._details(listing)
                for code, border in places.below:
                    yield QrCard(code.caption, code.url, border=border, id=code.id)
            if places.beside:
                with Horizontal(id="listing-codes"):
                    for code, border in places.beside:
                        yield QrCard(code.caption, code.url, border=border, id=code.id)
        if places.own_screen:
            with Horizontal(classes="qr-buttons"):
                for code in places.own_screen:
                    yield Button(code.button, id=f"{code.id}-button", name=code.id, classes="qr-button")

    def _place(self, codes: list[Code], rows: int, columns: int) -> Places:
        """Codes go beside the text while the text keeps its minimum width (a second one only on wide
        screens); a code that does not fit there goes below the text if it fits whole in the rows a
        visitor sees when scrolled to it, else on its own screen behind a button."""
        places = Places([], [], [])
        used = 0
        for code in codes:
            border = fitting_border(code.url, columns - INFO_MIN_COLUMNS - used, rows)
            if border is not None and (not places.beside or columns >= WIDE_COLUMNS):
                places.beside.append((code, border))
                used += card_width(code.url, border) + 1
                continue
            border = fitting_border(code.url, columns - used - 2, rows)
            if border is not None:
                places.below.append((code, border))
            elif plan_for(self, code.url) is not None:
                places.own_screen.append(code)
        return places

    def _codes(self, listing: Listing) -> list[Code]:
        """Each code the page shows, the website first."""
        codes = []
        if listing.website:
            caption, button = self._("Scan for our website"), self._("Q Show QR code")
            codes.append(Code("website-code", caption, listing.website, button))
        if listing.hiring and listing.hiring_url and listing.hiring_url != listing.website:
            codes.append(
                Code(
                    "hiring-code",
                    self._("Scan for open positions"),
                    listing.hiring_url,
                    self._("J Show QR code for open positions"),
                )
            )
        return codes

    def qr_content(self, code_id: str) -> QrContent | None:
        """One code as the QR view shows it: read again, so it follows edits and the language."""
        listing = ui_context().queries.listing(self.kind, self.slug)
        if listing is None:
            return None
        code = next((code for code in self._codes(listing) if code.id == code_id), None)
        return QrContent(listing.name, code.caption, code.url) if code is not None else None

    def action_show_qr(self, code_id: str) -> None:
        # Only where the page offers the button: a code that fits on the page stays on the page.
        if self.query(f"#{code_id}-button"):
            self._open_qr(code_id)

    def action_way_there(self) -> None:
        action_way_there(self)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.has_class("qr-button") and event.button.name:
            event.stop()
            self._open_qr(event.button.name)

    def _open_qr(self, code_id: str) -> None:
        screen = QrScreen(partial(self.qr_content, code_id), section=self.section, page=self.report_name())
        self.post_message(OpenPage(screen))

    def _head(self, listing: Listing, columns: int) -> ComposeResult:
        context = ui_context()
        with Horizontal(classes="listing-head"):
            if listing.has_logo or columns >= 100:
                size = (16, 8) if columns >= 100 else (10, 5)
                yield Logo(
                    context.queries.logo(listing.kind, listing.slug) if listing.has_logo else None,
                    width=size[0],
                    height=size[1],
                    placeholder_text=initials(listing.name),
                )
            with Vertical(classes="listing-names"):
                yield Label(literal(listing.name, 120, overflow="fold"), classes="title")
                subtitle = [listing.category, *listing.tags[:4]]
                if isinstance(listing, Partner) and listing.partner_kind:
                    subtitle.insert(0, listing.partner_kind)
                line = " · ".join(part for part in subtitle if part)
                if line:
                    yield Label(literal(line, 160, single_line=True, overflow="fold"), classes="subtitle")
                if listing.hiring:
                    yield Label(self._("We're hiring!"), classes="badge -hiring")

    def _details(self, listing: Listing) -> ComposeResult:
        context = ui_context()
        description = listing.description(context.language)
        if description:
            yield Static(literal(description, 2000, overflow="fold"), classes="description")
        place = where(listing, self._)
        if place:
            yield Label(self._("Where to find us"), classes="heading")
            yield Static(literal(place, 200, overflow="fold"), classes="field")
            yield from way_there(self, listing.room, listing.name)
        if isinstance(listing, Partner):
            if listing.address:
                yield Label(self._("Address"), classes="heading")
                yield Static(literal(listing.address, 200, overflow="fold"), classes="field")
            hours = listing.hours(context.language)
            if hours:
                yield Label(self._("Opening hours"), classes="heading")
                yield Static(literal(hours, 300, overflow="fold"), classes="field")
        if listing.contact:
            yield Label(self._("Contact"), classes="heading")
            yield Static(literal(listing.contact, 200, overflow="fold"), classes="field")
        if listing.website:
            yield Label(self._("Website"), classes="heading")
            yield Static(literal(listing.website, 200, overflow="fold"), classes="field")
