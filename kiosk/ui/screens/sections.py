"""The sections a visitor moves between: the one list the nav bar, the number keys and the app's
section table are all derived from (`NavBar`, `section_bindings`, `KioskApp.show_section`).

A section's key is the digit its nav label starts with, so the label a visitor reads names the key
that does the same (tests/kiosk/ui/test_app_navigation.py holds the two together).
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding

from kiosk.ui.i18n import N_
from kiosk.ui.screens.attract import AttractScreen
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.screens.directory import DirectoryScreen
from kiosk.ui.screens.events import EventsScreen
from kiosk.ui.screens.rooms import RoomsScreen
from kiosk.ui.screens.visit import VisitScreen


@dataclass(frozen=True)
class Section:
    #: The id in messages, actions and the nav button (`nav-<name>`), and the lit button's key.
    name: str
    #: The key that shows it.
    key: str
    #: The nav button's label (a msgid, translated when shown), starting with the key.
    label: str
    #: What the binding is called in Textual's keys panel (never shown on a kiosk).
    description: str
    screen: type[KioskScreen]


#: In nav-bar and number-key order.
SECTIONS: tuple[Section, ...] = (
    Section("attract", "1", N_("1 Home"), "Home", AttractScreen),
    Section("directory", "2", N_("2 Companies"), "Companies", DirectoryScreen),
    Section("events", "3", N_("3 Events"), "Events", EventsScreen),
    Section("rooms", "4", N_("4 Rooms"), "Rooms", RoomsScreen),
    Section("visit", "5", N_("5 Visit"), "Visit", VisitScreen),
)

BY_NAME: dict[str, Section] = {section.name: section for section in SECTIONS}


def section_bindings() -> list[Binding]:
    """A number key per section, running the app's `section` action."""
    return [
        Binding(section.key, f"section('{section.name}')", section.description, show=False)
        for section in SECTIONS
    ]
