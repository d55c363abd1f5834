"""`innovatum-kiosk web`: the real kiosk app in a browser, through textual-serve.

textual-serve's pieces do the terminal work: its `AppService` runs one session process per browser
connection (`python -m kiosk web-session`, Textual's web driver on its stdin/stdout) and its
static files are the browser side (xterm.js in textual.js, the Roboto Mono font). Its `Server` class
is not used, for three reasons: its page loads the font from Google Fonts (a lobby LAN often has no
internet), it builds the websocket URL from the bind address (useless from another computer when
bound to 0.0.0.0), and it has neither access control nor a session limit. This module is that server
with those fixed:

- Everything the page loads is served from here (assets/web/index.html, textual-serve's static/).
- Bound to loopback unless --host says otherwise. Any other host needs the token printed at start:
  `/?token=...` for the page, `/ws/<token>` for its websocket (textual.js appends its own query to the
  websocket URL); static files are public library code. A websocket from another origin is
  refused, so a web page in the same browser cannot drive the kiosk.
- Without a token (loopback) the Host header must name loopback too, against DNS rebinding.
- At most `max_sessions` sessions at once (each one is a Textual process, 50 - 80 MB); one more
  browser gets a page saying so (HTTP 503), not a half-started session.
- The sessions share the server's one sync client through `kiosk.web.hub`.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import html
import ipaddress
import logging
import shlex
import signal
import socket
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import textual_serve
from aiohttp import WSMsgType, web
from textual_serve.app_service import AppService
from textual_serve.download_manager import DownloadManager

from assets import ASSETS
from kiosk.web import DEFAULT_MAX_SESSIONS
from kiosk.web.hub import SyncHub

log = logging.getLogger(__name__)

TEMPLATE = ASSETS / "web" / "index.html"
STATIC = Path(textual_serve.__file__).resolve().parent / "static"
SESSION_STOP_SECONDS = 10.0
MAX_CELLS = 1000  # a terminal wider or taller than this is a bad resize message, not a screen


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _cells(value: object, default: int) -> int:
    try:
        number = int(str(value))
    except ValueError:
        return default
    return max(1, min(MAX_CELLS, number))


class _Session(AppService):
    """textual-serve's session, closing the browser's websocket when the app process ends for any
    reason (it only does on a clean exit): the page then says "Session ended" and offers a restart,
    instead of a blank page that waits for ever on a session that failed to start."""

    async def run(self) -> None:
        await super().run()
        await self.remote_close()


class KioskWebServer:
    def __init__(
        self,
        session_command: Callable[[Path], list[str]],
        hub: SyncHub,
        *,
        token: str | None,
        max_sessions: int = DEFAULT_MAX_SESSIONS,
        title: str = "Innovatum",
    ) -> None:
        self._session_command = session_command
        self.hub = hub
        self.token = token
        self.max_sessions = max_sessions
        self.title = title
        self.sessions = 0
        self._services: set[_Session] = set()
        self._downloads = DownloadManager()  # required by AppService; the kiosk never offers a file
        self._template = TEMPLATE.read_text(encoding="utf-8")

    def application(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/", self._index)
        app.router.add_get("/ws", self._websocket)
        # textual.js appends "?width=..&height=.." to the websocket URL, so its token goes in the path.
        app.router.add_get("/ws/{token}", self._websocket)
        app.router.add_static("/static", STATIC)
        app.on_shutdown.append(self._end_sessions)
        return app

    async def _end_sessions(self, app: web.Application) -> None:
        # Each session is asked to quit; one that hangs is left to die of its closed stdin at our exit.
        stopping = asyncio.gather(
            *(service.stop() for service in list(self._services)), return_exceptions=True
        )
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping, SESSION_STOP_SECONDS)

    # --- access ------------------------------------------------------------------------------------

    def _allowed(self, request: web.Request) -> bool:
        if self.token is None:
            # Loopback without a token: only a loopback name in Host, so a web page whose own host
            # name was re-pointed at 127.0.0.1 (DNS rebinding) is not "same origin" with the kiosk.
            name = urlsplit(f"//{request.host}").hostname or ""
            return is_loopback(name)
        given = request.match_info.get("token") or request.query.get("token", "")
        return hmac.compare_digest(given.encode(), self.token.encode())

    @staticmethod
    def _same_origin(request: web.Request) -> bool:
        origin = request.headers.get("Origin")
        if origin is None:  # not a browser page (a script, a test client): the token still applies
            return True
        return urlsplit(origin).netloc == request.host

    @staticmethod
    def _refuse(status: int, message: str) -> web.Response:
        page = f"<!DOCTYPE html><title>Innovatum</title><p>{html.escape(message)}</p>"
        return web.Response(status=status, text=page, content_type="text/html")

    def _full_message(self) -> str:
        return (
            f"All {self.max_sessions} browser sessions are in use. "
            "Close the kiosk in another browser tab, then reload this page."
        )

    # --- handlers ----------------------------------------------------------------------------------

    async def _index(self, request: web.Request) -> web.Response:
        if not self._allowed(request):
            if self.token is None:
                return self._refuse(403, "This kiosk is served to this computer only: open it on 127.0.0.1.")
            return self._refuse(
                403, "This kiosk needs the link with its token, printed when the server started."
            )
        if self.sessions >= self.max_sessions:
            return self._refuse(503, self._full_message())
        scheme = "wss" if request.secure else "ws"
        websocket = f"{scheme}://{request.host}/ws"
        if self.token is not None:
            websocket += f"/{self.token}"
        values = {
            "title": self.title,
            "static": "/static/",
            "websocket": websocket,
            "font_size": str(_cells(request.query.get("fontsize", "16"), 16)),
        }
        page = self._template
        for name, value in values.items():
            page = page.replace("{{" + name + "}}", html.escape(value))
        return web.Response(text=page, content_type="text/html")

    async def _websocket(self, request: web.Request) -> web.StreamResponse:
        if not self._allowed(request) or not self._same_origin(request):
            return self._refuse(403, "Not allowed.")
        if self.sessions >= self.max_sessions:
            return self._refuse(503, self._full_message())
        socket_ = web.WebSocketResponse(heartbeat=15)
        await socket_.prepare(request)
        self.sessions += 1
        service = _Session(
            shlex.join(self._session_command(self.hub.path)),
            write_bytes=socket_.send_bytes,
            write_str=socket_.send_str,
            close=lambda: _close(socket_),
            download_manager=self._downloads,
        )
        self._services.add(service)
        log.info("session started (%d of at most %d)", self.sessions, self.max_sessions)
        try:
            await service.start(
                _cells(request.query.get("width"), 80), _cells(request.query.get("height"), 24)
            )
            await self._relay(socket_, service)
        except asyncio.CancelledError:
            await socket_.close()
        finally:
            await service.stop()
            self._services.discard(service)
            self.sessions -= 1
            log.info("session ended (%d left)", self.sessions)
        return socket_

    async def _relay(self, socket_: web.WebSocketResponse, service: _Session) -> None:
        """The browser's messages to the session (textual.js's protocol); anything else is ignored."""
        async for message in socket_:
            if message.type != WSMsgType.TEXT:
                continue
            try:
                envelope = message.json()
            except ValueError:
                continue
            if not isinstance(envelope, list) or not envelope:
                continue
            kind, data = envelope[0], envelope[1] if len(envelope) > 1 else None
            if kind == "stdin" and isinstance(data, str):
                await service.send_bytes(data.encode("utf-8"))
            elif kind == "resize" and isinstance(data, dict):
                await service.set_terminal_size(_cells(data.get("width"), 80), _cells(data.get("height"), 24))
            elif kind == "ping":
                await socket_.send_json(["pong", data])
            elif kind == "blur":
                await service.blur()
            elif kind == "focus":
                await service.focus()


async def _close(socket_: web.WebSocketResponse) -> None:
    await socket_.close()


def start_lines(host: str, port: int, token: str | None, max_sessions: int) -> list[str]:
    """What `innovatum-kiosk web` says once it listens: where, who can reach it, and the limit."""
    if token is None:
        where = f"http://{'[' + host + ']' if ':' in host else host}:{port}/"
        lines = [
            f"Serving the kiosk on {where}",
            "Loopback only: other computers cannot reach it "
            "(--host 0.0.0.0 serves the network, with a token).",
        ]
    else:
        shown = socket.gethostname() if host in ("0.0.0.0", "::", "") else host
        shown = f"[{shown}]" if ":" in shown else shown
        lines = [
            f"Serving the kiosk to the network on {host} port {port}; it needs this link (token included):",
            f"  http://{shown}:{port}/?token={token}",
        ]
    lines.append(
        f"At most {max_sessions} browser sessions at once, all sharing one sync client. Ctrl+C stops."
    )
    return lines


def serve(
    server: KioskWebServer, host: str, port: int, *, on_listening: Callable[[], None] | None = None
) -> None:
    """Listen, then start syncing, then run until SIGINT/SIGTERM.

    The port is bound before the sync client starts: a second server started by mistake on a taken
    port must fail without first connecting under the kiosk's MQTT client id, which would push the
    running server's session off the broker. OSError (port taken, address not local) propagates.
    """
    asyncio.run(_serve(server, host, port, on_listening))


async def _serve(
    server: KioskWebServer, host: str, port: int, on_listening: Callable[[], None] | None
) -> None:
    runner = web.AppRunner(server.application(), access_log=None, handle_signals=False)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except BaseException:
        await runner.cleanup()
        raise
    await server.hub.start()
    try:
        if on_listening is not None:
            on_listening()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await stop.wait()
    finally:
        await runner.cleanup()  # ends the sessions first (on_shutdown)
        await server.hub.stop()
