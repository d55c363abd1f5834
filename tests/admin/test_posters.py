"""`innovatum-admin poster ...`: what a printed poster shows, read back the way a person would.

Each poster is rendered to pixels at 150 dpi and its QR code decoded with zxing-cpp: the PDF by
poppler's pdftoppm (an independent renderer), the PNG as written. The text is checked with poppler's
pdftotext, i.e. what the PDF itself says. Without poppler-utils the PDF checks skip (CI installs it).
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from broker.times import now
from tests.admin.conftest import CliFn, Run, ok, run_cli
from tests.kiosk.ui.fixtures import logo_png

POPPLER = all(shutil.which(tool) for tool in ("pdftoppm", "pdftotext", "pdffonts"))
needs_poppler = pytest.mark.skipif(
    not POPPLER, reason="poppler-utils (pdftoppm, pdftotext, pdffonts) not installed"
)

LONG_SV = (
    "Vi utvecklar sensorer för skog och åker. Våra mätstationer övervakar markfukt, temperatur och "
    "näringsämnen året runt, så att lantbrukare kan gödsla och vattna precis där det behövs. "
) * 10


def _qr_texts(image: Image.Image) -> list[str]:
    only_qr = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    return [result.text for result in zxingcpp.read_barcodes(image, formats=only_qr)]


def _pdf_image(pdf: Path, dpi: int = 150) -> Image.Image:
    png = subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-png", "-singlefile", str(pdf)],
        check=True,
        capture_output=True,
        timeout=60,
    ).stdout
    return Image.open(io.BytesIO(png))


def _pdf_text(pdf: Path) -> str:
    out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, timeout=60)
    return out.stdout.decode("utf-8")


def _words(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def demo(cli: CliFn, tmp_path: Path) -> CliFn:
    """The demo installation plus a tenant with a logo and a long description, and a private booking."""
    ok(cli("demo-data"))
    logo = tmp_path / "logo.png"
    logo.write_bytes(logo_png())
    ok(
        cli(
            "tenant",
            "add",
            "akerlund-sensor",
            "--name",
            "Åkerlund Sensorteknik",
            "--website",
            "https://åkerlund.example.se/sensorer?lang=sv",
            "--floor",
            "2",
            "--room",
            "B214",
            "--description-sv",
            LONG_SV,
            "--description-en",
            "Sensors for forests and fields.",
            "--logo",
            str(logo),
        )
    )
    ok(cli("tenant", "add", "utan-webb", "--name", "Utan Webb AB"))
    return cli


def _tenant_json(cli: CliFn) -> list[dict[str, object]]:
    return list(json.loads(ok(cli("tenant", "list", "--json")).stdout))


@needs_poppler
def test_tenant_pdf_scans_to_its_website_and_says_what_the_record_says(demo: CliFn, tmp_path: Path) -> None:
    out = tmp_path / "akerlund.pdf"
    result = ok(demo("poster", "tenant", "akerlund-sensor", "--out", str(out), "--lang", "both"))
    url = "https://åkerlund.example.se/sensorer?lang=sv"
    assert f"wrote {out}" in result.stdout
    assert _qr_texts(_pdf_image(out)) == [url]
    text = _words(_pdf_text(out))
    for expected in ("Innovatum", "Åkerlund Sensorteknik", "Plan 2 · Rum B214", "Floor 2 · Room B214"):
        assert expected in text
    assert "Skanna för webbplatsen / Scan for the website" in text
    assert "https://åkerlund.example.se/sensorer?lang=sv" in text.replace(" ", "")
    # The long Swedish description starts, is cut with "…" above the code, and the English one
    # does not fit after it: nothing is drawn over the code (it still decodes, above).
    assert "Vi utvecklar sensorer för skog och åker." in text
    assert "…" in text
    assert "Innovatum Science Park · Trollhättan" in text
    # Every font is embedded (a print shop has no DejaVu either), with a Unicode map for å, ä, ö.
    fonts = subprocess.run(["pdffonts", str(out)], check=True, capture_output=True, text=True).stdout
    rows = [line.split() for line in fonts.splitlines()[2:]]
    assert rows and all(row[-5:-2] == ["yes", "yes", "yes"] for row in rows), fonts
    assert all("DejaVuSans" in row[0] for row in rows), fonts


@needs_poppler
def test_event_pdf_scans_to_its_registration_page(demo: CliFn, tmp_path: Path) -> None:
    ok(
        demo(
            "event",
            "add",
            "--title-sv",
            "Rymdkväll för hela familjen",
            "--title-en",
            "Space night for the whole family",
            "--start",
            "2030-03-14T18:00",
            "--end",
            "2030-03-14T20:00",
            "--place",
            "Science center, Kupolen",
            "--description-sv",
            "Titta på stjärnor och bygg en raket.",
            "--registration-url",
            "https://example.org/rymdkvall",
        )
    )
    events = json.loads(ok(demo("event", "list", "--json")).stdout)
    event_id = next(e["id"] for e in events if e["title_sv"] == "Rymdkväll för hela familjen")
    out = tmp_path / "event.pdf"
    ok(demo("poster", "event", str(event_id), "--out", str(out), "--size", "A5"))
    assert _qr_texts(_pdf_image(out)) == ["https://example.org/rymdkvall"]
    text = _words(_pdf_text(out))
    for expected in (
        "Rymdkväll för hela familjen",
        "torsdag 14 mars 2030, 18:00–20:00",
        "Science center, Kupolen",
        "Titta på stjärnor och bygg en raket.",
        "Skanna för att anmäla dig",
        "https://example.org/rymdkvall",
    ):
        assert expected in text
    assert "Space night" not in text  # --lang sv by default


@needs_poppler
def test_room_door_sign_lists_todays_bookings_and_hides_private_titles(demo: CliFn, tmp_path: Path) -> None:
    today = now().astimezone().date()
    ok(
        demo(
            "booking",
            "add",
            "--room",
            "alvsalen",
            "--start",
            f"{today}T07:00",
            "--end",
            f"{today}T07:30",
            "--title",
            "Hemligt möte",
            "--private",
        )
    )
    ok(
        demo(
            "booking",
            "add",
            "--room",
            "alvsalen",
            "--start",
            f"{today + timedelta(days=3)}T09:00",
            "--end",
            f"{today + timedelta(days=3)}T10:00",
            "--title",
            "Nästa vecka",
        )
    )
    out = tmp_path / "door.pdf"
    url = "https://innovatum.se/boka/alvsalen"
    ok(demo("poster", "room", "alvsalen", "--url", url, "--out", str(out)))
    assert _qr_texts(_pdf_image(out)) == [url]
    text = _words(_pdf_text(out))
    assert "Älvsalen" in text
    assert "Bokningar i dag · " in text
    assert "07:00–07:30 Bokad" in text
    assert "Hemligt möte" not in text
    assert "Nästa vecka" not in text
    assert "Skanna för kalender och bokning" in text


def test_png_is_a_150_dpi_page_whose_code_decodes(demo: CliFn, tmp_path: Path) -> None:
    """PNG output needs no poppler: the layout's own rasteriser."""
    out = tmp_path / "tenant.png"
    ok(demo("poster", "tenant", "akerlund-sensor", "--out", str(out), "--lang", "en"))
    with Image.open(out) as image:
        width, height = image.size  # A4 at 150 dpi: 1240.2 x 1753.9 pixels
        assert abs(width - 1240) <= 1 and abs(height - 1754) <= 1
        assert round(image.info["dpi"][0]) == 150
        assert _qr_texts(image.convert("L")) == ["https://åkerlund.example.se/sensorer?lang=sv"]


@pytest.mark.parametrize("size", ["A5", "A3"])
def test_other_paper_sizes_scan_too(demo: CliFn, tmp_path: Path, size: str) -> None:
    out = tmp_path / f"event-{size}.png"
    ok(
        demo(
            "poster",
            "room",
            "projektrum-1",
            "--url",
            "https://example.org/pr1",
            "--out",
            str(out),
            "--size",
            size,
        )
    )
    with Image.open(out) as image:
        width_mm = image.size[0] / 150 * 25.4
        assert round(width_mm) == {"A5": 148, "A3": 297}[size]
        assert _qr_texts(image.convert("L")) == ["https://example.org/pr1"]


def test_all_writes_one_poster_per_visible_tenant_with_a_website(demo: CliFn, tmp_path: Path) -> None:
    ok(demo("tenant", "edit", "grona-taket", "--hidden"))
    out = tmp_path / "posters"
    result = ok(demo("poster", "tenant", "--all", "--out", str(out), "--format", "png"))
    tenants = _tenant_json(demo)
    expected = {f"tenant-{t['slug']}.png" for t in tenants if t["visible"] and t["website"]}
    assert {path.name for path in out.iterdir()} == expected
    assert "tenant-grona-taket.png" not in expected
    assert "skipped: tenant 'grona-taket' is hidden from the screens" in result.stderr
    assert "skipped: tenant 'utan-webb' has no web address" in result.stderr
    with Image.open(out / "tenant-akerlund-sensor.png") as image:
        assert _qr_texts(image.convert("L")) == ["https://åkerlund.example.se/sensorer?lang=sv"]


def test_all_events_means_the_upcoming_ones(demo: CliFn, tmp_path: Path) -> None:
    out = tmp_path / "events"
    ok(demo("poster", "event", "--all", "--out", str(out)))
    events = json.loads(ok(demo("event", "list", "--json")).stdout)
    from broker.times import parse_iso

    upcoming = {
        f"event-{e['id']}.pdf"
        for e in events
        if parse_iso(e["end"]) > now() and not e["cancelled"] and e["registration_url"]
    }
    assert upcoming
    assert {path.name for path in out.iterdir()} == upcoming


def _refused(result: Run, message: str, out: Path) -> None:
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [f"error: {message}"]
    assert not out.exists()


def test_bad_input_is_one_line_and_writes_nothing(demo: CliFn, tmp_path: Path) -> None:
    out = tmp_path / "x.pdf"
    _refused(
        demo("poster", "room", "alvsalen", "--url", "javascript:alert(1)", "--out", str(out)),
        "--url 'javascript:alert(1)' is not an http(s) URL",
        out,
    )
    _refused(
        demo("poster", "room", "alvsalen", "--url", "https://", "--out", str(out)),
        "--url 'https://' has no host name",
        out,
    )
    _refused(
        demo("poster", "tenant", "utan-webb", "--out", str(out)),
        "tenant 'utan-webb' has no web address for the QR code "
        "(innovatum-admin tenant edit utan-webb --website URL)",
        out,
    )
    _refused(demo("poster", "tenant", "nobody", "--out", str(out)), "no tenant with slug 'nobody'", out)
    _refused(
        demo("poster", "room", "nowhere", "--url", "https://x.se", "--out", str(out)),
        "no room with slug 'nowhere'",
        out,
    )
    _refused(demo("poster", "event", "999", "--out", str(out)), "no event with id 999", out)
    bad = tmp_path / "x.docx"
    _refused(
        demo("poster", "tenant", "akerlund-sensor", "--out", str(bad)),
        f"--out {bad} must end in .pdf or .png",
        bad,
    )
    _refused(demo("poster", "tenant", "--out", str(out)), "give a tenant's SLUG, or --all", out)
    missing_dir = tmp_path / "no" / "such" / "dir.pdf"
    result = demo("poster", "tenant", "akerlund-sensor", "--out", str(missing_dir))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: cannot write {missing_dir}")
    assert len(result.stderr.splitlines()) == 1


def test_cancelled_event_gets_no_poster(demo: CliFn, tmp_path: Path) -> None:
    events = json.loads(ok(demo("event", "list", "--json")).stdout)
    event_id = events[0]["id"]
    ok(demo("event", "edit", str(event_id), "--cancelled", "--force"))  # a demo (imported) event
    out = tmp_path / "x.pdf"
    _refused(demo("poster", "event", str(event_id), "--out", str(out)), f"event {event_id} is cancelled", out)


def test_the_installed_command_writes_a_poster(db_path: Path, tmp_path: Path) -> None:
    """The real console script in a subprocess, as staff would run it."""
    ok(
        run_cli(
            db_path, "tenant", "add", "acme", "--name", "Acme AB", "--website", "https://acme.example.com"
        )
    )
    out = tmp_path / "acme.png"
    script = Path(sys.executable).parent / "innovatum-admin"
    done = subprocess.run(
        [str(script), "--db", str(db_path), "poster", "tenant", "acme", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"wrote {out} (tenant acme: https://acme.example.com)"
    with Image.open(out) as image:
        assert _qr_texts(image.convert("L")) == ["https://acme.example.com"]
