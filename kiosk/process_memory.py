"""Keeping a kiosk's resident memory flat: glibc malloc settings a process can make for itself.

A Pi Zero 2 W has 512 MB and the kiosk's budget is 80 MB. Two glibc behaviours cost megabytes a
Python process never uses again: every thread that allocates (paho's network loop, Textual's
driver, workers) gets its own malloc arena, and memory freed when a visitor's screens are torn down
stays in the heap instead of going back to the system. Both are set here rather than in a systemd
unit's environment, so every way of starting a kiosk (the unit, the demo, a developer's terminal)
gets them. Elsewhere (macOS, musl) these are no-ops.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging
from functools import cache

log = logging.getLogger(__name__)

#: mallopt's parameter number for the arena limit (glibc's malloc.h).
_M_ARENA_MAX = -8


@cache
def _glibc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name)
    except OSError:
        return None
    return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None


def limit_malloc_arenas(count: int = 2) -> bool:
    """At most `count` malloc arenas for the whole process. Call before threads start."""
    libc = _glibc()
    if libc is None:
        return False
    return bool(libc.mallopt(_M_ARENA_MAX, count))


def release_free_memory() -> bool:
    """Collect what a visitor's screens left and give the heap's free pages back to the system.

    Widgets hold their parents and children (reference cycles), so closed screens wait for a full
    collection; a moment when nobody is touching the screen (back on the attract loop) is the time
    for it rather than the middle of someone's typing. Some ms on a Pi.
    """
    gc.collect()
    libc = _glibc()
    if libc is None:
        return False
    return bool(libc.malloc_trim(0))
