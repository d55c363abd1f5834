"""Idle CPU of the kiosk on the attract loop: CPU seconds over 60 s from /proc/<pid>/stat.

Budget (DESIGN.md): ≤ 1 % of one core. The real `innovatum-kiosk --config` in a 160x45
pseudo-terminal, 1,000 tenants and 5,000 events, connected to a local broker, nobody touching it:
the clock ticks, the panels change every 12 s, the sync client keeps its connection alive. CPU is
user + system time of all the process's threads; the first `--warmup` seconds after the first frame
are left out (start-up is the first-frame benchmark's business).

    /work/venv/bin/python bench/kiosk_idle_cpu.py [--seconds 60] [--warmup 5]
"""

from __future__ import annotations

import argparse
import sys
import time

from bench.kiosk_common import kiosk_site, load_average, running_kiosk

BUDGET_PERCENT = 1.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--tenants", type=int, default=1000)
    parser.add_argument("--events", type=int, default=5000)
    args = parser.parse_args()
    with kiosk_site(args.tenants, args.events) as config, running_kiosk(config) as kiosk:
        time.sleep(args.warmup)
        cpu_before, wall_before, bytes_before = kiosk.cpu_seconds(), time.monotonic(), len(kiosk.output)
        time.sleep(args.seconds)
        cpu = kiosk.cpu_seconds() - cpu_before
        wall = time.monotonic() - wall_before
        written = len(kiosk.output) - bytes_before
        alive = kiosk.process.poll() is None
    if not alive:
        print("the kiosk exited during the benchmark", file=sys.stderr)
        return 1
    percent = 100 * cpu / wall
    print(f"kiosk idle CPU on the attract loop, {args.tenants} tenants + {args.events} events, 160x45:")
    print(f"  {cpu:.2f} CPU s over {wall:.1f} s; {written / 1024:.0f} KiB written to the terminal")
    print(f"  ({load_average()})")
    verdict = "ok" if percent <= BUDGET_PERCENT else "OVER BUDGET"
    print(f"  {percent:.2f} % of one core (budget {BUDGET_PERCENT} %): {verdict}")
    return 0 if percent <= BUDGET_PERCENT else 1


if __name__ == "__main__":
    sys.exit(main())
