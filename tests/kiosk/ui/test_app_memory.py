"""A kiosk runs for months while visitors open and close screens: nothing a closed screen held may
stay in memory. The real process's resident memory is measured by bench/kiosk_memory.py; these
tests pin the two retention paths that made it grow by megabytes per visit."""

from __future__ import annotations

import gc
import platform
import weakref

import pytest
from textual._styles_cache import StylesCache
from textual.widget import Widget

from kiosk.process_memory import limit_malloc_arenas, release_free_memory
from kiosk.ui.screens.base import KioskScreen
from tests.kiosk.ui.conftest import AppFactory

#: A visitor's walk: every section, a search, back home by Esc and by key.
WALK = ["2", "3", "4", "5", "slash", "h", "escape", "1"]


def _count(kind: type) -> int:
    return sum(1 for item in gc.get_objects() if isinstance(item, kind))


async def test_closed_screens_and_their_widgets_are_freed(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        counts = []
        for _ in range(3):
            for key in WALK:
                await pilot.press(key)
                await pilot.pause()
            await pilot.pause(0.2)  # a few ticks: closed screens' watchers are dropped on the tick
            gc.collect()
            counts.append((_count(KioskScreen), _count(Widget), _count(StylesCache)))
        screens, widgets, caches = counts[-1]
        # Only the attract loop is open: the directory, events, rooms and visit screens are gone.
        assert screens == 1
        attached = sum(1 for widget in app.screen.walk_children(with_self=True))
        assert widgets <= attached + 20  # the app's own few widgets besides the screen's
        # Each widget's StylesCache goes with it (Textual's own lru_cache kept 1,024 of them).
        assert caches <= widgets
        assert counts[0] == counts[1] == counts[2]  # a second and a third walk keep nothing more


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="the kiosk's glibc settings")
def test_the_arena_limit_is_taken_by_glibc() -> None:
    assert limit_malloc_arenas() is True


def test_releasing_memory_collects_what_closed_screens_left_in_cycles() -> None:
    class Node:
        def __init__(self) -> None:
            self.self_ref = self

    node = Node()
    gone = weakref.ref(node)
    del node
    gc.disable()  # only the release may collect it
    try:
        release_free_memory()
    finally:
        gc.enable()
    assert gone() is None
