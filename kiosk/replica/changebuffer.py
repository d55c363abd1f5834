"""Change parts waiting to be applied: a revision is applied only when every part of it is here.

In memory on purpose: after a restart the kiosk learns what it missed from the head and the retained
state, so nothing here needs to survive. Bounded, because the network decides how much arrives.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from broker.schema import ChangeMessage, Manifest, RecordChange


@dataclass(frozen=True)
class BufferLimits:
    """A kiosk far behind is better served by a snapshot than by an ever-growing queue."""

    revisions: int = 5_000
    parts: int = 20_000
    bytes: int = 64 * 1024 * 1024


@dataclass
class _Revision:
    prev: int
    parts: int
    received: dict[int, tuple[RecordChange, ...]] = field(default_factory=dict)
    size: int = 0
    head: Manifest | None = None

    @property
    def ready(self) -> bool:
        return len(self.received) == self.parts


class ReadyRevision(NamedTuple):
    """A whole revision: every record write in part order, and the manifest its last part carried."""

    rev: int
    records: tuple[RecordChange, ...]
    head: Manifest | None


class BufferOverflow(Exception):
    """The buffer was over its limits and has been emptied; the caller recovers from a snapshot."""


class ChangeBuffer:
    def __init__(self, limits: BufferLimits) -> None:
        self._limits = limits
        self._revisions: dict[int, _Revision] = {}
        self._parts = 0
        self._bytes = 0

    def __len__(self) -> int:
        return len(self._revisions)

    def add(self, change: ChangeMessage, size: int) -> None:
        """Keep one part. A repeated part is ignored (at-least-once delivery).

        A part whose revision was announced with another `prev` or part count replaces what was kept
        for that revision: both are signed, so the newer announcement is the admin's current word.
        """
        entry = self._revisions.get(change.rev)
        if entry is not None and (entry.prev, entry.parts) != (change.prev, change.parts):
            self._forget(change.rev)
            entry = None
        if entry is None:
            entry = self._revisions[change.rev] = _Revision(change.prev, change.parts)
        if change.part in entry.received:
            return
        entry.received[change.part] = change.records
        if change.head is not None:
            entry.head = change.head
        entry.size += size
        self._parts += 1
        self._bytes += size
        if (
            len(self._revisions) > self._limits.revisions
            or self._parts > self._limits.parts
            or self._bytes > self._limits.bytes
        ):
            self.clear()
            raise BufferOverflow

    def take_ready(self, applied_rev: int) -> ReadyRevision | None:
        """The revision that follows `applied_rev`, all parts in order, once every part is here."""
        for rev, entry in sorted(self._revisions.items()):
            if entry.prev == applied_rev and entry.ready:
                self._forget(rev)
                if len(entry.received) == 1:
                    return ReadyRevision(rev, next(iter(entry.received.values())), entry.head)
                records = tuple(r for part in sorted(entry.received) for r in entry.received[part])
                return ReadyRevision(rev, records, entry.head)
            if entry.prev >= applied_rev:
                return None
        return None

    def connects(self, applied_rev: int) -> bool:
        """True when every buffered revision chains back to `applied_rev` without a hole.

        Walks back from the newest buffered revision through `prev`; landing exactly on `applied_rev`
        means nothing in between is missing (some parts may still be on their way).
        """
        if not self._revisions:
            return True
        rev = max(self._revisions)
        while rev > applied_rev:
            entry = self._revisions.get(rev)
            if entry is None:
                return False
            rev = entry.prev
        return rev == applied_rev

    def discard_through(self, rev: int) -> None:
        """Forget revisions a snapshot already contains."""
        for old in [r for r in self._revisions if r <= rev]:
            self._forget(old)

    def clear(self) -> None:
        self._revisions.clear()
        self._parts = 0
        self._bytes = 0

    def _forget(self, rev: int) -> None:
        entry = self._revisions.pop(rev)
        self._parts -= len(entry.received)
        self._bytes -= entry.size
