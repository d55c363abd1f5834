"""The directory: search as you type over tenants and partners, filters by category and floor.

For touch (a lobby kiosk often has no keyboard): an A–Ö letter strip, category chips and an
on-screen keyboard behind the "⌨ 0–9 åäö" button, which is also where digits are typed (the
physical keyboard's digits are the nav bar's keys).

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
from textual.widgets import Button, Input, Label, OptionList, Select
from textual.widgets.option_list import Option

from kiosk.replica.queries import Listing, Partner, SearchResult
from kiosk.ui.context import ui_context
from kiosk.ui.navigation import OpenListing
from kiosk.ui.safe import clean, literal
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.widgets.category_chips import CategoryChips
from kiosk.ui.widgets.letter_strip import LetterStrip
from kiosk.ui.widgets.result_list import ResultList
from kiosk.ui.widgets.search_field import SearchField
from kiosk.ui.widgets.touch_keyboard import BACKSPACE, CLEAR, SPACE, TouchKeyboard

log = logging.getLogger(__name__)

#: Rows kept ready to show: a few pages of results, in each language.
_ROW_CACHE_SIZE = 1000
#: The result count's width (kiosk.tcss): the letter strip and the keyboard share the row with it.
COUNT_COLUMNS = 16
#: The on-screen keyboard's button: the digits a physical keyboard leaves to the nav bar are there.
KEYBOARD_LABEL = "⌨ 0–9 åäö"


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
        #: The letter strip's letter (names starting with it), cleared by typing.
        self.initial: str | None = None
        self.keyboard_open = False
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
        columns = self.body_columns() - 2
        with Horizontal(id="search-row"):
            yield SearchField(
                value=self.search_text,
                placeholder=self._("Search: name, field or skill …"),
                id="search",
            )
            floors = context.queries.floors()
            # A filter whose value vanished in an update (last tenant on that floor left) is dropped.
            if self.floor not in floors:
                self.floor = None
            yield Select(
                [(self._("Floor {floor}").format(floor=floor), floor) for floor in floors],
                prompt=self._("All floors"),
                value=self.floor if self.floor is not None else Select.NULL,
                id="floor",
            )
            # The keys the physical keyboard leaves to the nav bar (digits) are on the on-screen one.
            toggle = Button(KEYBOARD_LABEL, id="keyboard-toggle", name="keyboard")
            toggle.can_focus = False
            toggle.set_class(self.keyboard_open, "-current")
            yield toggle
        with Horizontal(id="filters"):
            if self.keyboard_open:
                yield TouchKeyboard(
                    columns=columns - COUNT_COLUMNS,
                    labels={
                        SPACE: self._("Space"),
                        BACKSPACE: "⌫",
                        CLEAR: self._("Clear"),
                    },
                )
            else:
                yield LetterStrip(self.initial, columns=columns - COUNT_COLUMNS)
            yield Label("", id="result-count")
        categories = context.queries.categories()
        if self.category not in categories:
            self.category = None
        names = context.queries.category_names(context.language)
        self._composed_filters = self._filter_choices(categories, floors, names)
        yield CategoryChips(
            categories,
            self.category,
            names=names,
            all_label=self._("All categories"),
            columns=columns,
            max_rows=1 if self.app.size.height < 30 else 2,
        )
        yield Label("", id="suggestion")
        yield ResultList(id="results")

    # The search field takes the focus when the screen opens (Screen.AUTO_FOCUS): typing searches.

    def on_mount(self) -> None:
        super().on_mount()
        self._show_results()
        self.call_after_refresh(self._prepare_suggestions)

    async def _on_content(self, version: int) -> None:
        """A content update that leaves the filters' choices as they are only changes the results:
        search again instead of rebuilding the screen (the rebuild was most of an edit's way to the
        screen on a Pi-class core, bench/pi.py)."""
        context = ui_context()
        queries = context.queries
        try:
            filters = self._filter_choices(
                queries.categories(), queries.floors(), queries.category_names(context.language)
            )
        except sqlite3.Error:
            filters = None
        if filters is None or filters != self._composed_filters or not self.is_attached:
            await super()._on_content(version)
            return
        self._shown = None  # the same query may now answer with other rows: draw them again
        self._show_results()

    @staticmethod
    def _filter_choices(
        categories: list[str], floors: list[int], names: dict[str, str]
    ) -> tuple[object, ...]:
        """What the filters offer: the chips (and their names in the language shown) and the floors."""
        return (tuple(categories), tuple(floors), tuple(sorted(names.items())))

    async def refresh_content(self) -> None:
        searching = isinstance(self.focused, Input)
        await self.recompose()
        self._shown = None  # new widgets, maybe a new language: draw the rows again
        self._show_results()
        if searching:
            self.focus_search()
        self.call_after_refresh(self._prepare_suggestions)

    def _prepare_suggestions(self) -> None:
        """Once drawn: read what "Did you mean" needs, so no keystroke waits for it."""
        try:
            ui_context().queries.prepare_suggestions()
        except sqlite3.Error as exc:
            log.warning("cannot prepare search suggestions: %s", exc)

    def focus_search(self) -> None:
        """Focus the search field; on a screen still being built, focus it once it exists."""
        found = self.query("#search")
        if found:
            found.first(Input).focus()
        else:
            self.call_after_refresh(self.focus_search)

    def _catch_up(self) -> None:
        if self._search_deferred:  # Enter or Down right after a burst of keys: the list answers them first
            self._search_deferred = False
            self._show_results()

    def action_focus_results(self) -> None:
        self._catch_up()
        results = self.query_one("#results", OptionList)
        if self.focused is self.query_one("#search", Input) and results.option_count:
            results.focus()
            results.highlighted = results.highlighted or 0

    @on(Input.Changed, "#search")
    def _typed(self, event: Input.Changed) -> None:
        self.search_text = event.value
        if event.value and self.initial is not None:  # typing replaces the letter
            self.initial = None
            self._light_letter()
        self._request_search()

    @on(LetterStrip.Picked)
    def _letter_picked(self, event: LetterStrip.Picked) -> None:
        self.initial = event.letter
        self._light_letter()
        field = self.query_one("#search", Input)
        if field.value:
            self.search_text = ""
            field.value = ""  # its Changed message searches again
        self._show_results()

    def _light_letter(self) -> None:
        for strip in self.query(LetterStrip):
            strip.active = self.initial
            for button in strip.query(Button):
                button.set_class(button.name == self.initial, "-current")

    @on(CategoryChips.Picked)
    def _category_picked(self, event: CategoryChips.Picked) -> None:
        self.category = event.category
        for chips in self.query(CategoryChips):
            chips.active = event.category
            for button in chips.query(Button):
                index = int(button.name) if button.name and button.name.isdigit() else -1
                button.set_class(index >= 0 and chips.values[index] == event.category, "-current")
        self._show_results()

    @on(TouchKeyboard.Pressed)
    def _key_touched(self, event: TouchKeyboard.Pressed) -> None:
        field = self.query_one("#search", Input)
        if event.key == BACKSPACE:
            field.action_delete_left()
        elif event.key == CLEAR:
            field.value = ""
        else:
            field.insert_text_at_cursor(event.key)

    @on(Button.Pressed, "#keyboard-toggle")
    async def _toggle_keyboard(self, event: Button.Pressed) -> None:
        event.stop()
        self.keyboard_open = not self.keyboard_open
        await self.refresh_content()

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
        """Enter in the field opens the marked hit (the first, unless the visitor moved the mark)."""
        self._catch_up()
        results = self.query_one("#results", OptionList)
        option = results.highlighted_option
        if option is not None:
            self._open(option)

    @on(Select.Changed, "#floor")
    def _filtered(self, event: Select.Changed) -> None:
        value = event.value
        self.floor = value if isinstance(value, int) else None
        self._show_results()

    @on(OptionList.OptionSelected, "#results")
    def _opened(self, event: OptionList.OptionSelected) -> None:
        self._open(event.option)

    def _open(self, option: Option) -> None:
        kind, _, slug = (option.id or "").partition(":")
        if slug:
            self.post_message(OpenListing(kind, slug))

    def _show_results(self) -> None:
        context = ui_context()
        try:
            found = context.queries.search(
                self.search_text, category=self.category, floor=self.floor, initial=self.initial
            )
        except sqlite3.Error as exc:  # keep the last results rather than take the kiosk down
            log.warning("directory search failed: %s", exc)
            return
        results = self.query_one("#results", OptionList)
        self.results_text = self.search_text
        if found is self._shown:
            return  # the same (cached) answer, e.g. "robot " after "robot": the list is already right
        self._shown = found
        if found.listings:
            listings = found.listings
            self.query_one("#suggestion", Label).display = False
        else:
            listings = self._suggestions()
        results.set_options(
            [Option(self._row(listing), id=f"{listing.kind}:{listing.slug}") for listing in listings]
        )
        # The first hit is marked (ResultList draws the mark): it is what Enter in the field opens.
        if listings:
            results.highlighted = 0
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

    def _suggestions(self) -> tuple[Listing, ...]:
        """For a typed search with no hit: the names one letter off, under "Did you mean …?" (the
        list then holds them, so Enter or a touch opens one). The line is shown only then."""
        line = self.query_one("#suggestion", Label)
        suggested: tuple[Listing, ...] = ()
        if self.search_text.strip():
            try:
                suggested = ui_context().queries.suggestions(self.search_text)
            except sqlite3.Error as exc:
                log.warning("directory suggestions failed: %s", exc)
        if suggested:
            names = " · ".join(clean(listing.name, 60, single_line=True) for listing in suggested)
            line.update(Text(self._("Did you mean {names}?").format(names=names)))
        line.display = bool(suggested)
        return suggested

    def _row(self, listing: Listing) -> Text:
        """The row's text, from a cache: cleaning untrusted text for 50 rows is most of a keystroke.

        Keyed by everything the row shows (and the language), so an edited listing gets a new row.
        """
        language = ui_context().language
        partner_kind = listing.kind_in(language) if isinstance(listing, Partner) else None
        category = listing.category_in(language)
        key = (listing.name, partner_kind, category, listing.floor, listing.hiring, language)
        row = self._rows.get(key)
        if row is None:
            row = self._build_row(listing)
            self._rows.set(key, row)
        return row.copy()

    def _build_row(self, listing: Listing) -> Text:
        row = literal(listing.name, 80, "bold", single_line=True)
        details = []
        language = ui_context().language
        if isinstance(listing, Partner):
            details.append(listing.kind_in(language) or self._("Partner"))
        category = listing.category_in(language)
        # "Företagsstöd · Företagsstöd": a partner whose kind is its category says it once.
        if category and category not in details:
            details.append(category)
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
