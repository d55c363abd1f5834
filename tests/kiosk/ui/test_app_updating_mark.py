"""While the replica is not complete (a bootstrap, a rebuild of a damaged file, a retry after a full
disk) the top bar says so, where it says "offline since": nobody should trust a screen that may be
behind (issue 9, points 3 and 4)."""

from __future__ import annotations

from tests.kiosk.ui.conftest import AppFactory
from tests.kiosk.ui.fixtures import FakeSyncPort, screen_text


async def test_an_incomplete_replica_is_marked_updating_until_complete(
    make_app: AppFactory, port: FakeSyncPort
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert "uppdaterar" not in screen_text(app)
        port.emit("incomplete")
        await pilot.pause()
        assert "uppdaterar" in screen_text(app)
        assert "Välkommen till Innovatum" in screen_text(app)  # the content stays
        await pilot.click("#nav-language")
        await pilot.pause()
        assert "updating" in screen_text(app)
        port.emit("offline")
        await pilot.pause()
        assert "offline since" in screen_text(app) and "updating" not in screen_text(app)
        port.emit("online")
        await pilot.pause()
        assert "updating" in screen_text(app)
        port.emit("complete")
        await pilot.pause()
        assert "updating" not in screen_text(app) and "offline" not in screen_text(app)
