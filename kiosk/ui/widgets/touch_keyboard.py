"""An on-screen keyboard for the search field: a touch kiosk has no other.

Swedish layout (å, ä, ö where a Swedish keyboard has them) with a digit row: the physical keyboard's
digits are the nav bar's section keys (kiosk/ui/screens/sections.py), so this is also how a
visitor types a company name with digits in it. Keys post `TouchKeyboard.Pressed` with the text to
insert, or "backspace" / "clear"; the screen applies them to its field.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button

from kiosk.ui.widgets.touch_buttons import touch_button

ROWS = ("1234567890", "qwertyuiopå", "asdfghjklöä", "zxcvbnm")
#: Control keys on the last row: (name, label).
BACKSPACE, CLEAR, SPACE = "backspace", "clear", "space"


def key_id(char: str) -> str:
    """The key's widget id: `key-a`, `key-7`; å ä ö (not allowed in an id) by their code point."""
    return f"key-{char}" if char.isascii() else f"key-u{ord(char):x}"


class TouchKeyboard(Vertical):
    class Pressed(Message):
        """A key was touched: `key` is the text to insert, or BACKSPACE or CLEAR."""

        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

    def __init__(self, *, columns: int, labels: dict[str, str], id: str = "keyboard") -> None:
        """`labels` names the control keys in the visitor's language (space, backspace, clear)."""
        super().__init__(id=id)
        self.cell = max(3, min(7, (columns - 2) // 11))
        self.labels = labels

    def compose(self) -> ComposeResult:
        for number, row in enumerate(ROWS):
            with Horizontal(classes="key-row"):
                for char in row:
                    button = touch_button(
                        char.upper() if char.isalpha() else char, name=char, classes="key", width=self.cell
                    )
                    button.id = key_id(char)
                    yield button
                if number == len(ROWS) - 1:
                    for name in (SPACE, BACKSPACE, CLEAR):
                        label = self.labels[name]
                        width = max(self.cell * 2, len(label) + 2)
                        button = touch_button(label, name=name, classes="key -control", width=width)
                        button.id = f"key-{name}"
                        yield button

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        name = event.button.name or ""
        self.post_message(self.Pressed(" " if name == SPACE else name))
