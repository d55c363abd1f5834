"""A Pi-class core on this machine: a cgroup v1 CPU quota at a millisecond grain, calibrated on the spot.

Why this shape (see /work/shared/notes/pi-class-cpu.md): a CFS quota simulates throughput, not a
slower core. With the default 100 ms period a keystroke's 5–20 ms burst runs at full speed inside the
period's allowance, so key-to-frame would look *faster* than uncapped. The quota is therefore the
minimum, 1000 µs, over a period of about FACTOR ms: every millisecond of work waits for its share, so
short bursts are slowed like long ones.

Calibration: a fixed pure-Python reference loop (`REFERENCE_LOOP`, integer arithmetic and a dict, no
I/O) is timed uncapped (its shortest CPU time: one unshared core of this machine) and inside the
cgroup (its median wall time: what a visitor waits), each several times. The period is then corrected once or
twice so the ratio comes close to the target factor, and the final ratio is what every figure is
printed beside; on a shared machine the load slows the capped process too, so the calibration is
re-checked before each part. The factors are the issue's, 6x for a Raspberry Pi Zero 2 W class core
and 2.5x for a Pi 4 class core (no published timings of such a loop on real Pis were found).

Invariants: the cgroup is a child of /sys/fs/cgroup/cpu named after this process; processes join it
from `preexec` (between fork and exec, so their imports are already capped) and are pinned to one CPU;
`close()` moves every remaining task back to the root cgroup before `rmdir`, so nothing is left behind.
Needs root and cgroup v1 with the `cpu` controller (as here); v2's `cpu.max` is used when that is what
is mounted.
"""

from __future__ import annotations

import contextlib
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

V1_ROOT = Path("/sys/fs/cgroup/cpu")
V2_ROOT = Path("/sys/fs/cgroup")
#: Target slow-down of the reference loop per class of Pi (the issue's factors).
FACTORS = {"zero2": 6.0, "pi4": 2.5}
QUOTA_US = 1000
#: The reference loop, run as `python -c`; prints its own wall time and CPU time in seconds (start-up
#: excluded).
REFERENCE_LOOP = """
import time
start, cpu = time.perf_counter(), time.process_time()
table = {}
total = 0
for i in range(150_000):
    total += (i * i) % 7
    table[i & 1023] = total
print(time.perf_counter() - start, time.process_time() - cpu)
"""


@dataclass
class Calibration:
    pi: str
    target: float
    ratio: float
    uncapped_ms: float
    capped_ms: float
    period_us: int

    def __str__(self) -> str:
        return (
            f"{self.pi} class: reference loop {self.capped_ms:.0f} ms capped / {self.uncapped_ms:.0f} ms"
            f" uncapped = {self.ratio:.1f}x (target {self.target:g}x; quota {QUOTA_US} us per"
            f" {self.period_us} us, one CPU)"
        )


class PiCore:
    """A cgroup with a millisecond-grain CPU quota; `preexec` puts a child process into it."""

    def __init__(self, pi: str) -> None:
        if pi not in FACTORS:
            raise ValueError(f"unknown Pi class {pi!r}; one of {', '.join(FACTORS)}")
        self.pi = pi
        self.target = FACTORS[pi]
        self.v1 = (V1_ROOT / "cpu.cfs_quota_us").exists()
        root = V1_ROOT if self.v1 else V2_ROOT
        self.path = root / f"innovatum-bench-pi-{os.getpid()}"
        self.cpu = min(os.sched_getaffinity(0))
        self.period_us = int(self.target * QUOTA_US)
        self.calibration: Calibration | None = None
        self.path.mkdir()
        self._set_period(self.period_us)

    def _set_period(self, period_us: int) -> None:
        self.period_us = max(QUOTA_US, min(1_000_000, period_us))
        if self.v1:
            # The quota must fit the period: set the period first when it grows, last when it shrinks.
            (self.path / "cpu.cfs_period_us").write_text(str(self.period_us))
            (self.path / "cpu.cfs_quota_us").write_text(str(QUOTA_US))
        else:
            (self.path / "cpu.max").write_text(f"{QUOTA_US} {self.period_us}")

    def preexec(self) -> None:
        """Run in the child between fork and exec: join the cgroup and stay on one CPU."""
        (self.path / "cgroup.procs").write_text(str(os.getpid()))
        os.sched_setaffinity(0, {self.cpu})

    def _reference(self, preexec: Callable[[], None] | None) -> tuple[float, float]:
        """(wall, CPU) seconds of the reference loop, in the cgroup with `self.preexec`."""
        output = subprocess.run(
            [sys.executable, "-c", REFERENCE_LOOP],
            check=True,
            capture_output=True,
            text=True,
            preexec_fn=preexec,
        ).stdout
        wall, cpu = output.split()
        return float(wall), float(cpu)

    def measure(self, runs: int = 5) -> tuple[float, float]:
        """(uncapped, capped) median seconds of the reference loop, interleaved so load drifts hit both.

        Uncapped is the loop's shortest CPU time: what one core of this machine takes when it is not
        shared (on a busy machine the wall time would measure the other engineers' load, and even
        the CPU time grows when a busy sibling thread shares the core's caches). Capped is the median
        wall time in the cgroup: what a visitor waits.
        """
        uncapped, capped = [], []
        for _ in range(runs):
            uncapped.append(self._reference(None)[1])
            capped.append(self._reference(self.preexec)[0])
        return min(uncapped), statistics.median(capped)

    def calibrate(self, rounds: int = 3, runs: int = 5) -> Calibration:
        """Correct the period until the loop's slow-down is within 10 % of the target (at most `rounds`)."""
        for round_ in range(rounds):
            uncapped, capped = self.measure(runs)
            ratio = capped / uncapped
            self.calibration = Calibration(
                self.pi, self.target, ratio, uncapped * 1000, capped * 1000, self.period_us
            )
            if abs(ratio - self.target) <= 0.1 * self.target or round_ == rounds - 1:
                break
            self._set_period(int(self.period_us * self.target / ratio))
        assert self.calibration is not None
        return self.calibration

    def check(self, runs: int = 3) -> Calibration:
        """Re-measure without changing the period (the machine's load moves during a long run)."""
        uncapped, capped = self.measure(runs)
        return Calibration(
            self.pi, self.target, capped / uncapped, uncapped * 1000, capped * 1000, self.period_us
        )

    def close(self) -> None:
        """Move any task left in the cgroup back to the root, then remove the cgroup."""
        if not self.path.exists():
            return
        parent_procs = self.path.parent / "cgroup.procs"
        for _ in range(50):
            pids = (self.path / "cgroup.procs").read_text().split()
            if not pids:
                break
            for pid in pids:
                with contextlib.suppress(OSError):
                    parent_procs.write_text(pid)
            time.sleep(0.02)
        with contextlib.suppress(OSError):
            self.path.rmdir()


@contextlib.contextmanager
def pi_core(pi: str | None) -> Iterator[PiCore | None]:
    """A calibrated `PiCore` for `pi` ("zero2", "pi4"), or None (uncapped) when `pi` is None."""
    if pi is None:
        yield None
        return
    core = PiCore(pi)
    try:
        core.calibrate()
        yield core
    finally:
        core.close()


def main() -> int:
    """Calibrate each class and print the result: `python bench/pi_core.py [zero2|pi4 ...]`."""
    for pi in sys.argv[1:] or list(FACTORS):
        with pi_core(pi) as core:
            assert core is not None
            print(core.calibration, f"(load average {os.getloadavg()[0]:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
