"""A tenant's (or partner's) page: who they are, where to find them, whether they hire, and a QR code."""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Label, Static

from kiosk.replica.queries import Listing, Partner
from kiosk.ui.logo import Logo
from kiosk.ui.safe import clean, literal
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.widgets.context import kiosk
from kiosk.ui.widgets.qr_card import QrCard, card_width, fitting_border

#: The text column never gets narrower than this; the QR codes take the rest.
INFO_MIN_COLUMNS = 36
#: From this width a page shows two codes side by side.
WIDE_COLUMNS = 140


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

    def __init__(self, kind: str, slug: str) -> None:
        super().__init__()
        self.kind = kind
        self.slug = slug

    def report_name(self) -> str:
        return f"{self.kind}:{self.slug}"

    def screen_title(self) -> str:
        return self._("Partner") if self.kind == "partner" else self._("Company")

    def compose_body(self) -> ComposeResult:
        app = kiosk(self)
        listing = app.queries.listing(self.kind, self.slug)
        if listing is None:
            yield Static(self._("This listing is no longer available."), classes="empty")
            yield Static(self._("Press Esc or touch a section below."), classes="hint")
            return
        rows, columns = self.body_rows(), self.body_columns() - 2
        # Codes go beside the text while the text keeps its minimum width (a second one only on wide
        # screens); a code that does not fit there goes below the text, where it can be scrolled to.
        beside: list[tuple[str, str, str, int]] = []
        below: list[tuple[str, str, str, int]] = []
        used = 0
        for code_id, caption, url in self._codes(listing):
            border = fitting_border(url, columns - INFO_MIN_COLUMNS - used, rows)
            if border is not None and (not beside or columns >= WIDE_COLUMNS):
                beside.append((code_id, caption, url, border))
                used += card_width(url, border) + 1
                continue
            # Below the text: whole within the visible rows if possible, else as large as it needs.
            border = fitting_border(url, columns - used - 2, rows) or fitting_border(
                url, columns - used - 2, 10_000
            )
            if border is not None:
                below.append((code_id, caption, url, border))
        with Horizontal(id="listing"):
            with VerticalScroll(id="listing-info"):
                yield from self._head(listing, columns)
                yield from self._details(listing)
                for code_id, caption, url, border in below:
                    yield QrCard(caption, url, border=border, id=code_id)
            if beside:
                with Horizontal(id="listing-codes"):
                    for code_id, caption, url, border in beside:
                        yield QrCard(caption, url, border=border, id=code_id)

    def _codes(self, listing: Listing) -> list[tuple[str, str, str]]:
        """(widget id, caption, url) of each code the page shows, the website first."""
        codes = []
        if listing.website:
            codes.append(("website-code", self._("Scan for our website"), listing.website))
        if listing.hiring and listing.hiring_url and listing.hiring_url != listing.website:
            codes.append(("hiring-code", self._("Scan for open positions"), listing.hiring_url))
        return codes

    def _head(self, listing: Listing, columns: int) -> ComposeResult:
        app = kiosk(self)
        with Horizontal(classes="listing-head"):
            if listing.has_logo or columns >= 100:
                size = (16, 8) if columns >= 100 else (10, 5)
                yield Logo(
                    app.queries.logo(listing.kind, listing.slug) if listing.has_logo else None,
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
        app = kiosk(self)
        description = listing.description(app.language)
        if description:
            yield Static(literal(description, 2000, overflow="fold"), classes="description")
        place = where(listing, self._)
        if place:
            yield Label(self._("Where to find us"), classes="heading")
            yield Static(literal(place, 200, overflow="fold"), classes="field")
        if isinstance(listing, Partner):
            if listing.address:
                yield Label(self._("Address"), classes="heading")
                yield Static(literal(listing.address, 200, overflow="fold"), classes="field")
            hours = listing.hours(app.language)
            if hours:
                yield Label(self._("Opening hours"), classes="heading")
                yield Static(literal(hours, 300, overflow="fold"), classes="field")
        if listing.contact:
            yield Label(self._("Contact"), classes="heading")
            yield Static(literal(listing.contact, 200, overflow="fold"), classes="field")
        if listing.website:
            yield Label(self._("Website"), classes="heading")
            yield Static(literal(listing.website, 200, overflow="fold"), classes="field")
