"""Relative times on the command line (`+2h`, `tomorrow 18:00`): what the README's commands use so they
stay right whatever day they are run."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from admin.cli.when import resolve
from broker.times import STOCKHOLM, now, parse_iso
from tests.admin.conftest import CliFn, ok

NOW = datetime(2026, 12, 2, 10, 30, 42, tzinfo=STOCKHOLM)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("+2h", "2026-12-02T12:30:00+01:00"),
        ("+1d2h30m", "2026-12-03T13:00:00+01:00"),
        ("+45m", "2026-12-02T11:15:00+01:00"),
        ("today 18:00", "2026-12-02T18:00:00+01:00"),
        ("Tomorrow 9:30", "2026-12-03T09:30:00+01:00"),
        ("2026-12-01T16:00", "2026-12-01T16:00"),  # ISO is the content layer's to check, unchanged here
    ],
)
def test_relative_times_resolve_to_stockholm_time(text: str, expected: str) -> None:
    assert resolve(text, NOW) == expected


@pytest.mark.parametrize("text", ["+", "+2x", "+h", "tomorrow 25:00", "today", "tomorrow at six"])
def test_a_broken_relative_time_is_an_error(text: str) -> None:
    with pytest.raises(ValueError, match="time"):
        resolve(text, NOW)


def test_the_cli_takes_relative_times(cli: CliFn) -> None:
    ok(
        cli(
            "announce", "push", "Fika kl 15", "--en", "Coffee at 3 pm", "--priority", "info", "--until", "+2h"
        )
    )
    until = parse_iso(json.loads(ok(cli("announce", "list", "--json")).stdout)[0]["until"])
    assert timedelta(hours=1, minutes=58) < until - now() <= timedelta(hours=2)
    ok(cli("room", "add", "ada", "--name", "Ada"))
    ok(
        cli(
            "booking",
            "add",
            "--room",
            "ada",
            "--start",
            "tomorrow 09:00",
            "--end",
            "tomorrow 10:00",
            "--title",
            "X",
        )
    )
    booking = json.loads(ok(cli("booking", "list", "--json")).stdout)[0]
    assert parse_iso(booking["start"]).date() == now().date() + timedelta(days=1)
    result = cli("event", "add", "--title-sv", "X", "--start", "+1x", "--end", "+2h")
    assert (
        result.exit_code != 0 and result.error_lines[0].startswith("error: ") and len(result.error_lines) == 1
    )
