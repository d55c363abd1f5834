"""A lobby kiosk cannot be quit, nor steered into Textual's own tools, from a visitor's keyboard;
the demo in a developer's terminal can be quit with ctrl+q and says so."""

from __future__ import annotations

import gc

import pytest
from textual.command import CommandPalette

from kiosk.config import BrokerSettings, KioskConfig
from kiosk.ui.app import KioskApp, run_app
from kiosk.ui.screens.attract import AttractScreen
from kiosk.ui.screens.directory import DirectoryScreen
from tests.kiosk.ui.conftest import AppFactory
from tests.kiosk.ui.fixtures import Replica, screen_text


@pytest.mark.parametrize("section", ["1", "2"])  # the attract loop, and the directory with the field focused
async def test_ctrl_q_and_ctrl_p_do_nothing_on_a_kiosk(make_app: AppFactory, section: str) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(section)
        await pilot.pause()
        shown = type(app.screen)
        await pilot.press("ctrl+q", "ctrl+p", "ctrl+c")
        await pilot.pause()
        assert app.is_running and app.return_code is None
        assert type(app.screen) is shown
        assert not CommandPalette.is_open(app)
        assert not app._notifications  # Textual's ctrl+c "press ctrl+q to quit" hint is not there either
        assert "Ctrl+Q" not in screen_text(app)
        await pilot.press("2")  # and the visitor's own keys still work
        await pilot.pause()
        assert isinstance(app.screen, DirectoryScreen)


async def test_staff_actions_are_refused_even_when_asked_for(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        for action in (
            "quit",
            "app.quit",
            "command_palette",
            "screenshot",
            "change_theme",
            "suspend_process",
        ):
            assert await app.run_action(action) is False, action
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, AttractScreen)
        assert not CommandPalette.is_open(app)


async def test_the_demo_quits_with_ctrl_q_and_says_so(make_app: AppFactory) -> None:
    app = make_app(allow_quit=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert "Ctrl+Q avslutar demon" in screen_text(app)
        await pilot.press("l")
        await pilot.pause()
        assert "Ctrl+Q quits the demo" in screen_text(app)
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert not CommandPalette.is_open(app)  # quitting is all the demo adds
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not app.is_running
    assert app.return_code == 0


@pytest.mark.parametrize("key", ["ctrl+q", "ctrl+c"])
async def test_the_demo_quits_from_the_search_field_too(make_app: AppFactory, key: str) -> None:
    app = make_app(allow_quit=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("slash", *"rob")
        await pilot.pause()
        assert isinstance(app.screen, DirectoryScreen)
        await pilot.press(key)
        await pilot.pause()
        assert not app.is_running


@pytest.mark.parametrize("allow_quit", [False, True])
def test_run_app_locks_the_kiosk_unless_the_demo_allows_quitting(
    monkeypatch: pytest.MonkeyPatch, replica: Replica, allow_quit: bool
) -> None:
    started: list[KioskApp] = []
    monkeypatch.setattr(KioskApp, "run", lambda self, *args, **kwargs: started.append(self))
    config = KioskConfig(
        kiosk_id="lobby-2",
        group="lobby",
        location="Entré",
        database=replica.path,
        broker=BrokerSettings("localhost", 1883, False, "u", "p"),
        admin_public_key="x",
    )
    if allow_quit:
        run_app(config, None, allow_quit=True)
    else:
        run_app(config, None)  # innovatum-kiosk: the default
    (app,) = started
    assert app.allow_quit is allow_quit
    assert app.freeze_startup  # one app per process: see test_a_kiosk_process_freezes_its_start_up
    app.queries.close()


async def test_a_kiosk_process_freezes_its_start_up(make_app: AppFactory) -> None:
    """What start-up built is moved out of the cyclic collector's sight once the first frame is drawn
    (a full collection over it is a pause a visitor would feel); an app in a test run leaves it."""
    gc.unfreeze()
    async with make_app().run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert gc.get_freeze_count() == 0
    try:
        async with make_app(freeze_startup=True).run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()
