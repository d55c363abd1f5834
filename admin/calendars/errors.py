"""The one error type of this package: a feed the operator (or its publisher) has to fix."""

from __future__ import annotations

import re

# Feed text (a UID, a value) ends up in the message, which is printed to a terminal and stored for
# `calendar list`: control characters are shown escaped, never sent, so a feed cannot inject terminal
# escape sequences or break the message over several lines.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def printable(message: str) -> str:
    """The message with every control character shown escaped (\\x1b), never sent to a terminal."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", message)


class CalendarError(Exception):
    """A bad feed or an unreachable URL. The message is one line naming the problem and, where there is
    one, the line number and UID, fit to be shown as `error: ...` or stored as a feed's last error."""

    def __init__(self, message: str) -> None:
        super().__init__(printable(message))
