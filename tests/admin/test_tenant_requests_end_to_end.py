"""Tenant self-service with real processes: Mosquitto with the generated config, `serve`, a headless
kiosk, and the tenant CLI in a subprocess with nothing but its credentials file."""

from __future__ import annotations

import base64
import io
import json
import time

import pytest
from PIL import Image

from broker import topics
from broker.envelope import MAGIC, SIGNATURE_SIZE
from tests.admin.tenant_site import grant, kiosk_tenant, status, tenant_cli, wait_kiosk
from tests.kiosk.sync.conftest import RawClient, Site, wait_until

pytestmark = pytest.mark.mosquitto


def running(site: Site) -> None:
    site.add_kiosk("lobby-1")
    site.serve()
    site.kiosk("lobby-1")
    site.wait_converged("lobby-1")


def publish_as(site: Site, slug: str, *messages: tuple[str, bytes]) -> None:
    """A hand-made client on the tenant's own account and client id (disconnected again at the end,
    since the tenant CLI uses the same client id)."""
    username, password = site.account("tenant", slug)
    raw = RawClient(site.port, username, password, username)
    assert raw.connect().value == 0  # type: ignore[union-attr]
    try:
        for topic, payload in messages:
            raw.publish(topic, payload)
    finally:
        raw.close()


def review(site: Site, *args: str) -> list[dict[str, object]]:
    return list(json.loads(site.admin("review", *args, "--json").output))


def test_a_tenant_edits_staff_approve_and_the_kiosk_shows_it(site: Site) -> None:
    acme = grant(site, "acme", "Acme AB")
    running(site)
    shown = tenant_cli(acme, "listing", "show", "--json")
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)[0]["name"] == "Acme AB"

    edit = tenant_cli(acme, "listing", "edit", "--description-sv", "Vi bygger robotar.", "--tags", "robot,ai")
    assert edit.returncode == 0, edit.stderr
    assert "received" in edit.stdout
    [queued] = review(site, "list")
    assert queued["tenant"] == "acme" and queued["status"] == "pending"
    assert queued["fields"] == {"description_sv": "Vi bygger robotar.", "tags": ["robot", "ai"]}
    assert set(queued) >= {"id", "tenant", "status", "fields", "submitted", "decided", "reason"}
    assert kiosk_tenant(site, "lobby-1", "acme")["description_sv"] == "Acme AB gör saker."  # type: ignore[index]

    site.admin("--actor", "anna", "review", "approve", str(queued["id"]))
    wait_kiosk(site, "lobby-1", "acme", "description_sv", "Vi bygger robotar.")
    wait_until(lambda: status(acme)[0]["status"] == "applied", 20, "the tenant to read 'applied'")

    trail = json.loads(site.admin("audit", "--json").output)
    received = next(e for e in trail if e["action"] == "request.receive")
    approved = next(e for e in trail if e["action"] == "request.approve")
    assert received["actor"] == "tenant-acme"
    assert approved["actor"] == "anna"  # the staff user: --actor, else the OS user
    detail = json.loads(approved["detail"])
    assert detail["asked_by"] == "tenant-acme"
    assert detail["before"] == {"description_sv": "Acme AB gör saker.", "tags": []}
    assert detail["after"] == {"description_sv": "Vi bygger robotar.", "tags": ["robot", "ai"]}


def test_a_rejection_and_its_reason_is_what_the_tenant_reads(site: Site) -> None:
    acme = grant(site, "acme", "Acme AB")
    running(site)
    first = tenant_cli(acme, "listing", "edit", "--website", "https://acme.example")
    assert first.returncode == 0, first.stderr
    [queued] = review(site, "list")
    site.admin("review", "reject", str(queued["id"]), "--reason", "Länken går till fel sida")
    wait_until(lambda: status(acme)[0]["status"] == "rejected", 20, "the rejection to reach the tenant")
    table = tenant_cli(acme, "listing", "status")
    assert table.returncode == 0, table.stderr
    assert "rejected" in table.stdout and "Länken går till fel sida" in table.stdout
    assert kiosk_tenant(site, "lobby-1", "acme")["website"] == ""  # type: ignore[index]
    assert (
        "error: request 1 is rejected, not pending" in site.admin("review", "approve", "1", ok=False).output
    )


def test_a_hiring_change_is_approved_by_policy_and_reaches_the_kiosk(site: Site) -> None:
    acme = grant(site, "acme", "Acme AB")
    running(site)
    edit = tenant_cli(acme, "listing", "edit", "--hiring", "--hiring-url", "https://acme.example/jobb")
    assert edit.returncode == 0, edit.stderr
    assert "approved automatically" in edit.stdout
    wait_kiosk(site, "lobby-1", "acme", "hiring", True)
    assert kiosk_tenant(site, "lobby-1", "acme")["hiring_url"] == "https://acme.example/jobb"  # type: ignore[index]
    assert review(site, "list") == []
    approved = next(
        e for e in json.loads(site.admin("audit", "--json").output) if e["action"] == "request.approve"
    )
    assert approved["actor"] == "auto-approve (policy)"
    # With the policy off, the same change waits for staff.
    site.admin("review", "policy", "--no-auto-approve")
    assert tenant_cli(acme, "listing", "edit", "--not-hiring").returncode == 0
    assert [r["status"] for r in review(site, "list")] == ["pending"]


def test_tenant_a_cannot_change_tenant_b_by_topic_or_payload(site: Site) -> None:
    grant(site, "acme", "Acme AB")
    beta = grant(site, "beta", "Beta AB")
    running(site)
    edit = {"v": 1, "type": "edit", "base": None, "fields": {"description_sv": "hacked"}, "logo": None}
    publish_as(
        site,
        "acme",
        (topics.request("beta"), json.dumps({**edit, "id": "b" * 32}).encode()),  # the ACL drops it
        (topics.request("acme"), json.dumps({**edit, "id": "c" * 32, "tenant": "beta"}).encode()),
        (topics.request("acme"), json.dumps({**edit, "id": "d" * 32, "fields": {"name": "Beta"}}).encode()),
    )
    wait_until(lambda: len(review(site, "list", "--all")) == 2, 20, "serve to file both requests")
    rows = review(site, "list", "--all")
    assert {r["tenant"] for r in rows} == {"acme"} and {r["status"] for r in rows} == {"invalid"}
    assert "unknown key 'tenant'" in rows[0]["reason"]  # type: ignore[operator]
    assert "name is changed by Innovatum's staff" in rows[1]["reason"]  # type: ignore[operator]
    assert kiosk_tenant(site, "lobby-1", "beta")["description_sv"] == "Beta AB gör saker."  # type: ignore[index]
    assert status(beta) == []
    # acme cannot read beta's reply or listing either
    username, password = site.account("tenant", "acme")
    spy = RawClient(site.port, username, password, username)
    site.clients.append(spy)
    spy.connect()
    spy.subscribe(topics.reply("beta"))
    spy.subscribe(topics.state("tenant", "beta"))
    time.sleep(0.5)
    assert spy.messages == []


def test_revoked_and_wrong_credentials_are_refused_and_a_connection_is_dropped(site: Site) -> None:
    acme = grant(site, "acme", "Acme AB")
    running(site)
    username, password = site.account("tenant", "acme")
    connected = RawClient(site.port, username, password, username)
    site.clients.append(connected)
    assert connected.connect().value == 0  # type: ignore[union-attr]
    wrong = acme.with_name("wrong.toml")
    wrong.write_text(acme.read_text().replace(password, "not-the-password"))
    refused = tenant_cli(wrong, "listing", "show")
    assert refused.returncode == 1 and refused.stderr.count("\n") == 1
    assert refused.stderr.startswith("error: cannot connect: the broker refused tenant-acme")

    assert "revoked tenant acme" in site.admin("tenant", "revoke", "acme").output
    site.write_broker_config()
    site.broker.reload()
    wait_until(lambda: not connected.client.is_connected(), 10, "the broker to drop the revoked connection")
    after = tenant_cli(acme, "listing", "edit", "--contact", "x@acme.example")
    assert after.returncode == 1 and after.stderr.startswith("error: cannot connect: the broker refused")
    assert "tenant-acme" not in (site.broker_dir / "passwords").read_text()


def test_a_request_sent_while_the_admin_node_is_down_waits_and_arrives(site: Site) -> None:
    acme = grant(site, "acme", "Acme AB")
    site.add_kiosk("lobby-1")
    serve = site.serve()
    site.kiosk("lobby-1")
    site.wait_converged("lobby-1")
    serve.terminate()
    serve.wait(10)
    edit = tenant_cli(acme, "listing", "edit", "--description-en", "We build robots.", "--wait", "2")
    assert edit.returncode == 3, edit.stderr
    assert edit.stderr.startswith("queued, not yet confirmed")
    assert review(site, "list") == []
    site.serve()
    wait_until(lambda: len(review(site, "list")) == 1, 30, "the queued request to reach serve")
    assert status(acme)[0]["status"] == "pending"


def test_flood_replay_malformed_and_oversized_requests(site: Site) -> None:
    acme = grant(site, "acme", "Acme AB")
    running(site)
    topic = topics.request("acme")
    edit = {"v": 1, "type": "edit", "base": None, "logo": None}
    oversized = {**edit, "id": "e" * 32, "fields": {"contact": "y" * 200_000}}
    flood = [
        (topic, json.dumps({**edit, "id": f"{i:032x}", "fields": {"contact": f"c{i}"}}).encode())
        for i in range(25)
    ]
    publish_as(site, "acme", (topic, b"\xff not json"), (topic, json.dumps(oversized).encode()), *flood)
    wait_until(lambda: status(acme) and len(status(acme)) == 20, 30, "20 requests to be filed")
    statuses = [r["status"] for r in status(acme)]
    assert statuses == ["pending"] + ["superseded"] * 19  # each newer contact supersedes the older
    refused = tenant_cli(acme, "listing", "edit", "--contact", "again")
    assert refused.returncode == 1 and "too many requests" in refused.stderr
    # replaying the newest request after staff decided it changes nothing
    [pending] = review(site, "list")
    site.admin("review", "reject", str(pending["id"]), "--reason", "nej")
    before = site.admin("audit", "--json").output
    publish_as(site, "acme", flood[-1])
    time.sleep(1)
    assert site.admin("audit", "--json").output == before
    assert [r["status"] for r in review(site, "list", "--all")].count("pending") == 0


def test_preview_shows_the_proposed_page_and_sends_nothing(site: Site) -> None:
    acme = grant(site, "acme", "Acme AB")
    site.serve()
    wait_until(lambda: tenant_cli(acme, "listing", "show").returncode == 0, 30, "the listing to be published")
    text = tenant_cli(
        acme,
        "listing",
        "preview",
        "--description-sv",
        "Förhandsvisad text.",
        "--website",
        "https://acme.example",
    )
    assert text.returncode == 0, text.stderr
    assert "Acme AB" in text.stdout and "Förhandsvisad text." in text.stdout and "Skanna" in text.stdout
    english = tenant_cli(acme, "listing", "preview", "--lang", "en", "--size", "120x30")
    assert english.returncode == 0 and "Acme AB" in english.stdout and "Companies" in english.stdout
    svg = site.root / "preview.svg"
    drawn = tenant_cli(acme, "listing", "preview", "--description-sv", "I SVG.", "--svg", str(svg))
    assert drawn.returncode == 0, drawn.stderr
    assert svg.read_text().startswith("<svg") and "SVG." in svg.read_text()
    bad = tenant_cli(acme, "listing", "preview", "--website", "ftp://x")
    assert bad.returncode == 1 and bad.stderr.count("\n") == 1 and "not an http(s) URL" in bad.stderr
    size = tenant_cli(acme, "listing", "preview", "--size", "huge")
    assert size.returncode != 0 and "COLUMNSxROWS" in size.stderr
    assert review(site, "list", "--all") == []  # a preview sends nothing


def test_a_logo_from_the_tenant_reaches_the_kiosk_reencoded(site: Site) -> None:
    acme = grant(site, "acme", "Acme AB")
    running(site)
    photo = site.root / "logo.jpg"
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"
    Image.new("RGB", (600, 300), (200, 30, 30)).save(photo, format="JPEG", exif=exif.tobytes())
    sent = tenant_cli(acme, "listing", "edit", "--logo", str(photo))
    assert sent.returncode == 0, sent.stderr
    [queued] = review(site, "list")
    assert str(queued["fields"]["logo"]).startswith("PNG, ")  # type: ignore[index]
    site.admin("review", "approve", str(queued["id"]))
    wait_kiosk(site, "lobby-1", "acme", "has_logo", True)
    shown = json.loads(tenant_cli(acme, "listing", "show", "--json").stdout)[0]
    assert shown["has_logo"] is True
    # the tenant may read its own published logo (the preview draws it), and it carries no metadata
    username, password = site.account("tenant", "acme")
    reader = RawClient(site.port, username, password, username)
    site.clients.append(reader)
    reader.connect()
    reader.subscribe(topics.state("logo", "tenant:acme"))
    wait_until(lambda: bool(reader.messages), 10, "the retained logo")
    body = json.loads(reader.messages[0].payload[len(MAGIC) + SIGNATURE_SIZE :])
    png = base64.b64decode(body["data"]["data"])
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG" and image.size == (128, 64) and not image.getexif()
    assert b"SecretCam" not in png


def test_replies_survive_a_broker_that_lost_its_retained_store(site: Site) -> None:
    acme = grant(site, "acme", "Acme AB")
    site.serve()
    wait_until(lambda: tenant_cli(acme, "listing", "show").returncode == 0, 30, "the listing to be published")
    assert tenant_cli(acme, "listing", "edit", "--contact", "hej@acme.example").returncode == 0
    site.broker.restart(kill=True)  # killed before its autosave: the retained reply is gone
    wait_until(lambda: len(status(acme)) == 1, 30, "serve to publish the reply again")
    assert status(acme)[0]["status"] == "pending"
