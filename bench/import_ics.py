"""Benchmark: import a 10,000-event iCalendar feed into a fresh admin database (budget: 10 s).

    /work/venv/bin/python bench/import_ics.py [--events 10000] [--recurring 0.1]

The feed looks like a busy science-center calendar: single events spread over the 60-day window in
Europe/Stockholm time with Outlook-style folded descriptions, plus a share of weekly series (each
contributes its occurrences, counted in --events). It is imported through the same code path as
`innovatum-admin event import-ics`, with the rich progress bar on stderr, then imported again (the
"nothing changed" path every poll of an unchanged feed takes). Prints one Markdown table row per run.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from admin.calendars.expand import DEFAULT_DAYS, Window
from admin.calendars.importer import import_text
from admin.store.db import connect
from broker.times import now

HEADER = """BEGIN:VCALENDAR
PRODID:-//Innovatum bench//EN
VERSION:2.0
CALSCALE:GREGORIAN
X-WR-TIMEZONE:Europe/Stockholm
"""


def _event(uid: str, start: date, hour: int, title: str, rule: str = "") -> str:
    day = start.strftime("%Y%m%d")
    return (
        "BEGIN:VEVENT\r\n"
        f"UID:{uid}\r\n"
        "DTSTAMP:20260101T000000Z\r\n"
        f"DTSTART;TZID=Europe/Stockholm:{day}T{hour:02d}0000\r\n"
        f"DTEND;TZID=Europe/Stockholm:{day}T{hour + 1:02d}0000\r\n"
        + (f"RRULE:{rule}\r\n" if rule else "")
        + f"SUMMARY:{title}\r\n"
        "DESCRIPTION:Ett evenemang på Innovatum Science Center i Trollhättan. Passar hela familjen\r\n"
        " \\, fri entré med årskort.\r\n"
        "LOCATION:Innovatum\\, Nohabgatan 18\\, Trollhättan\r\n"
        "STATUS:CONFIRMED\r\n"
        "END:VEVENT\r\n"
    )


def make_feed(events: int, recurring_share: float, today: date, seed: int = 7) -> str:
    """`events` occurrences inside the window: weekly series of 8 (one per week) plus single events."""
    rng = random.Random(seed)
    series = int(events * recurring_share) // 8
    parts = [HEADER.replace("\n", "\r\n")]
    for n in range(series):
        first = today + timedelta(days=rng.randrange(0, 7))
        parts.append(_event(f"series-{n}@bench", first, 9 + n % 9, f"Veckoshow {n}", "FREQ=WEEKLY;COUNT=8"))
    for n in range(events - series * 8):
        start = today + timedelta(days=rng.randrange(0, DEFAULT_DAYS - 1))
        parts.append(_event(f"single-{n}@bench", start, 8 + rng.randrange(0, 12), f"Evenemang nummer {n}"))
    parts.append("END:VCALENDAR\r\n")
    return "".join(parts)


def run(events: int, recurring_share: float) -> tuple[list[tuple[float, float]], int]:
    today = now().date()
    text = make_feed(events, recurring_share, today)
    with tempfile.TemporaryDirectory() as tmp:
        db = connect(Path(tmp) / "admin.db", create=True)
        console = Console(stderr=True)
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        timings: list[tuple[float, float]] = []  # (wall, CPU) seconds
        count = 0
        for attempt in ("first import", "re-import"):
            with Progress(*columns, console=console) as bar:
                task = bar.add_task(attempt, total=None)

                def advance(
                    phase: str, done: int, total: int, task: TaskID = task, bar: Progress = bar
                ) -> None:
                    bar.update(task, description=f"{phase}", completed=done, total=total)

                started, cpu = time.perf_counter(), time.process_time()
                report = import_text(
                    db,
                    "bench",
                    text,
                    kind="events",
                    source="bench",
                    window=Window.ahead(today),
                    progress=advance,
                )
                timings.append((time.perf_counter() - started, time.process_time() - cpu))
            wall, used = timings[-1]
            console.print(f"{attempt}: {report.summary()} in {wall:.2f} s ({used:.2f} s CPU)")
            count = report.added or report.unchanged
        db.close()
    return timings, count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument(
        "--recurring", type=float, default=0.1, help="share of occurrences from weekly series"
    )
    args = parser.parse_args()
    (first, first_cpu), (again, again_cpu) = run(args.events, args.recurring)[0]
    print("| occurrences | first import (CPU) | re-import, unchanged (CPU) | budget |")
    print("| --- | --- | --- | --- |")
    row = [f"{args.events:,}", f"{first:.2f} s ({first_cpu:.2f} s)", f"{again:.2f} s ({again_cpu:.2f} s)"]
    print("| " + " | ".join(row) + " | ≤ 10 s |")
    return 0 if first <= 10 else 1


if __name__ == "__main__":
    sys.exit(main())
