"""The kiosk in headless Chromium: what a person at a reception PC sees, clicks and scans.

The page is read from xterm.js's own screen buffer (tests/web/chromium.py), the QR code from a real
screenshot. Chromium cannot resolve any host name but loopback, and every request it makes is
checked: the page must work in a lobby with no internet.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from pathlib import Path

import pytest
import zxingcpp

from tests.kiosk.sync.conftest import Site
from tests.web.chromium import Page, chromium, needs_chromium
from tests.web.conftest import WebKiosk, children_of

pytestmark = [needs_chromium, pytest.mark.mosquitto]


def _first_tenant(site: Site) -> tuple[str, str]:
    with site.database() as db:
        row = db.execute(
            "SELECT name, website FROM tenants WHERE visible = 1 AND website != '' "
            "ORDER BY name COLLATE NOCASE LIMIT 1"
        ).fetchone()
    return str(row[0]), str(row[1])


def _decoded(image: object) -> list[str]:
    only_qr = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    return [result.text for result in zxingcpp.read_barcodes(image, formats=only_qr)]  # type: ignore[arg-type]


async def _open_directory(page: Page) -> None:
    await page.wait_for_text("2 Företag")
    await page.click_text("2 Företag")
    await page.wait_for_text("träffar")  # the directory's hit count


async def test_a_tenant_page_in_the_browser_scans_to_its_website(
    web_site: tuple[Site, Path], web_kiosk: WebKiosk, tmp_path: Path
) -> None:
    site, _config = web_site
    name, website = _first_tenant(site)
    async with chromium(tmp_path / "profile") as browser:
        page = await browser.open(web_kiosk.url)
        await _open_directory(page)
        await page.wait_for_text(name)  # synced by the server's one sync client, shown in the session
        await page.click_text(name)
        await page.wait_for_text("Skanna för")
        await page.settled()
        screenshot = await browser_screenshot(page, tmp_path)
        assert _decoded(screenshot) == [website]
        # Nothing came from anywhere but the kiosk's own server (Chromium could not have reached it).
        fetched = [url for url in page.requests if not url.startswith("data:")]
        assert fetched, "the page made no requests at all"
        assert all(url.startswith(web_kiosk.url) for url in fetched), fetched
        assert f"{web_kiosk.url}static/js/textual.js" in fetched
        await page.close()


async def browser_screenshot(page: Page, tmp_path: Path) -> object:
    image = await page.screenshot()
    image.save(tmp_path / "screenshot.png")  # kept for a person looking at a failure
    return image.convert("L")


async def test_clicking_a_nav_tab_changes_the_section(web_site: tuple[Site, Path], tmp_path: Path) -> None:
    """Served to the network this time: the browser follows the printed link, token and all."""
    _site, config = web_site
    server = WebKiosk(config, tmp_path / "web.log", host="0.0.0.0")
    link = server.banner[1].strip().replace(socket.gethostname(), "127.0.0.1", 1)
    try:
        async with chromium(tmp_path / "profile") as browser:
            await _click_through_sections(await browser.open(link))
    finally:
        server.stop()


async def _click_through_sections(page: Page) -> None:
    lines = await page.wait_for_text("3 Evenemang")
    assert "INNOVATUM  Välkommen" in lines[0]  # the header names the section: home
    await page.click_text("3 Evenemang")
    assert "INNOVATUM  Evenemang" in await _header(page, "Evenemang")
    await page.click_text("4 Rum")
    assert "INNOVATUM  Projektarenan · rum" in await _header(page, "Projektarenan · rum")
    await page.close()


async def _header(page: Page, section: str) -> str:
    """The header row once it names `section` (or as it is after 30 s)."""
    header = ""
    for _ in range(150):
        header = (await page.screen())[0]
        if f"INNOVATUM  {section}" in header:
            break
        await asyncio.sleep(0.2)
    return header


async def test_sessions_share_one_sync_client_and_all_see_an_update(
    web_site: tuple[Site, Path], web_kiosk: WebKiosk, tmp_path: Path
) -> None:
    """Three browser tabs: three app processes, one MQTT connection, and an edit reaches all three."""
    site, _config = web_site
    async with chromium(tmp_path / "profile") as browser:
        pages = [await browser.open(web_kiosk.url) for _ in range(3)]
        for page in pages:
            await _open_directory(page)
        sessions = children_of(web_kiosk.process.pid)
        assert len(sessions) == 3
        assert _broker_connections({web_kiosk.process.pid}, site.port) == 1
        assert _broker_connections(sessions, site.port) == 0

        site.admin(
            "tenant", "add", "aaa-nytt-bolag", "--name", "Aaa Nytt Bolag", "--website", "https://nytt.example"
        )
        for page in pages:
            await page.wait_for_text("Aaa Nytt Bolag", timeout=60)
        await pages[0].close()  # a closed tab ends its session; the others go on
        await _until(lambda: len(children_of(web_kiosk.process.pid)) == 2, "the closed tab's session to end")
        for page in pages[1:]:
            await page.close()
    assert web_kiosk.stop() == 0
    assert not any(Path(f"/proc/{pid}").exists() for pid in sessions), "a session outlived the server"


async def _until(predicate: Callable[[], bool], what: str) -> None:
    for _ in range(300):
        if predicate():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out after 30 s waiting for {what}")


def _broker_connections(pids: set[int], broker_port: int) -> int:
    """Established TCP connections to the broker's port held by these processes."""
    inodes = set()
    for pid in pids:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                target = fd.readlink()
            except OSError:
                continue
            if str(target).startswith("socket:["):
                inodes.add(str(target)[8:-1])
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            remote_port = int(fields[2].rsplit(":", 1)[1], 16)
            if remote_port == broker_port and fields[3] == "01" and fields[9] in inodes:
                count += 1
    return count
