"""The review queue and logos on a real admin database (serve's receive called directly; the wire
with real processes is in tests/admin/test_tenant_requests_end_to_end.py)."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import pytest
from PIL import Image

from admin.store import db as store_db
from admin.tenants import requests
from broker import tenant_wire
from tests.admin.conftest import dump, ok, run_cli


@pytest.fixture
def acme(db_path: Path) -> Path:
    ok(run_cli(db_path, "tenant", "add", "acme", "--name", "Acme AB", "--website", "https://acme.example"))
    return db_path


def send(
    db_path: Path,
    number: int,
    fields: dict[str, object],
    *,
    base: int | None = None,
    logo: bytes | None = None,
) -> requests.Received:
    payload = tenant_wire.encode_edit(tenant_wire.EditRequest(f"{number:032x}", base, fields, logo))
    db = store_db.connect(db_path)
    try:
        return requests.receive(db, "acme", payload)
    finally:
        db.close()


def review_json(db_path: Path, *args: str) -> list[dict[str, object]]:
    return list(json.loads(ok(run_cli(db_path, "review", *args, "--json")).stdout))


def test_a_staff_edit_after_the_tenants_version_is_a_conflict_until_forced(acme: Path) -> None:
    sent = send(acme, 1, {"website": "https://tenant.example"}, base=1)
    assert sent.status == "pending"
    ok(run_cli(acme, "tenant", "edit", "acme", "--website", "https://staff.example"))
    before = dump(acme)
    result = run_cli(acme, "review", "approve", str(sent.request))
    assert result.exit_code == 1 and len(result.error_lines) == 1
    assert (
        "conflicts" in result.stderr
        and "'https://staff.example'" in result.stderr
        and "--force" in result.stderr
    )
    assert dump(acme) == before
    [shown] = review_json(acme, "show", str(sent.request))
    assert str(shown["conflict"]) == (
        "changed after the tenant's version (revision 1): website is now 'https://staff.example'"
    )
    ok(run_cli(acme, "review", "approve", str(sent.request), "--force"))
    listing = json.loads(ok(run_cli(acme, "tenant", "show", "acme", "--json")).stdout)[0]
    assert listing["website"] == "https://tenant.example"


def test_a_staff_edit_of_other_fields_is_no_conflict(acme: Path) -> None:
    sent = send(acme, 1, {"description_sv": "Robotar."}, base=1)
    ok(run_cli(acme, "tenant", "edit", "acme", "--website", "https://staff.example", "--floor", "3"))
    [shown] = review_json(acme, "show", str(sent.request))
    assert shown["conflict"] == ""
    ok(run_cli(acme, "review", "approve", str(sent.request)))
    listing = json.loads(ok(run_cli(acme, "tenant", "show", "acme", "--json")).stdout)[0]
    assert (listing["description_sv"], listing["website"], listing["floor"]) == (
        "Robotar.",
        "https://staff.example",
        3,
    )


def test_a_newer_request_for_the_same_fields_supersedes_the_older(acme: Path) -> None:
    first = send(acme, 1, {"contact": "a@acme.example"})
    other = send(acme, 2, {"description_en": "Robots."})
    newer = send(acme, 3, {"contact": "b@acme.example", "tags": "x"})
    rows = {r["id"]: r for r in review_json(acme, "list", "--all")}
    assert rows[first.request]["status"] == "superseded"
    assert rows[other.request]["status"] == "pending"
    assert rows[newer.request]["status"] == "pending"
    db = store_db.connect(acme)
    reply = requests.reply(db, "acme")
    db.close()
    by_id = {item["id"]: item for item in reply["requests"]}
    assert by_id[f"{1:032x}"]["superseded_by"] == f"{3:032x}"
    listed = ok(run_cli(acme, "review", "list")).stdout
    assert "2 pending requests" in listed


def test_the_one_validator_refuses_what_staff_would_be_refused(acme: Path) -> None:
    for number, fields, expected in [
        (1, {"website": "javascript:alert(1)"}, "not an http(s) URL"),
        (2, {"contact": "\x1b[2Jx"}, "control character"),
        (3, {"description_sv": "x" * 2001}, "the limit is 2000"),
        (4, {"floor": 3}, "changed by Innovatum's staff"),
        (5, {"slug": "beta"}, "unknown field 'slug'"),
    ]:
        sent = send(acme, number, fields)
        assert (sent.status, expected in sent.reason) == ("invalid", True), (fields, sent)
    assert review_json(acme, "list") == []
    listing = json.loads(ok(run_cli(acme, "tenant", "show", "acme", "--json")).stdout)[0]
    assert listing["website"] == "https://acme.example" and listing["contact"] == ""


def test_reject_needs_a_reason_and_the_json_has_the_documented_keys(acme: Path) -> None:
    sent = send(acme, 1, {"contact": "a@acme.example"})
    empty = run_cli(acme, "review", "reject", str(sent.request), "--reason", " ")
    assert empty.exit_code == 1 and "reason" in empty.stderr
    ok(run_cli(acme, "review", "reject", str(sent.request), "--reason", "Fel adress"))
    [row] = review_json(acme, "list", "--all")
    assert {k: row[k] for k in ("id", "tenant", "status", "fields", "reason")} == {
        "id": sent.request,
        "tenant": "acme",
        "status": "rejected",
        "fields": {"contact": "a@acme.example"},
        "reason": "Fel adress",
    }
    assert row["submitted"] and row["decided"]
    assert "error: request 1 is rejected, not pending" in run_cli(acme, "review", "approve", "1").stderr
    assert "error: no request 9" in run_cli(acme, "review", "show", "9").stderr


def test_policy_setting_is_shown_and_persisted(acme: Path) -> None:
    assert "auto-approve: on" in ok(run_cli(acme, "review", "policy")).stdout
    ok(run_cli(acme, "review", "policy", "--no-auto-approve"))
    assert "auto-approve: off" in ok(run_cli(acme, "review", "policy")).stdout


# --- logos -------------------------------------------------------------------------------------------


def _png(image: Image.Image, **params: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format=params.pop("format", "PNG"), **params)  # type: ignore[arg-type]
    return out.getvalue()


def bad_logos(tmp_path: Path) -> list[tuple[str, bytes, str]]:
    frames = [Image.new("RGB", (32, 32), c) for c in ("red", "blue")]
    animated = io.BytesIO()
    frames[0].save(animated, format="GIF", save_all=True, append_images=frames[1:])
    truncated = _png(Image.effect_noise((300, 300), 50))[:2000]
    noise = Image.effect_noise((1200, 1200), 100).convert("RGB")
    return [
        ("huge", _png(Image.new("1", (6000, 3000))), "6000x3000 pixels; at most 4096 a side"),
        ("not an image", b"%PDF-1.4 definitely not a picture", "not an image"),
        ("bomb", _png(Image.new("1", (20000, 20000))), "decompression bomb"),
        ("truncated", truncated, "damaged"),
        ("animated", animated.getvalue(), "animated"),
        ("too big", _png(noise, compress_level=0), "the limit is 1 MB"),
    ]


def test_bad_logos_from_staff_get_one_line_and_nothing_stored(acme: Path, tmp_path: Path) -> None:
    for name, data, expected in bad_logos(tmp_path):
        path = tmp_path / f"{name}.img"
        path.write_bytes(data)
        before = dump(acme)
        result = run_cli(acme, "tenant", "edit", "acme", "--logo", str(path))
        assert result.exit_code == 1 and len(result.error_lines) == 1, name
        assert expected in result.stderr, (name, result.stderr)
        assert dump(acme) == before


def test_bad_logos_in_a_request_are_refused_and_nothing_stored(acme: Path, tmp_path: Path) -> None:
    for number, (name, data, expected) in enumerate(bad_logos(tmp_path), start=1):
        if len(base64.b64encode(data)) > tenant_wire.MAX_REQUEST_BYTES:
            continue  # cannot even be sent; the tenant CLI refuses it first
        sent = send(acme, number, {}, logo=data)
        assert sent.status == "invalid" and expected in sent.reason, (name, sent)
    db = store_db.connect(acme)
    assert db.execute("SELECT COUNT(*) FROM tenant_requests WHERE logo IS NOT NULL").fetchone()[0] == 0
    db.close()


def test_a_good_logo_is_reencoded_as_png_without_its_metadata(acme: Path) -> None:
    photo = Image.new("RGB", (600, 300), (10, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x8825] = {2: (57.0, 42.0, 0.0)}  # GPS
    jpeg = _png(photo, format="JPEG", exif=exif.tobytes())
    sent = send(acme, 1, {}, logo=jpeg)
    assert sent.status == "pending"
    ok(run_cli(acme, "review", "approve", str(sent.request)))
    db = store_db.connect(acme)
    stored = db.execute("SELECT logo FROM tenants WHERE slug = 'acme'").fetchone()[0]
    db.close()
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "PNG" and max(image.size) == 128
        assert not image.getexif() and "exif" not in image.info
    assert b"SecretCam" not in stored
