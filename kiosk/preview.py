"""`python -m kiosk.preview`: the real kiosk page of one listing, rendered headless, for a tenant who
wants to see a change before sending it (`innovatum-admin --as-tenant FILE listing preview`).

The admin side may not import the kiosk (import-linter), so it runs this module as a subprocess and
writes one JSON object to its stdin:

    {"kind": "tenant", "record": {...the listing's public form...}, "logo": "<base64 PNG>" | null,
     "language": "sv" | "en", "size": [80, 24], "format": "text" | "ansi" | "svg", "now": ISO | null}

It builds a one-record replica in a temporary directory through the replica's own store, starts the
real `KioskApp` on it, opens the listing the way a visitor's tap does (`open_listing`), and prints
the screen: plain text, text with ANSI colours (QR codes scan from a colour terminal), or SVG. The
record is checked with the kiosk's own record validator; bad input is one `error:` line, exit 2.
"""

from __future__ import annotations

import asyncio
import io
import json
import sys
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from broker.envelope import Rejected
from broker.schema import validate_record
from broker.times import now, parse_iso

FORMATS = ("text", "ansi", "svg")
MIN_SIZE = (40, 12)
MAX_SIZE = (400, 200)


class PreviewError(ValueError):
    """The request cannot be previewed; the message is one line."""


@dataclass(frozen=True)
class PreviewRequest:
    kind: str
    record: dict[str, Any]
    logo: str | None = None
    language: str = "sv"
    size: tuple[int, int] = (80, 24)
    format: str = "text"
    now: datetime | None = None

    @property
    def slug(self) -> str:
        return str(self.record["slug"])


def parse_request(raw: str) -> PreviewRequest:
    try:
        body = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise PreviewError(f"the preview request is not JSON: {exc}") from None
    if not isinstance(body, dict):
        raise PreviewError("the preview request is not a JSON object")
    kind = body.get("kind")
    if kind not in ("tenant", "partner"):
        raise PreviewError("kind must be 'tenant' or 'partner'")
    try:
        record = validate_record(kind, body.get("record"))
    except Rejected as exc:
        raise PreviewError(f"the listing is not valid: {exc.detail or exc.reason}") from None
    language = body.get("language", "sv")
    if language not in ("sv", "en"):
        raise PreviewError("language must be 'sv' or 'en'")
    size = body.get("size", [80, 24])
    if (
        not isinstance(size, list)
        or len(size) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in size)
        or not (MIN_SIZE[0] <= size[0] <= MAX_SIZE[0] and MIN_SIZE[1] <= size[1] <= MAX_SIZE[1])
    ):
        raise PreviewError(
            f"size must be COLUMNSxROWS from {MIN_SIZE[0]}x{MIN_SIZE[1]} to {MAX_SIZE[0]}x{MAX_SIZE[1]}"
        )
    output = body.get("format", "text")
    if output not in FORMATS:
        raise PreviewError(f"format must be one of {', '.join(FORMATS)}")
    logo = body.get("logo")
    if logo is not None and not isinstance(logo, str):
        raise PreviewError("logo must be base64 text or null")
    at = body.get("now")
    try:
        when = parse_iso(at) if isinstance(at, str) else None
    except ValueError as exc:
        raise PreviewError(f"now: {exc}") from None
    return PreviewRequest(kind, record, logo, language, (size[0], size[1]), output, when)


def _replica(path: Path, request: PreviewRequest) -> None:
    from kiosk.replica.store import ReplicaStore, Row

    rows = [Row(request.kind, request.slug, 1, request.record)]
    if request.logo is not None:
        owner = f"{request.kind}:{request.slug}"
        rows.append(Row("logo", owner, 1, {"owner": owner, "mime": "image/png", "data": request.logo}))
    store = ReplicaStore(path)
    try:
        with store.transaction():
            store.write_records(rows)
    finally:
        store.close()


@asynccontextmanager
async def previewing(request: PreviewRequest) -> AsyncIterator[Any]:
    """The running app showing the listing page (for tests: read its screen while it runs)."""
    from kiosk.ui.app import KioskApp  # Textual only here: parsing stays light

    fixed = request.now
    with tempfile.TemporaryDirectory(prefix="innovatum-preview-") as tmp:
        path = Path(tmp) / "replica.db"
        _replica(path, request)
        app = KioskApp(
            path,
            kiosk_id="preview",
            home_language=request.language,
            clock=(lambda: fixed) if fixed is not None else now,
            attract_cycle=0,
        )
        async with app.run_test(size=request.size) as pilot:
            await pilot.pause()
            app.open_listing(request.kind, request.slug)
            for _ in range(3):
                await pilot.pause()
            yield app


def export(app: Any, output: str) -> str:
    """The screen as SVG, or as text (with ANSI colours for `ansi`), from the compositor's frame."""
    if output == "svg":
        return str(app.export_screenshot(title="Innovatum"))
    from rich.console import Console

    from kiosk.ui.textual_internals import frame_renderable

    width, height = app.size
    console = Console(
        width=width,
        height=height,
        file=io.StringIO(),
        force_terminal=True,
        color_system="truecolor",
        record=True,
        legacy_windows=False,
        safe_box=False,
    )
    console.print(frame_renderable(app))
    text = console.export_text(styles=output == "ansi")
    return "\n".join(line.rstrip() for line in text.splitlines()) + "\n"


async def render(request: PreviewRequest) -> str:
    async with previewing(request) as app:
        return export(app, request.format)


def main() -> None:
    try:
        request = parse_request(sys.stdin.read())
    except PreviewError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    sys.stdout.write(asyncio.run(render(request)))


if __name__ == "__main__":
    main()
