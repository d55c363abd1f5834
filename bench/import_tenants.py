"""Benchmark: `innovatum-admin tenant import` of a generated 10,000-row CSV, as an operator runs it.

    /work/venv/bin/python bench/import_tenants.py [--rows 10000] [--runs 3]

Each run uses a fresh database (`init` first, not timed), then times the whole `tenant import` process
(interpreter start, parsing, validation, one transaction with 10,000 revisions' worth of outbox rows
folded into one revision, audit). A second, timed import of the same file shows the no-change path.
"""

from __future__ import annotations

import argparse
import csv
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CATEGORIES = ("Robotik", "Energi", "Mjukvara", "Design", "Medicinteknik", "Material")


def write_csv(path: Path, rows: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "slug",
                "name",
                "website",
                "floor",
                "room",
                "category",
                "description-sv",
                "description-en",
                "hiring",
            ]
        )
        for i in range(rows):
            writer.writerow(
                [
                    f"tenant-{i:05d}",
                    f"Företag {i} AB",
                    f"https://tenant-{i}.example.com",
                    i % 4,
                    f"B{i % 400:03d}",
                    category := CATEGORIES[i % len(CATEGORIES)],
                    f"Fiktivt företag nummer {i}, som gör något med {category.lower()}.",
                    f"Fictional company number {i}.",
                    "yes" if i % 7 == 0 else "no",
                ]
            )


def admin(db: Path, *args: str) -> float:
    script = Path(sys.executable).with_name("innovatum-admin")
    if not script.exists():
        raise SystemExit(f"{script} not found: install the project first (pip install -e .)")
    command = [str(script)]
    began = time.perf_counter()
    done = subprocess.run([*command, "--db", str(db), *args], capture_output=True, text=True)
    elapsed = time.perf_counter() - began
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed: {done.stderr.strip()}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "tenants.csv"
        write_csv(source, options.rows)
        first, again = [], []
        for run in range(options.runs):
            db = Path(tmp) / f"run{run}.db"
            admin(db, "init")
            first.append(admin(db, "tenant", "import", str(source), "--no-progress"))
            again.append(admin(db, "tenant", "import", str(source), "--no-progress"))
        print(f"machine: {platform.machine()}, Python {platform.python_version()}, {platform.system()}")
        print(f"rows: {options.rows}, file: {source.stat().st_size // 1024} KiB, runs: {options.runs}")
        print(
            f"tenant import (new database): median {statistics.median(first):.2f} s, "
            f"min {min(first):.2f} s, max {max(first):.2f} s"
        )
        print(f"tenant import again (no change): median {statistics.median(again):.2f} s")


if __name__ == "__main__":
    main()
