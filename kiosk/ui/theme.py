"""The kiosk's colours: one Textual theme that reads the same in truecolor and in 16 colours.

A Pi's Linux console has 16 colours, and Textual maps each theme colour to the nearest of them. The
built-in dark theme's orange accent becomes bright red there (every heading looked like an error),
its lit tab grey on yellow, its "hiring" badge grey on green. So each colour below is chosen for the
ANSI colour it falls to as much as for how it looks in truecolor (tests/kiosk/ui/test_theme_16_colours.py
holds them to it):

- accent, for headings and the lit tab: a yellow that stays yellow (11), never red;
- primary, the top bar and the lit keyboard toggle: blue (4), with white text;
- success, the hiring badge: a green that stays green (2), with white text;
- warning: yellow (11) with black text; error: red (1) with white text (cancelled, emergency).

Text on a light colour is black without bold: many 16-colour terminals draw bold black as dark grey.
"""

from __future__ import annotations

from textual.theme import Theme

KIOSK_THEME = Theme(
    name="innovatum",
    primary="#0050A0",
    secondary="#0050A0",
    accent="#F5C400",
    warning="#F5C400",
    error="#C00000",
    success="#0A8A2A",
    foreground="#F0F0F0",
    background="#101418",
    surface="#161C22",
    panel="#1C2B3A",
    dark=True,
)
