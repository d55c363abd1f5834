"""Shared pieces of the calendar tests: feeds rendered relative to today, a real admin database file,
the CLI, a full dump, and a local HTTP server that plays a calendar host.

The fixture feeds in tests/admin/calendars/feeds/ write dates as {{D+N}} (today plus N days, YYYYMMDD), so
the same feed always lies inside the import window and the tests do not rot.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from time import sleep

import pytest

from broker.times import STOCKHOLM, now, to_iso

# The same real CLI runner and database checks as the admin tests, re-exported for the calendar tests.
from tests.admin.conftest import dump as dump
from tests.admin.conftest import ok as ok
from tests.admin.conftest import run_cli as run_cli

FEEDS = Path(__file__).parent / "feeds"
ROOM = "nohab"


def today() -> date:
    return now().date()


def render(template: str, on: date | None = None) -> str:
    """Replace {{D+N}} / {{D-N}} with the date N days from `on` (default: today in Stockholm)."""
    base = on or today()
    return re.sub(
        r"\{\{D([+-]\d+)\}\}",
        lambda m: (base + timedelta(days=int(m.group(1)))).strftime("%Y%m%d"),
        template,
    )


def feed(name: str, on: date | None = None) -> str:
    return render((FEEDS / name).read_text(encoding="utf-8"), on)


def without(text: str, uid: str) -> str:
    """The feed without every VEVENT of this UID (a series and its overrides)."""
    while f"UID:{uid}" in text:
        at = text.index(f"UID:{uid}")
        start, end = text.rindex("BEGIN:VEVENT", 0, at), text.index("END:VEVENT", at) + len("END:VEVENT\n")
        text = text[:start] + text[end:]
    return text


def day(offset: int, on: date | None = None) -> str:
    """The ISO date `offset` days from today, as stored times begin (2026-12-01)."""
    return ((on or today()) + timedelta(days=offset)).isoformat()


def local(offset: int, clock: str) -> str:
    """How a Stockholm wall-clock time `offset` days from today is stored (its offset depends on DST)."""
    return to_iso(datetime.combine(today() + timedelta(days=offset), time.fromisoformat(clock), STOCKHOLM))


def from_utc(offset: int, clock: str) -> str:
    """How a UTC time `offset` days from today is stored: in Stockholm time."""
    return to_iso(datetime.combine(today() + timedelta(days=offset), time.fromisoformat(clock), UTC))


def query(db_path: Path, sql: str, *params: object) -> list[sqlite3.Row]:
    conn = sqlite3.connect(db_path)
    conn.row_factory = sqlite3.Row
    try:
        return list(conn.execute(sql, params))
    finally:
        conn.close()


def revision(db_path: Path) -> int:
    return int(query(db_path, "SELECT COALESCE(MAX(rev), 0) AS rev FROM revisions")[0]["rev"])


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A real admin database with one project-arena room, `nohab`."""
    path = tmp_path / "admin.db"
    ok(run_cli(path, "init"))
    ok(run_cli(path, "room", "add", ROOM, "--name", "Sal Nohab"))
    return path


# --- a calendar host on localhost ----------------------------------------------------------------------


@dataclass
class Response:
    body: bytes
    content_type: str = "text/calendar; charset=utf-8"
    status: int = 200
    etag: str | None = None
    last_modified: str | None = None
    delay: float = 0.0  # seconds before answering: a server that hangs
    drip: float = 0.0  # seconds between bytes of the body: a server that never quite finishes
    declared_length: int | None = None  # a Content-Length that is not the body's: a cut connection


@dataclass
class FeedServer:
    """Serves one Response per path and records each request's conditional headers."""

    url: str
    responses: dict[str, Response] = field(default_factory=dict)
    requests: list[tuple[str, str | None, str | None]] = field(default_factory=list)

    def serve(self, path: str, response: Response) -> str:
        self.responses[path] = response
        return self.url + path


def _handler(server: FeedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            server.requests.append(
                (self.path, self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since"))
            )
            response = server.responses.get(self.path)
            if response is None:
                self.send_error(404, "Not Found")
                return
            if response.delay:
                sleep(response.delay)
            if response.etag and self.headers.get("If-None-Match") == response.etag:
                self.send_response(304)
                self.send_header("ETag", response.etag)
                self.end_headers()
                return
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(response.declared_length or len(response.body)))
            if response.etag:
                self.send_header("ETag", response.etag)
            if response.last_modified:
                self.send_header("Last-Modified", response.last_modified)
            self.end_headers()
            with suppress(BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout test)
                if not response.drip:
                    self.wfile.write(response.body)
                for index in range(len(response.body) if response.drip else 0):
                    self.wfile.write(response.body[index : index + 1])
                    self.wfile.flush()
                    sleep(response.drip)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    state = FeedServer(url="")
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    httpd.daemon_threads = True
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, name="feed-server", daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
