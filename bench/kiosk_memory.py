"""Resident memory of the running kiosk with 1,000 tenants and 5,000 events in its replica.

Budget (DESIGN.md): ≤ 80 MB (a Raspberry Pi Zero 2 W has 512 MB). The real `innovatum-kiosk --config`
runs in a 160x45 pseudo-terminal, connected to a local broker. VmRSS is sampled from /proc every
half second while the kiosk settles on the attract loop, then while a visitor walks through the
sections by key (directory with all listings, events, rooms, visit, a search, a tenant's page and the
way there over two floors of the demo's plans, back home), several times: memory a closed screen
kept would show as a climb from one walk to the next. The verdict uses the peak.

    /work/venv/bin/python bench/kiosk_memory.py [--tenants 1000] [--events 5000] [--settle 30] [--walks 3]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from bench.kiosk_common import KioskProcess, kiosk_site, load_average, running_kiosk, tenant_data

BUDGET_MB = 80.0
#: Keys a visitor presses, with a pause after each: every section, a search, back to the attract loop.
WALK = [
    ("2", "directory"),
    ("3", "events"),
    ("4", "rooms"),
    ("5", "visit"),
    ("/", "search box"),
    ("h", "typed h"),
    ("o", "typed ho"),
    ("g", "typed hog"),
    ("\x1b", "Esc"),
    ("/", "search box"),
    (tenant_data(0)["name"], "typed a tenant's name"),
    ("\r", "its match"),
    ("\r", "its page"),
    ("w", "the way there"),
    ("n", "the next floor's map"),
    ("\x1b", "Esc: the page"),
    ("\x1b", "Esc: the directory"),
    ("1", "attract loop"),
]


def sample(kiosk: KioskProcess, seconds: float, samples: list[int]) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        samples.append(kiosk.rss_kib())
        time.sleep(0.5)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=1000)
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--settle", type=float, default=30.0, help="seconds on the attract loop")
    parser.add_argument("--walks", type=int, default=3, help="times the visitor's walk is repeated")
    parser.add_argument(
        "--no-plans", dest="plans", action="store_false", help="without the demo's floor plans (to compare)"
    )
    args = parser.parse_args()
    with kiosk_site(args.tenants, args.events, plans=args.plans) as config, running_kiosk(config) as kiosk:
        attract: list[int] = []
        sample(kiosk, args.settle, attract)
        walking: list[int] = []
        steps: list[tuple[str, int]] = []
        homes: list[int] = []
        for walk in range(args.walks):
            for key, label in WALK:
                os.write(kiosk.master_fd, key.encode())
                sample(kiosk, 2.0, walking)
                if walk == 0:
                    steps.append((label, walking[-1]))
            homes.append(walking[-1])
        final = kiosk.rss_kib()
        alive = kiosk.process.poll() is None
        # The map screen's title in the top bar (Swedish, the config's language): the walk reached it.
        map_seen = "Vägen dit".encode() in kiosk.output
    if not alive:
        print("the kiosk exited during the benchmark", file=sys.stderr)
        return 1
    peak = max([*attract, *walking, final]) / 1024
    print(f"kiosk resident memory, {args.tenants} tenants + {args.events} events, 160x45:")
    settled, attract_peak, walk_peak = attract[-1] / 1024, max(attract) / 1024, max(walking) / 1024
    print(f"  attract loop after {args.settle:.0f} s: {settled:.1f} MB (peak {attract_peak:.1f} MB)")
    print("  first walk: " + ", ".join(f"{label} {rss / 1024:.1f}" for label, rss in steps) + " MB")
    print("  back home after each walk: " + ", ".join(f"{rss / 1024:.1f}" for rss in homes) + " MB")
    print(f"  {args.walks} walks through every section and a search: peak {walk_peak:.1f} MB")
    if args.plans:
        print(f"  the demo's floor plans loaded; the map screen {'was' if map_seen else 'was NOT'} reached")
    else:
        print("  without floor plans (--no-plans): the walk's map steps open nothing")
    print(f"  ({load_average()})")
    verdict = "ok" if peak <= BUDGET_MB else "OVER BUDGET"
    print(f"  peak {peak:.1f} MB (budget {BUDGET_MB:.0f} MB): {verdict}")
    return 0 if peak <= BUDGET_MB else 1


if __name__ == "__main__":
    sys.exit(main())
