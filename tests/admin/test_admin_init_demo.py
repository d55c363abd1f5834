"""init (database + signing key, safe twice) and demo-data (idempotent, honest about what is fictional)."""

from __future__ import annotations

import json
import sqlite3
import stat
from datetime import timedelta
from pathlib import Path

from admin.store.db import key_path
from broker import keys
from broker.times import now, parse_iso
from tests.admin.conftest import CliFn, dump, ok, run_cli


def test_init_creates_database_and_private_key_and_is_safe_twice(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "admin.db"
    first = ok(run_cli(path, "init"))
    key_file = key_path(path)
    assert path.exists() and key_file.exists()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    public = keys.public_key_b64(keys.load_private_key(key_file))
    assert f"public key: {public}" in first.stdout
    assert f"key id: {keys.key_id(public)}" in first.stdout

    key_before, db_before = key_file.read_bytes(), dump(path)
    second = ok(run_cli(path, "init"))
    assert f"public key: {public}" in second.stdout and "already there" in second.stdout
    assert key_file.read_bytes() == key_before
    assert dump(path) == db_before


def test_init_refuses_a_key_others_can_read(tmp_path: Path) -> None:
    path = tmp_path / "admin.db"
    ok(run_cli(path, "init"))
    key_path(path).chmod(0o644)
    before = dump(path)
    result = run_cli(path, "init")
    assert result.exit_code == 1
    assert len(result.error_lines) == 1 and "chmod 600" in result.stderr
    assert dump(path) == before


def test_init_refuses_a_damaged_key(tmp_path: Path) -> None:
    path = tmp_path / "admin.db"
    key_path(path).write_text("not a key")
    key_path(path).chmod(0o600)
    result = run_cli(path, "init")
    assert result.exit_code == 1
    assert len(result.error_lines) == 1 and "cannot read signing key" in result.stderr
    assert key_path(path).read_text() == "not a key"
    assert not path.exists()


def test_demo_data_loads_once(cli: CliFn, db_path: Path) -> None:
    first = ok(cli("demo-data"))
    assert first.stdout.rstrip().endswith("revision 1")
    before = dump(db_path)
    second = ok(cli("demo-data"))
    assert "no new revision" in second.stdout
    assert dump(db_path) == before

    tenants = json.loads(ok(cli("tenant", "list", "--json")).stdout)
    assert 10 <= len(tenants) <= 14
    for tenant in tenants:
        assert tenant["demo"] is True
        assert "Fiktivt demoföretag" in tenant["description_sv"]
        assert "fictional demo company" in tenant["description_en"]
        assert tenant["website"].split("/")[2].endswith((".example.com", ".example.org"))
        assert tenant["has_logo"] and tenant["category"] and tenant["floor"] is not None and tenant["room"]
    assert sum(t["hiring"] for t in tenants) >= 2

    partners = {p["slug"]: p for p in json.loads(ok(cli("partner", "list", "--json")).stdout)}
    names = {p["name"] for p in partners.values()}
    assert {
        "Trollhättans Stad",
        "Högskolan Väst",
        "Innovatum AB",
        "Almi",
        "Drivhuset",
        "Nyföretagarcentrum",
        "Arbetsförmedlingen",
    } == names
    city = partners["trollhattans-stad"]
    assert "Gärdhemsvägen 9, 461 83 Trollhättan" in city["address"]
    assert "8:00–16:30" in city["hours_sv"]
    assert "Jobbkraft Trollhättan" in partners["arbetsformedlingen"]["description_sv"]
    assert not any(p["demo"] for p in partners.values())


def test_demo_events_and_bookings_are_relative_to_today(cli: CliFn, db_path: Path) -> None:
    ok(cli("demo-data"))
    today = now().date()
    events = json.loads(ok(cli("event", "list", "--json")).stdout)
    days = {parse_iso(e["start"]).date() for e in events}
    assert min(days) >= today and max(days) <= today + timedelta(days=21)
    assert len(days) >= 5
    assert all(e["registration_url"].startswith("https://") for e in events)

    rooms = json.loads(ok(cli("room", "list", "--json")).stdout)
    assert 3 <= len(rooms) <= 4
    bookings = json.loads(ok(cli("booking", "list", "--json")).stdout)
    booked_days = {parse_iso(b["start"]).date() for b in bookings}
    assert {today, today + timedelta(days=1), today + timedelta(days=7)} <= booked_days
    assert any(parse_iso(b["start"]) <= now() < parse_iso(b["end"]) for b in bookings)  # busy now
    assert sum(b["private"] for b in bookings) == 1

    announcements = json.loads(ok(cli("announce", "list", "--json")).stdout)
    assert [a["priority"] for a in announcements] == ["info"]


def test_demo_data_on_a_later_day_moves_dates_instead_of_duplicating(db_path: Path) -> None:
    from admin.content import demo
    from admin.store.db import connect

    db = connect(db_path)
    try:
        demo.load(db, "tester", at=now() - timedelta(days=3))
        counts_before = {t: db[t].count for t in ("events", "bookings", "tenants")}
        result = demo.load(db, "tester")
        assert result.rev == 2
        assert result.counts["bookings"]["changed"] == counts_before["bookings"]
        assert {t: db[t].count for t in ("events", "bookings", "tenants")} == counts_before
    finally:
        db.close()
    conn = sqlite3.connect(db_path)
    try:
        starts = [parse_iso(r[0]).date() for r in conn.execute("SELECT start FROM bookings")]
    finally:
        conn.close()
    assert min(starts) == now().date()
