"""Typed access to the kiosk app from any widget, without importing the app module at runtime
(the app imports the screens, the screens import the widgets)."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.dom import DOMNode

if TYPE_CHECKING:
    from kiosk.ui.app import KioskApp


def kiosk(node: DOMNode) -> KioskApp:
    return cast("KioskApp", node.app)
