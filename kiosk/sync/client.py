"""The kiosk's sync client: MQTT in, the replica engine, status out. Implements `kiosk.ports.SyncPort`.

paho's network thread only queues (broker.client); one applier thread owns the replica and does all
the work, so SQLite commits never delay a keepalive. It drains whatever has queued up, hands each
message to `Replica.handle`, and tells the UI once per batch (a 5,000-record bootstrap is one
"applied" event, not 5,000 repaints).

Subscriptions follow the replica: `changes` (QoS 1) and `head` (QoS 0, see HEAD_QOS) always;
`state/#` (the retained snapshot) only while the replica wants one, subscribed again whenever it
starts a new snapshot generation (a re-subscription makes the broker resend every retained
message), dropped when it is complete.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from collections.abc import Callable

from broker import topics
from broker.client import ConnectionChange, Event, Message, MqttClient, TlsSetupError, Will
from broker.keys import KeyFileError, load_public_key_b64
from broker.times import now, now_iso
from kiosk import __version__
from kiosk.config import ConfigError, KioskConfig
from kiosk.ports import RemoteCommand, SyncEvent, SyncEventKind
from kiosk.replica import health
from kiosk.replica.engine import Replica
from kiosk.sync import commands

log = logging.getLogger(__name__)

STATUS_SECONDS = 30.0
STATUS_MIN_SECONDS = 5.0
TICK_SECONDS = 0.25
#: A complete replica has no timer that needs a quarter-second tick (grace and snapshot timers only
#: run while it is behind or recovering), so an idle kiosk wakes once a second: four wake-ups a
#: second cost 200 idle kiosks on one box about a tenth of a core. Stopping waits at most this long.
IDLE_TICK_SECONDS = 1.0
#: Messages handled before the UI hears about them; bounds how stale the screen can be mid-bootstrap.
BATCH_LIMIT = 2000
#: The retained snapshot streams at QoS 0 (see `_follow_replica`).
SNAPSHOT_QOS = 0
#: The head, too. It is retained and `broker.client` subscribes again on every connection, so the
#: broker sends the current head each time the kiosk (re)connects; while connected, TCP delivers each
#: new one. Queued copies of old heads for a kiosk that was away (QoS 1) would add nothing, and a
#: live kiosk would send a PUBACK for every edit's head, which its change's manifest already covered.
#: The change stream stays QoS 1: that is what a persistent session must keep for a kiosk.
HEAD_QOS = 0


def open_replica(config: KioskConfig, *, repair: bool = False) -> Replica:
    """The replica with the admin's public key from the config; ConfigError if the key is unusable.

    `repair` (the sync client, the replica's one writer): a damaged file is moved aside first and a
    fresh replica bootstraps from the broker (kiosk.replica.health)."""
    try:
        key = load_public_key_b64(config.admin_public_key)
    except KeyFileError as exc:
        raise ConfigError(f"trust.admin_public_key: {exc}") from None
    if repair:
        health.ensure_sound(config.database)
    return Replica(config.database, key)


class SyncClient:
    def __init__(self, config: KioskConfig, *, status_seconds: float = STATUS_SECONDS) -> None:
        self.config = config
        self.replica = open_replica(config, repair=True)
        self._status_seconds = status_seconds
        self._started_at = time.monotonic()
        self._screen = ""
        self._online = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._on_event: Callable[[SyncEvent], None] = lambda event: None
        self._status_topic = topics.status(config.kiosk_id)
        # A persistent session: while the kiosk is away the broker queues the change stream for it,
        # so a short outage is caught up by applying the missed revisions in order rather than by a
        # full snapshot. The queue is only a fast path: if it overflowed or the broker lost it, the
        # head shows the gap and the replica recovers from the retained state.
        try:
            self._client = MqttClient(
                config.broker,
                f"kiosk-{config.kiosk_id}",
                clean_session=False,
                will=Will(self._status_topic, self._status_payload(online=False)),
            )
        except TlsSetupError as exc:
            self.replica.close()
            raise ConfigError(f"broker.ca_file: {exc}") from None
        self._snapshot_generation: int | None = None  # the generation state/# was subscribed for
        self._last_status = 0.0
        self._reported: tuple[bool, int, str] | None = None
        self._complete_shown: bool | None = None  # what the screen was last told
        self._closed = False
        self._commands = commands.gate(config)

    # --- SyncPort ----------------------------------------------------------------------------------

    def start(self, on_event: Callable[[SyncEvent], None]) -> None:
        if self._thread is not None:
            return
        self._on_event = on_event
        self._client.subscribe(topics.CHANGES)
        self._client.subscribe(topics.HEAD, qos=HEAD_QOS)
        self._client.subscribe(self._commands.topic)
        self._follow_replica()
        self._client.start()
        self._thread = threading.Thread(target=self._run, name="kiosk-sync", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Say goodbye (a clean disconnect sends no last will), stop, and close the replica."""
        thread, self._thread = self._thread, None
        if thread is not None:
            self._stop.set()
            thread.join(timeout=10)
            if self._client.connected:
                try:
                    self._client.publish_all(
                        [(self._status_topic, self._status_payload(online=False), True)], timeout=2.0
                    )
                except Exception:  # best effort: the broker may already be gone
                    log.debug("could not publish the offline status", exc_info=True)
            self._client.stop()
        if not self._closed:
            self._closed = True
            self.replica.close()

    def report_screen(self, screen: str) -> None:
        self._screen = screen[:64]

    def acknowledge(self, announcement_id: int) -> None:
        payload = json.dumps({"announcement": announcement_id, "at": now_iso()}).encode()
        self._client.publish(topics.ack(self.config.kiosk_id), payload, qos=1)

    def answer(
        self, command: RemoteCommand, *, ok: bool, error: str = "", detail: str = "", screenshot: bytes = b""
    ) -> None:
        payload = commands.answer_payload(command, ok=ok, error=error, detail=detail, screenshot=screenshot)
        self._client.publish(topics.answer(self.config.kiosk_id), payload, qos=1)

    # --- the applier thread ------------------------------------------------------------------------

    def _run(self) -> None:
        last_tick = 0.0
        while not self._stop.is_set():
            try:
                last_tick = self._step(last_tick)
            except Exception:  # never let one bad turn end syncing; the replica itself never raises
                log.exception("sync step failed")
                self._stop.wait(TICK_SECONDS)

    def _step(self, last_tick: float) -> float:
        """Handle what has queued up, tick, follow the replica's wishes, tell the UI, report status."""
        batch = self._next_batch()
        changed = False
        for event in batch:
            if isinstance(event, Message) and event.topic == self._commands.topic:
                self._command(event.payload)
            elif isinstance(event, Message):
                changed |= self.replica.handle(event.topic, event.payload).changed
            else:
                self._connection(event)
        if time.monotonic() - last_tick >= TICK_SECONDS or not batch:
            changed |= self.replica.tick().changed
            last_tick = time.monotonic()
        self._follow_replica()
        if changed:
            self._emit("applied")
        complete = self.replica.complete
        if complete != self._complete_shown:
            self._complete_shown = complete
            self._emit("complete" if complete else "incomplete")
        self._report_status()
        return last_tick

    def _next_batch(self) -> list[Event]:
        busy = self.replica.wants_snapshot or not self.replica.complete
        try:
            first = self._client.events.get(timeout=TICK_SECONDS if busy else IDLE_TICK_SECONDS)
        except queue.Empty:
            return []
        batch = [first]
        while len(batch) < BATCH_LIMIT:
            try:
                batch.append(self._client.events.get_nowait())
            except queue.Empty:
                break
        return batch

    def _connection(self, change: ConnectionChange) -> None:
        self._online = change.up
        if change.up and change.session_present and self._snapshot_generation is None:
            # A snapshot subscription the broker kept from a previous run that ended mid-recovery.
            self._client.unsubscribe(topics.STATE_ALL, force=True)
        self._reported = None  # report at once
        self._emit("online" if change.up else "offline")

    def _follow_replica(self) -> None:
        if self.replica.wants_snapshot:
            generation = self.replica.snapshot_generation
            if generation != self._snapshot_generation:
                self._snapshot_generation = generation
                # QoS 0: the retained set streams without a PUBACK per record. Nothing is lost by
                # it: a dropped connection means a new subscription (and the whole set again), and a
                # snapshot that stalls starts a new generation.
                self._client.subscribe(topics.STATE_ALL, qos=SNAPSHOT_QOS)
                self._client.subscribe(topics.HEAD, qos=HEAD_QOS)  # and the newest head, resent too
        elif self._snapshot_generation is not None:
            self._snapshot_generation = None
            self._client.unsubscribe(topics.STATE_ALL)

    def _command(self, payload: bytes) -> None:
        """A remote command: verified here, answered here if refused, else handed to the app."""
        verdict = self._commands.check(self._commands.topic, payload)
        if verdict is None:
            return
        command = commands.port_command(verdict.command, self.config.broker)
        if verdict.refusal:
            self.answer(command, ok=False, error=verdict.refusal)
        else:
            self._emit("command", command)

    def _emit(self, kind: SyncEventKind, command: RemoteCommand | None = None) -> None:
        try:
            self._on_event(SyncEvent(kind, self.replica.applied_revision, now(), command))
        except Exception:  # the UI's problem must not stop syncing
            log.exception("sync event handler failed")

    # --- status ------------------------------------------------------------------------------------

    def _status_payload(self, *, online: bool) -> bytes:
        body = {
            "online": online,
            "applied_rev": self.replica.applied_revision,
            "complete": self.replica.complete,
            "version": __version__,
            "uptime": round(time.monotonic() - self._started_at, 1),
            "screen": self._screen,
            "at": now_iso(),
        }
        return json.dumps(body, separators=(",", ":")).encode()

    def _report_status(self) -> None:
        """Retained status on connect, on a change, and every 30 s as a heartbeat.

        A new revision is reported at most every STATUS_MIN_SECONDS: with 200 kiosks, a status per
        kiosk per edit would be 200 messages and 200 admin database writes for every one-record change.
        """
        if not self._online:
            return
        state = (self.replica.complete, self.replica.applied_revision, self._screen)
        since = time.monotonic() - self._last_status
        if state == self._reported and since < self._status_seconds:
            return
        urgent = self._reported is None or state[2] != self._reported[2]  # reconnected, or a new screen
        if not urgent and state != self._reported and since < STATUS_MIN_SECONDS:
            return
        self._client.publish(self._status_topic, self._status_payload(online=True), qos=1, retain=True)
        self._reported, self._last_status = state, time.monotonic()
