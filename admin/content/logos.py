"""Logos: whatever a tenant sends becomes one small RGBA PNG, or a clear refusal.

A kiosk on a Pi should never decode a 40-megapixel JPEG, and a logo travels to every kiosk as its own
record, so the admin node normalises once: fit in 128x128, PNG, metadata dropped (only the pixels are
re-encoded). The same checks run for staff (`tenant edit --logo`), on the tenant's laptop before a
request is sent, and again in `serve` on what arrives: at most 1 MB, at most 4096 pixels a side, one
frame (an animated GIF/PNG/WebP is refused rather than silently frozen), decodable to the end.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from admin.content.validate import Invalid

#: Bigger files are refused before decoding.
MAX_FILE_BYTES = 1024 * 1024
#: Longer sides are refused (decompression bombs, and nobody needs more for a 128 px logo).
MAX_SIDE = 4096
SIZE = (128, 128)


def normalise_file(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise Invalid(f"logo {path} is {size / (1024 * 1024):.1f} MB; the limit is 1 MB")
        data = path.read_bytes()
    except OSError as exc:
        raise Invalid(f"cannot read logo {path}: {exc.strerror or exc}") from None
    return normalise(data, str(path))


def normalise(data: bytes, name: str = "logo") -> bytes:
    """Decode, check and shrink an image; return PNG bytes."""
    if len(data) > MAX_FILE_BYTES:
        raise Invalid(f"logo {name} is {len(data) / (1024 * 1024):.1f} MB; the limit is 1 MB")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
                if width > MAX_SIDE or height > MAX_SIDE:
                    raise Invalid(f"logo {name} is {width}x{height} pixels; at most {MAX_SIDE} a side")
                if getattr(image, "n_frames", 1) > 1:
                    raise Invalid(f"logo {name} is animated; send a still image")
                image.load()
                converted = image.convert("RGBA")
    except Invalid:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise Invalid(f"logo {name} has far too many pixels to decode (a decompression bomb)") from None
    except UnidentifiedImageError:
        raise Invalid(f"logo {name} is not an image Pillow can read") from None
    except (OSError, ValueError, SyntaxError) as exc:
        raise Invalid(f"logo {name} is damaged: {exc}") from None
    converted.thumbnail(SIZE, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    converted.save(out, format="PNG", optimize=True)
    return out.getvalue()
