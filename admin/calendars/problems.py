"""What a tolerant import reports instead of refusing the feed: skipped events and notices.

A feed comes from a producer the operator does not control, so one bad event or one garbled vendor line
must not take every other event off the screens. Each skipped event and each notice is one line an
operator can act on: the feed's line number, the UID where there is one, and what is wrong in words.
Both are plain values, shown by `import-ics`, logged by the poller and kept for `calendar status`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from admin.calendars.errors import CalendarError, printable


@dataclass(frozen=True)
class Skipped:
    """An event that could not be read and was left out; its rows from an earlier import stay."""

    line: int
    uid: str  # "" when the event has none (its derived identity is not a UID the producer knows)
    why: str

    def describe(self) -> str:
        return printable(f"{where(self.line, self.uid)}: {self.why}")

    def as_json(self) -> dict[str, Any]:
        return {"line": self.line, "uid": self.uid, "why": self.why}

    def error(self) -> CalendarError:
        """For --strict: the message of the first skipped event refuses the whole feed."""
        return CalendarError(self.describe())


@dataclass(frozen=True)
class Notice:
    """Something tolerated rather than refused: a dropped line, a derived identity, a library warning."""

    line: int | None
    message: str

    def describe(self) -> str:
        return printable(f"line {self.line}: {self.message}" if self.line is not None else self.message)


def where(line: int, uid: str) -> str:
    """ "line N (UID ...)": where to look in the feed, with an absurdly long UID shortened."""
    if not uid:
        return f"line {line}"
    shown = uid if len(uid) <= 120 else uid[:119] + "…"
    return f"line {line} (UID {shown})"
