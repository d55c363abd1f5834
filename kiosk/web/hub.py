"""One sync client shared by every browser session: the hub (in the web server) and its port (in a session).

textual-serve runs each browser session as its own process. Were each to run a `SyncClient`, every
browser tab would be one more MQTT connection, one more persistent session on the broker under the
same client id (each kicking the other off), and one more writer of the same replica file. Instead:

- The web server process owns the ONE `SyncClient` (MQTT connection and replica writer) and a `SyncHub`,
  which listens on a Unix socket in a private (0700) directory and relays the client's events to every
  session as JSON lines: {"kind": one of RELAYED, "revision": N, "at": ISO}. A session
  that connects is told the current connection state at once, so a late tab shows "offline" too.
- Each session process runs the kiosk app as usual, reading the replica file read-only (the app always
  did: `Queries` opens its own read-only connection), with a `HubPort` as its `SyncPort`. The port
  sends {"screen": name} and {"ack": id} back; the hub acknowledges each announcement once for the
  whole server (the admin node counts kiosks, not tabs) and reports the screen last shown by any tab.

Everything a session sends is checked; a malformed line is dropped and counted, never fatal.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
import tempfile
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from kiosk.ports import RemoteCommand, SyncEvent, SyncPort

log = logging.getLogger(__name__)

#: A line longer than this from a session is not one the port would write: dropped.
MAX_LINE = 4096
SOCKET_NAME = "sync.sock"


#: What sessions are told. Remote commands are not among them: the server answers those itself.
RELAYED = ("applied", "online", "offline", "incomplete", "complete")
#: Events that say where the link or the replica stands: a session that connects later is told the latest.
_STATE_KINDS = {"online": "link", "offline": "link", "incomplete": "replica", "complete": "replica"}


def encode_event(event: SyncEvent) -> bytes:
    return (
        json.dumps({"kind": event.kind, "revision": event.revision, "at": event.at.isoformat()}) + "\n"
    ).encode()


def decode_event(line: bytes) -> SyncEvent | None:
    """The event a hub line carries, or None for anything else."""
    try:
        data = json.loads(line)
        kind, revision, at = data["kind"], data["revision"], datetime.fromisoformat(data["at"])
    except (ValueError, TypeError, KeyError):
        return None
    if kind not in RELAYED or not isinstance(revision, int) or at.tzinfo is None:
        return None
    return SyncEvent(kind, revision, at)


class SyncHub:
    """Relays one `SyncPort`'s events to many sessions; runs on the web server's asyncio loop."""

    def __init__(self, port: SyncPort) -> None:
        self._port = port
        self._directory: Path | None = None  # made by start(): a server that never listens leaves none
        self._writers: set[asyncio.StreamWriter] = set()
        self._server: asyncio.AbstractServer | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._state: dict[str, SyncEvent] = {}  # the latest event of each _STATE_KINDS group
        self._acknowledged: set[int] = set()
        self.dropped = 0  # malformed lines from sessions

    @property
    def sessions(self) -> int:
        return len(self._writers)

    @property
    def path(self) -> Path:
        """The socket sessions connect to (once started)."""
        if self._directory is None:
            raise RuntimeError("the sync hub has not started")
        return self._directory / SOCKET_NAME

    async def start(self) -> None:
        self._directory = Path(tempfile.mkdtemp(prefix="innovatum-web-"))  # mkdtemp: mode 0700
        self._loop = asyncio.get_running_loop()
        self._server = await asyncio.start_unix_server(self._serve, path=str(self.path), limit=MAX_LINE)
        # The sync client calls back on its own threads: hop onto the loop before touching writers.
        self._port.start(self._from_sync_thread)

    async def stop(self) -> None:
        await asyncio.get_running_loop().run_in_executor(
            None, self._port.stop
        )  # joins threads: not on the loop
        if self._server is not None:
            self._server.close()
        for writer in list(self._writers):
            writer.close()
        self._writers.clear()
        if self._directory is not None:
            with contextlib.suppress(OSError):
                self.path.unlink(missing_ok=True)
                self._directory.rmdir()

    def _from_sync_thread(self, event: SyncEvent) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed between the check and the call
                loop.call_soon_threadsafe(self._broadcast, event)

    def _broadcast(self, event: SyncEvent) -> None:
        if event.command is not None:
            # Several sessions, none of them the kiosk's one screen: nothing to identify, photograph or
            # restart (the admin node hears why instead of waiting for an answer that never comes).
            self._port.answer(
                event.command,
                ok=False,
                error=f"a browser kiosk has no single screen to {event.command.action}",
            )
            return
        if event.kind not in RELAYED:
            return
        group = _STATE_KINDS.get(event.kind)
        if group is not None:
            self._state[group] = event
        line = encode_event(event)
        for writer in list(self._writers):
            if writer.is_closing():
                self._writers.discard(writer)
            else:
                writer.write(line)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        for latest in self._state.values():
            writer.write(encode_event(latest))
        try:
            while True:
                try:
                    line = await reader.readline()
                except (ValueError, asyncio.LimitOverrunError):  # longer than MAX_LINE
                    self.dropped += 1
                    break
                if not line:
                    break
                self._handle(line)
        except (ConnectionError, OSError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()

    def _handle(self, line: bytes) -> None:
        try:
            data: Any = json.loads(line)
        except ValueError:
            data = None
        if isinstance(data, dict) and isinstance(data.get("screen"), str):
            self._port.report_screen(data["screen"][:64])
        elif (
            isinstance(data, dict) and isinstance(data.get("ack"), int) and not isinstance(data["ack"], bool)
        ):
            if data["ack"] not in self._acknowledged:
                self._acknowledged.add(data["ack"])
                self._port.acknowledge(data["ack"])
        else:
            self.dropped += 1
            log.warning("dropped a malformed line from a session (%d so far)", self.dropped)


class HubPort:
    """A session's `SyncPort`: events from the hub's socket, screens and acknowledgements back to it.

    If the hub cannot be reached the app still runs on the replica as it is (and says so in the log):
    a browser preview that does not update beats no preview.
    """

    def __init__(self, path: Path) -> None:
        self._path = path
        self._socket: socket.socket | None = None
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self, on_event: Callable[[SyncEvent], None]) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(str(self._path))
        except OSError as exc:
            sock.close()
            log.warning("cannot reach the web server's sync hub at %s: %s", self._path, exc)
            return
        self._socket = sock
        self._thread = threading.Thread(
            target=self._read, args=(sock, on_event), name="hub-port", daemon=True
        )
        self._thread.start()

    def _read(self, sock: socket.socket, on_event: Callable[[SyncEvent], None]) -> None:
        with contextlib.suppress(OSError), sock.makefile("rb") as lines:
            for line in lines:
                event = decode_event(line)
                if event is not None:
                    on_event(event)

    def stop(self) -> None:
        sock, self._socket = self._socket, None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _send(self, message: dict[str, object]) -> None:
        with self._lock:
            if self._socket is None:
                return
            try:
                self._socket.sendall((json.dumps(message) + "\n").encode())
            except OSError as exc:
                log.warning("lost the web server's sync hub: %s", exc)

    def report_screen(self, screen: str) -> None:
        self._send({"screen": screen})

    def acknowledge(self, announcement_id: int) -> None:
        self._send({"ack": announcement_id})

    def answer(
        self, command: RemoteCommand, *, ok: bool, error: str = "", detail: str = "", screenshot: bytes = b""
    ) -> None:
        """Never called: the hub answers remote commands itself and relays none to a session."""
