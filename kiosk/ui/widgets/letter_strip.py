"""The A–Ö letter strip: a touch visitor without a keyboard picks a company by its first letter.

Swedish alphabetical order, Å Ä Ö last (the order the directory lists names in). Touching a letter
posts `LetterStrip.Picked`; touching the lit letter again posts `Picked(None)` (all letters). The
strip is one row and the letters share the width, at least two cells each (29 letters fit at 80
columns).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Button

from kiosk.ui.widgets.touch_buttons import touch_button

#: Swedish alphabetical order: W is a letter of its own, Å Ä Ö come after Z.
LETTERS = tuple("ABCDEFGHIJKLMNOPQRSTUVWXYZÅÄÖ")


class LetterStrip(Horizontal):
    class Picked(Message):
        """A letter was touched: names starting with `letter`, or every name when None."""

        def __init__(self, letter: str | None) -> None:
            super().__init__()
            self.letter = letter

    def __init__(self, active: str | None, *, columns: int, id: str = "letters") -> None:
        super().__init__(id=id)
        self.active = active
        self.cell = max(2, min(5, columns // len(LETTERS)))

    def compose(self) -> ComposeResult:
        for letter in LETTERS:
            button = touch_button(letter, name=letter, classes="letter", width=self.cell)
            button.id = f"letter-{LETTERS.index(letter)}"
            button.set_class(letter == self.active, "-current")
            yield button

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        letter = event.button.name
        self.post_message(self.Picked(None if letter == self.active else letter))
