"""The smaller holes the probe found (issue 9, point 7): each gets one `error:` line, a non-zero exit,
and an unchanged database. Some run `innovatum-admin` as a real process, because the hole is in what
a shell hands over (bytes that are not UTF-8)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.admin.conftest import dump, ok, run_cli

BIN = Path(sys.executable).parent


def refused(db: Path, args: list[str], expected: str) -> None:
    before = dump(db)
    result = run_cli(db, *args)
    assert result.exit_code != 0, result.stdout
    assert len(result.error_lines) == 1 and result.error_lines[0].startswith("error: "), result.stderr
    assert expected in result.error_lines[0], result.error_lines[0]
    assert dump(db) == before


def test_a_name_with_a_byte_that_is_not_utf8(seeded: Path) -> None:
    before = dump(seeded)
    env = {k: v for k, v in os.environ.items() if k != "INNOVATUM_ADMIN_DB"}
    result = subprocess.run(
        [
            os.fsencode(BIN / "innovatum-admin"),
            b"--db",
            os.fsencode(seeded),
            b"tenant",
            b"add",
            b"beta",
            b"--name",
            b"Beta \xff AB",
        ],
        capture_output=True,
        env=env,
    )
    lines = result.stderr.decode("utf-8", "replace").splitlines()
    assert result.returncode != 0
    assert len(lines) == 1 and lines[0].startswith("error: ") and "not valid UTF-8" in lines[0], lines
    assert dump(seeded) == before


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ('[{"slug": "beta", "name": "Beta", "floor": ' + "9" * 5000 + "}]", "malformed JSON"),
    ],
    ids=["nested 100,000 deep", "a 5,000-digit number"],
)
def test_hostile_json_imports(seeded: Path, tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "tenants.json"
    path.write_text(content, encoding="utf-8")
    refused(seeded, ["tenant", "import", str(path)], expected)


@pytest.mark.parametrize(
    "name",
    ["\u200b\u200c\u200d", "\ufeff\u2060", "\u3164\u3164", "\u00ad", " \u200b ", "\u0301\u0301"],
    ids=["zero-width", "BOM and word joiner", "Hangul filler", "soft hyphen", "spaces", "combining marks"],
)
def test_a_name_of_only_invisible_characters(seeded: Path, name: str) -> None:
    refused(seeded, ["tenant", "add", "beta", "--name", name], "visible")
    refused(seeded, ["tenant", "edit", "acme", "--name", name], "visible")


def test_a_visible_name_with_invisible_characters_in_it_is_fine(seeded: Path) -> None:
    ok(run_cli(seeded, "tenant", "add", "beta", "--name", "Beta\u200b AB"))


def test_kiosk_location_with_control_characters(seeded: Path) -> None:
    refused(
        seeded, ["kiosk", "add", "lobby-1", "--group", "lobby", "--location", "Entré\x1b[2J"], "--location"
    )
    refused(seeded, ["kiosk", "add", "lobby-1", "--group", "lobby", "--location", "a\u202eb"], "--location")


@pytest.mark.parametrize("target", ["kiosk:lobby-9", "group:cafe"])
def test_an_announcement_aimed_at_nothing(seeded: Path, target: str) -> None:
    ok(run_cli(seeded, "kiosk", "add", "lobby-1", "--group", "lobby"))
    ok(run_cli(seeded, "kiosk", "add", "cafe-1", "--group", "foyer"))
    push = ["announce", "push", "Utrym!", "--priority", "emergency", "--target", target]
    scope = target.split(":")[0]
    known = "cafe-1, lobby-1" if scope == "kiosk" else "foyer, lobby"
    refused(seeded, push, f"known {scope}s: {known}")
    forced = ok(run_cli(seeded, *push, "--force"))
    assert f"to {target}" in forced.stdout
    ok(run_cli(seeded, "announce", "push", "Hej", "--priority", "info", "--target", "group:lobby"))
    ok(run_cli(seeded, "announce", "push", "Hej", "--priority", "info", "--target", "kiosk:cafe-1"))


URL_WITH_USER = "https://bank.example@evil.example/"


@pytest.mark.parametrize(
    "args",
    [
        ["tenant", "add", "beta", "--name", "Beta", "--website", URL_WITH_USER],
        ["tenant", "edit", "acme", "--hiring-url", URL_WITH_USER],
        ["partner", "edit", "almi", "--website", URL_WITH_USER],
        ["event", "edit", "1", "--registration-url", URL_WITH_USER],
        [
            "event",
            "add",
            "--title-sv",
            "X",
            "--start",
            "2030-05-03T11:00",
            "--end",
            "2030-05-03T12:00",
            "--registration-url",
            "https://user:pw@evil.example/",
        ],
    ],
    ids=["tenant website", "hiring url", "partner website", "event registration", "user and password"],
)
def test_a_qr_url_with_user_info(seeded: Path, args: list[str]) -> None:
    refused(seeded, args, "user info")


def test_a_json_import_with_a_url_with_user_info(seeded: Path, tmp_path: Path) -> None:
    path = tmp_path / "tenants.json"
    path.write_text(
        json.dumps([{"slug": "beta", "name": "Beta", "website": URL_WITH_USER}]), encoding="utf-8"
    )
    refused(seeded, ["tenant", "import", str(path)], "user info")
