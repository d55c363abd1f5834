"""One `innovatum demo` per data directory: a second one would start a second broker on the same
admin database and share the kiosk replica with the first.

The lock is an advisory `flock` on `<data dir>/demo.lock`, held for the life of the process: the kernel
releases it when the process ends however it ends, so a crashed demo never leaves a stale lock. The file
holds the owner's pid, for the refusal message only.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO

from innovatum.errors import DemoError

LOCK_NAME = "demo.lock"


class DemoLock:
    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / LOCK_NAME
        self._file: IO[str] | None = None

    def acquire(self) -> DemoLock:
        """Take the lock, or raise a one-line DemoError naming the running demo."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle = self.path.open("a+", encoding="utf-8")
        except OSError as exc:
            raise DemoError(
                f"cannot use {self.path.parent} as the demo's data directory: {exc.strerror}"
            ) from None
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            owner = handle.read().strip()
            handle.close()
            who = f" (pid {owner})" if owner.isdigit() else ""
            raise DemoError(
                f"another innovatum demo is running on {self.path.parent}{who}; "
                "stop it first, or give this one its own --data-dir"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._file = handle
        return self

    def release(self) -> None:
        if self._file is not None:
            self._file.close()  # closing the descriptor drops the flock
            self._file = None
