"""The directory: search as you type over tenants and partners, filters by category and floor.

The search text and filters live on the screen, not only in the widgets, so a language switch or a
content update (which rebuild the screen) keeps what the visitor typed.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.cache import FIFOCache
from textual.containers import Horizontal
from textual.widgets import Input, Label, OptionList, Select
from textual.widgets.option_list import Option

from kiosk.replica.queries import Listing, Partner, SearchResult
from kiosk.ui.context import ui_context
from kiosk.ui.navigation import OpenListing
from kiosk.ui.safe import literal
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.widgets.result_list import ResultList
from kiosk.ui.widgets.search_field import SearchField

log = logging.getLogger(__name__)

#: Rows kept ready to show: a few pages of results, in each language.
_ROW_CACHE_SIZE = 1000


class DirectoryScreen(KioskScreen):
    section = "directory"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "focus_results", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.search_text = ""
        self.category: str | None = None
        self.floor: int | None = None
        self._shown: SearchResult | None = None
        #: The search text the result list currently answers (it trails `search_text` by at most a frame).
        self.results_text: str | None = None
        # At most one search per frame (see _request_search).
        self._awaiting_frame = False
        self._search_deferred = False
        self._rows: FIFOCache[tuple[object, ...], Text] = FIFOCache(_ROW_CACHE_SIZE)
        #: The filter choices the screen was composed with (see _on_content).
        self._composed_filters: tuple[object, ...] | None = None

    def screen_title(self) -> str:
        return self._("Companies and partners")

    def compose_body(self) -> ComposeResult:
        context = ui_context()
        yield SearchField(
            value=self.search_text,
            placeholder=self._("Search: name, field or skill …"),
            id="search",
        )
        with Horizontal(id="filters"):
            # A filter whose value vanished in an update (last tenant on that floor left) is dropped.
            categories = context.queries.categories()
            if self.category not in categories:
                self.category = None
            yield Select(
                [(literal(name, 40, single_line=True), name) for name in categories],
                prompt=self._("All categories"),
                value=self.category if self.category is not None else Select.NULL,
                id="category",
            )
            floors = context.queries.floors()
            if self.floor not in floors:
                self.floor = None
            self._composed_filters = (tuple(categories), tuple(floors))
            yield Select(
                [(self._("Floor {floor}").format(floor=floor), floor) for floor in floors],
                prompt=self._("All floors"),
                value=self.floor if self.floor is not None else Select.NULL,
                id="floor",
            )
            yield Label("", id="result-count")
        yield ResultList(id="results")

    # The search field takes the focus when the screen opens (Screen.AUTO_FOCUS): typing searches.

    def on_mount(self) -> None:
        super().on_mount()
        self._show_results()

    async def _on_content(self, version: int) -> None:
        """A content update that leaves the filters' choices as they are only changes the results:
        search again instead of rebuilding the screen (the rebuild was most of an edit's way to the
        screen on a Pi-class core, bench/pi.py)."""
        context = ui_context()
        try:
            filters = (tuple(context.queries.categories()), tuple(context.queries.floors()))
        except sqlite3.Error:
            filters = None
        if filters is None or filters != self._composed_filters or not self.is_attached:
            await super()._on_content(version)
            return
        self._shown = None  # the same query may now answer with other rows: draw them again
        self._show_results()

    async def refresh_content(self) -> None:
        searching = isinstance(self.focused, Input)
        await self.recompose()
        self._shown = None  # new widgets, maybe a new language: draw the rows again
        self._show_results()
        if searching:
            self.focus_search()

    def focus_search(self) -> None:
        """Focus the search field; on a screen still being built, focus it once it exists."""
        found = self.query("#search")
        if found:
            found.first(Input).focus()
        else:
            self.call_after_refresh(self.focus_search)

    def action_focus_results(self) -> None:
        if self._search_deferred:  # Enter or Down right after a burst of keys: the list answers them first
            self._search_deferred = False
            self._show_results()
        results = self.query_one("#results", OptionList)
        if self.focused is self.query_one("#search", Input) and results.option_count:
            results.focus()
            results.highlighted = 0

    @on(Input.Changed, "#search")
    def _typed(self, event: Input.Changed) -> None:
        self.search_text = event.value
        self._request_search()

    def _request_search(self) -> None:
        """Search now, unless a search already ran for the frame not yet drawn: then once after it.

        The field shows every key at once (it repaints itself); a fast typist's burst of keys between
        two frames costs one search for the last text, not one per key, and the first key of a
        burst is answered without waiting for a frame.
        """
        if self._awaiting_frame:
            self._search_deferred = True
            return
        self._show_results()
        self._awaiting_frame = True
        self.call_after_refresh(self._frame_drawn)

    def _frame_drawn(self) -> None:
        self._awaiting_frame = False
        if self._search_deferred and self.is_attached:
            self._search_deferred = False
            self._request_search()

    @on(Input.Submitted, "#search")
    def _submitted(self) -> None:
        self.action_focus_results()

    @on(Select.Changed)
    def _filtered(self, event: Select.Changed) -> None:
        value = event.value
        if event.select.id == "category":
            self.category = value if isinstance(value, str) else None
        elif event.select.id == "floor":
            self.floor = value if isinstance(value, int) else None
        self._show_results()

    @on(OptionList.OptionSelected, "#results")
    def _opened(self, event: OptionList.OptionSelected) -> None:
        kind, _, slug = (event.option.id or "").partition(":")
        if slug:
            self.post_message(OpenListing(kind, slug))

    def _show_results(self) -> None:
        context = ui_context()
        try:
            found = context.queries.search(self.search_text, category=self.category, floor=self.floor)
        except sqlite3.Error as exc:  # keep the last results rather than take the kiosk down
            log.warning("directory search failed: %s", exc)
            return
        results = self.query_one("#results", OptionList)
        self.results_text = self.search_text
        if found is self._shown:
            return  # the same (cached) answer, e.g. "robot " after "robot": the list is already right
        self._shown = found
        results.set_options(
            [Option(self._row(listing), id=f"{listing.kind}:{listing.slug}") for listing in found.listings]
        )
        if found.total == 0:
            count = self._("No matches")
        elif found.total > len(found.listings):
            count = self._("{shown} of {total}").format(shown=len(found.listings), total=found.total)
        else:
            count = context.ngettext("{count} match", "{count} matches", found.total).format(
                count=found.total
            )
        # The label has a fixed width (kiosk.tcss): a new layout of the whole screen would cost more
        # than the search.
        self.query_one("#result-count", Label).update(count, layout=False)

    def _row(self, listing: Listing) -> Text:
        """The row's text, from a cache: cleaning untrusted text for 50 rows is most of a keystroke.

        Keyed by everything the row shows (and the language), so an edited listing gets a new row.
        """
        partner_kind = listing.partner_kind if isinstance(listing, Partner) else None
        language = ui_context().language
        key = (listing.name, partner_kind, listing.category, listing.floor, listing.hiring, language)
        row = self._rows.get(key)
        if row is None:
            row = self._build_row(listing)
            self._rows.set(key, row)
        return row.copy()

    def _build_row(self, listing: Listing) -> Text:
        row = literal(listing.name, 80, "bold", single_line=True)
        details = []
        if isinstance(listing, Partner):
            details.append(listing.partner_kind or self._("Partner"))
        if listing.category:
            details.append(listing.category)
        if listing.floor is not None:
            details.append(self._("Floor {floor}").format(floor=listing.floor))
        if details:
            row.append("  ")
            row.append_text(literal(" · ".join(details), 80, "dim", single_line=True))
        if listing.hiring:
            row.append("  ")
            row.append(self._("Hiring"), "reverse")
        row.no_wrap = True
        row.overflow = "ellipsis"
        return row
