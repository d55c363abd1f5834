"""The directory's search field: an Input whose typing does not re-lay-out the whole screen."""

from __future__ import annotations

from textual.reactive import reactive
from textual.widgets import Input


class SearchField(Input):
    """Textual's Input sets its virtual width to the text's width on every keystroke, and a changed
    virtual size makes the screen lay out every widget again (a few ms per key on a Pi, before
    anything is drawn). Reporting at least the visible width keeps the virtual size constant while
    the text fits, so a keystroke only repaints the field; a longer text still scrolls as before.

    The cursor does not blink: a blink redraws the field twice a second for as long as the directory
    is open (CPU on a Pi, for nothing a visitor needs), and a steady cursor makes every frame of the
    same state the same (snapshots under load caught it in either phase).
    """

    cursor_blink = reactive(False, init=False)

    @property
    def content_width(self) -> int:
        return max(super().content_width, self.scrollable_content_region.width)
