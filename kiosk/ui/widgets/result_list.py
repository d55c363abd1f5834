"""The directory's result list: an OptionList of one-line rows that is cheap to refill per keystroke."""

from __future__ import annotations

from typing import Any

from rich.segment import Segment
from rich.text import Text
from textual import events
from textual.events import MouseEvent
from textual.geometry import Size
from textual.strip import Strip
from textual.style import Style
from textual.widgets import OptionList
from textual.widgets.option_list import Option

#: Rows drawn and kept, across refills: a few screens' worth at a couple of widths and styles.
_ROW_CACHE_SIZE = 1000
#: Drawn before the highlighted row (blank before the others, so the names line up).
MARK = "▶ "


class ResultList(OptionList):
    """Every row is one line (the directory builds them from short, single-line texts, cut with an
    ellipsis), so the list's line map and height follow from the number of rows, and a row is drawn
    straight from its Rich Text into one strip. OptionList would otherwise measure each of the (up
    to 50) rows by wrapping its text on every refill and draw each visible row through Textual's
    Content layout, which together cost more than the search itself. Only the rows that fit on
    screen are drawn, as before; the snapshot tests show the look is unchanged.

    This overrides OptionList internals (`_update_lines`, `_get_option_render`, `_lines`, the mouse
    handlers, as of Textual 8.2);
    the snapshot and Pilot tests of the directory fail if a newer Textual changes them.
    Rows with anything other than a Text prompt, or option padding from CSS, are drawn by OptionList.
    """

    # One line per row, cut with an ellipsis (OptionList would otherwise wrap a long row).
    DEFAULT_CSS = """
    ResultList {
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._rows: dict[tuple[object, ...], Strip] = {}

    def _update_lines(self) -> None:
        if not self.scrollable_content_region:
            return
        count = len(self.options)
        cache = self._line_cache
        if len(cache.lines) != count:
            cache.lines[:] = [(index, 0) for index in range(count)]
            cache.heights.clear()
            cache.heights.update(dict.fromkeys(range(count), 1))
            cache.index_to_line.clear()
            cache.index_to_line.update({index: index for index in range(count)})
        width = self.scrollable_content_region.width - self._get_left_gutter_width()
        virtual_size = Size(width, count)
        if virtual_size != self.virtual_size:
            self.virtual_size = virtual_size
            self._scroll_update(virtual_size)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.options)

    def _get_option_render(self, option: Option, style: Style) -> list[Strip]:
        prompt = option.prompt
        if not isinstance(prompt, Text) or self.get_component_styles("option-list--option").padding:
            return super()._get_option_render(option, style)
        width = self.scrollable_content_region.width - self._get_left_gutter_width()
        # The highlighted row is marked by a sign as well as its colour (a 16-colour screen, a
        # colour-blind visitor): it is the row Enter opens.
        marked = option is self.highlighted_option
        # Keyed by what the row shows, not by the Option: the next keystroke's list has new Options
        # but mostly the same rows ("trol" and "troll" match the same tenants), drawn once.
        key = (prompt.plain, tuple(prompt.spans), str(prompt.style), style, width, marked)
        strip = self._rows.get(key)
        if strip is None:
            base = style.rich_style
            line = Text(MARK if marked else " " * len(MARK), style="bold")
            line.append_text(prompt)
            line.truncate(width, overflow="ellipsis")
            segments = list(Segment.apply_style(line.render(self.app.console, end=""), base))
            if line.cell_len < width:
                segments.append(Segment(" " * (width - line.cell_len), base))
            strip = Strip(segments, max(width, line.cell_len))
            if len(self._rows) >= _ROW_CACHE_SIZE:
                self._rows.pop(next(iter(self._rows)))
            self._rows[key] = strip
        return [strip]

    def _option_at(self, event: MouseEvent) -> int | None:
        """The option under the pointer, from its line: rows carry no per-option style meta (that
        would make every row unique to its position), and a row is one line."""
        offset = event.get_content_offset(self)
        if offset is None:
            return None
        try:
            option_index, _line_offset = self._lines[self.scroll_offset.y + offset.y]
        except IndexError:
            return None
        return option_index

    async def _on_click(self, event: events.Click) -> None:
        clicked = self._option_at(event)
        if clicked is not None and not self._options[clicked].disabled:
            self.highlighted = clicked
            self.action_select()

    def _on_mouse_move(self, event: events.MouseMove) -> None:
        self._mouse_hovering_over = self._option_at(event)
