"""The directory's result list: an OptionList of one-line rows that is cheap to refill per keystroke."""

from __future__ import annotations

from rich.segment import Segment
from rich.text import Text
from textual.geometry import Size, Spacing
from textual.strip import Strip
from textual.style import Style
from textual.widgets import OptionList
from textual.widgets.option_list import Option

_NO_PADDING = Spacing()


class ResultList(OptionList):
    """Every row is one line (the directory builds them from short, single-line texts, cut with an
    ellipsis), so the list's line map and height follow from the number of rows, and a row is drawn
    straight from its Rich Text into one strip. OptionList would otherwise measure each of the (up
    to 50) rows by wrapping its text on every refill and draw each visible row through Textual's
    Content layout, which together cost more than the search itself. Only the rows that fit on
    screen are drawn, as before; the snapshot tests show the look is unchanged.

    This overrides OptionList internals (`_update_lines`, `_get_option_render`, as of Textual 8.2);
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
        cache_key = (option, style, _NO_PADDING)
        strips = self._option_render_cache.get(cache_key)
        if strips is None:
            width = self.scrollable_content_region.width - self._get_left_gutter_width()
            base = style.rich_style
            line = prompt.copy()
            line.truncate(width, overflow="ellipsis")
            segments = Segment.apply_style(line.render(self.app.console, end=""), base)
            strip = Strip(segments).extend_cell_length(width, base)
            strips = [strip.apply_meta({"option": self._option_to_index[option]})]
            self._option_render_cache[cache_key] = strips
        return strips
