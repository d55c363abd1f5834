"""Category chips: the directory's categories as one-row touch targets, "All" first.

They wrap into at most `max_rows` rows of the width given; when the categories need more, the last
chip of each page is "›", which shows the next page of chips (a touch screen cannot scroll a row
sideways). Touching a chip posts `CategoryChips.Picked`.
"""

from __future__ import annotations

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button

from kiosk.ui.safe import clean
from kiosk.ui.widgets.touch_buttons import touch_button

#: Cells after each chip: its right margin in kiosk.tcss.
GAP = 1
MORE = "›"


def chip_width(label: str) -> int:
    return cell_len(label) + 2


def paginate(labels: list[str], columns: int, max_rows: int) -> list[list[list[int]]]:
    """Pages of rows of label indexes. One page when everything fits; otherwise the last row of
    every page keeps room for the "›" chip that turns the pages."""
    single = _pages(labels, columns, max_rows, reserve=0)
    if len(single) == 1:
        return single
    return _pages(labels, columns, max_rows, reserve=chip_width(MORE) + GAP)


def _pages(labels: list[str], columns: int, max_rows: int, *, reserve: int) -> list[list[list[int]]]:
    pages: list[list[list[int]]] = []
    index = 0
    while index < len(labels) or not pages:
        rows: list[list[int]] = []
        while index < len(labels) and len(rows) < max_rows:
            row: list[int] = []
            used = reserve  # on every row: the last page may end on any of them
            while index < len(labels):
                need = chip_width(labels[index]) + GAP  # each chip's right margin (kiosk.tcss)
                if row and used + need > columns:
                    break
                row.append(index)
                used += need
                index += 1
            rows.append(row)
        pages.append(rows)
    return pages


class CategoryChips(Vertical):
    class Picked(Message):
        """A chip was touched: that category, or None for all of them."""

        def __init__(self, category: str | None) -> None:
            super().__init__()
            self.category = category

    def __init__(
        self,
        categories: list[str],
        active: str | None,
        *,
        names: dict[str, str],
        all_label: str,
        columns: int,
        max_rows: int,
        id: str = "chips",
    ) -> None:
        super().__init__(id=id)
        self.values: list[str | None] = [None, *categories]
        # A category's value is its Swedish name (the filter); `names` shows it in English mode.
        self.labels = [
            all_label,
            *(clean(names.get(name, name), 30, single_line=True) for name in categories),
        ]
        self.active = active
        self.pages = paginate(self.labels, columns, max_rows)
        #: The page with the lit chip, so a rebuild (language, update) keeps it in view.
        self.page = next(
            (number for number, rows in enumerate(self.pages) if self._lit_on(rows)),
            0,
        )

    def _lit_on(self, rows: list[list[int]]) -> bool:
        return any(self.values[index] == self.active for row in rows for index in row)

    def compose(self) -> ComposeResult:
        rows = self.pages[self.page]
        for number, row in enumerate(rows):
            with Horizontal(classes="chip-row"):
                for index in row:
                    button = touch_button(self.labels[index], name=str(index), classes="chip")
                    button.id = f"chip-{index}"
                    button.set_class(self.values[index] == self.active, "-current")
                    yield button
                if len(self.pages) > 1 and number == len(rows) - 1:
                    yield touch_button(MORE, name="more", classes="chip -more")

    async def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.name == "more":
            self.page = (self.page + 1) % len(self.pages)
            await self.recompose()
            return
        self.post_message(self.Picked(self.values[int(event.button.name or 0)]))
