"""Work-arounds for Textual bugs a kiosk would otherwise live with for months of uptime.

Each is small, applied once when the UI is imported, and covered by a test that fails if it stops
working (tests/ui/test_app_memory.py); drop it when the pinned Textual fixes the bug.
"""

from __future__ import annotations

from functools import lru_cache

from textual._styles_cache import StylesCache
from textual.color import Color
from textual.style import Style


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
    on the two colours; this caches it on them alone."""
    StylesCache.get_inner_outer = _inner_outer_method  # type: ignore[assignment,method-assign]
