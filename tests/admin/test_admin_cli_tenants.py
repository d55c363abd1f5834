"""tenant/partner add, edit, remove, show, list (--json), import, logos: what an operator sees."""

from __future__ import annotations

import io
import json
import sqlite3
from pathlib import Path

from PIL import Image

from tests.admin.conftest import CliFn, dump, ok

TENANT_JSON_KEYS = {
    "slug",
    "name",
    "website",
    "floor",
    "room",
    "category",
    "category_en",
    "tags",
    "description_sv",
    "description_en",
    "contact",
    "hiring",
    "hiring_url",
    "visible",
    "demo",
    "has_logo",
}


def _rows(db_path: Path, sql: str, *params: object) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def test_tenant_lifecycle(cli: CliFn, db_path: Path) -> None:
    added = ok(
        cli(
            "tenant",
            "add",
            "acme",
            "--name",
            "Acme AB",
            "--website",
            "https://acme.example.com",
            "--floor",
            "2",
            "--room",
            "B204",
            "--category",
            "Robotik",
            "--category-en",
            "Robotics",
            "--description-sv",
            "Robotar",
            "--description-en",
            "Robots",
            "--hiring",
            "--hiring-url",
            "https://acme.example.com/jobs",
            "--tags",
            "robotar, AI",
        )
    )
    assert added.stdout == "added tenant acme (revision 1)\n"

    [listed] = json.loads(ok(cli("tenant", "list", "--json")).stdout)
    assert set(listed) == TENANT_JSON_KEYS
    assert listed == {
        "slug": "acme",
        "name": "Acme AB",
        "website": "https://acme.example.com",
        "floor": 2,
        "room": "B204",
        "category": "Robotik",
        "category_en": "Robotics",
        "tags": ["robotar", "AI"],
        "description_sv": "Robotar",
        "description_en": "Robots",
        "contact": "",
        "hiring": True,
        "hiring_url": "https://acme.example.com/jobs",
        "visible": True,
        "demo": False,
        "has_logo": False,
    }

    edited = ok(cli("tenant", "edit", "acme", "--not-hiring", "--floor", "3"))
    assert edited.stdout == "changed tenant acme (revision 2)\n"
    [shown] = json.loads(ok(cli("tenant", "show", "acme", "--json")).stdout)
    assert (shown["hiring"], shown["floor"], shown["name"]) == (False, 3, "Acme AB")

    table = ok(cli("tenant", "show", "acme")).stdout
    assert "Acme AB" in table and "B204" in table

    removed = ok(cli("tenant", "remove", "acme"))
    assert removed.stdout == "removed tenant acme (revision 3)\n"
    assert json.loads(ok(cli("tenant", "list", "--json")).stdout) == []
    # The kiosks get a signed tombstone, not silence.
    assert _rows(db_path, "SELECT op FROM sync_state WHERE kind = 'tenant' AND key = 'acme'") == [("delete",)]


def test_list_table_shows_untrusted_text_literally(cli: CliFn) -> None:
    ok(cli("tenant", "add", "evil", "--name", "[bold red]Evil[/] [link=https://x.example]AB[/link]"))
    out = ok(cli("tenant", "list")).stdout
    assert "[bold red]Evil[/]" in out
    assert "\x1b" not in out


def test_partner_has_its_own_fields(cli: CliFn) -> None:
    ok(
        cli(
            "partner",
            "add",
            "trollhattans-stad",
            "--name",
            "Trollhättans Stad",
            "--kind",
            "Kommun",
            "--address",
            "Gärdhemsvägen 9, 461 83 Trollhättan",
            "--hours-sv",
            "Mån–fre 8:00–16:30",
            "--hours-en",
            "Mon–Fri 8:00–16:30",
            "--website",
            "https://www.trollhattan.se",
        )
    )
    [partner] = json.loads(ok(cli("partner", "list", "--json")).stdout)
    assert set(partner) == TENANT_JSON_KEYS | {"kind", "kind_en", "address", "hours_sv", "hours_en"}
    assert partner["address"] == "Gärdhemsvägen 9, 461 83 Trollhättan"
    assert partner["hours_en"] == "Mon–Fri 8:00–16:30"
    # Partners and tenants are separate namespaces.
    assert json.loads(ok(cli("tenant", "list", "--json")).stdout) == []
    assert partner["kind_en"] == ""
    ok(cli("partner", "edit", "trollhattans-stad", "--kind-en", "Municipality"))
    [shown] = json.loads(ok(cli("partner", "show", "trollhattans-stad", "--json")).stdout)
    assert (shown["kind"], shown["kind_en"]) == ("Kommun", "Municipality")
    assert "Gärdhemsvägen 9" in ok(cli("partner", "show", "trollhattans-stad")).stdout
    ok(cli("partner", "remove", "trollhattans-stad"))
    assert json.loads(ok(cli("partner", "list", "--json")).stdout) == []


def test_logo_is_normalised_published_and_removable(cli: CliFn, db_path: Path, tmp_path: Path) -> None:
    big = tmp_path / "logo.jpg"
    Image.new("RGB", (1000, 500), "navy").save(big, quality=95)
    ok(cli("tenant", "add", "acme", "--name", "Acme", "--logo", str(big)))
    [(blob,)] = _rows(db_path, "SELECT logo FROM tenants WHERE slug = 'acme'")
    assert isinstance(blob, bytes)
    with Image.open(io.BytesIO(blob)) as image:
        assert image.format == "PNG"
        assert image.mode == "RGBA"
        assert image.size == (128, 64)
    # The logo travels as its own record, so a text edit does not resend it.
    assert _rows(db_path, "SELECT op FROM sync_state WHERE kind = 'logo' AND key = 'tenant:acme'") == [
        ("upsert",)
    ]
    ok(cli("tenant", "edit", "acme", "--name", "Acme AB"))
    [(records,)] = _rows(db_path, "SELECT group_concat(kind) FROM outbox WHERE rev = 2")
    assert records == "tenant"
    assert json.loads(ok(cli("tenant", "show", "acme", "--json")).stdout)[0]["has_logo"] is True

    ok(cli("tenant", "edit", "acme", "--no-logo"))
    assert _rows(db_path, "SELECT logo FROM tenants WHERE slug = 'acme'") == [(None,)]
    assert _rows(db_path, "SELECT op FROM sync_state WHERE kind = 'logo' AND key = 'tenant:acme'") == [
        ("delete",)
    ]


def test_csv_import_adds_then_updates_and_reimport_changes_nothing(
    cli: CliFn, db_path: Path, tmp_path: Path
) -> None:
    logo = tmp_path / "a.png"
    Image.new("RGBA", (64, 64), "red").save(logo)
    csv_file = tmp_path / "tenants.csv"
    csv_file.write_text(
        "Slug,Name,Website,Floor,Description-SV,hiring,logo\n"
        "alfa,Alfa AB,https://alfa.example.com,1,Första,yes,a.png\n"
        'beta,"Beta, Gamma & Co",,2,"Andra, med komma",no,\n',
        encoding="utf-8",
    )
    first = ok(cli("tenant", "import", str(csv_file)))
    assert "2 added, 0 changed, 0 unchanged (revision 1)" in first.stdout
    rows = {r["slug"]: r for r in json.loads(ok(cli("tenant", "list", "--json")).stdout)}
    assert rows["beta"]["name"] == "Beta, Gamma & Co"
    assert rows["alfa"]["hiring"] is True and rows["alfa"]["has_logo"] is True
    assert rows["beta"]["floor"] == 2 and rows["beta"]["description_sv"] == "Andra, med komma"

    before = dump(db_path)
    again = ok(cli("tenant", "import", str(csv_file)))
    assert "0 added, 0 changed, 2 unchanged (no new revision" in again.stdout
    assert dump(db_path) == before

    # Semicolons (Swedish spreadsheets) and a partial header: only the named fields change.
    update = tmp_path / "update.csv"
    update.write_text("\ufeffslug;floor\nbeta;4\n", encoding="utf-8")
    ok(cli("tenant", "import", str(update)))
    rows = {r["slug"]: r for r in json.loads(ok(cli("tenant", "list", "--json")).stdout)}
    assert rows["beta"]["floor"] == 4 and rows["beta"]["name"] == "Beta, Gamma & Co"
    assert _rows(db_path, "SELECT MAX(rev) FROM revisions") == [(2,)]


def test_json_import_of_partners(cli: CliFn, tmp_path: Path) -> None:
    data = [
        {"slug": "almi", "name": "Almi", "website": "https://www.almi.se", "kind": "Företagsstöd"},
        {"slug": "hogskolan-vast", "name": "Högskolan Väst", "hours-sv": "", "tags": ["utbildning"]},
    ]
    path = tmp_path / "partners.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert "2 added" in ok(cli("partner", "import", str(path))).stdout
    rows = {r["slug"]: r for r in json.loads(ok(cli("partner", "list", "--json")).stdout)}
    assert rows["almi"]["kind"] == "Företagsstöd"
    assert rows["hogskolan-vast"]["tags"] == ["utbildning"]


def test_import_shows_a_progress_bar_on_stderr(cli: CliFn, tmp_path: Path) -> None:
    path = tmp_path / "many.csv"
    path.write_text("slug,name\n" + "".join(f"t{i},Tenant {i}\n" for i in range(300)), encoding="utf-8")
    result = ok(cli("tenant", "import", str(path), "--progress"))
    assert "checking tenants" in result.stderr and "writing tenants" in result.stderr
    assert "300/300" in result.stderr
    assert "300 added" in result.stdout
    quiet = ok(cli("tenant", "import", str(path), "--no-progress"))
    assert quiet.stderr == ""
