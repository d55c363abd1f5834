"""A feed's health in one word and one sentence, for staff (`calendar status`, `calendar list`).

The levels, worst first (ATTENTION are the ones a person should look at):
- failing: the last poll(s) failed; the screens show the data of the last good poll. The sentence says
  how many polls in a row and since when, so a feed that keeps failing stands out from a one-off.
- held: the last reply would have emptied or shrunk the screens at once and was held back (shrink.py).
- skipping: the last import skipped unreadable events (their earlier versions stay on the screens).
- ok, not-polled.
"""

from __future__ import annotations

from dataclasses import dataclass

from admin.calendars.feeds import Feed
from broker.times import STOCKHOLM, parse_iso

ATTENTION = ("failing", "held", "skipping")


@dataclass(frozen=True)
class Health:
    level: str  # failing, held, skipping, ok or not-polled
    words: str

    @property
    def attention(self) -> bool:
        return self.level in ATTENTION


def _local(value: str | None) -> str:
    return parse_iso(value).astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M") if value else "never"


def health(feed: Feed) -> Health:
    if feed.last_result == "failed" or (feed.last_result is None and feed.last_error):
        polls = "the last poll" if feed.failures <= 1 else f"{feed.failures} polls in a row"
        shown = (
            f"the screens show the data of the last good poll ({_local(feed.last_ok)})"
            if feed.last_ok
            else "no poll has worked yet, so none of it is on the screens"
        )
        return Health(
            "failing", f"{polls} failed (since {_local(feed.failing_since)}); {shown}: {feed.last_error}"
        )
    if feed.last_result == "held":
        return Health(
            "held",
            f"reply held back since {_local(feed.held_since)}, the last good data stays: {feed.held_reason}; "
            f"taken if the next poll says the same, or with `innovatum-admin calendar accept {feed.name}`",
        )
    if feed.last_skipped:
        return Health(
            "skipping",
            f"{feed.last_skipped} unreadable event(s) skipped at the last import (their earlier versions "
            f"stay); {feed.last_imported or 0} occurrences imported",
        )
    if feed.last_polled is None:
        return Health("not-polled", "not polled yet")
    return Health("ok", f"{feed.last_imported or 0} occurrences imported" if feed.last_result else "ok")
