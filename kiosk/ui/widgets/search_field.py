"""The directory's search field: an Input whose typing does not re-lay-out the whole screen, and that
leaves the nav bar's keys (digits) and the search key (/) to the app."""

from __future__ import annotations

from textual.reactive import reactive
from textual.widgets import Input

#: Characters the physical keyboard never types into the field: every key the nav bar names is a
#: digit (kiosk/ui/screens/sections.py), and / is the search key. The on-screen keyboard inserts
#: digits itself (kiosk/ui/widgets/touch_keyboard.py).
NAV_CHARACTERS = frozenset("0123456789/")


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

    def check_consume_key(self, key: str, character: str | None) -> bool:
        """Not the nav keys: Textual drops the app's bindings for any key the focused Input says it
        consumes, so without this the section keys would not work while a visitor searches."""
        if character is not None and character in NAV_CHARACTERS:
            return False
        return super().check_consume_key(key, character)
