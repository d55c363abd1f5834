"""Tenant logos drawn as colour half-block cells.

A logo is uploaded by a tenant, so it is untrusted: it may be corrupt, not an image at all, or a
"decompression bomb" (a few kilobytes of PNG that claim 20000 x 20000 pixels and would need 1.6 GB to
decode on a Raspberry Pi with 512 MB). Before decoding we check the byte size, the format and the
header's pixel size; anything wrong, or any exception from Pillow, gives a neutral placeholder (a
framed box with the tenant's initials) and a logged warning. `render_logo` never raises.

Each cell is one pixel wide and two pixels tall ("▀" with the upper pixel as foreground and the lower
one as background), so pixels are square on a terminal. The logo keeps its aspect ratio, is centred,
and transparency is composited onto the widget's background colour.

Rendering is cached (LRU keyed by a hash of the bytes, the size, the background and the placeholder
text), so the attract loop cycling through the same cards, or a screen re-rendering, costs nothing.
"""

from __future__ import annotations

import hashlib
import io
import logging
import warnings
from threading import Lock

from PIL import Image, ImageOps
from rich.cells import cell_len
from rich.color import Color as RichColor
from rich.segment import Segment
from rich.style import Style
from textual.cache import LRUCache
from textual.color import Color, ColorParseError
from textual.geometry import Size
from textual.strip import Strip
from textual.widget import Widget

from kiosk.ui.safe import clean, truncate

log = logging.getLogger(__name__)

RGB = tuple[int, int, int]

# The admin node normalises every logo to a PNG of at most 128x128 (admin/content/logos.py), so these
# caps only meet data that did not come through it. They keep the worst case small on a Pi: a
# 1024x1024 RGBA decode is 4 MB; the 4096x4096 Pillow would happily open is 64 MB, most of the budget.
#: Largest logo file we try to decode. Real logos are a few kilobytes.
MAX_LOGO_BYTES = 2 * 1024 * 1024
#: Largest logo we decode, checked from the header before any pixel is decoded.
MAX_LOGO_SIDE = 1024
MAX_LOGO_PIXELS = MAX_LOGO_SIDE * MAX_LOGO_SIDE
#: Formats a tenant may upload; Pillow's other decoders (EPS needs Ghostscript, ...) are never tried.
ALLOWED_FORMATS = ("PNG", "JPEG", "GIF", "WEBP", "BMP")

PLACEHOLDER_FRAME = Style(color="#808080")
PLACEHOLDER_TEXT = Style(color="#b0b0b0", bold=True)

_CACHE_SIZE = 256
_cache: LRUCache[tuple[str, int, int, str, str], tuple[Strip, ...]] = LRUCache(_CACHE_SIZE)
_cache_lock = Lock()  # a screen may render logos from a worker thread (LRUCache has no lock)


class LogoError(Exception):
    """Why a logo could not be used (logged, then replaced by the placeholder)."""


def logo_digest(image: bytes | None) -> str:
    """A short content hash, the cache key for the image bytes ("" for no image)."""
    return hashlib.blake2b(image, digest_size=16).hexdigest() if image else ""


def render_logo(
    image: bytes | None,
    width: int,
    height: int,
    *,
    background: str = "#000000",
    placeholder_text: str = "",
) -> list[Strip]:
    """The logo fitted into `width` x `height` cells, one strip per row; the placeholder if unusable.

    `background` (a CSS colour, normally the widget's background) shows through transparent pixels and
    fills the margins. Never raises for bad image data.
    """
    return list(_render_cached(image, logo_digest(image), width, height, background, placeholder_text))


def _render_cached(
    image: bytes | None, digest: str, width: int, height: int, background: str, placeholder_text: str
) -> tuple[Strip, ...]:
    width, height = max(0, width), max(0, height)
    key = (digest, width, height, background, placeholder_text)
    with _cache_lock:
        cached = _cache.get(key)
        if cached is not None:
            return cached
    strips = _render(image, width, height, background, placeholder_text)
    with _cache_lock:
        _cache.set(key, strips)
    return strips


def _render(
    image: bytes | None, width: int, height: int, background: str, placeholder_text: str
) -> tuple[Strip, ...]:
    if width == 0 or height == 0:
        return ()
    try:
        bg = Color.parse(background)
    except ColorParseError:
        bg = Color(0, 0, 0)
    if image:
        try:
            pixels = decode_logo(image, width, 2 * height, (bg.r, bg.g, bg.b))
        except LogoError as error:
            log.warning("logo replaced by a placeholder: %s", error)
        else:
            return _pixels_to_strips(pixels)
    return _placeholder(width, height, bg, placeholder_text)


def decode_logo(image: bytes, width: int, height: int, background: RGB) -> Image.Image:
    """Decode `image` into an RGB picture of exactly `width` x `height` pixels, the logo centred in it.

    Raises LogoError (never anything else) when the bytes are not a usable logo.
    """
    if len(image) > MAX_LOGO_BYTES:
        raise LogoError(f"file is {len(image)} bytes, more than {MAX_LOGO_BYTES}")
    try:
        with warnings.catch_warnings():
            # Pillow only warns between MAX_IMAGE_PIXELS and twice that; for us any bomb is an error.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(image), formats=ALLOWED_FORMATS) as picture:
                source_width, source_height = picture.size
                if (
                    source_width > MAX_LOGO_SIDE
                    or source_height > MAX_LOGO_SIDE
                    or source_width * source_height > MAX_LOGO_PIXELS
                ):
                    raise LogoError(f"image is {source_width}x{source_height}, more than the cap")
                if picture.format == "JPEG":
                    # Let libjpeg decode at a reduced scale: much less memory and time for big photos.
                    picture.draft("RGB", (width, height))
                picture.load()
                oriented = ImageOps.exif_transpose(picture)
                rgba = oriented.convert("RGBA")
    except LogoError:
        raise
    except Exception as error:  # Pillow raises many types for bad data (OSError, SyntaxError, ...)
        raise LogoError(f"not a usable image ({type(error).__name__}: {error})") from None
    # Area averaging when shrinking (the usual case: a logo into a few dozen pixels) has no ringing,
    # so flat colours stay flat and transparent margins stay exactly the background; bilinear when a
    # tiny logo is enlarged.
    shrinking = rgba.width >= width or rgba.height >= height
    resample = Image.Resampling.BOX if shrinking else Image.Resampling.BILINEAR
    fitted = ImageOps.contain(rgba, (width, height), resample)
    canvas = Image.new("RGBA", (width, height), (*background, 255))
    offset = ((width - fitted.width) // 2, (height - fitted.height) // 2)
    canvas.alpha_composite(fitted, offset)
    return canvas.convert("RGB")


def _pixels_to_strips(picture: Image.Image) -> tuple[Strip, ...]:
    width, height = picture.size
    raw = picture.tobytes()  # row-major RGB bytes
    channels = iter(raw)
    rgb: list[RGB] = list(zip(channels, channels, channels, strict=True))
    styles: dict[tuple[RGB, RGB], Style] = {}

    def segment(upper: RGB, lower: RGB, length: int) -> Segment:
        # A run whose halves match is drawn as spaces: fewer colour changes for the terminal.
        if upper == lower:
            key = (lower, lower)
            style = styles.get(key) or styles.setdefault(key, Style(bgcolor=RichColor.from_rgb(*lower)))
            return Segment(" " * length, style)
        key = (upper, lower)
        style = styles.get(key) or styles.setdefault(
            key, Style(color=RichColor.from_rgb(*upper), bgcolor=RichColor.from_rgb(*lower))
        )
        return Segment("▀" * length, style)

    strips = []
    for top in range(0, height - 1, 2):
        uppers = rgb[top * width : (top + 1) * width]
        lowers = rgb[(top + 1) * width : (top + 2) * width]
        segments: list[Segment] = []
        start = 0
        for x in range(1, width + 1):
            if x == width or uppers[x] != uppers[start] or lowers[x] != lowers[start]:
                segments.append(segment(uppers[start], lowers[start], x - start))
                start = x
        strips.append(Strip(segments, width))
    return tuple(strips)


def _placeholder(width: int, height: int, background: Color, text: str) -> tuple[Strip, ...]:
    """A grey frame with the initials centred in it: clearly "no logo", never an error."""
    bg = RichColor.from_rgb(background.r, background.g, background.b)
    frame = PLACEHOLDER_FRAME + Style(bgcolor=bg)
    label_style = PLACEHOLDER_TEXT + Style(bgcolor=bg)
    blank = Style(bgcolor=bg)
    label = clean(text, single_line=True).strip()

    def centred(inner: int) -> list[Segment]:
        shown = truncate(label, inner)
        left = (inner - cell_len(shown)) // 2
        right = inner - cell_len(shown) - left
        return [Segment(" " * left, blank), Segment(shown, label_style), Segment(" " * right, blank)]

    if height < 3 or width < 3:
        middle = height // 2
        return tuple(
            Strip(centred(width) if y == middle else [Segment(" " * width, blank)], width)
            for y in range(height)
        )
    strips = [Strip([Segment("┌" + "─" * (width - 2) + "┐", frame)], width)]
    middle = (height - 1) // 2
    for y in range(1, height - 1):
        inner = centred(width - 2) if y == middle else [Segment(" " * (width - 2), blank)]
        strips.append(Strip([Segment("│", frame), *inner, Segment("│", frame)], width))
    strips.append(Strip([Segment("└" + "─" * (width - 2) + "┘", frame)], width))
    return tuple(strips)


class Logo(Widget):
    """A tenant's logo in `width` x `height` cells, or a placeholder with `placeholder_text` (initials)."""

    DEFAULT_CSS = """
    Logo {
        width: auto;
        height: auto;
    }
    """

    def __init__(
        self,
        image: bytes | None,
        *,
        width: int,
        height: int,
        placeholder_text: str = "",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._cells = Size(max(0, width), max(0, height))
        self._image = image
        self._digest = logo_digest(image)  # hashed once, so re-rendering is a dictionary lookup
        self._placeholder_text = placeholder_text

    def update(self, image: bytes | None, placeholder_text: str | None = None) -> None:
        """Show another logo (a tenant updated theirs while the page is open)."""
        self._image = image
        self._digest = logo_digest(image)
        if placeholder_text is not None:
            self._placeholder_text = placeholder_text
        self.refresh()

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return self._cells.width

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return self._cells.height

    def render_line(self, y: int) -> Strip:
        background = self.background_colors[1]
        strips = _render_cached(
            self._image,
            self._digest,
            self._cells.width,
            self._cells.height,
            background.hex6,
            self._placeholder_text,
        )
        if 0 <= y < len(strips):
            return strips[y]
        return Strip.blank(self.size.width, self.rich_style)
