"""`--out` whose parent directory does not exist is an error, for every command that writes files: a
typo in a path must not create a directory tree somewhere unexpected."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.admin.conftest import CliFn, ok


@pytest.mark.parametrize(
    "command",
    [
        ("kiosk", "config", "entre-1", "--broker", "mqtt://admin.local:1883", "--out"),
        ("broker-config", "--out"),
    ],
    ids=["kiosk config", "broker-config"],
)
def test_an_out_in_a_missing_directory_is_an_error(
    cli: CliFn, tmp_path: Path, command: tuple[str, ...]
) -> None:
    ok(cli("kiosk", "add", "entre-1", "--group", "lobby"))
    target = tmp_path / "no" / "such" / "dir" / "x.toml"
    result = cli(*command, str(target))
    assert result.exit_code == 2
    assert result.error_lines == [
        f"error: Invalid value for '--out': {target.parent} is not an existing directory (create it first) "
        f"(see 'main {' '.join(command[:2] if command[0] == 'kiosk' else command[:1])} --help')"
    ]
    assert not (tmp_path / "no").exists()


def test_an_out_in_an_existing_directory_is_written(cli: CliFn, tmp_path: Path) -> None:
    ok(cli("kiosk", "add", "entre-1", "--group", "lobby"))
    ok(
        cli(
            "kiosk",
            "config",
            "entre-1",
            "--broker",
            "mqtt://admin.local:1883",
            "--out",
            str(tmp_path / "k.toml"),
        )
    )
    assert (tmp_path / "k.toml").stat().st_mode & 0o777 == 0o600
    ok(cli("broker-config", "--out", str(tmp_path / "broker")))  # a new directory in an existing one
    assert (tmp_path / "broker" / "mosquitto.conf").exists()
