"""Shared fixtures for the admin CLI tests: a fresh or seeded database file, a CLI runner, a full dump."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from admin.cli import main

ACTOR = "tester"


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def error_lines(self) -> list[str]:
        return self.stderr.splitlines()


def run_cli(db_path: Path, *args: str, actor: str = ACTOR) -> Run:
    result = CliRunner().invoke(main, ["--db", str(db_path), "--actor", actor, *args], catch_exceptions=False)
    return Run(result.exit_code, result.stdout, result.stderr)


def dump(db_path: Path) -> str:
    """Every table's schema and rows, as SQL text: equal dumps mean an unchanged database."""
    conn = sqlite3.connect(db_path)
    try:
        return "\n".join(conn.iterdump())
    finally:
        conn.close()


def ok(result: Run) -> Run:
    assert result.exit_code == 0, f"exit {result.exit_code}: {result.stderr}"
    return result


CliFn = Callable[..., Run]


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    path = tmp_path / "admin.db"
    ok(run_cli(path, "init"))
    return path


@pytest.fixture
def cli(db_path: Path) -> CliFn:
    def invoke(*args: str, actor: str = ACTOR) -> Run:
        return run_cli(db_path, *args, actor=actor)

    return invoke


def _seed(path: Path) -> None:
    ok(run_cli(path, "init"))
    ok(run_cli(path, "tenant", "add", "acme", "--name", "Acme AB", "--website", "https://acme.example.com"))
    ok(run_cli(path, "partner", "add", "almi", "--name", "Almi", "--website", "https://www.almi.se"))
    ok(run_cli(path, "room", "add", "arena-1", "--name", "Arena 1", "--floor", "1", "--capacity", "10"))
    ok(
        run_cli(
            path,
            "booking",
            "add",
            "--room",
            "arena-1",
            "--start",
            "2030-05-02T09:00",
            "--end",
            "2030-05-02T10:00",
            "--title",
            "Styrelsemöte",
        )
    )
    ok(
        run_cli(
            path,
            "event",
            "add",
            "--title-sv",
            "Kemishow",
            "--start",
            "2030-05-03T11:00",
            "--end",
            "2030-05-03T12:00",
            "--registration-url",
            "https://example.org/kemi",
        )
    )
    ok(run_cli(path, "announce", "push", "Välkommen", "--priority", "info"))


@pytest.fixture(scope="session")
def _seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("seed") / "admin.db"
    _seed(path)
    return path


@pytest.fixture
def seeded(_seeded_template: Path, tmp_path: Path) -> Path:
    """A database with tenant acme, partner almi, room arena-1, booking 1, event 1 and announcement 1."""
    path = tmp_path / "admin.db"
    for suffix in ("", "-wal", "-shm"):
        source = Path(str(_seeded_template) + suffix)
        if source.exists():
            shutil.copy(source, str(path) + suffix)
    return path


# The end-to-end tests of serve and tenant requests run a whole installation (Mosquitto, serve, kiosks).
from tests.kiosk.sync.conftest import site  # noqa: E402, F401
