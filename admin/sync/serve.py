"""`innovatum-admin serve`: the admin node's daemon.

Threads, each with its own SQLite connection:

- main: the publisher. It sleeps until a commit from any process nudges it (`admin.store.wake`: every
  transaction sends a datagram after COMMIT), then checks `PRAGMA data_version` (a counter SQLite bumps
  when *another* connection commits) and publishes whatever is unpublished. Without a nudge it still
  looks every `wake.SAFETY_POLL_SECONDS`, so a lost nudge delays a change, never loses it. A broker
  outage only delays it; nothing is marked published unacknowledged.
- fleet: drains the MQTT queue (status, acks, our own retained head) into the database.
- calendars: polls due calendar feeds every 30 s, when that module is installed.

Tenants' edit requests (`request/+`, QoS 1, kept for us by the persistent session while we are down)
are received on the fleet thread and answered from the publisher loop (admin/tenants/handler.py).

After every (re)connection the publisher compares the broker's retained head with the newest revision
it marked published. If the broker holds less (a replaced broker, or one killed before it saved its
retained store), it republishes the full state, so a kiosk can still bootstrap from the broker alone.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from pathlib import Path

import sqlite_utils
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from admin.store import db as store_db
from admin.store import wake
from admin.sync import fleet, publisher
from admin.tenants.handler import TenantRequests
from broker import mosquitto, topics
from broker.client import BrokerSettings, ConnectionChange, Event, MqttClient, PublishFailed
from broker.envelope import Rejected, open_envelope
from broker.schema import parse_head

log = logging.getLogger(__name__)

#: Where commit wake-ups are unavailable (not Linux), how often `PRAGMA data_version` is read.
POLL_SECONDS = 0.005
#: While disconnected there is nothing to publish; look less often.
OFFLINE_POLL_SECONDS = 0.1
#: How long to wait for the broker's retained head after connecting before deciding it has none.
HEAD_CHECK_SECONDS = 2.0
RETRY_SECONDS = 1.0
CALENDAR_POLL_SECONDS = 30.0
#: The client id without an account (an anonymous development broker); with one, the broker makes
#: the client id the user name (`broker.mosquitto.client_id`).
ANONYMOUS_CLIENT_ID = "innovatum-admin-serve"


class HeadCheck:
    """The first head the broker sent after each connection (its retained one), by connection number.

    The fleet thread counts connections as their events come out of the queue, so a head is always
    filed under the connection it arrived on, whichever thread gets there first.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._connections = 0
        self._first: dict[int, int] = {}

    def connected(self) -> None:
        with self._cond:
            self._connections += 1
            self._cond.notify_all()

    def saw(self, rev: int) -> None:
        with self._cond:
            if self._connections not in self._first:
                self._first[self._connections] = rev
                self._cond.notify_all()

    def first_head(self, connection: int, timeout: float) -> int | None:
        """The retained head's revision on that connection, or None if the broker has none."""
        with self._cond:
            self._cond.wait_for(lambda: connection in self._first, timeout)
            return self._first.get(connection)


class Server:
    def __init__(
        self,
        db_path: Path,
        key: Ed25519PrivateKey,
        settings: BrokerSettings,
        *,
        stop: threading.Event | None = None,
        poll_calendars: Callable[[Path], None] | None = None,
    ) -> None:
        self.db_path = db_path
        self.key = key
        self.stop = stop or threading.Event()
        # A persistent session: acknowledgements sent while serve is down wait for it in the broker.
        client_id = mosquitto.client_id(settings.username) if settings.username else ANONYMOUS_CLIENT_ID
        self.client = MqttClient(settings, client_id, clean_session=False)
        self.head_check = HeadCheck()
        self.poll_calendars = poll_calendars
        self.tenant_requests = TenantRequests(key)

    def run(self) -> None:
        db = store_db.connect(self.db_path)
        waker = wake.Waker(self.db_path)
        threads = [
            threading.Thread(target=self._fleet_loop, name="fleet", daemon=True),
            # The publisher sleeps on the waker, not on `stop`: this wakes it when stop is set.
            threading.Thread(target=self._wake_on_stop, name="stop-waker", daemon=True),
        ]
        if self.poll_calendars is not None:
            threads.append(threading.Thread(target=self._calendar_loop, name="calendars", daemon=True))
        for topic in (topics.STATUS_ALL, topics.ACK_ALL, topics.HEAD):
            self.client.subscribe(topic)
        self.tenant_requests.subscribe(self.client)
        self.client.start()
        for thread in threads:
            thread.start()
        log.info("serving %s to %s", self.db_path, self.client.settings.url)
        try:
            self._publish_loop(db, waker)
        finally:
            self.stop.set()
            self.client.stop()
            for thread in threads:
                thread.join(timeout=5)
            waker.close()
            db.close()
            log.info("stopped")

    # --- publisher (main thread) -------------------------------------------------------------------

    def _publish_loop(self, db: sqlite_utils.Database, waker: wake.Waker) -> None:
        version: int | None = None
        checked = 0  # the connection whose retained head was last compared with ours
        while not self.stop.is_set():
            connection = self.client.connection_count
            if not self.client.connected:
                self.stop.wait(OFFLINE_POLL_SECONDS)
                continue
            try:
                if connection != checked:
                    self._check_broker_head(db, connection)
                    checked = connection
                    version = None  # and look for anything left unpublished
                current = db.execute("PRAGMA data_version").fetchone()[0]
                if current != version:
                    publisher.publish_pending(db, self.key, self.client)
                    self.tenant_requests.publish_replies(db, self.client)
                    version = current
            except PublishFailed as exc:
                log.warning("publishing paused: %s", exc)
                self.stop.wait(RETRY_SECONDS)
                continue
            if waker.listening:
                waker.wait(wake.SAFETY_POLL_SECONDS)
            else:
                self.stop.wait(POLL_SECONDS)

    def _wake_on_stop(self) -> None:
        self.stop.wait()
        wake.nudge(self.db_path)

    def _check_broker_head(self, db: sqlite_utils.Database, connection: int) -> None:
        ours = publisher.published_revision(db)
        if ours == 0:
            return  # nothing published yet, so nothing the broker could have lost
        broker_rev = self.head_check.first_head(connection, HEAD_CHECK_SECONDS)
        if broker_rev is not None and broker_rev >= ours:
            return
        log.warning(
            "the broker's retained head is at %s but revision %d was published: republishing everything",
            broker_rev if broker_rev is not None else "nothing",
            ours,
        )
        publisher.publish_full(db, self.key, self.client)

    # --- fleet (its own thread and connection) -----------------------------------------------------

    def _fleet_loop(self) -> None:
        db = store_db.connect(self.db_path)
        public = self.key.public_key()
        try:
            while not self.stop.is_set():
                try:
                    event = self.client.events.get(timeout=0.2)
                except queue.Empty:
                    continue
                try:
                    self._fleet_event(db, public, event)
                except Exception:  # one bad message or a busy database must not stop fleet tracking
                    log.exception("fleet update failed")
        finally:
            db.close()

    def _fleet_event(self, db: sqlite_utils.Database, public: Ed25519PublicKey, event: Event) -> None:
        if isinstance(event, ConnectionChange):
            if event.up:
                self.head_check.connected()
            return
        if event.topic == topics.HEAD:
            try:
                head = parse_head(open_envelope(public, topics.HEAD, event.payload))
            except Rejected as exc:
                log.warning("the broker's retained head is not a valid head of ours (%s)", exc.reason)
                return
            self.head_check.saw(head.rev)
            return
        if self.tenant_requests.handles(event.topic):
            self.tenant_requests.receive(db, event.topic, event.payload)
            return
        fleet.handle(db, event.topic, event.payload, retained=event.retain)

    # --- calendars ---------------------------------------------------------------------------------

    def _calendar_loop(self) -> None:
        poll = self.poll_calendars
        assert poll is not None
        while not self.stop.is_set():
            try:
                poll(self.db_path)
            except Exception:  # the poller promises not to raise; keep serving if it does
                log.exception("calendar polling failed")
            if self.stop.wait(CALENDAR_POLL_SECONDS):
                return


def calendar_poller() -> Callable[[Path], None] | None:
    """The calendar module is optional here: serve runs (and says so) without it."""
    try:
        from admin.calendars.poll import poll_due_feeds
    except ImportError as exc:
        log.warning("calendar feeds are not polled (%s)", exc)
        return None
    return poll_due_feeds
