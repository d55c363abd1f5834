"""Bytes a live kiosk receives for a one-tenant edit, with 1,000 and with 10,000 tenants.

    python bench/sync_wire_bytes.py

A live (complete) kiosk is subscribed to `changes` and `head` only; the counter subscribes to exactly
those with a kiosk's credentials, and a real SyncClient beside it shows the edit is applied without a
snapshot. Counted: topic + payload bytes of every message that arrives for the edit.
"""

from __future__ import annotations

import threading
import time

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion
from sync_site import BenchSite

from admin.store import db as store_db
from broker import topics
from kiosk.config import load as load_config
from kiosk.sync.client import SyncClient


def measure(tenants: int) -> tuple[int, int, bool]:
    site = BenchSite()
    try:
        site.add_tenants(tenants)
        configs = site.add_kiosks(["live", "counter"])
        site.serve()
        site.wait_published()
        client = SyncClient(load_config(configs[0]))
        client.start(lambda event: None)
        deadline = time.monotonic() + 120
        while not client.replica.complete and time.monotonic() < deadline:
            time.sleep(0.1)
        counter_cfg = load_config(configs[1])
        received: list[int] = []
        lock = threading.Lock()
        counter = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id="counter", protocol=MQTTProtocolVersion.MQTTv311
        )
        counter.username_pw_set(counter_cfg.broker.username, counter_cfg.broker.password)

        def on_message(c: mqtt.Client, u: object, m: mqtt.MQTTMessage) -> None:
            if not m.retain:
                with lock:
                    received.append(len(m.topic.encode()) + len(m.payload))

        counter.on_message = on_message
        counter.connect("127.0.0.1", site.port)
        counter.subscribe([(topics.CHANGES, 1), (topics.HEAD, 1)])
        counter.loop_start()
        time.sleep(1.0)
        db = store_db.connect(site.db_path)
        rev, _ = site.edit_tenant(db, "t42", "Ett nytt namn AB")
        db.close()
        deadline = time.monotonic() + 10
        while client.replica.applied_revision < rev and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)
        snapshot_free = not client.replica.wants_snapshot and client.replica.applied_revision == rev
        counter.loop_stop()
        client.stop()
        with lock:
            return sum(received), len(received), snapshot_free
    finally:
        site.close()


def main() -> None:
    for tenants in (1_000, 10_000):
        total, messages, ok = measure(tenants)
        print(f"tenants={tenants}: {total} bytes in {messages} messages (applied live, no snapshot: {ok})")


if __name__ == "__main__":
    main()
