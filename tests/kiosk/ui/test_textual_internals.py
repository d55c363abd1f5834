"""Every private Textual name the kiosk uses still exists, in the Textual minor version they were
checked on, and no kiosk module other than kiosk/ui/textual_internals.py uses one.

A failure here means a Textual upgrade: read kiosk/ui/textual_internals.py, check each work-around
against the new Textual's source (drop it if fixed upstream), then update `PRIVATE_NAMES`,
`COVERED_TEXTUAL` and the pin in pyproject.toml together.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.message_pump import MessagePump
from textual.reactive import reactive
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import OptionList

from kiosk.ui import textual_internals
from kiosk.ui.textual_internals import COVERED_TEXTUAL, PRIVATE_NAMES, forget_closed_watchers

ROOT = Path(__file__).resolve().parents[3]


def test_the_installed_textual_is_the_covered_minor_version() -> None:
    installed = version("textual")
    assert installed.split(".")[:2] == COVERED_TEXTUAL.split("."), (
        f"Textual {installed} is installed, kiosk/ui/textual_internals.py covers {COVERED_TEXTUAL}.x: "
        "review its private names against the new release"
    )


@pytest.mark.parametrize(
    ("owner", "name"), PRIVATE_NAMES, ids=[f"{o.__name__}.{n}" for o, n in PRIVATE_NAMES]
)
def test_each_private_name_still_exists(owner: type[object], name: str) -> None:
    if name == "__watchers":
        return  # an attribute textual.reactive puts on a watched object: see the next test
    # Some are set in __init__: ask an instance too (a Widget for MessagePump's).
    instances: dict[type[object], Callable[[], object]] = {
        OptionList: OptionList,
        MessagePump: Widget,
        Screen: Screen,
    }
    instance = instances[owner]() if owner in instances else None
    found = hasattr(owner, name) or (instance is not None and hasattr(instance, name))
    assert found, (
        f"Textual {version('textual')} has no {owner.__name__}.{name}: see kiosk/ui/textual_internals.py"
    )


class _Watched(App[None]):
    value: reactive[int] = reactive(0)

    def compose(self) -> ComposeResult:
        yield _Watcher()


class _Watcher(Widget):
    def on_mount(self) -> None:
        self.watch(self.app, "value", lambda _value: None)


async def test_watchers_are_where_forget_closed_watchers_looks_and_closed_ones_go() -> None:
    app = _Watched()
    async with app.run_test() as pilot:
        watcher = app.query_one(_Watcher)
        entries = getattr(app, "__watchers")["value"]
        assert [node for node, _callback in entries] == [watcher]
        await watcher.remove()
        await pilot.pause()
        forget_closed_watchers(app)
        assert getattr(app, "__watchers")["value"] == []


def test_no_other_kiosk_module_uses_a_private_textual_name() -> None:
    # The UI and the kiosk's top-level modules (the headless preview); not the replica and the sync
    # client, which never import Textual (import-linter) and whose own `_closed` is not Textual's.
    names = {name for _owner, name in PRIVATE_NAMES}
    used = re.compile(r"(?:\.|def\s+|\"|')(" + "|".join(re.escape(name) for name in names) + r")\b")
    internals = Path(textual_internals.__file__).resolve()
    offenders = []
    for path in [*sorted((ROOT / "kiosk" / "ui").rglob("*.py")), *sorted((ROOT / "kiosk").glob("*.py"))]:
        if path.resolve() == internals:
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"\btextual\._", text):
            offenders.append(f"{path.relative_to(ROOT)}: imports a private textual module")
        for match in used.finditer(text):
            offenders.append(f"{path.relative_to(ROOT)}: {match.group(1)}")
    assert offenders == []
