"""Headless Chromium driven over the DevTools protocol: a tiny client on aiohttp's websocket.

No Playwright: it would download its own browser; Debian's `chromium` is what CI installs. The page
is a canvas (xterm.js draws the terminal), so its text is read from xterm's own buffer: a script run
before textual.js catches the `Terminal` object as textual.js stores it (`this.terminal = ...`) and
exposes it as `window.__kioskTerminal`.

Chromium runs with the network cut off except loopback (`--host-resolver-rules`), and every request
the page makes is recorded, so a test can show the page needs nothing from the internet.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import io
import itertools
import json
import re
import shutil
import subprocess
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from PIL import Image

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install chromium; .ci/run does)"
)

#: Runs before any page script. Class instances assign `this.terminal = new Terminal(...)`: with no
#: own property yet, that assignment finds this setter on Object.prototype.
CATCH_TERMINAL = """
Object.defineProperty(Object.prototype, "terminal", {
  configurable: true,
  set(value) {
    Object.defineProperty(this, "terminal", {value, writable: true, configurable: true, enumerable: true});
    if (value && value.buffer) { window.__kioskTerminal = value; }
  },
});
window.__kioskScreen = () => {
  const term = window.__kioskTerminal;
  if (!term) { return null; }
  const buffer = term.buffer.active;
  const lines = [];
  for (let y = 0; y < term.rows; y++) {
    const line = buffer.getLine(buffer.viewportY + y);
    lines.push(line ? line.translateToString(true) : "");
  }
  return {lines, cols: term.cols, rows: term.rows};
};
window.__kioskCell = (col, row) => {
  const screen = document.querySelector(".xterm-screen").getBoundingClientRect();
  const term = window.__kioskTerminal;
  return {x: screen.left + (col + 0.5) * screen.width / term.cols,
          y: screen.top + (row + 0.5) * screen.height / term.rows};
};
"""


class Page:
    def __init__(self, socket: aiohttp.ClientWebSocketResponse) -> None:
        self._socket = socket
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self.requests: list[str] = []
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for message in self._socket:
            data = json.loads(message.data)
            if "id" in data and data["id"] in self._pending:
                self._pending.pop(data["id"]).set_result(data)
            elif data.get("method") == "Network.requestWillBeSent":
                self.requests.append(data["params"]["request"]["url"])

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        number = next(self._ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[number] = future
        await self._socket.send_str(json.dumps({"id": number, "method": method, "params": params}))
        reply = await asyncio.wait_for(future, 30)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return dict(reply.get("result", {}))

    async def evaluate(self, expression: str) -> Any:
        result = await self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        return result["result"].get("value")

    async def screen(self) -> list[str]:
        """The terminal's rows as text (empty until textual.js made its terminal)."""
        screen = await self.evaluate("window.__kioskScreen && window.__kioskScreen()")
        return list(screen["lines"]) if screen else []

    async def wait_for_text(self, text: str, timeout: float = 60.0) -> list[str]:
        deadline = time.monotonic() + timeout
        lines: list[str] = []
        while time.monotonic() < deadline:
            lines = await self.screen()
            if any(text in line for line in lines):
                return lines
            await asyncio.sleep(0.25)
        shown = "\n".join(lines)
        raise AssertionError(f"{text!r} did not appear in the page within {timeout} s; it shows:\n{shown}")

    async def settled(self, quiet: float = 0.75, timeout: float = 20.0) -> list[str]:
        """The screen once it has not changed for `quiet` seconds (a screen lays itself out in steps)."""
        deadline = time.monotonic() + timeout
        last, since = await self.screen(), time.monotonic()
        while time.monotonic() < deadline:
            await asyncio.sleep(0.1)
            now = await self.screen()
            if now != last:
                last, since = now, time.monotonic()
            elif time.monotonic() - since >= quiet:
                break
        return last

    async def find(self, text: str) -> tuple[int, int]:
        """(column, row) of `text` on the settled screen."""
        for row, line in enumerate(await self.settled()):
            column = line.find(text)
            if column >= 0:
                return column, row
        raise AssertionError(f"{text!r} is not on the screen")

    async def click_text(self, text: str) -> None:
        column, row = await self.find(text)
        point = await self.evaluate(f"window.__kioskCell({column + len(text) // 2}, {row})")
        for kind in ("mousePressed", "mouseReleased"):
            await self.send(
                "Input.dispatchMouseEvent", type=kind, x=point["x"], y=point["y"], button="left", clickCount=1
            )

    async def press(self, text: str) -> None:
        await self.send("Input.insertText", text=text)

    async def screenshot(self) -> Image.Image:
        data = await self.send("Page.captureScreenshot", format="png")
        return Image.open(io.BytesIO(base64.b64decode(data["data"])))

    async def close(self) -> None:
        """Close the tab (its websocket closes, as when a person closes it) and the DevTools link."""
        with contextlib.suppress(RuntimeError, asyncio.TimeoutError):
            await self.send("Page.close")
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader
        await self._socket.close()


class Chromium:
    def __init__(self, profile: Path, width: int = 1600, height: int = 1000) -> None:
        assert CHROMIUM is not None
        self._process = subprocess.Popen(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={profile}",
                f"--window-size={width},{height}",
                # No internet: every host name fails to resolve except the loopback the kiosk is on.
                "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1",
                "--remote-debugging-port=0",
                "--remote-allow-origins=*",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.devtools = self._devtools_url()
        self._session = aiohttp.ClientSession()

    def _devtools_url(self) -> str:
        assert self._process.stderr is not None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = self._process.stderr.readline()
            if not line and self._process.poll() is not None:
                break
            match = re.search(r"DevTools listening on (ws://\S+)", line)
            if match:
                return match.group(1).split("/devtools/")[0].replace("ws://", "http://")
        raise RuntimeError("chromium did not start its DevTools endpoint")

    async def open(self, url: str) -> Page:
        async with self._session.put(f"{self.devtools}/json/new?about:blank") as response:
            target = await response.json(content_type=None)
        socket = await self._session.ws_connect(target["webSocketDebuggerUrl"], max_msg_size=0)
        page = Page(socket)
        await page.send("Network.enable")
        await page.send("Page.enable")
        await page.send("Page.addScriptToEvaluateOnNewDocument", source=CATCH_TERMINAL)
        await page.send("Page.navigate", url=url)
        return page

    async def close(self) -> None:
        await self._session.close()
        self._process.terminate()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()


@contextlib.asynccontextmanager
async def chromium(profile: Path) -> AsyncIterator[Chromium]:
    browser = Chromium(profile)
    try:
        yield browser
    finally:
        await browser.close()
