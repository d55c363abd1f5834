"""systemd's notify protocol, spoken directly: `READY=1`, `WATCHDOG=1`, `STATUS=...`, `STOPPING=1`.

systemd passes `NOTIFY_SOCKET` (a path, or `@name` for an abstract socket) and, with `WatchdogSec=`,
`WATCHDOG_USEC`. A notification is one datagram of newline-separated `KEY=VALUE` lines on that
socket (sd_notify(3)); no library is needed for that. Without `NOTIFY_SOCKET` every call does nothing,
so the kiosk runs the same outside systemd.

Who pings decides what the watchdog guards. The screen pings from the Textual event loop (a timer
on the app), so a frozen UI, not only a dead process, stops the pings and systemd restarts it; the
headless kiosk pings from its main loop. Pings go out at half the watchdog interval, as sd_watchdog_enabled(3)
recommends.

`WATCHDOG_PID` is deliberately not checked: on the screen unit the kiosk runs inside cage and foot,
so systemd's main PID is cage's, and the unit says `NotifyAccess=all` to accept the kiosk's pings.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Mapping

log = logging.getLogger(__name__)


class Notifier:
    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        environ = os.environ if environ is None else environ
        address = environ.get("NOTIFY_SOCKET", "")
        self._address = "\0" + address[1:] if address.startswith("@") else address
        try:
            usec = int(environ.get("WATCHDOG_USEC", "0"))
        except ValueError:
            usec = 0
        #: Seconds between pings (half systemd's interval), or None when no watchdog is configured.
        self.interval: float | None = usec / 2_000_000 if usec > 0 and self._address else None
        self._last_ping = 0.0
        self._status = ""

    @property
    def enabled(self) -> bool:
        return bool(self._address)

    def send(self, *lines: str) -> bool:
        if not self._address:
            return False
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
                sock.sendto("\n".join(lines).encode("utf-8"), self._address)
        except OSError as exc:  # systemd gone or the socket not ours: never the kiosk's problem
            log.debug("sd_notify failed: %s", exc)
            return False
        return True

    def ready(self, status: str) -> None:
        self._status = status
        self.send("READY=1", f"STATUS={status}")

    def status(self, text: str) -> None:
        if text != self._status:
            self._status = text
            self.send(f"STATUS={text}")

    def ping(self) -> None:
        self._last_ping = time.monotonic()
        self.send("WATCHDOG=1")

    def ping_if_due(self) -> None:
        """For a loop that wakes more often than the interval (the headless kiosk's, every second)."""
        if self.interval is not None and time.monotonic() - self._last_ping >= self.interval:
            self.ping()

    def stopping(self) -> None:
        self.send("STOPPING=1")


def revision_status(revision: int) -> str:
    return f"showing revision {revision}"
