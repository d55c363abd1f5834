"""A floor map drawn in the terminal: broker.wayfinding.render's characters with a style per role.

The glyphs already tell the markers apart (a visitor on a 16-colour console, or one who does not see
colour, reads "@", the room's label, "•" and the lift's letter); the styles only make them stand out.
Colours are named ANSI colours, so the 16-colour console shows them as chosen rather than as the
nearest match of some truecolor.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.widgets import Static

from broker.wayfinding.render import MapImage, Role

ROLE_STYLES: dict[Role, Style] = {
    Role.VOID: Style(),
    Role.FLOOR: Style(),
    Role.TARGET: Style(color="cyan"),
    Role.WALL: Style(color="bright_black"),
    Role.ROUTE: Style(color="bright_yellow", bold=True),
    Role.LIFT: Style(color="black", bgcolor="bright_white", bold=True),
    Role.STAIRS: Style(color="black", bgcolor="bright_white", bold=True),
    Role.LABEL: Style(color="black", bgcolor="cyan", bold=True),
    Role.HERE: Style(color="bright_white", bgcolor="red", bold=True),
}


def map_text(image: MapImage) -> Text:
    """The map as one Text, a span per run of cells with the same role."""
    text = Text(no_wrap=True, overflow="crop")
    for number, (row, roles) in enumerate(zip(image.rows, image.roles, strict=True)):
        if number:
            text.append("\n")
        start = 0
        for end in range(1, len(row) + 1):
            if end == len(row) or roles[end] != roles[start]:
                text.append(row[start:end], ROLE_STYLES[roles[start]])
                start = end
    return text


class FloorMap(Static):
    """Exactly the size of its image: the screen decides the size when it renders the map."""

    DEFAULT_CSS = """
    FloorMap {
        width: auto;
        height: auto;
    }
    """

    def __init__(self, image: MapImage, *, id: str | None = None) -> None:
        super().__init__(map_text(image), id=id)
        self.image = image
