"""Fixtures for the kiosk screen tests: a real replica file, a clock the test moves, a recording port."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from kiosk.replica.queries import Queries
from kiosk.ui.app import KioskApp
from tests.kiosk.ui.fixtures import FakeClock, FakeSyncPort, Replica, build_replica


@pytest.fixture
def replica(tmp_path: Path) -> Iterator[Replica]:
    built = build_replica(tmp_path / "replica.db")
    yield built
    built.close()


@pytest.fixture
def quiet_replica(tmp_path: Path) -> Iterator[Replica]:
    """The same content without announcements (no banner): for layouts measured to the row."""
    built = build_replica(tmp_path / "quiet.db", with_announcements=False)
    yield built
    built.close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def port() -> FakeSyncPort:
    return FakeSyncPort()


AppFactory = Callable[..., KioskApp]


@pytest.fixture
def make_app(replica: Replica, clock: FakeClock, port: FakeSyncPort) -> Iterator[AppFactory]:
    """Build a KioskApp over the replica; keyword arguments override the test defaults."""
    opened: list[Queries] = []

    def build(**overrides: Any) -> KioskApp:
        source = overrides.pop("replica", replica)
        queries = Queries(source.path)
        opened.append(queries)
        options: dict[str, Any] = {
            "kiosk_id": "lobby-1",
            "group": "lobby",
            "location": "Entré, plan 1",
            "port": port,
            "clock": clock,
            "attract_cycle": 0,
            "idle_timeout": 600,
            "tick_interval": 0.05,
        }
        options.update(overrides)
        return KioskApp(queries, **options)

    yield build
    for queries in opened:
        queries.close()
