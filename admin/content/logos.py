"""Logos: whatever a tenant sends becomes one small RGBA PNG, or a clear refusal.

A kiosk on a Pi should never decode a 40-megapixel JPEG, and a logo travels to every kiosk as its own
record, so the admin node normalises once: fit in 128x128, PNG, metadata dropped.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from admin.content.validate import Invalid

#: Bigger files are refused before decoding.
MAX_FILE_BYTES = 10 * 1024 * 1024
#: Bigger images are refused (decompression bombs, and nobody needs more for a 128 px logo).
MAX_PIXELS = 25_000_000
SIZE = (128, 128)


def normalise_file(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise Invalid(f"logo {path} is {size // (1024 * 1024)} MiB; the limit is 10 MiB")
        data = path.read_bytes()
    except OSError as exc:
        raise Invalid(f"cannot read logo {path}: {exc.strerror or exc}") from None
    return normalise(data, str(path))


def normalise(data: bytes, name: str = "logo") -> bytes:
    """Decode, check and shrink an image; return PNG bytes."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
                if width * height > MAX_PIXELS:
                    raise Invalid(f"logo {name} is {width}x{height} pixels; at most 25 megapixels")
                image.load()
                converted = image.convert("RGBA")
    except Invalid:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise Invalid(f"logo {name} is not an image Pillow can read (or it is far too large)") from None
    except (OSError, ValueError, SyntaxError) as exc:
        raise Invalid(f"logo {name} is damaged: {exc}") from None
    converted.thumbnail(SIZE, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    converted.save(out, format="PNG", optimize=True)
    return out.getvalue()
