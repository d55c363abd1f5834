"""Shared set-up for the kiosk benchmarks: a filled replica, a config, a broker, a kiosk under a pty.

The replica is written with the replica's own store (`ReplicaStore.write_records`, the same code the
sync client commits with, search index included), not through the broker: these benchmarks measure
the screen, not the sync. The kiosk runs as the real `innovatum-kiosk --config FILE` in a
pseudo-terminal of a given size, so start-up, imports, the sync client's thread and the terminal
output are all part of what is measured. A private Mosquitto (anonymous, on a free port) gives the
sync client something to connect to, so the kiosk idles "online" as in a lobby.
"""

from __future__ import annotations

import base64
import contextlib
import io
import os
import pty
import random
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from fcntl import ioctl
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from PIL import Image, ImageDraw

from broker.keys import public_key_b64
from broker.times import now, to_iso
from kiosk.replica.store import ReplicaStore, Row

VENV_BIN = Path(sys.executable).parent
KIOSK_COMMAND = str(VENV_BIN / "innovatum-kiosk")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

_PREFIXES = [
    "Nordvik", "Älvdal", "Göta", "Trollhätte", "Vänerns", "Skräddar", "Hunnebergs", "Åkerssjö",
    "Halle", "Innovatum", "Saab-gatans", "Nohab", "Stallbacka", "Öresjö", "Kronogårds", "Lextorps",
]  # fmt: skip
_TRADES = [
    "Robotik", "Energi", "Data", "Design", "Bioteknik", "Fordon", "Media", "Logistik", "Vätgas",
    "Akustik", "Sensorer", "Material", "Spel", "Hälsa", "Drönare", "Batteri",
]  # fmt: skip
_CATEGORIES = ["Mjukvara", "Energi", "Tillverkning", "Design", "Hälsa", "Fordon", "Media", "Tjänster"]


def _logo_png(seed: int) -> bytes:
    rng = random.Random(seed)
    picture = Image.new("RGBA", (96, 48), (0, 0, 0, 0))
    draw = ImageDraw.Draw(picture)
    colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256), 255)
    draw.ellipse((4, 4, 44, 44), fill=colour)
    draw.rectangle((50, 14, 92, 34), fill=colour[::-1])
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    return buffer.getvalue()


def tenant_data(number: int) -> dict[str, Any]:
    rng = random.Random(number)
    name = f"{rng.choice(_PREFIXES)} {rng.choice(_TRADES)} {number} AB"
    slug = f"foretag-{number:05d}"
    return {
        "slug": slug,
        "name": name,
        "description_sv": f"{name} är ett fiktivt demoföretag i Innovatums inkubator. " * 3,
        "description_en": f"{name} is a fictional demo company in the Innovatum incubator. " * 3,
        "category": _CATEGORIES[number % len(_CATEGORIES)],
        "tags": ["demo", _TRADES[number % len(_TRADES)].lower()],
        "floor": 1 + number % 4,
        "room": f"{1 + number % 4}{number % 40:02d}",
        "website": f"https://example.se/{slug}",
        "contact": f"hej@{slug}.example.se",
        "hiring": number % 7 == 0,
        "hiring_url": f"https://example.se/{slug}/jobb" if number % 7 == 0 else "",
        "has_logo": True,
        "visible": True,
        "demo": True,
    }


def event_data(number: int, base: datetime, days: int) -> dict[str, Any]:
    rng = random.Random(10_000 + number)
    day = base + timedelta(days=number % days)
    start = day.replace(hour=8 + rng.randrange(12), minute=rng.choice((0, 15, 30, 45)))
    return {
        "id": number,
        "title_sv": f"Evenemang {number}: {rng.choice(_TRADES)} för alla",
        "title_en": f"Event {number}: {rng.choice(_TRADES)} for everyone",
        "description_sv": "Ett fiktivt evenemang på Innovatum Science Center. " * 3,
        "description_en": "A fictional event at Innovatum Science Center. " * 3,
        "start": to_iso(start),
        "end": to_iso(start + timedelta(hours=1 + rng.randrange(3))),
        "all_day": False,
        "place": "Innovatum Science Center",
        "audience": "Alla",
        "registration_url": f"https://example.se/evenemang/{number}/anmalan",
        "capacity": 30,
        "full": number % 11 == 0,
    }


def demo_building_records(kiosk_id: str) -> list[tuple[str, str, dict[str, Any]]]:
    """The demo's floor plans (assets/demo/building.json) as replica records, with `kiosk_id` standing
    where the demo kiosk does."""
    from admin.content.demo_building import read  # only the benchmarks that load plans need it
    from assets import ASSETS

    building = read(ASSETS / "demo")
    records: list[tuple[str, str, dict[str, Any]]] = []
    records += [("floor", str(f.level), f.record()) for f in building.floors.values()]
    records += [("plan_room", r.room, r.record()) for r in building.rooms.values()]
    records += [("connector", c.id, c.record()) for c in building.connectors.values()]
    spot = next(iter(building.kiosks.values())).record()
    records.append(("kiosk_spot", kiosk_id, {**spot, "kiosk": kiosk_id}))
    return records


def build_replica(
    path: Path, *, tenants: int, events: int, logos: int | None = None, plans: bool = True
) -> None:
    """A replica with `tenants` tenants (the first `logos` with a PNG logo), `events` events spread
    over 90 days around today, 6 rooms with today's bookings, the partners and one announcement; with
    `plans`, the demo's floor plans too, the kiosk placed on them and the tenants in their rooms."""
    logos = tenants if logos is None else logos
    building = demo_building_records(KIOSK_ID) if plans else []
    placed = [data for kind, _key, data in building if kind == "plan_room"]
    today = now().replace(hour=0, minute=0, second=0, microsecond=0)
    rows: list[Row] = []
    rev = 0

    def add(kind: str, key: str, data: dict[str, Any]) -> None:
        nonlocal rev
        rev += 1
        rows.append(Row(kind, key, rev, data))

    for number in range(tenants):
        data = tenant_data(number)
        data["has_logo"] = number < logos
        if placed:
            room = placed[number % len(placed)]
            data["room"], data["floor"] = room["room"], room["level"]
        add("tenant", data["slug"], data)
        if number < logos:
            png = _logo_png(number)
            add("logo", f"tenant:{data['slug']}", {"data": base64.b64encode(png).decode("ascii")})
    for number in range(1, events + 1):
        add("event", str(number), event_data(number, today - timedelta(days=30), 90))
    for number, partner in enumerate(["Almi", "Drivhuset", "Nyföretagarcentrum", "Högskolan Väst"]):
        slug = f"partner-{number}"
        add("partner", slug, {"slug": slug, "name": partner, "kind": "partner", "visible": True})
    for number in range(6):
        slug = f"rum-{number}"
        add("room", slug, {"slug": slug, "name": f"Rum {number}", "floor": 1 + number % 3, "capacity": 12})
        for hour in range(8, 18, 2):
            start = today.replace(hour=hour)
            booking = {
                "id": number * 100 + hour,
                "room": slug,
                "start": to_iso(start),
                "end": to_iso(start + timedelta(minutes=90)),
                "private": False,
                "title": f"Möte {hour}",
            }
            add("booking", str(booking["id"]), booking)
    add(
        "announcement",
        "1",
        {
            "id": 1,
            "text_sv": "Välkommen till Innovatum!",
            "text_en": "Welcome to Innovatum!",
            "priority": "info",
            "start": to_iso(today),
            "until": to_iso(today + timedelta(days=2)),
            "target": "all",
        },
    )
    for kind, key, data in building:
        add(kind, key, data)
    store = ReplicaStore(path)
    try:
        with store.transaction():
            store.write_records(rows)
    finally:
        store.close()


#: The benchmark kiosk's id (its config, and its spot on the demo's plans).
KIOSK_ID = "bench-1"


def write_config(directory: Path, database: Path, broker_port: int) -> Path:
    key = public_key_b64(Ed25519PrivateKey.generate().public_key())
    path = directory / "kiosk.toml"
    path.write_text(
        f"""[kiosk]
id = "{KIOSK_ID}"
group = "lobby"
location = "Benchmark"
database = "{database}"
language = "sv"
idle_timeout = 90

[broker]
url = "mqtt://127.0.0.1:{broker_port}"
username = "kiosk-{KIOSK_ID}"
password = "bench"

[trust]
admin_public_key = "{key}"
""",
        encoding="utf-8",
    )
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def local_broker(directory: Path) -> Iterator[int]:
    """A private anonymous Mosquitto on a free port (never 1883), stopped by its PID afterwards.

    Yields the port. Without a mosquitto binary, yields a closed port: the kiosk then idles offline,
    retrying, which the reports say.
    """
    port = free_port()
    binary = shutil.which("mosquitto") or (
        "/usr/sbin/mosquitto" if Path("/usr/sbin/mosquitto").exists() else None
    )
    if binary is None:
        print("note: no mosquitto binary; the kiosk runs offline", file=sys.stderr)
        yield port
        return
    conf = directory / "mosquitto.conf"
    conf.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n", encoding="utf-8")
    process = subprocess.Popen(
        [binary, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
            time.sleep(0.05)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def kiosk_site(tenants: int, events: int, logos: int | None = None, *, plans: bool = True) -> Iterator[Path]:
    """A filled replica, a private broker and a kiosk config for them; yields the config's path."""
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-") as tmp:
        directory = Path(tmp)
        database = directory / "replica.db"
        build_replica(database, tenants=tenants, events=events, logos=logos, plans=plans)
        with local_broker(directory) as port:
            yield write_config(directory, database, port)


@contextlib.contextmanager
def running_kiosk(
    config: Path | None,
    columns: int = 160,
    rows: int = 45,
    *,
    command: list[str] | None = None,
    preexec: Callable[[], None] | None = None,
) -> Iterator[KioskProcess]:
    """A kiosk (or `command`) started in a pseudo-terminal, yielded once its first frame is on it."""
    kiosk = KioskProcess(config, columns, rows, marker=FIRST_FRAME_MARKER, command=command, preexec=preexec)
    try:
        kiosk.wait_for_marker(timeout=30)
        yield kiosk
    finally:
        kiosk.stop()


class KioskProcess:
    """`innovatum-kiosk --config FILE` in a pseudo-terminal of `columns` x `rows`, output drained."""

    def __init__(
        self,
        config: Path | None,
        columns: int = 160,
        rows: int = 45,
        marker: bytes = b"",
        *,
        command: list[str] | None = None,
        preexec: Callable[[], None] | None = None,
    ) -> None:
        """`command` replaces the kiosk (a floor app, say); `preexec` runs in the child before exec
        (bench/pi_core.py puts the process into a Pi-class cgroup there, imports included)."""
        self.marker = marker
        self.output = bytearray()
        #: (perf_counter, len(output)) after each read: when each part of a frame arrived.
        self.chunks: list[tuple[float, int]] = []
        self.marker_seen_at: float | None = None
        self.cpu_at_marker: float | None = None
        self._master, slave = pty.openpty()
        ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        env = {
            **os.environ,
            "TERM": "xterm-256color",
            "COLORTERM": "truecolor",
            "COLUMNS": str(columns),
            "LINES": str(rows),
        }
        env.pop("TEXTUAL", None)  # no devtools
        self.started_at = time.perf_counter()
        if command is None:
            assert config is not None
            command = [KIOSK_COMMAND, "--config", str(config)]
        self.process = subprocess.Popen(
            command,
            preexec_fn=preexec,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            start_new_session=True,
            close_fds=True,
        )
        os.close(slave)
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def master_fd(self) -> int:
        """Write here to type on the kiosk's keyboard."""
        return self._master

    def _drain(self) -> None:
        """Read the terminal as a terminal would; a full pty would block the kiosk's writes."""
        while True:
            try:
                chunk = os.read(self._master, 65536)
            except OSError:
                return
            if not chunk:
                return
            self.output += chunk
            self.chunks.append((time.perf_counter(), len(self.output)))
            if self.marker_seen_at is None and self.marker and self.marker in self.output:
                self.marker_seen_at = time.perf_counter()
                with contextlib.suppress(OSError, RuntimeError):
                    self.cpu_at_marker = self.cpu_seconds()

    def wait_for_marker(self, timeout: float) -> float:
        """Seconds from spawning the process until `marker` appeared in its terminal output."""
        deadline = time.monotonic() + timeout
        while self.marker_seen_at is None:
            if time.monotonic() > deadline or self.process.poll() is not None:
                tail = bytes(self.output[-2000:]).decode("utf-8", "replace")
                raise RuntimeError(
                    f"no first frame within {timeout} s (exit {self.process.poll()}): {tail!r}"
                )
            time.sleep(0.005)
        return self.marker_seen_at - self.started_at

    def rss_kib(self) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise RuntimeError("no VmRSS")

    def cpu_seconds(self) -> float:
        """User + system CPU of the whole process (all its threads), from /proc/<pid>/stat."""
        stat = Path(f"/proc/{self.pid}/stat").read_text()
        fields = stat[stat.rindex(")") + 2 :].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime (fields 14, 15)

    def cpu_precise(self) -> float:
        """CPU seconds of all the process's threads to the nanosecond (/proc/<pid>/task/*/schedstat):
        the clock-tick figure of `cpu_seconds` is too coarse for one panel change or one key."""
        total = 0
        for task in Path(f"/proc/{self.pid}/task").iterdir():
            with contextlib.suppress(OSError):
                total += int((task / "schedstat").read_text().split()[0])
        return total / 1e9

    def key_to_frame(self, key: bytes, idle: float = 0.15, timeout: float = 30.0) -> float:
        """Milliseconds from writing `key` to the terminal until the last byte of the frames it caused.

        A key may be answered with several frames (the search field's echo, then the results; a new
        screen painted more than once), with pauses between them while the process computes, longer
        on a capped core. So the answer is complete when the process has gone idle: less than 0.5 ms
        of CPU (all threads) in `idle` seconds after some output arrived. The time is that of the last
        byte before the idle stretch, the finished screen as a visitor sees it; a cursor blink or a
        clock tick after the process went idle is not part of the answer.
        """
        before = len(self.output)
        samples: list[tuple[float, float]] = []
        start = time.perf_counter()
        os.write(self._master, key)
        deadline = start + timeout
        while True:
            time.sleep(0.01)
            now = time.perf_counter()
            samples.append((now, self.cpu_precise()))
            if now > deadline:
                raise RuntimeError(f"no frame within {timeout} s after {key!r}")
            if len(self.output) <= before or now - start < idle:
                continue
            window = [cpu for at, cpu in samples if at >= now - idle]
            if window[-1] - window[0] < 0.0005:
                went_idle = now - idle
                answered = [at for at, length in self.chunks if length > before and at <= went_idle]
                if answered:
                    return (answered[-1] - start) * 1000

    def stop(self) -> None:
        if self.process.poll() is None:
            os.kill(self.pid, signal.SIGTERM)
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                os.kill(self.pid, signal.SIGKILL)
                self.process.wait()
        with contextlib.suppress(OSError):
            os.close(self._master)
        self._reader.join(2)


#: The nav bar's brand, in every frame of every screen and language: its arrival marks the first frame.
FIRST_FRAME_MARKER = b"INNOVATUM"


def load_average() -> str:
    """The machine's 1-minute load and core count: wall-clock figures mean little on a busy machine."""
    return f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores"
