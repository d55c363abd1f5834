"""The kiosk's budgets on a simulated Raspberry Pi core, each beside its floor measured in the same run.

    python bench/pi.py [--sizes 100x30,160x45] [--runs 3] [--idle-seconds 60] [--walks 10]
                       [--only first-frame,keys,idle,memory]

The kiosk is the real `innovatum-kiosk --config FILE` in a pseudo-terminal (bench/kiosk_common.py),
with 1,000 tenants and 5,000 events (10,000 tenants for the search keystroke) and a local broker. Each
figure is measured inside a cgroup that makes a fixed Python loop run 6x slower (Pi Zero 2 W class)
or 2.5x (Pi 4 class) than uncapped, calibrated on the spot and re-checked before each part
(bench/pi_core.py); memory is measured uncapped. The floor is a bare Textual app doing the same
thing (bench/floor_app.py), run the same way right after the kiosk, in the same cgroup:

- first frame: process start to the first frame; floor: an app with as many widgets as the attract
  screen (24). Budget 4 s (Pi Zero 2 W class).
- key to the frame that shows its result, p90: a section switch (3/4/5: events, rooms, visit), opening
  a company from the directory (Enter; Esc back is not timed), a search keystroke over 10,000 tenants;
  timed from writing the key to the pty until the last byte of the answer (bench/kiosk_common.py
  `key_to_frame`). Budget ≤ 100 ms and ≤ 1.5x the floor's p90 (Pi Zero 2 W class).
- idle CPU over the attract loop and CPU per attract panel change (Pi 4 class cgroup): CPU seconds
  of all threads from /proc/<pid>/task/*/schedstat; the Pi figure is CPU here times the class's factor
  (the issue defines a Pi core as that much slower than this one). Idle budget ≤ 2 % of the capped
  core (Pi 4); panel change ≤ 150 ms of Pi Zero 2 W class CPU. Floor: an app with a clock and a
  ContentSwitcher swapping two panels every 12 s, the kiosk's cycle.
- resident memory after `--walks` walks through every section (uncapped): budget ≤ 80 MB and flat from
  walk to walk; floor: the floor app walked through its screens.

Every line carries the calibration and the machine's load average: the machine is shared.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.kiosk_common import FIRST_FRAME_MARKER, KioskProcess, kiosk_site, load_average, running_kiosk
from bench.pi_core import FACTORS, PiCore

BENCH = Path(__file__).parent
FLOOR_APP = [sys.executable, str(BENCH / "floor_app.py")]
ATTRACT_WIDGETS = 24  # widgets on the kiosk's attract screen at start (counted under Pilot)
FIRST_FRAME_BUDGET_S = 4.0
KEY_BUDGET_MS = 100.0
KEY_FLOOR_RATIO = 1.5
IDLE_BUDGET_PERCENT = 2.0
PANEL_BUDGET_MS = 150.0
MEMORY_BUDGET_MB = 80.0
EDIT_BUDGET_MS = 500.0
#: A visitor's walk through every section (kiosk_memory.py's), for the memory figure.
WALK = ["2", "3", "4", "5", "/", "h", "o", "g", "\x1b", "1"]
SEARCH_WORDS = ["hogskolan", "nordvik", "vatgas"]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT MET"


class Report:
    """Lines printed as they come (a long run shows progress) and kept for the summary at the end."""

    def __init__(self) -> None:
        self.summary: list[str] = []

    def line(self, text: str, *, summary: bool = False) -> None:
        print(text, flush=True)
        if summary:
            self.summary.append(text)


@contextmanager
def core(pi: str, report: Report) -> Iterator[PiCore]:
    pi_core = PiCore(pi)
    try:
        report.line(f"  calibration: {pi_core.calibrate()} ({load_average()})")
        yield pi_core
    finally:
        pi_core.close()


def first_frames(command: list[str] | None, config: Path | None, size: tuple[int, int], runs: int,
                 preexec: Callable[[], None]) -> list[float]:  # fmt: skip
    times = []
    for _ in range(runs):
        process = KioskProcess(config, *size, marker=FIRST_FRAME_MARKER, command=command, preexec=preexec)
        try:
            times.append(process.wait_for_marker(timeout=120))
        finally:
            process.stop()
    return times


def bench_first_frame(config: Path, sizes: list[tuple[int, int]], runs: int, report: Report) -> None:
    report.line("power on to first frame (Pi Zero 2 W class):")
    with core("zero2", report) as pi:
        for size in sizes:
            kiosk = first_frames(None, config, size, runs, pi.preexec)
            floor = first_frames([*FLOOR_APP, "widgets", str(ATTRACT_WIDGETS)], None, size, runs, pi.preexec)
            median, floor_median = statistics.median(kiosk), statistics.median(floor)
            report.line(
                f"  {size[0]}x{size[1]}: kiosk median {median:.2f} s (runs "
                + ", ".join(f"{t:.2f}" for t in kiosk)
                + f"); floor median {floor_median:.2f} s; budget {FIRST_FRAME_BUDGET_S:g} s:"
                f" {verdict(median <= FIRST_FRAME_BUDGET_S)} [{pi.check()}; {load_average()}]",
                summary=True,
            )


def press(process: KioskProcess, key: bytes, settle: float = 0.3) -> None:
    """A key whose answer is not timed (getting into position)."""
    process.key_to_frame(key)
    time.sleep(settle)


def key_times(process: KioskProcess, kind: str, rounds: int) -> list[float]:
    """Milliseconds per timed key for one kind of key, the app already showing its first frame."""
    time.sleep(1.0)  # let start-up's trailing work (the sync client connecting) pass
    times: list[float] = []
    if kind == "section switch":
        press(process, b"3")
        for _ in range(rounds):
            times += [process.key_to_frame(key.encode()) for key in "453"]
    elif kind == "open a company":
        press(process, b"2")
        press(process, b"\x1b[B")  # the down arrow: into the result list
        for _ in range(rounds * 3):
            times.append(process.key_to_frame(b"\r"))
            process.key_to_frame(b"\x1b")
            time.sleep(0.2)
    elif kind == "search keystroke":
        press(process, b"2")
        for word in SEARCH_WORDS[: max(1, rounds)]:
            times += [process.key_to_frame(char.encode()) for char in word]
            for _ in word:
                process.key_to_frame(b"\x7f")
    return times


def bench_keys(config_1k: Path, config_10k: Path, sizes: list[tuple[int, int]], rounds: int,
               report: Report) -> None:  # fmt: skip
    report.line("key to the frame that shows its result, p90 (Pi Zero 2 W class):")
    with core("zero2", report) as pi:
        for size in sizes:
            for kind, config, names in (
                ("section switch", config_1k, 1000),
                ("open a company", config_1k, 1000),
                ("search keystroke", config_10k, 10_000),
            ):
                with running_kiosk(config, *size, preexec=pi.preexec) as kiosk:
                    app_times = key_times(kiosk, kind, rounds)
                floor_command = [*FLOOR_APP, "keys", str(names)]
                with running_kiosk(None, *size, command=floor_command, preexec=pi.preexec) as floor:
                    floor_times = key_times(floor, kind, rounds)
                p90, floor_p90 = percentile(app_times, 0.9), percentile(floor_times, 0.9)
                ok = p90 <= KEY_BUDGET_MS and p90 <= KEY_FLOOR_RATIO * floor_p90
                report.line(
                    f"  {size[0]}x{size[1]} {kind}: kiosk p90 {p90:.0f} ms (median"
                    f" {statistics.median(app_times):.0f}, n={len(app_times)}); floor p90 {floor_p90:.0f} ms"
                    f" (median {statistics.median(floor_times):.0f}); ratio {p90 / floor_p90:.2f};"
                    f" budget <= {KEY_BUDGET_MS:g} ms and <= {KEY_FLOOR_RATIO}x floor: {verdict(ok)}"
                    f" [{pi.check()}; {load_average()}]",
                    summary=True,
                )


def sample_cpu(process: KioskProcess, seconds: float) -> list[tuple[float, float]]:
    """(perf_counter, CPU seconds) every 20 ms for `seconds`."""
    samples = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        samples.append((time.perf_counter(), process.cpu_precise()))
        time.sleep(0.02)
    return samples


def panel_changes(process: KioskProcess, start: float, end: float) -> list[tuple[float, float]]:
    """(first byte, last byte) of each large burst of output in [start, end]: the panel changes (the
    clock's minute is a few hundred bytes; a panel is kilobytes)."""
    bursts: list[list[float]] = []  # [first, last, bytes]
    previous_length = 0
    for at, length in list(process.chunks):
        size, previous_length = length - previous_length, length
        if not start <= at <= end:
            continue
        if bursts and at - bursts[-1][1] < 0.3:
            bursts[-1][1] = at
            bursts[-1][2] += size
        else:
            bursts.append([at, at, size])
    return [(first, last) for first, last, size in bursts if size > 4000]


def cpu_between(samples: list[tuple[float, float]], start: float, end: float) -> float:
    inside = [cpu for at, cpu in samples if start <= at <= end]
    return inside[-1] - inside[0] if len(inside) > 1 else 0.0


def idle_figures(process: KioskProcess, seconds: float) -> tuple[float, list[float], float]:
    """(CPU seconds per second over the window, CPU seconds per panel change, window seconds).

    A change's CPU is the CPU from 2 s before its first byte to 0.2 s after its last, less what the
    process spends in 2.2 s when no panel changes (the rest of the window)."""
    time.sleep(3.0)
    samples = sample_cpu(process, seconds)
    start, end = samples[0][0], samples[-1][0]
    total = samples[-1][1] - samples[0][1]
    windows = [(first - 2.0, last + 0.2) for first, last in panel_changes(process, start + 2.0, end - 0.2)]
    in_windows = sum(cpu_between(samples, a, b) for a, b in windows)
    quiet_time = (end - start) - sum(b - a for a, b in windows)
    quiet_rate = (total - in_windows) / quiet_time if quiet_time > 0 else 0.0
    changes = [cpu_between(samples, a, b) - quiet_rate * (b - a) for a, b in windows]
    return total / (end - start), changes, end - start


def bench_idle(config: Path, sizes: list[tuple[int, int]], seconds: float, report: Report) -> None:
    report.line(f"idle CPU over {seconds:g} s of the attract loop, and CPU per panel change (Pi 4 class):")
    pi4, zero2 = FACTORS["pi4"], FACTORS["zero2"]
    with core("pi4", report) as pi:
        for size in sizes:
            with running_kiosk(config, *size, preexec=pi.preexec) as kiosk:
                rate, changes, window = idle_figures(kiosk, seconds)
            floor_command = [*FLOOR_APP, "clock", "12"]
            with running_kiosk(None, *size, command=floor_command, preexec=pi.preexec) as floor:
                floor_rate, floor_changes, _ = idle_figures(floor, seconds)
            percent, floor_percent = 100 * rate * pi4, 100 * floor_rate * pi4
            report.line(
                f"  {size[0]}x{size[1]} idle: kiosk {percent:.2f} % of the Pi 4 class core"
                f" ({100 * rate:.2f} % of a core here over {window:.0f} s); floor {floor_percent:.2f} %;"
                f" budget <= {IDLE_BUDGET_PERCENT:g} %: {verdict(percent <= IDLE_BUDGET_PERCENT)}"
                f" [{pi.check()}; {load_average()}]",
                summary=True,
            )
            worst = max(changes, default=float("nan")) * 1000 * zero2
            floor_worst = max(floor_changes, default=float("nan")) * 1000 * zero2
            report.line(
                f"  {size[0]}x{size[1]} attract panel change: kiosk worst {worst:.0f} ms of Pi Zero 2 W"
                " class CPU (here: " + ", ".join(f"{1000 * c:.1f}" for c in changes) + " ms);"
                f" floor worst {floor_worst:.0f} ms (here: "
                + ", ".join(f"{1000 * c:.1f}" for c in floor_changes)
                + f" ms); budget <= {PANEL_BUDGET_MS:g} ms: {verdict(worst <= PANEL_BUDGET_MS)}"
                f" [{load_average()}]",
                summary=True,
            )


def walk_memory(process: KioskProcess, walks: int) -> list[float]:
    """MB resident after each walk through every section, back home."""
    time.sleep(3.0)
    homes = []
    for _ in range(walks):
        for key in WALK:
            os.write(process.master_fd, key.encode())
            time.sleep(0.5)
        homes.append(process.rss_kib() / 1024)
    return homes


def bench_memory(config: Path, walks: int, report: Report) -> None:
    report.line(f"resident memory after each of {walks} walks through every section (uncapped, 160x45):")
    with running_kiosk(config) as kiosk:
        homes = walk_memory(kiosk, walks)
    floor_command = [*FLOOR_APP, "keys", "1000"]
    with running_kiosk(None, command=floor_command) as floor:
        floor_homes = walk_memory(floor, walks)
    # Flat: the second half of the walks adds at most 1 MB (the first walks fill caches on purpose:
    # rows, logos, panels).
    half = len(homes) // 2
    growth = homes[-1] - homes[max(0, half - 1)]
    ok = max(homes) <= MEMORY_BUDGET_MB and growth <= 1.0
    report.line(
        "  kiosk " + ", ".join(f"{mb:.1f}" for mb in homes) + f" MB (walk {max(1, half)} to {walks}:"
        f" {growth:+.1f} MB); floor " + ", ".join(f"{mb:.1f}" for mb in floor_homes) + " MB;"
        f" budget <= {MEMORY_BUDGET_MB:g} MB, flat (<= 1 MB over the second half): {verdict(ok)}"
        f" [{load_average()}]",
        summary=True,
    )


def bare_subscriber(port: int, account: tuple[str, str], pi: PiCore, results: Any, ready: Any) -> None:
    """The floor of edit → screen: a bare paho subscriber on the capped core, reporting each
    message's publish → receive seconds."""
    pi.preexec()
    sys.path.insert(0, str(BENCH))
    from sync_latency import BARE_TOPIC, _paho

    def on_message(client: Any, userdata: Any, message: Any) -> None:
        sent = float(message.payload.split(b" ", 1)[0])
        results.put(time.time() - sent)

    client = _paho(port, *account, "pi-bare-subscriber")
    client.on_message = on_message
    client.subscribe(BARE_TOPIC, qos=1)
    client.loop_start()
    ready.set()
    time.sleep(3600)


def token_seen_at(process: KioskProcess, token: bytes, since: int) -> float | None:
    """perf_counter time of the output chunk that completed `token`, searched from offset `since`."""
    found = process.output.find(token, since)
    if found < 0:
        return None
    end = found + len(token)
    return next((at for at, length in list(process.chunks) if length >= end), None)


def bench_edit_to_screen(edits: int, report: Report) -> None:
    """An admin edit (a tenant renamed so that it sorts first in the directory) until its new name's
    bytes reach the kiosk's terminal; the kiosk (1,000 tenants, synced from a real `serve` through the
    project's own Mosquitto) on a Pi Zero 2 W class core, 160x45, the directory open."""
    import multiprocessing as mp

    sys.path.insert(0, str(BENCH))  # the sync benches import each other as top-level modules
    from sync_latency import BARE_TOPIC, _paho
    from sync_site import BenchSite
    from sync_site import percentile as site_percentile

    from admin.store import db as store_db

    report.line(f"edit on the admin node to the change on screen, {edits} edits (Pi Zero 2 W class, 160x45):")
    site = BenchSite()
    try:
        site.add_tenants(1000)
        (config,) = site.add_kiosks(["pi-screen"])
        site.serve()
        site.wait_published()
        with core("zero2", report) as pi, running_kiosk(config, preexec=pi.preexec) as kiosk:
            deadline = time.monotonic() + 120
            kiosk.key_to_frame(b"2")
            while b"nummer 999" not in kiosk.output and b"nummer 1 AB" not in kiosk.output:
                if time.monotonic() > deadline:
                    raise RuntimeError("the kiosk did not show the synced directory")
                time.sleep(0.2)
            time.sleep(2)
            db = store_db.connect(site.db_path)
            latencies = []
            try:
                for number in range(edits):
                    token = f"Aaa{number:03d}q"
                    since = len(kiosk.output)
                    start = time.perf_counter()
                    site.edit_tenant(db, f"t{number}", f"{token} Redigerad AB")
                    seen = None
                    while seen is None and time.perf_counter() - start < 15:
                        time.sleep(0.01)
                        seen = token_seen_at(kiosk, token.encode(), since)
                    if seen is None:
                        raise RuntimeError(f"edit {number} did not reach the screen in 15 s")
                    latencies.append((seen - start) * 1000)
                    time.sleep(0.5)
            finally:
                db.close()
            ctx = mp.get_context("spawn")
            results, ready = ctx.Queue(), ctx.Event()
            # One account per client: the broker takes a client's id from its user name.
            accounts = site.admin_accounts(["pi-bare-subscriber", "pi-bare-publisher"])
            subscriber = ctx.Process(
                target=bare_subscriber, args=(site.port, accounts["pi-bare-subscriber"], pi, results, ready)
            )
            subscriber.start()
            try:
                ready.wait(60)
                time.sleep(1)
                publisher = _paho(site.port, *accounts["pi-bare-publisher"], "pi-bare-publisher")
                publisher.loop_start()
                for _ in range(edits):
                    publisher.publish(BARE_TOPIC, f"{time.time()!r} ".encode() + b"x" * 600, qos=1)
                    time.sleep(0.3)
                bare = [results.get(timeout=15) * 1000 for _ in range(edits)]
                publisher.disconnect()
                publisher.loop_stop()
            finally:
                subscriber.kill()
                subscriber.join()
            p99, bare_p99 = site_percentile(latencies, 99), site_percentile(bare, 99)
            report.line(
                f"  kiosk p99 {p99:.0f} ms (median {statistics.median(latencies):.0f}, n={len(latencies)});"
                f" floor (bare publish -> receive on the same core) p99 {bare_p99:.0f} ms"
                f" (median {statistics.median(bare):.0f}); budget <= {EDIT_BUDGET_MS:g} ms p99:"
                f" {verdict(p99 <= EDIT_BUDGET_MS)} [{pi.check()}; {load_average()}]",
                summary=True,
            )
    finally:
        site.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100x30,160x45", help="terminal sizes, COLSxROWS, comma-separated")
    parser.add_argument("--runs", type=int, default=3, help="first-frame runs and key rounds per size")
    parser.add_argument("--idle-seconds", type=float, default=60.0, help="idle window per app and size")
    parser.add_argument("--walks", type=int, default=10, help="walks through every section (memory)")
    parser.add_argument("--only", default="first-frame,keys,idle,edit,memory", help="parts to run")
    parser.add_argument("--edits", type=int, default=20, help="admin edits timed to the screen")
    parser.add_argument("--tenants", type=int, default=1000)
    parser.add_argument("--events", type=int, default=5000)
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("error: bench/pi.py needs root (it creates a cgroup)", file=sys.stderr)
        return 2
    sizes = [(int(w), int(h)) for w, h in (size.split("x") for size in args.sizes.split(","))]
    parts = set(args.only.split(","))
    report = Report()
    started = time.monotonic()
    with kiosk_site(args.tenants, args.events) as config:
        if "first-frame" in parts:
            bench_first_frame(config, sizes, args.runs, report)
        if "keys" in parts:
            with kiosk_site(10_000, args.events, logos=args.tenants) as config_10k:
                bench_keys(config, config_10k, sizes, args.runs, report)
        if "idle" in parts:
            bench_idle(config, sizes, args.idle_seconds, report)
        if "edit" in parts:
            bench_edit_to_screen(args.edits, report)
        if "memory" in parts:
            bench_memory(config, args.walks, report)
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    print(f"\nsummary ({time.monotonic() - started:.0f} s; {when}):")
    for line in report.summary:
        print(line)
    return 0 if all("NOT MET" not in line for line in report.summary) else 1


if __name__ == "__main__":
    sys.exit(main())
