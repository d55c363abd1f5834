"""The sync hub on its own: one port's events fan out to every session; what sessions send back is
checked, deduplicated and counted. A recording stand-in for the sync client (a unit test of the hub:
tests/web/test_web_kiosk_browser.py runs it with the real client, broker and browsers)."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from kiosk.ports import SyncEvent
from kiosk.web.hub import HubPort, SyncHub


class RecordingPort:
    def __init__(self) -> None:
        self.on_event: Callable[[SyncEvent], None] | None = None
        self.screens: list[str] = []
        self.acks: list[int] = []
        self.stopped = False

    def start(self, on_event: Callable[[SyncEvent], None]) -> None:
        self.on_event = on_event

    def stop(self) -> None:
        self.stopped = True

    def report_screen(self, screen: str) -> None:
        self.screens.append(screen)

    def acknowledge(self, announcement_id: int) -> None:
        self.acks.append(announcement_id)


class Session:
    """A HubPort as a session process uses it, collecting what it is told."""

    def __init__(self, path: Path) -> None:
        self.events: list[SyncEvent] = []
        self.arrived = threading.Event()
        self.port = HubPort(path)
        self.port.start(self._on_event)

    def _on_event(self, event: SyncEvent) -> None:
        self.events.append(event)
        self.arrived.set()


async def _until(predicate: Callable[[], bool], what: str) -> None:
    for _ in range(200):
        if predicate():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


AT = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


async def test_events_reach_every_session_and_a_late_one_learns_the_connection_state() -> None:
    port = RecordingPort()
    hub = SyncHub(port)
    await hub.start()
    try:
        assert (hub.path.parent.stat().st_mode & 0o077) == 0  # only the server's user may connect
        first, second = Session(hub.path), Session(hub.path)
        await _until(lambda: hub.sessions == 2, "two sessions")
        assert port.on_event is not None
        emit = port.on_event
        await asyncio.to_thread(emit, SyncEvent("offline", 7, AT))  # from the sync client's thread
        await asyncio.to_thread(emit, SyncEvent("applied", 8, AT))
        for session in (first, second):
            await _until(lambda s=session: len(s.events) == 2, "both events")  # type: ignore[misc]
            assert session.events == [SyncEvent("offline", 7, AT), SyncEvent("applied", 8, AT)]
        late = Session(hub.path)
        await _until(lambda: len(late.events) == 1, "the late session's state")
        assert late.events == [SyncEvent("offline", 7, AT)]
        for session in (first, second, late):
            session.port.stop()
        await _until(lambda: hub.sessions == 0, "sessions to leave")
    finally:
        await hub.stop()
    assert port.stopped
    assert not hub.path.parent.exists()


async def test_acks_once_per_server_screens_forwarded_and_garbage_counted() -> None:
    port = RecordingPort()
    hub = SyncHub(port)
    await hub.start()
    try:
        first, second = Session(hub.path), Session(hub.path)
        first.port.acknowledge(3)
        second.port.acknowledge(3)  # the same announcement on another tab
        second.port.acknowledge(4)
        first.port.report_screen("directory")
        await _until(lambda: port.acks == [3, 4] and port.screens == ["directory"], "acks and the screen")
        raw = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        raw.connect(str(hub.path))
        raw.sendall(b'not json\n{"ack": true}\n{"ack": "5"}\n{"screen": 12}\n[]\n')
        await _until(lambda: hub.dropped == 5, "five dropped lines")
        raw.sendall(b"x" * 10_000 + b"\n")  # longer than any line a port writes: the session is cut off
        await _until(lambda: hub.dropped == 6, "the long line dropped")
        assert port.acks == [3, 4] and port.screens == ["directory"]
        raw.close()
        first.port.stop()
        second.port.stop()
    finally:
        await hub.stop()


def test_a_session_without_a_hub_still_runs(tmp_path: Path) -> None:
    """A preview that does not update beats no preview: start() logs and returns."""
    session = Session(tmp_path / "missing.sock")
    session.port.report_screen("attract")  # nowhere to send it: ignored
    session.port.stop()
    assert session.events == []
