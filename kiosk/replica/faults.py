"""A write the replica could not make (a full disk, an I/O error) leaves it incomplete, and retried.

Without this, an edit that failed to apply was forgotten until the next edit happened to arrive
(its gap then started a recovery), and all the while the kiosk reported itself complete: a
retraction made in the evening could stay unshown all night. Now:

- the replica reports itself incomplete from the failed write until a snapshot from the broker's
  retained state has been promoted (in `dump`, in the status it publishes, and so on screen);
- it asks the broker for the retained set again on a backoff (1 s, doubling after each attempt
  that failed again, at most 15 s: space that returns is used within 30 s), with no need for new
  traffic. Failures between two attempts (every message of a burst fails alike) count once;
- an empty marker file `<replica>.incomplete` records the failure across a restart and for
  `innovatum-kiosk dump` (another process). Creating an empty file needs no data block, so it
  usually works on a full disk; when even that fails, the in-memory state still holds.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)

FIRST_RETRY_SECONDS = 1.0
MAX_RETRY_SECONDS = 15.0
MARKER_SUFFIX = ".incomplete"


def is_write_failure(exc: BaseException | None) -> bool:
    """A failure of the disk under the replica, not of the message: SQLite's operational errors
    (full, I/O, read-only, cannot open) and the OS's."""
    return isinstance(exc, sqlite3.OperationalError | OSError)


class WriteFaults:
    def __init__(self, path: Path, clock: Callable[[], float]) -> None:
        self._marker = path.with_name(path.name + MARKER_SUFFIX)
        self._clock = clock
        self.failed = self._marker.exists()
        self._wait = FIRST_RETRY_SECONDS
        self._retry_at = clock()  # after a restart with the marker: retry at once
        self._attempted = False  # a retry ran since the last failure: the next failure doubles the wait

    def failed_write(self, why: str) -> None:
        if not self.failed:
            log.error(
                "replica: a write failed (%s): incomplete until a snapshot from the broker succeeds", why
            )
            with contextlib.suppress(OSError):
                self._marker.touch()
        elif self._attempted:
            self._wait = min(self._wait * 2, MAX_RETRY_SECONDS)
        elif self._clock() < self._retry_at:
            return  # the same outage as before: keep the retry already scheduled
        self.failed, self._attempted = True, False
        self._retry_at = self._clock() + self._wait

    def due(self) -> bool:
        return self.failed and self._clock() >= self._retry_at

    def retrying(self) -> None:
        log.info("replica: retrying after a failed write (next wait %.0f s)", self._wait)
        self._attempted = True
        self._retry_at = self._clock() + self._wait

    def recovered(self) -> None:
        if self.failed:
            log.info("replica: complete again after a failed write")
        self.failed = False
        self._wait = FIRST_RETRY_SECONDS
        with contextlib.suppress(OSError):
            self._marker.unlink(missing_ok=True)
