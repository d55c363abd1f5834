"""A polled feed's reply that empties or shrinks the screens at once is held back until it repeats.

A misconfigured share or an expired link often answers with a valid calendar that has no events, and
importing it would take that source off every screen. So, for a polled feed (never a manual
`import-ics`, where the operator is looking), a reply that would leave no events in the window where
there were some, or would remove more than `max_drop` per cent of the events in the window at once, is
not applied: the transaction is abandoned before anything is written, the last good data keeps showing,
and the feed's status says why. The same reply on the next poll (same occurrences, compared by their
fingerprint, so a DTSTAMP that changes on every download does not matter) is taken as real and
imported; so is any reply after `calendar accept NAME`.

`max_drop` is the feed's setting (`calendar add --max-drop`, `calendar set`), DEFAULT_MAX_DROP per cent
unless set; 100 holds only a reply that empties the window.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

DEFAULT_MAX_DROP = 50


class HeldReply(Exception):
    """Raised inside the import's transaction, so nothing of the reply is applied."""

    def __init__(self, reason: str, fingerprint: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.fingerprint = fingerprint


@dataclass(frozen=True)
class ShrinkGuard:
    max_drop: int  # per cent of the events in the window one reply may remove
    confirmed: str | None = None  # the fingerprint of the reply held last time: seen again, it is real

    def check(self, *, before: int, after: int, removing: int, fingerprint: str) -> None:
        """before: the feed's events in the window now; after: what the reply has there; removing: how
        many of `before` it would remove. Raises HeldReply for a suspicious reply not seen before."""
        if removing == 0 or fingerprint == self.confirmed:
            return
        if after == 0:
            reason = f"the reply has no events in the window, where {before} are shown now"
        elif removing * 100 > before * self.max_drop:
            reason = (
                f"the reply would remove {removing} of the {before} events in the window at once "
                f"(more than the {self.max_drop}% allowed)"
            )
        else:
            return
        raise HeldReply(reason, fingerprint)


def fingerprint(keys: Iterable[tuple[str, str]]) -> str:
    """Which occurrences a reply has: (UID, recurrence id) pairs, order-free."""
    digest = hashlib.sha256()
    for uid, recurrence_id in sorted(keys):
        digest.update(f"{uid}\x00{recurrence_id}\n".encode())
    return digest.hexdigest()
