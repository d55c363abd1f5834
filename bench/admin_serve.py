"""`innovatum-admin serve`: idle CPU, and commit → publish latency, beside a bare publish → receive.

    python bench/admin_serve.py [--idle-seconds 60] [--edits 200]

A real `serve` subprocess on a real Mosquitto (the generated config). Idle CPU is read from /proc
while nothing is committed (budget: ≤ 0.2 % of a core). Latency: the driver commits one-tenant edits
through the store's write path, stamping each COMMIT, and a plain paho subscriber on the changes topic
stamps each arrival; the floor, in the same run, is the same subscriber receiving a bare QoS 1 publish
from a second paho client.
"""

from __future__ import annotations

import argparse
import threading
import time

import paho.mqtt.client as mqtt
from sync_latency import _paho, cpu_seconds, machine_busy
from sync_site import BenchSite, summary

from admin.store import db as store_db
from broker import topics

BARE_TOPIC = "innovatum/v1/bench"


def idle_cpu(site: BenchSite, pid: int, seconds: float) -> tuple[float, float]:
    """(% of one core used by serve, % of the machine busy) over `seconds` of quiet."""
    time.sleep(5)  # let start-up and the first publish settle
    cpu0, (busy0, total0), t0 = cpu_seconds(pid), machine_busy(), time.monotonic()
    time.sleep(seconds)
    cpu1, (busy1, total1), t1 = cpu_seconds(pid), machine_busy(), time.monotonic()
    return 100 * (cpu1 - cpu0) / (t1 - t0), 100 * (busy1 - busy0) / max(total1 - total0, 1e-9)


def latency(site: BenchSite, edits: int) -> tuple[list[float], list[float]]:
    accounts = site.admin_accounts(["serve-subscriber", "serve-bare"])
    arrivals: list[float] = []
    arrived = threading.Condition()

    def on_message(client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
        with arrived:
            arrivals.append(time.time())
            arrived.notify_all()

    subscriber = _paho(site.port, *accounts["serve-subscriber"], "bench-serve-subscriber")
    subscriber.on_message = on_message
    subscriber.subscribe([(topics.CHANGES, 1), (BARE_TOPIC, 1)])
    subscriber.loop_start()
    publisher = _paho(site.port, *accounts["serve-bare"], "bench-serve-bare")
    publisher.loop_start()
    time.sleep(1)

    def wait_one(before: int) -> float:
        with arrived:
            arrived.wait_for(lambda: len(arrivals) > before, timeout=10)
            if len(arrivals) <= before:
                raise RuntimeError("nothing arrived within 10 s")
            return arrivals[before]

    db = store_db.connect(site.db_path)
    served: list[float] = []
    bare: list[float] = []
    try:
        for i in range(edits):
            before = len(arrivals)
            _, committed = site.edit_tenant(db, "t0", f"Redigerad {i}")
            served.append(1000 * (wait_one(before) - committed))
            before = len(arrivals)
            sent = time.time()
            publisher.publish(BARE_TOPIC, b"x" * 600, qos=1)
            bare.append(1000 * (wait_one(before) - sent))
            time.sleep(0.05)
    finally:
        db.close()
        for client in (subscriber, publisher):
            client.loop_stop()
            client.disconnect()
    return served, bare


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--idle-seconds", type=float, default=60.0)
    parser.add_argument("--edits", type=int, default=200)
    args = parser.parse_args()
    site = BenchSite()
    try:
        site.add_tenants(10)
        process = site.serve()
        site.wait_published()
        serve_cpu, machine = idle_cpu(site, process.pid, args.idle_seconds)
        print(
            f"serve idle CPU over {args.idle_seconds:.0f} s: {serve_cpu:.3f} % of a core "
            f"(budget <= 0.2 %; machine busy {machine:.0f} % meanwhile)"
        )
        served, bare = latency(site, args.edits)
        print(f"commit -> publish received: {summary(served)}")
        print(f"floor, bare publish -> receive: {summary(bare)}")
    finally:
        site.close()


if __name__ == "__main__":
    main()
