"""Counts read right in English: "1 tenant", "2 tenants", never "1 tenants" or "booking(s)"."""

from __future__ import annotations

from pathlib import Path

from admin.content.english import counted
from tests.admin.conftest import CliFn, ok


def test_counted() -> None:
    assert [counted(n, "tenant") for n in (0, 1, 2)] == ["0 tenants", "1 tenant", "2 tenants"]
    assert counted(1, "entry", "entries") == "1 entry" and counted(3, "entry", "entries") == "3 entries"


def test_the_cli_says_one_thing_in_the_singular(cli: CliFn, tmp_path: Path) -> None:
    one = tmp_path / "one.csv"
    one.write_text("slug,name\nacme,Acme AB\n", encoding="utf-8")
    assert "imported 1 tenant from" in ok(cli("tenant", "import", str(one))).stdout
    assert "1 tenant " in ok(cli("tenant", "list")).stdout
    two = tmp_path / "two.csv"
    two.write_text("slug,name\nacme,Acme AB\nbeta,Beta AB\n", encoding="utf-8")
    assert "imported 2 tenants from" in ok(cli("tenant", "import", str(two))).stdout

    ok(cli("event", "add", "--title-sv", "Rymdkväll", "--start", "+1d", "--end", "+1d2h"))
    assert "1 event " in ok(cli("event", "list")).stdout
    ok(cli("announce", "push", "Hej", "--priority", "info"))
    assert "1 announcement " in ok(cli("announce", "list")).stdout
    ok(cli("room", "add", "ada", "--name", "Ada"))
    assert "1 room " in ok(cli("room", "list")).stdout
    ok(cli("booking", "add", "--room", "ada", "--start", "+1d", "--end", "+1d1h", "--title", "Möte"))
    assert "1 booking " in ok(cli("booking", "list")).stdout
    removing = cli("room", "remove", "ada")
    assert removing.exit_code == 1 and "still has 1 booking;" in removing.stderr

    ok(cli("kiosk", "add", "entre-1", "--group", "lobby"))
    wrote = ok(cli("broker-config", "--out", str(tmp_path / "broker"))).stdout
    assert "(1 kiosk, 0 tenants)" in wrote  # a tenant has a broker account only once granted
    grant = ("--broker", "mqtt://admin.local:1883")
    ok(cli("tenant", "grant", "acme", "--out", str(tmp_path / "acme.toml"), *grant))
    wrote = ok(cli("broker-config", "--out", str(tmp_path / "broker"))).stdout
    assert "(1 kiosk, 1 tenant)" in wrote
