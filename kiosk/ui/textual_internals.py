"""Every use of a private Textual name in the kiosk, in this one module.

The kiosk runs for months on a Pi, and three things it needs have no public API in Textual 8.2:
a fix for a memory leak (textual#6665), dropping the watchers of closed screens (Textual drops them
only when the watched value next changes), and a result list that does not measure and lay out every
row on every keystroke. Each lives here, and `PRIVATE_NAMES` lists every private name they touch.
tests/kiosk/ui/test_textual_internals.py checks that each still exists in the installed Textual, that the
installed Textual is the minor version those checks cover (`COVERED_TEXTUAL`; pyproject.toml pins
it), and that no other kiosk module uses a private Textual name: a Textual release that renames one
fails there, loudly, instead of a kiosk quietly leaking or drawing garbage.

When the pinned Textual fixes a bug, drop the work-around here and its names from `PRIVATE_NAMES`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from functools import lru_cache

from textual import events
from textual._styles_cache import StylesCache
from textual.app import App
from textual.color import Color
from textual.dom import DOMNode
from textual.events import MouseEvent
from textual.geometry import Size
from textual.message_pump import MessagePump
from textual.screen import Screen
from textual.strip import Strip
from textual.style import Style
from textual.widgets import OptionList
from textual.widgets.option_list import Option

#: The Textual minor version whose internals this module was written against and tested on.
COVERED_TEXTUAL = "8.2"

#: (owner, name) for every private Textual name used below. The test asks each owner for its name
#: (`OptionList` instance attributes are asked of an instance).
PRIVATE_NAMES: tuple[tuple[type[object], str], ...] = (
    (StylesCache, "get_inner_outer"),  # in textual._styles_cache, itself private
    (App, "_context"),
    (MessagePump, "_closing"),
    (MessagePump, "_closed"),
    (DOMNode, "__watchers"),  # set on the watched object by textual.reactive
    (OptionList, "_update_lines"),
    (OptionList, "_get_option_render"),
    (OptionList, "_get_left_gutter_width"),
    (OptionList, "_line_cache"),
    (OptionList, "_on_click"),
    (OptionList, "_on_mouse_move"),
    (OptionList, "_mouse_hovering_over"),
    (OptionList, "_scroll_update"),
    (Screen, "_compositor"),
    (App, "_background_screens"),
)


# textual#6665 ---------------------------------------------------------------------------------------


@lru_cache(1024)
def _inner_outer(base_background: Color, background: Color) -> tuple[Style, Style]:
    return (Style(background=base_background + background), Style(background=base_background))


def _inner_outer_method(
    _cache: StylesCache, base_background: Color, background: Color
) -> tuple[Style, Style]:
    return _inner_outer(base_background, background)


def fix_styles_cache_leak() -> None:
    """Textual 8.2 caches `StylesCache.get_inner_outer` with `lru_cache` on the instance method, so
    the cache keeps up to 1,024 widgets' StylesCache objects alive, each with every line it ever
    drew: a kiosk grew by megabytes per visitor (Textualize/textual#6665). The result depends only
    on the two colours; this caches it on them alone. Covered by tests/kiosk/ui/test_app_memory.py."""
    StylesCache.get_inner_outer = _inner_outer_method  # type: ignore[assignment,method-assign]


# The text of a frame ----------------------------------------------------------------------------------


def frame_renderable(app: App[object]) -> object:
    """What `App.export_screenshot` prints for the current frame, for a caller that wants it as text
    (`kiosk.preview` prints it to a Rich console): Textual has no public API for the text of a frame."""
    return app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)


# Watchers of closed screens -------------------------------------------------------------------------


def forget_closed_watchers(watched: DOMNode) -> None:
    """Drop the watchers, on `watched`'s reactives, that belong to screens and widgets that have closed.

    Textual drops a closed node's watcher only when the watched value next changes, and the kiosk's
    language or content may stay the same for hours while visitors open and close screens: each
    closed screen stayed in memory through its watchers, megabytes a visit.
    """
    watchers: dict[str, list[tuple[object, object]]] = getattr(watched, "__watchers", {})
    for entries in watchers.values():
        entries[:] = [
            (node, callback)
            for node, callback in entries
            if not getattr(node, "_closing", False) and not getattr(node, "_closed", False)
        ]


# Providing ContextVars wherever Textual sets its own --------------------------------------------------


class ContextApp(App[None]):
    """An App that sets ContextVars of its own wherever Textual sets the active app: around its
    message loop (which every widget's task copies) and around a test's `run_test` block."""

    def provide_context(self) -> AbstractContextManager[None]:
        """Override: a context manager that sets the app's own ContextVars."""
        return nullcontext()

    @contextmanager
    def _context(self) -> Iterator[None]:
        with self.provide_context(), super()._context():
            yield


# An OptionList of one-line rows ---------------------------------------------------------------------


class OneLineOptionList(OptionList):
    """An OptionList whose every row is one line, drawn by `render_row` when that returns a strip.

    OptionList measures each row by wrapping its text on every refill and draws each visible row
    through Textual's Content layout; for a list refilled on every keystroke that cost more than the
    search itself. With one line a row, the line map and the height follow from the row count, and
    the row under the pointer from the scroll offset (rows carry no per-option style meta: that would
    make every row unique to its position, and uncacheable). Only the rows that fit are drawn.
    """

    def render_row(self, option: Option, style: Style, width: int) -> Strip | None:
        """Override: the row as one strip `width` cells wide, or None to let OptionList draw it."""
        return None

    def row_width(self) -> int:
        return self.scrollable_content_region.width - self._get_left_gutter_width()

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
        virtual_size = Size(self.row_width(), count)
        if virtual_size != self.virtual_size:
            self.virtual_size = virtual_size
            self._scroll_update(virtual_size)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.options)

    def _get_option_render(self, option: Option, style: Style) -> list[Strip]:
        strip = self.render_row(option, style, self.row_width())
        return [strip] if strip is not None else super()._get_option_render(option, style)

    def _option_at(self, event: MouseEvent) -> int | None:
        offset = event.get_content_offset(self)
        if offset is None:
            return None
        index = self.scroll_offset.y + offset.y
        return index if 0 <= index < self.option_count else None

    async def _on_click(self, event: events.Click) -> None:
        clicked = self._option_at(event)
        if clicked is not None and not self.get_option_at_index(clicked).disabled:
            self.highlighted = clicked
            self.action_select()

    def _on_mouse_move(self, event: events.MouseMove) -> None:
        self._mouse_hovering_over = self._option_at(event)
