"""Who may use `innovatum-kiosk web`, how many at once, and what it says: over plain HTTP/websockets,
no browser needed (tests/web/test_web_kiosk_browser.py drives a real one)."""

from __future__ import annotations

import asyncio
import os
import re
import socket
import subprocess
from pathlib import Path

import aiohttp
import pytest

from tests.kiosk.sync.conftest import BIN, Site
from tests.web.conftest import WebKiosk

pytestmark = pytest.mark.mosquitto


async def _session(
    http: aiohttp.ClientSession, server: WebKiosk, query: str = ""
) -> aiohttp.ClientWebSocketResponse:
    """A websocket session that has drawn its first frame."""
    socket_ = await http.ws_connect(f"ws://127.0.0.1:{server.port}/ws?width=100&height=30{query}")
    message = await socket_.receive(timeout=60)
    assert message.type == aiohttp.WSMsgType.BINARY, message  # terminal output from the app
    return socket_


async def _status(http: aiohttp.ClientSession, url: str, **headers: str) -> tuple[int, str]:
    async with http.get(url, headers=headers) as response:
        return response.status, (await response.read()).decode("utf-8", "replace")


async def test_loopback_by_default_says_so_and_serves_everything_the_page_loads(web_kiosk: WebKiosk) -> None:
    assert web_kiosk.banner[0] == f"Serving the kiosk on http://127.0.0.1:{web_kiosk.port}/"
    assert web_kiosk.banner[1].startswith("Loopback only: other computers cannot reach it")
    assert web_kiosk.banner[2].startswith("At most 8 browser sessions at once")
    async with aiohttp.ClientSession() as http:
        status, page = await _status(http, web_kiosk.url)
        assert status == 200
        assert f'data-session-websocket-url="ws://127.0.0.1:{web_kiosk.port}/ws"' in page
        loaded = re.findall(r'(?:src|href)="([^"]+)"|url\("([^"]+)"\)', page)
        paths = {path for pair in loaded for path in pair if path}
        assert paths and all(path.startswith("/static/") for path in paths), paths  # nothing from a CDN
        assert "/static/js/textual.js" in paths
        assert "/static/fonts/RobotoMono-VariableFont_wght.ttf" in paths
        for path in paths:
            status, _ = await _status(http, f"http://127.0.0.1:{web_kiosk.port}{path}")
            assert status == 200, path
        for host in ("localhost", "[::1]"):
            status, _ = await _status(http, web_kiosk.url, Host=f"{host}:{web_kiosk.port}")
            assert status == 200, host
        # A page from a name re-pointed at 127.0.0.1 (DNS rebinding) gets neither the page nor a session.
        status, _ = await _status(http, web_kiosk.url, Host=f"evil.example:{web_kiosk.port}")
        assert status == 403
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await http.ws_connect(
                f"ws://127.0.0.1:{web_kiosk.port}/ws",
                headers={
                    "Host": f"evil.example:{web_kiosk.port}",
                    "Origin": f"http://evil.example:{web_kiosk.port}",
                },
            )
        assert refused.value.status == 403


async def test_a_network_host_needs_the_printed_token(web_site: tuple[Site, Path], tmp_path: Path) -> None:
    _site, config = web_site
    server = WebKiosk(config, tmp_path / "web.log", host="0.0.0.0")
    try:
        assert server.banner[0].startswith("Serving the kiosk to the network on 0.0.0.0 port")
        match = re.fullmatch(
            rf"  http://{re.escape(socket.gethostname())}:{server.port}/\?token=(\S+)", server.banner[1]
        )
        assert match, server.banner
        token = match.group(1)
        async with aiohttp.ClientSession() as http:
            for query in ("", "?token=", "?token=wrong"):
                status, page = await _status(http, server.url + query)
                assert status == 403
                assert "needs the link with its token" in page
            status, page = await _status(http, f"{server.url}?token={token}")
            assert status == 200
            assert f'data-session-websocket-url="ws://127.0.0.1:{server.port}/ws/{token}"' in page
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await http.ws_connect(f"ws://127.0.0.1:{server.port}/ws")
            assert refused.value.status == 403
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:  # another site's page
                await http.ws_connect(
                    f"ws://127.0.0.1:{server.port}/ws?token={token}",
                    headers={"Origin": "http://evil.example"},
                )
            assert refused.value.status == 403
            session = await _session(http, server, f"&token={token}")
            await session.close()
    finally:
        server.stop()


async def test_sessions_beyond_the_limit_are_told_so(web_site: tuple[Site, Path], tmp_path: Path) -> None:
    _site, config = web_site
    server = WebKiosk(config, tmp_path / "web.log", "--max-sessions", "2")
    try:
        assert server.banner[2].startswith("At most 2 browser sessions at once")
        async with aiohttp.ClientSession() as http:
            first = await _session(http, server)
            second = await _session(http, server)
            status, page = await _status(http, server.url)
            assert status == 503
            assert "All 2 browser sessions are in use" in page
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await http.ws_connect(f"ws://127.0.0.1:{server.port}/ws")
            assert refused.value.status == 503
            await first.close()
            for _ in range(100):  # the server notices the closed session
                status, _page = await _status(http, server.url)
                if status == 200:
                    break
                await asyncio.sleep(0.1)
            assert status == 200
            third = await _session(http, server)
            await third.close()
            await second.close()
    finally:
        assert server.stop() == 0


def test_a_taken_port_is_one_error_line(
    web_kiosk: WebKiosk, web_site: tuple[Site, Path], tmp_path: Path
) -> None:
    _site, config = web_site
    (tmp_path / "tmp").mkdir()
    done = subprocess.run(
        [str(BIN / "innovatum-kiosk"), "web", "--config", str(config), "--port", str(web_kiosk.port)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "TMPDIR": str(tmp_path / "tmp")},
    )
    assert done.returncode == 2
    assert (
        list((tmp_path / "tmp").iterdir()) == []
    )  # no hub directory left behind by a server that never listened
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert errors == [f"error: cannot listen on 127.0.0.1 port {web_kiosk.port}: Address already in use"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["web"], "error: --config FILE is required"),
        (["web", "--config", "/nonexistent/kiosk.toml"], "error: "),
        (["web", "--config", "CONFIG", "--port", "0"], "Error: Invalid value for '--port'"),
    ],
)
def test_bad_arguments_are_refused(web_site: tuple[Site, Path], args: list[str], message: str) -> None:
    _site, config = web_site
    argv = [str(config) if arg == "CONFIG" else arg for arg in args]
    done = subprocess.run([str(BIN / "innovatum-kiosk"), *argv], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1].startswith(message)


async def test_a_session_that_cannot_start_closes_the_page(
    web_site: tuple[Site, Path], tmp_path: Path
) -> None:
    """The config went bad after the server started: the browser hears "session ended" at once."""
    _site, config = web_site
    copy = tmp_path / "web.toml"
    copy.write_text(config.read_text())
    server = WebKiosk(copy, tmp_path / "web.log")
    try:
        copy.write_text("this is [not toml")
        async with aiohttp.ClientSession() as http:
            socket_ = await http.ws_connect(f"ws://127.0.0.1:{server.port}/ws?width=80&height=24")
            message = await socket_.receive(timeout=60)
            assert message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED), message
            status, _page = await _status(http, server.url)  # and it no longer counts against the limit
            assert status == 200
    finally:
        assert server.stop() == 0
