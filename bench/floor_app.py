"""The floors: bare Textual apps doing what the kiosk's screens ask of Textual, and nothing else.

A kiosk figure means little alone on a shared, capped machine; beside it, in the same run and the
same cgroup, each budget gets the figure of a bare Textual app that cannot do less (no replica, no
sync, no translation, no sanitising): the difference is what the kiosk adds. Run as a subprocess in a
pseudo-terminal by bench/pi.py, exactly as the kiosk is:

    python bench/floor_app.py widgets N        first frame with N widgets on screen
    python bench/floor_app.py keys NAMES       the kiosk's keys: 2 a search list of NAMES names (an
                                               Input, a count, 50 rows), down/enter open a 22-widget
                                               page, Esc back; 3/4/5 switch between screens of 16,
                                               41 and 18 widgets (as events, rooms, visit)
    python bench/floor_app.py clock CYCLE      a clock (minute resolution, checked every second) and
                                               a ContentSwitcher swapping two 12-widget panels every
                                               CYCLE seconds (0: never)

Every frame has "INNOVATUM" in its top line, the marker bench/kiosk_common.py waits for.
"""

from __future__ import annotations

import sys
import time
from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import ContentSwitcher, Input, Label, OptionList, Static

#: Rows the kiosk's directory shows for a search (kiosk.replica.queries.SEARCH_LIMIT).
ROWS = 50
_WORDS = ["Nordvik", "Göta", "Robotik", "Energi", "Data", "Design", "Vätgas", "Akustik", "Batteri"]


def _statics(count: int, prefix: str) -> list[Static]:
    return [
        Static(f"{prefix} {number}: " + " ".join(_WORDS[(number + k) % 9] for k in range(8)))
        for number in range(count)
    ]


class Top(Static):
    def __init__(self, title: str) -> None:
        super().__init__(f"INNOVATUM  {title}", id="top")


class Page(Screen[None]):
    """A screen of `count` widgets: the top line and `count - 1` lines of text."""

    def __init__(self, title: str, count: int) -> None:
        super().__init__()
        self._title, self._count = title, count

    def compose(self) -> ComposeResult:
        yield Top(self._title)
        yield from _statics(self._count - 1, self._title)


class Search(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("down", "focus_results", show=False)]

    def __init__(self, names: list[str]) -> None:
        super().__init__()
        self._names = names
        self._folded = [name.casefold() for name in names]

    def compose(self) -> ComposeResult:
        yield Top("search")
        yield Input(placeholder="Search", id="search")
        yield Label("", id="count")
        yield OptionList(id="results")

    def on_mount(self) -> None:
        self._show("")

    def on_input_changed(self, event: Input.Changed) -> None:
        self._show(event.value)

    def _show(self, text: str) -> None:
        folded = text.casefold()
        found = [name for name, key in zip(self._names, self._folded, strict=True) if folded in key]
        self.query_one("#results", OptionList).set_options(found[:ROWS])
        self.query_one("#count", Label).update(f"{min(ROWS, len(found))} of {len(found)}", layout=False)

    def action_focus_results(self) -> None:
        results = self.query_one("#results", OptionList)
        results.focus()
        results.highlighted = 0

    def on_option_list_option_selected(self) -> None:
        self.app.push_screen(Page("company", 22))


class KeysApp(App[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("2", "show('search')"),
        Binding("3", "show('events')"),
        Binding("4", "show('rooms')"),
        Binding("5", "show('visit')"),
        Binding("escape", "back"),
    ]

    def __init__(self, names: int) -> None:
        super().__init__()
        self._names = [f"{_WORDS[n % 9]} {_WORDS[n * 7 % 9]} {n} AB" for n in range(names)]

    def on_mount(self) -> None:
        self.push_screen(Page("home", 24))

    def action_show(self, name: str) -> None:
        widgets = {"events": 16, "rooms": 41, "visit": 18}
        screen = Search(self._names) if name == "search" else Page(name, widgets[name])
        self.switch_screen(screen)

    def action_back(self) -> None:
        if len(self.screen_stack) > 2:
            self.pop_screen()


class WidgetsApp(App[None]):
    def __init__(self, count: int) -> None:
        super().__init__()
        self._count = count

    def compose(self) -> ComposeResult:
        yield Top("widgets")
        yield from _statics(self._count - 1, "line")


class ClockApp(App[None]):
    def __init__(self, cycle: float) -> None:
        super().__init__()
        self._cycle = cycle

    def compose(self) -> ComposeResult:
        yield Top("clock")
        yield Label(time.strftime("%H:%M"), id="clock")
        with ContentSwitcher(initial="a", id="panels"):
            with Vertical(id="a"):
                yield from _statics(12, "panel a")
            with Vertical(id="b"):
                yield from _statics(12, "panel b")

    def on_mount(self) -> None:
        self.set_interval(1, self._tick)
        if self._cycle > 0:
            self.set_interval(self._cycle, self._swap)

    def _tick(self) -> None:
        clock = self.query_one("#clock", Label)
        text = time.strftime("%H:%M")
        if str(clock.render()) != text:
            clock.update(text)

    def _swap(self) -> None:
        switcher = self.query_one("#panels", ContentSwitcher)
        switcher.current = "b" if switcher.current == "a" else "a"


def main() -> int:
    mode, argument = sys.argv[1], sys.argv[2]
    app: App[None]
    if mode == "widgets":
        app = WidgetsApp(int(argument))
    elif mode == "keys":
        app = KeysApp(int(argument))
    elif mode == "clock":
        app = ClockApp(float(argument))
    else:
        print(f"error: unknown mode {mode!r}", file=sys.stderr)
        return 2
    app.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
