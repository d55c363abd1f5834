"""`python -m kiosk.preview`: the real tenant page, headless, from the values a tenant proposes.

The text form is compared with a stored snapshot (update it with `pytest --snapshot-update`), and the
page's QR codes are decoded from the screen the same way as every other QR test (zxing-cpp).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from kiosk.preview import PreviewRequest, parse_request, previewing
from tests.kiosk.ui.screen_image import decode_qr_codes, screen_image

#: Not under __snapshots__: syrupy would call these text files unused and delete them on --snapshot-update.
SNAPSHOTS = Path(__file__).parent / "text_snapshots" / "test_tenant_preview"
WEBSITE = "https://acme.example.se"
JOBS = "https://acme.example.se/jobb"


def record(**extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "slug": "acme",
        "name": "Acme Robotik AB",
        "description_sv": "Vi bygger robotar för små verkstäder. [bold]Inte fetstil[/]",
        "description_en": "We build robots for small workshops.",
        "category": "Robotik",
        "tags": ["robot", "AI"],
        "floor": 2,
        "room": "204",
        "website": WEBSITE,
        "contact": "hej@acme.example.se",
        "hiring": True,
        "hiring_url": JOBS,
        "visible": True,
        "demo": True,
        "has_logo": False,
    }
    data.update(extra)
    return data


def run_preview(request: dict[str, Any]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kiosk.preview"],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_text_preview_matches_its_snapshot(language: str, request: pytest.FixtureRequest) -> None:
    body = {
        "kind": "tenant",
        "record": record(),
        "language": language,
        "size": [80, 24],
        "format": "text",
        "now": "2026-12-02T10:30:00+01:00",
    }
    result = run_preview(body)
    assert result.returncode == 0, result.stderr
    snapshot = SNAPSHOTS / f"acme-80x24-{language}.txt"
    if request.config.getoption("--snapshot-update", default=False):
        snapshot.parent.mkdir(parents=True, exist_ok=True)
        snapshot.write_text(result.stdout, encoding="utf-8")
    assert result.stdout == snapshot.read_text(encoding="utf-8")
    assert "[bold]Inte fetstil[/]" in result.stdout or language == "en"  # tenant text stays literal


async def test_the_preview_codes_scan_back_to_the_proposed_urls() -> None:
    request = PreviewRequest("tenant", record(), size=(160, 45))
    async with previewing(request) as app:
        assert decode_qr_codes(screen_image(app)) == [WEBSITE, JOBS]


def test_svg_output_is_the_page() -> None:
    result = run_preview({"kind": "tenant", "record": record(name="Svgbolaget AB"), "format": "svg"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("<svg") and "Svgbolaget" in result.stdout


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("not json", "not JSON"),
        ({"kind": "event", "record": {}}, "kind must be"),
        ({"kind": "tenant", "record": {"slug": "acme"}}, "not valid"),
        ({"kind": "tenant", "record": record(), "size": [5, 5]}, "size must be"),
        ({"kind": "tenant", "record": record(), "language": "de"}, "language must be"),
    ],
)
def test_bad_preview_requests_are_one_line_and_exit_2(body: Any, expected: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "kiosk.preview"],
        input=body if isinstance(body, str) else json.dumps(body),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and result.stdout == ""
    assert (
        result.stderr.count("\n") == 1 and result.stderr.startswith("error: ") and expected in result.stderr
    )


def test_parse_keeps_the_defaults() -> None:
    parsed = parse_request(json.dumps({"kind": "tenant", "record": record()}))
    assert (parsed.language, parsed.size, parsed.format, parsed.now) == ("sv", (80, 24), "text", None)
