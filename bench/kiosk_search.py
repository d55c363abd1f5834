"""Directory search, keystroke to result, over 10,000 tenants.

Budget (DESIGN.md): ≤ 20 ms per keystroke. Two measurements on the same replica:

1. the query path the directory calls on every keystroke (`Queries.search`, SQLite FTS5 plus the
   parsing of the matching records), for each step of a few realistic search sessions, repeated;
2. a keystroke in the real `KioskApp` under Pilot (`run_test`, headless): from the key event to the
   directory having updated its result list and count, and to the next frame rendered by the
   compositor (the escape-sequence output itself is not included: headless).

    /work/venv/bin/python bench/kiosk_search.py [--tenants 10000] [--repeat 10]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.kiosk_common import build_replica, load_average
from kiosk.replica.queries import Queries

BUDGET_MS = 20.0
#: What visitors type, one keystroke at a time (diacritics left out, as on a kiosk keyboard).
SEARCHES = ["hogskolan", "nordvik robotik", "trollhatte energi", "vatgas", "zzz"]


def prefixes(search: str) -> list[str]:
    return [search[: end + 1] for end in range(len(search))]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def bench_queries(database: Path, repeat: int) -> list[tuple[str, float, int]]:
    """(typed text, median ms, matches) for each step of a visitor's session, `repeat` sessions.

    A session is what the directory asks for: everything when it opens, each prefix as the visitor
    types, everything again when the box is cleared. Each session gets a fresh `Queries` (as a new
    directory visit after a content update would), so its per-revision result cache starts empty and
    only helps where a real session would hit it (clearing the box repeats the opening query).
    """
    steps = [(search, ["", *prefixes(search), ""]) for search in SEARCHES]
    samples: dict[tuple[int, int], list[float]] = {}
    totals: dict[tuple[int, int], int] = {}
    for _ in range(repeat):
        for number, (_search, session) in enumerate(steps):
            queries = Queries(database)
            try:
                for position, typed in enumerate(session):
                    start = time.perf_counter()
                    totals[number, position] = queries.search(typed).total
                    samples.setdefault((number, position), []).append((time.perf_counter() - start) * 1000)
            finally:
                queries.close()
    results = []
    for number, (_search, session) in enumerate(steps):
        for position, typed in enumerate(session):
            label = typed if typed or position else "(open)"
            results.append((label, statistics.median(samples[number, position]), totals[number, position]))
    return results


async def bench_pilot(database: Path) -> list[tuple[str, float, float, float, str]]:
    """(typed, ms to results updated, ms to frame rendered, CPU ms, result count shown) per keystroke.

    The app runs under `run_test` (headless, Pilot). Each key is injected the way `Pilot.press` does
    it (a Key event through the driver), but timed without Pilot's idle detection, which sleeps in
    20 ms steps: the clock stops when the directory has handled the change (its `search_text` is the
    typed text) and again after the screen's next update (layout and compositor render) is forced.
    """
    from textual import events
    from textual.widgets import Input, Label

    from kiosk.ui.app import KioskApp
    from kiosk.ui.screens.directory import DirectoryScreen

    app = KioskApp(database, kiosk_id="bench", attract_cycle=0)
    timings = []
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        await app.action_search()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DirectoryScreen)
        driver = app._driver
        assert driver is not None
        for search in SEARCHES:
            typed = ""
            for char in search:
                typed += char
                key = events.Key("space" if char == " " else char, char)
                key.set_sender(app)
                start, start_cpu = time.perf_counter(), time.process_time()
                driver.send_message(key)
                deadline = start + 5
                while not (screen.query_one("#search", Input).value == typed and screen.search_text == typed):
                    if time.perf_counter() > deadline:
                        raise RuntimeError(f"the directory did not show results for {typed!r}")
                    await asyncio.sleep(0)
                handled = time.perf_counter()
                for _ in range(3):
                    await asyncio.sleep(0)  # let the refresh messages the change posted arrive
                screen._on_timer_update()
                rendered, cpu = time.perf_counter(), time.process_time() - start_cpu
                count = str(screen.query_one("#result-count", Label).render())
                timings.append(
                    (typed, (handled - start) * 1000, (rendered - start) * 1000, cpu * 1000, count)
                )
            await pilot.press(*["backspace"] * len(search))
            await pilot.pause()
    return timings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-") as tmp:
        database = Path(tmp) / "replica.db"
        build_replica(database, tenants=args.tenants, events=0, logos=0)
        query_results = bench_queries(database, args.repeat)
        print(f"directory search over {args.tenants} tenants ({load_average()}):")
        print(f"  query path (Queries.search), median of {args.repeat} sessions per step:")
        for typed, median, total in query_results:
            print(f"    {typed!r:22} {median:7.2f} ms  {total:6d} matches")
        query_ms = [median for _typed, median, _total in query_results]
        typing_ms = [median for typed, median, _total in query_results if typed and typed != "(open)"]
        opening_ms = [median for typed, median, _total in query_results if typed == "(open)"]
        print(
            f"  query path: typing median {statistics.median(typing_ms):.2f} ms,"
            f" worst keystroke {max(typing_ms):.2f} ms; opening the directory (all listings)"
            f" {statistics.median(opening_ms):.2f} ms; slowest step {max(query_ms):.2f} ms"
        )
        sys.stdout.flush()
        pilot_results = asyncio.run(bench_pilot(database))

    handled_ms = [result[1] for result in pilot_results]
    rendered_ms = [result[2] for result in pilot_results]
    cpu_ms = [result[3] for result in pilot_results]
    print("  keystroke in the running app (KioskApp under Pilot, 160x45): results updated / frame / CPU")
    for typed, handled, rendered, cpu, count in pilot_results:
        print(f"    {typed!r:22} {handled:7.2f} ms {rendered:7.2f} ms {cpu:7.2f} ms  {count}")
    print(
        f"  app: results updated median {statistics.median(handled_ms):.2f} ms;"
        f" frame rendered median {statistics.median(rendered_ms):.2f} ms,"
        f" p90 {percentile(rendered_ms, 0.9):.2f} ms, worst {max(rendered_ms):.2f} ms;"
        f" CPU median {statistics.median(cpu_ms):.2f} ms, p90 {percentile(cpu_ms, 0.9):.2f} ms"
    )
    worst = max(max(typing_ms), percentile(rendered_ms, 0.9))
    verdict = "ok" if worst <= BUDGET_MS else "OVER BUDGET"
    print(
        "  verdict on the worst typing keystroke of the query path and the app's p90 keystroke to frame"
        f" ({worst:.2f} ms, budget {BUDGET_MS:.0f} ms): {verdict}"
    )
    return 0 if worst <= BUDGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
