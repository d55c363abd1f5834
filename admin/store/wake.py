"""Wake `serve` when a commit happens, instead of polling the database every few milliseconds.

Every committed change (`changes.transaction`) sends one empty datagram to a Unix socket named after the
database file; `serve` sleeps on that socket and publishes as soon as one arrives. Polling
`PRAGMA data_version` every 5 ms cost about 2.7 % of a core while nothing happened; a blocking wait costs
nothing.

Invariants:
- A nudge is only a hint. It carries no data, it is sent after COMMIT (so whatever woke `serve` is already
  visible to it), and losing one (no `serve` running, a full socket buffer, a process that commits without
  this module) delays publishing by at most `SAFETY_POLL_SECONDS`, never loses a change: `serve` still
  compares `PRAGMA data_version` on every wake-up, nudged or not.
- Sending never blocks and never raises: a commit must not fail or wait because `serve` is slow or absent.
- The socket lives in Linux's abstract namespace (no file to clean up, no path-length limit), named by a
  hash of the database's real path, so two databases on one machine never wake each other. Anyone on the
  machine can send a nudge; the worst a stranger can do is make `serve` read one counter.
  Elsewhere (no abstract namespace) there is no socket and `serve` falls back to polling.
"""

from __future__ import annotations

import hashlib
import logging
import os
import select
import socket
import sys
from pathlib import Path

log = logging.getLogger(__name__)

#: The slowest `serve` notices a commit that sent no nudge: the safety net's period.
SAFETY_POLL_SECONDS = 0.5

_ABSTRACT = sys.platform.startswith("linux")


def address(db_path: Path | str) -> bytes | None:
    """The abstract socket address for one database file, or None where the platform has none."""
    if not _ABSTRACT:
        return None
    real = os.path.realpath(str(db_path))
    digest = hashlib.sha256(real.encode("utf-8", "surrogateescape")).hexdigest()[:32]
    return b"\0innovatum-admin-wake-" + digest.encode("ascii")


def nudge(db_path: Path | str) -> None:
    """Tell a waiting `serve` that this database has a new commit. Never blocks, never raises."""
    target = address(db_path)
    if target is None:
        return
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sender:
            sender.setblocking(False)
            sender.sendto(b"", target)
    except OSError:
        pass  # no serve listening (ECONNREFUSED) or its buffer is full (EAGAIN): a wake-up is pending


class Waker:
    """The receiving end, owned by `serve`'s publisher thread."""

    def __init__(self, db_path: Path | str) -> None:
        self._socket: socket.socket | None = None
        target = address(db_path)
        if target is None:
            return
        receiver = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            receiver.bind(target)
        except OSError as exc:
            # EADDRINUSE: another serve already waits for this database. Both still work (the safety poll
            # is correct on its own), but two publishers for one database is worth a word in the log.
            log.warning("commit wake-ups unavailable (%s); polling the database instead", exc)
            receiver.close()
            return
        receiver.setblocking(False)
        self._socket = receiver

    @property
    def listening(self) -> bool:
        return self._socket is not None

    def wait(self, timeout: float) -> bool:
        """Sleep until a nudge arrives or `timeout` passes; True when nudged. Drains every pending nudge,
        so a burst of commits costs one wake-up."""
        if self._socket is None:
            return False
        ready, _, _ = select.select([self._socket], [], [], timeout)
        if not ready:
            return False
        while True:
            try:
                self._socket.recv(64)
            except OSError:  # BlockingIOError once drained; anything else ends the wait as well
                return True

    def close(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None
