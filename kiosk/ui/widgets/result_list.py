"""The directory's result list: an OptionList of one-line rows that is cheap to refill per keystroke."""

from __future__ import annotations

from typing import Any

from rich.segment import Segment
from rich.text import Text
from textual.cache import FIFOCache
from textual.strip import Strip
from textual.style import Style
from textual.widgets.option_list import Option

from kiosk.ui.textual_internals import OneLineOptionList

#: Rows drawn and kept, across refills: a few screens' worth at a couple of widths and styles.
_ROW_CACHE_SIZE = 1000


class ResultList(OneLineOptionList):
    """Every row is one line (the directory builds them from short, single-line texts, cut with an
    ellipsis), drawn straight from its Rich Text into one strip and kept for the next keystroke
    (`OneLineOptionList` in kiosk/ui/textual_internals.py says why, and how it bends OptionList).
    The snapshot tests show the look is OptionList's. Rows with anything other than a Text prompt,
    or option padding from CSS, are drawn by OptionList.
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
        self._rows: FIFOCache[tuple[object, ...], Strip] = FIFOCache(_ROW_CACHE_SIZE)

    def render_row(self, option: Option, style: Style, width: int) -> Strip | None:
        prompt = option.prompt
        if not isinstance(prompt, Text) or self.get_component_styles("option-list--option").padding:
            return None
        # Keyed by what the row shows, not by the Option: the next keystroke's list has new Options
        # but mostly the same rows ("trol" and "troll" match the same tenants), drawn once.
        key = (prompt.plain, tuple(prompt.spans), str(prompt.style), style, width)
        strip = self._rows.get(key)
        if strip is None:
            base = style.rich_style
            line = prompt.copy()
            line.truncate(width, overflow="ellipsis")
            segments = list(Segment.apply_style(line.render(self.app.console, end=""), base))
            if line.cell_len < width:
                segments.append(Segment(" " * (width - line.cell_len), base))
            strip = Strip(segments, max(width, line.cell_len))
            self._rows.set(key, strip)
        return strip
