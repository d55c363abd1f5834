"""What the touch controls of the directory are built from: one-row buttons that never take the focus.

A touch on one leaves the focus where it is (the search field keeps its cursor), and a keyboard
visitor is not made to tab through 29 letters. Each control posts its own message; the screen that
holds it decides what it means.
"""

from __future__ import annotations

from rich.cells import cell_len
from textual.widgets import Button


def touch_button(label: str, *, name: str, classes: str, width: int | None = None) -> Button:
    """A one-row button `width` cells wide (the label and a cell each side when not given)."""
    button = Button(label, name=name, classes=f"touch {classes}", compact=True)
    button.can_focus = False
    # Textual ignores a second press while a pressed button shows its effect (0.2 s): a visitor
    # typing "ss" on the on-screen keyboard would lose the second s.
    button.active_effect_duration = 0
    button.styles.width = width if width is not None else cell_len(label) + 2
    # A two-cell letter has no room for the padding Button's CSS gives it.
    button.styles.padding = 0
    button.styles.line_pad = 0
    return button
