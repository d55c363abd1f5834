"""Visiting Innovatum: where you are, opening hours and addresses, and the partners in the building."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from kiosk.replica.queries import Partner
from kiosk.ui.context import ui_context
from kiosk.ui.navigation import OpenListing
from kiosk.ui.safe import literal
from kiosk.ui.screens.base import KioskScreen


class VisitScreen(KioskScreen):
    section = "visit"

    def screen_title(self) -> str:
        return self._("Visit")

    def compose_body(self) -> ComposeResult:
        context = ui_context()
        partners = context.queries.partners()
        with VerticalScroll(id="visit"):
            if context.location:
                yield Label(self._("You are here"), classes="heading")
                yield Static(literal(context.location, 120, overflow="fold"), classes="field")
            # Partners with an address or opening hours are the places a visitor can walk to.
            for partner in partners:
                if partner.address or partner.hours(context.language):
                    yield self._visit_card(partner)
            if partners:
                yield Label(self._("Partners"), classes="heading")
                yield OptionList(
                    *(
                        Option(self._partner_row(partner), id=f"partner:{partner.slug}")
                        for partner in partners
                    ),
                    id="partner-list",
                )
            else:
                yield Static(self._("No partners to show."), classes="empty")

    def _visit_card(self, partner: Partner) -> Vertical:
        context = ui_context()
        lines = [Static(literal(partner.name, 120, "bold", overflow="fold"), classes="visit-name")]
        if partner.address:
            lines.append(Label(self._("Address"), classes="heading"))
            lines.append(Static(literal(partner.address, 200, overflow="fold"), classes="field"))
        hours = partner.hours(context.language)
        if hours:
            lines.append(Label(self._("Opening hours"), classes="heading"))
            lines.append(Static(literal(hours, 300, overflow="fold"), classes="field"))
        return Vertical(*lines, classes="visit-card")

    def _partner_row(self, partner: Partner) -> Text:
        row = literal(partner.name, 80, "bold", single_line=True)
        kind = partner.kind_in(ui_context().language)
        if kind:
            row.append("  ")
            row.append_text(literal(kind, 60, "dim", single_line=True))
        row.no_wrap, row.overflow = True, "ellipsis"
        return row

    @on(OptionList.OptionSelected, "#partner-list")
    def _opened(self, event: OptionList.OptionSelected) -> None:
        _, _, slug = (event.option.id or "").partition(":")
        if slug:
            self.post_message(OpenListing("partner", slug))
