"""A synced installation (real Mosquitto, `innovatum-admin serve`, demo data) and `innovatum-kiosk web`
started as a subprocess against it, exactly as staff would run it."""

from __future__ import annotations

import contextlib
import queue
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from admin.store import db as store_db
from tests.kiosk.sync.conftest import BIN, Site
from tests.mosquitto import free_port


@pytest.fixture(scope="module")
def web_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Site, Path]]:
    """Demo content, the admin daemon, and the config of a kiosk `web-1` (its replica not yet synced)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv(store_db.ENV_VAR, raising=False)
        site = Site(tmp_path_factory.mktemp("web"))
        try:
            site.admin("demo-data")
            site.serve()
            config = site.add_kiosk("web-1")
            yield site, config
        finally:
            site.close()


def children_of(pid: int) -> set[int]:
    """The processes whose parent is `pid` (Linux /proc)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                found.add(int(stat.parent.name))
    return found


class WebKiosk:
    """`innovatum-kiosk web` in a subprocess; `banner` is what it printed once listening."""

    def __init__(self, config: Path, log: Path, *args: str, host: str = "127.0.0.1") -> None:
        self.port = free_port()
        self.log = log
        with log.open("ab") as err:
            self.process = subprocess.Popen(
                [
                    *(str(BIN / "innovatum-kiosk"), "web", "--config", str(config)),
                    *("--host", host, "--port", str(self.port), *args),
                ],
                stdout=subprocess.PIPE,
                stderr=err,
                text=True,
            )
        self._lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()
        self.banner: list[str] = []
        deadline = time.monotonic() + 60
        while not any(line.startswith("At most") for line in self.banner):
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.stop()
                raise AssertionError(
                    f"web kiosk did not start: {self.banner}\n{log.read_text(errors='replace')}"
                )
            with contextlib.suppress(queue.Empty):
                self.banner.append(self._lines.get(timeout=0.5))

    def _pump(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(line.rstrip("\n"))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()


@pytest.fixture
def web_kiosk(web_site: tuple[Site, Path], tmp_path: Path) -> Iterator[WebKiosk]:
    _site, config = web_site
    server = WebKiosk(config, tmp_path / "web.log")
    try:
        yield server
    finally:
        server.stop()
