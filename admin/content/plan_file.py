"""A floor plan file from staff, as the grid of cells the kiosks route over: a text grid as it is, or
an image (PNG, JPEG, anything Pillow reads) scaled and quantised.

An image is never stored or sent on: like a logo it is decoded once on the admin node, within the same
caps (file size, pixel count), and only the small grid travels to the kiosks. Quantising: transparent
becomes outside (a space), a cell with at least `WALL_SHARE` of dark pixels becomes a wall (so a thin
wall line survives the scaling), everything else is walkable. White paper around a drawing is walkable
too: a drawing meant for routing should be cropped to the building or have a transparent outside.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from admin.content.logos import MAX_FILE_BYTES
from admin.content.validate import Invalid
from broker.wayfinding.plan import (
    CELLS,
    MAX_HEIGHT,
    MAX_WIDTH,
    MIN_SIDE,
    VOID,
    WALK,
    WALL,
    PlanError,
    check_rows,
)

#: Cells across when the operator does not say: enough for corridors and doors, small on the wire.
DEFAULT_WIDTH = 100
#: A pixel darker than this (0-255 grey) is ink.
DARK = 128
#: The share of ink that makes a cell a wall.
WALL_SHARE = 0.12

#: Bigger drawings are refused before decoding (a decompression bomb, or a scan far beyond any use).
MAX_PIXELS = 25_000_000


def read_plan(path: Path, width: int = DEFAULT_WIDTH) -> tuple[str, ...]:
    """The plan in `path` as checked rows; Invalid (one line) when it is neither a grid nor an image."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise Invalid(f"plan {path} is {size // (1024 * 1024)} MiB; the limit is 10 MiB")
        data = path.read_bytes()
    except OSError as exc:
        raise Invalid(f"cannot read plan {path}: {exc.strerror or exc}") from None
    rows = _text_grid(data)
    try:
        return check_rows(list(rows) if rows is not None else list(_image_grid(data, str(path), width)))
    except PlanError as exc:
        raise Invalid(f"plan {path}: {exc}") from None


def _text_grid(data: bytes) -> tuple[str, ...] | None:
    """Rows of '.', '#' and spaces (short rows padded with outside), or None when it is not one."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    lines = [line.rstrip("\r") for line in text.split("\n")]
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines or any(set(line) - CELLS for line in lines):
        return None
    width = max(len(line) for line in lines)
    return tuple(line.ljust(width, VOID) for line in lines)


def _image_grid(data: bytes, name: str, width: int) -> tuple[str, ...]:
    if not MIN_SIDE <= width <= MAX_WIDTH:
        raise Invalid(f"--width must be {MIN_SIDE} to {MAX_WIDTH} cells, not {width}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                pixels_w, pixels_h = image.size
                if pixels_w * pixels_h > MAX_PIXELS:
                    raise Invalid(f"plan {name} is {pixels_w}x{pixels_h} pixels; at most 25 megapixels")
                image.load()
                grey = image.convert("LA")
    except Invalid:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise Invalid(
            f"plan {name} is neither an image Pillow can read nor a text grid of '.', '#' and spaces"
        ) from None
    except (OSError, ValueError, SyntaxError) as exc:
        raise Invalid(f"plan {name} is damaged: {exc}") from None
    # Square cells: as many rows as the drawing's proportions give, within the caps.
    cells_w = min(width, pixels_w)
    cells_h = max(1, round(cells_w * pixels_h / pixels_w))
    if cells_h > MAX_HEIGHT:
        cells_w, cells_h = max(1, round(cells_w * MAX_HEIGHT / cells_h)), MAX_HEIGHT
    ink = grey.getchannel("L").point(lambda v: 255 if v < DARK else 0)
    opaque = grey.getchannel("A").point(lambda v: 255 if v >= 128 else 0)
    # BOX averages each cell's pixels: the share of ink (or of opaque pixels) in that cell, 0-255.
    ink_share = ink.resize((cells_w, cells_h), Image.Resampling.BOX).tobytes()
    opaque_share = opaque.resize((cells_w, cells_h), Image.Resampling.BOX).tobytes()
    rows = []
    for y in range(cells_h):
        row = []
        for x in range(cells_w):
            i = y * cells_w + x
            if opaque_share[i] < 128:
                row.append(VOID)
            elif ink_share[i] >= WALL_SHARE * 255:
                row.append(WALL)
            else:
                row.append(WALK)
        rows.append("".join(row))
    return tuple(rows)
