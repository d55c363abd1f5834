"""Admin commit → replica commit latency with N headless replicas, beside bare paho publish → receive.

    python bench/sync_latency.py --replicas 1
    python bench/sync_latency.py --replicas 200 --processes 4

Each replica is a real `SyncClient` with its own SQLite file and its own MQTT connection; they run as
threads in a few worker processes (200 interpreters would measure the machine, not the protocol).
The admin side is a real `innovatum-admin serve` subprocess; the driver commits one-tenant edits
through the store's write path and stamps each COMMIT. A replica's time is taken when its applier
thread reports the revision applied (after its SQLite COMMIT). The bare baseline, in the same run,
on the same broker: one paho client publishes QoS 1 to N plain paho subscribers.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import queue
import threading
import time
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion
from sync_site import BenchSite, summary

from admin.store import db as store_db
from kiosk.config import load as load_config
from kiosk.ports import SyncEvent
from kiosk.sync.client import SyncClient

BARE_TOPIC = "innovatum/v1/bench"


def _paho(port: int, username: str, password: str, client_id: str) -> mqtt.Client:
    client = mqtt.Client(
        CallbackAPIVersion.VERSION2, client_id=client_id, protocol=MQTTProtocolVersion.MQTTv311
    )
    client.username_pw_set(username, password)
    client.connect("127.0.0.1", port, keepalive=60)
    return client


def worker(configs: list[str], port: int, admin: tuple[str, str], results: Any, stop: Any) -> None:
    clients: list[SyncClient] = []
    for path in configs:
        config = load_config(Path(path))
        client = SyncClient(config)
        kiosk_id = config.kiosk_id

        def on_event(event: SyncEvent, kiosk_id: str = kiosk_id) -> None:
            if event.kind == "applied":
                results.put(("applied", kiosk_id, event.revision, time.time()))

        client.start(on_event)
        clients.append(client)
    bare: list[mqtt.Client] = []
    for i, path in enumerate(configs):
        sub = _paho(port, *admin, f"bare-{Path(path).stem}-{i}")

        def on_message(c: mqtt.Client, u: Any, m: mqtt.MQTTMessage) -> None:
            received = time.time()
            seq, sent = m.payload.split(b" ", 2)[:2]
            results.put(("bare", c._client_id.decode(), int(seq), received - float(sent)))

        sub.on_message = on_message
        sub.subscribe(BARE_TOPIC, qos=1)
        sub.loop_start()
        bare.append(sub)
    stop.wait()
    for sub in bare:
        sub.disconnect()
        sub.loop_stop()
    for client in clients:
        client.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--replicas", type=int, default=1)
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--edits", type=int, default=100)
    parser.add_argument("--interval", type=float, default=0.1, help="seconds between edits")
    parser.add_argument("--tenants", type=int, default=100)
    args = parser.parse_args()

    site = BenchSite()
    ctx = mp.get_context("spawn")
    results = ctx.Queue()
    stop = ctx.Event()
    workers: list[Any] = []
    try:
        site.add_tenants(args.tenants)
        ids = [f"bench-{i:03d}" for i in range(args.replicas)]
        configs = [str(p) for p in site.add_kiosks(ids)]
        site.serve()
        site.wait_published()
        admin = site.admin_account()
        chunks = [configs[i :: args.processes] for i in range(args.processes)]
        workers += [
            ctx.Process(target=worker, args=(c, site.port, admin, results, stop)) for c in chunks if c
        ]
        for w in workers:
            w.start()

        latest: dict[str, int] = {}
        applied: dict[tuple[str, int], float] = {}
        bare: list[float] = []
        lock = threading.Lock()

        def collect() -> None:
            while True:
                try:
                    item = results.get(timeout=0.5)
                except queue.Empty:
                    if stop.is_set():
                        return
                    continue
                with lock:
                    if item[0] == "applied":
                        _, kiosk_id, rev, at = item
                        latest[kiosk_id] = max(rev, latest.get(kiosk_id, 0))
                        applied.setdefault((kiosk_id, rev), at)
                    else:
                        bare.append(item[3] * 1000)

        collector = threading.Thread(target=collect, daemon=True)
        collector.start()
        db = store_db.connect(site.db_path)
        head = int(db.execute("SELECT MAX(rev) FROM revisions").fetchone()[0])
        started = time.monotonic()
        while True:
            with lock:
                done = sum(1 for k in ids if latest.get(k, 0) >= head)
            if done == len(ids):
                break
            if time.monotonic() - started > 300:
                raise SystemExit(f"only {done}/{len(ids)} replicas bootstrapped")
            time.sleep(0.2)
        print(f"{len(ids)} replicas bootstrapped in {time.monotonic() - started:.1f} s")
        time.sleep(2)

        # Bare paho fan-out on the same broker, same subscriber count.
        publisher = _paho(site.port, *admin, "bare-publisher")
        publisher.loop_start()
        for seq in range(args.edits):
            payload = f"{seq} {time.time()!r} ".encode() + b"x" * 600
            publisher.publish(BARE_TOPIC, payload, qos=1)
            time.sleep(args.interval)
        time.sleep(2)
        publisher.disconnect()
        publisher.loop_stop()

        # The real path: commit → serve → broker → each replica's SQLite commit.
        commits: dict[int, float] = {}
        for i in range(args.edits):
            rev, at = site.edit_tenant(db, f"t{i % args.tenants}", f"Redigerad {i}")
            commits[rev] = at
            time.sleep(args.interval)
        final = max(commits)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with lock:
                if all(latest.get(k, 0) >= final for k in ids):
                    break
            time.sleep(0.2)
        db.close()
        with lock:
            latencies = []
            missing = 0
            for kiosk_id in ids:
                stamps = sorted((rev, at) for (k, rev), at in applied.items() if k == kiosk_id)
                for rev, committed in commits.items():
                    # A batch may carry several revisions: a revision is applied at the first report
                    # at or past it.
                    first = next((t for r, t in stamps if r >= rev), None)
                    if first is None:
                        missing += 1
                    else:
                        latencies.append((first - committed) * 1000)
        print(f"replicas={len(ids)} edits={args.edits} interval={args.interval}s tenants={args.tenants}")
        print(f"bare paho publish->receive : {summary(bare)}")
        print(f"admin commit->replica commit: {summary(latencies)} missing={missing}")
    finally:
        stop.set()
        for w in workers:
            w.join(timeout=30)
        site.close()


if __name__ == "__main__":
    main()
