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
import os
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
_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of one process so far (Linux /proc), 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICKS


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return (sum(values) - idle) / _TICKS, sum(values) / _TICKS


def _paho(port: int, username: str, password: str, client_id: str) -> mqtt.Client:
    client = mqtt.Client(
        CallbackAPIVersion.VERSION2, client_id=client_id, protocol=MQTTProtocolVersion.MQTTv311
    )
    client.username_pw_set(username, password)
    client.connect("127.0.0.1", port, keepalive=60)
    return client


class Outbox:
    """Results recorded in the worker (a list append under a lock) and shipped to the driver in one
    put every 0.5 s: a cross-process queue put per event (pickling, a feeder thread, a pipe write)
    would add measurement work to every replica's hot path and to the bare subscribers' too."""

    def __init__(self, results: Any) -> None:
        self._results = results
        self._items: list[tuple[Any, ...]] = []
        self._lock = threading.Lock()

    def add(self, item: tuple[Any, ...]) -> None:
        with self._lock:
            self._items.append(item)

    def ship(self) -> None:
        with self._lock:
            items, self._items = self._items, []
        if items:
            self._results.put(items)


def worker(
    configs: list[str],
    port: int,
    bare_accounts: list[tuple[str, str]],
    results: Any,
    bare_done: Any,
    stop: Any,
) -> None:
    outbox = Outbox(results)
    clients: list[SyncClient] = []
    for path in configs:
        config = load_config(Path(path))
        client = SyncClient(config)
        kiosk_id = config.kiosk_id

        def on_event(event: SyncEvent, kiosk_id: str = kiosk_id) -> None:
            # Called on the applier thread right after the replica's COMMIT: stamp it here.
            if event.kind == "applied":
                outbox.add(("applied", kiosk_id, event.revision, time.time()))

        client.start(on_event)
        clients.append(client)
    bare: list[mqtt.Client] = []
    for i, path in enumerate(configs):
        sub = _paho(port, *bare_accounts[i], f"bare-{Path(path).stem}-{i}")

        def on_message(c: mqtt.Client, u: Any, m: mqtt.MQTTMessage) -> None:
            received = time.time()
            seq, sent = m.payload.split(b" ", 2)[:2]
            outbox.add(("bare", c._client_id.decode(), int(seq), received - float(sent)))

        sub.on_message = on_message
        sub.subscribe(BARE_TOPIC, qos=1)
        sub.loop_start()
        bare.append(sub)
    while not bare_done.wait(0.5):
        outbox.ship()
    # The bare subscribers are the baseline, not part of a kiosk: gone before the replicas are timed.
    for sub in bare:
        sub.disconnect()
        sub.loop_stop()
    while not stop.wait(0.5):
        outbox.ship()
    for client in clients:
        client.stop()
    outbox.ship()


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
    bare_done = ctx.Event()
    workers: list[Any] = []
    try:
        site.add_tenants(args.tenants)
        ids = [f"bench-{i:03d}" for i in range(args.replicas)]
        configs = [str(p) for p in site.add_kiosks(ids)]
        site.serve()
        site.wait_published()
        bare_accounts = site.admin_accounts([f"bare-{i}" for i in range(len(configs))] + ["bare-publisher"])
        chunks = [configs[i :: args.processes] for i in range(args.processes)]
        workers += [
            ctx.Process(
                target=worker,
                args=(
                    c,
                    site.port,
                    [bare_accounts[f"bare-{configs.index(path)}"] for path in c],
                    results,
                    bare_done,
                    stop,
                ),
            )
            for c in chunks
            if c
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
                    items = results.get(timeout=0.5)
                except queue.Empty:
                    if stop.is_set():
                        return
                    continue
                with lock:
                    for item in items:
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
        publisher = _paho(site.port, *bare_accounts["bare-publisher"], "bare-publisher")
        publisher.loop_start()
        for seq in range(args.edits):
            payload = f"{seq} {time.time()!r} ".encode() + b"x" * 600
            publisher.publish(BARE_TOPIC, payload, qos=1)
            time.sleep(args.interval)
        time.sleep(2)
        publisher.disconnect()
        publisher.loop_stop()
        bare_done.set()
        worker_pids = [w.pid for w in workers if w.pid is not None]
        time.sleep(1)
        idle_before, idle_started = sum(map(cpu_seconds, worker_pids)), time.monotonic()
        time.sleep(2)
        idle = (sum(map(cpu_seconds, worker_pids)) - idle_before) / (time.monotonic() - idle_started)
        print(
            f"replica processes idle: {idle * 100:.1f} % of one core ({idle / len(ids) * 1e6:.0f} us/s each)"
        )

        # The real path: commit → serve → broker → each replica's SQLite commit.
        components = {
            "replicas": worker_pids,
            "serve": [p.pid for p in site.processes],
            "mosquitto": [site.broker.process.pid] if site.broker.process else [],
            "driver": [os.getpid()],
        }
        cpu_before = {name: sum(cpu_seconds(pid) for pid in pids) for name, pids in components.items()}
        busy_before = machine_busy()
        edits_started = time.monotonic()
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
        cpu = {
            name: sum(cpu_seconds(pid) for pid in pids) - cpu_before[name]
            for name, pids in components.items()
        }
        busy_after = machine_busy()
        edits_ended = time.monotonic()
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
        # Where the CPU went during the edit phase, per edit: what the replicas cost is what the protocol
        # costs; the rest of the machine's busy time is other jobs on the (shared) box.
        per_edit = ", ".join(f"{name} {seconds / args.edits * 1000:.1f} ms" for name, seconds in cpu.items())
        busy = busy_after[0] - busy_before[0]
        total = busy_after[1] - busy_before[1]
        others = busy - sum(cpu.values())
        elapsed = edits_ended - edits_started
        busy_replicas = cpu["replicas"] - idle * elapsed
        print(
            f"CPU per edit: {per_edit}; replicas per replica per edit "
            f"{cpu['replicas'] / args.edits / len(ids) * 1e6:.0f} us, "
            f"{busy_replicas / args.edits / len(ids) * 1e6:.0f} us without the idle rate"
        )
        print(
            f"machine busy {busy / total * 100:.0f} % of {os.cpu_count()} CPUs during the edits; "
            f"other processes {others / args.edits * 1000:.1f} ms per edit"
        )
    finally:
        bare_done.set()
        stop.set()
        for w in workers:
            w.join(timeout=30)
        site.close()


if __name__ == "__main__":
    main()
