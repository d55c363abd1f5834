"""Reading a feed from a file or over HTTP(S), with limits a misbehaving server cannot get around.

Only the standard library (urllib): a feed is one GET, and the admin node runs on small hardware.
A server that answers 304 Not Modified to our ETag / Last-Modified costs nothing and changes nothing.
"""

from __future__ import annotations

import http.client
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from urllib.parse import urlsplit

from admin.calendars.errors import CalendarError

#: A 10,000-event feed is about 4 MB; anything far beyond that is not a calendar a lobby needs.
MAX_BYTES = 16 * 1024 * 1024
#: Per socket operation, and the whole download: a server dripping one byte a second must not hang serve.
TIMEOUT = 20.0
USER_AGENT = "innovatum-admin (calendar feed reader)"


@dataclass(frozen=True)
class Fetched:
    text: str | None  # None: 304 Not Modified, keep what we have
    etag: str | None = None
    last_modified: str | None = None


def is_url(spec: str) -> bool:
    return urlsplit(spec).scheme.lower() in ("http", "https", "webcal", "webcals")


def normalise_url(url: str) -> str:
    """webcal:// is how calendar apps advertise a subscription; on the wire it is plain HTTPS."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme in ("webcal", "webcals"):
        return parts._replace(scheme="https").geturl()
    if scheme not in ("http", "https") or not parts.hostname:
        raise CalendarError(f"{url!r} is not an http(s) or webcal URL with a host")
    return url.strip()


def _size(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MB" if limit >= 1024 * 1024 else f"{limit:,} bytes"


def decode(body: bytes, origin: str, charset: str | None = None) -> str:
    """RFC 5545 says UTF-8; a server may name another charset, which we then honour."""
    try:
        return body.decode(charset or "utf-8-sig")
    except (UnicodeDecodeError, LookupError):
        raise CalendarError(
            f"{origin}: not UTF-8 text{f' (declared charset {charset})' if charset else ''}"
        ) from None


def read_file(path: Path, max_bytes: int = MAX_BYTES) -> str:
    try:
        with path.open("rb") as handle:
            body = handle.read(max_bytes + 1)
    except OSError as exc:
        raise CalendarError(f"cannot read {path}: {exc.strerror or exc}") from None
    if len(body) > max_bytes:
        raise CalendarError(f"{path} is larger than {_size(max_bytes)}")
    return decode(body, str(path))


def fetch(
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    timeout: float = TIMEOUT,
    max_bytes: int = MAX_BYTES,
) -> Fetched:
    """GET the feed; CalendarError (one line naming the URL and the problem) for anything but a calendar."""
    url = normalise_url(url)
    headers = {"User-Agent": USER_AGENT, "Accept": "text/calendar, */*;q=0.5"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    request = urllib.request.Request(url, headers=headers)
    deadline = time.monotonic() + timeout
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            info: Message = response.headers
            chunks: list[bytes] = []
            size = 0
            # read1: at most one socket read per call, so the deadline below is checked between
            # reads even when a server drips a byte at a time (read() would wait for all 64 KiB).
            while chunk := response.read1(64 * 1024):
                size += len(chunk)
                if size > max_bytes:
                    raise CalendarError(f"{url}: the feed is larger than {_size(max_bytes)}")
                if time.monotonic() > deadline:
                    raise CalendarError(f"{url}: timed out after {timeout:g} s (download too slow)")
                chunks.append(chunk)
    except urllib.error.HTTPError as exc:
        if exc.code == 304 and (etag or last_modified):
            return Fetched(None, etag, last_modified)
        if exc.code == 304:  # "not modified" since nothing: a broken server, and no text to import
            raise CalendarError(
                f"{url}: HTTP 304 Not Modified to a request that sent no ETag or date"
            ) from None
        raise CalendarError(f"{url}: HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError):
            raise CalendarError(f"{url}: timed out after {timeout:g} s") from None
        raise CalendarError(f"{url}: cannot connect ({reason})") from None
    except TimeoutError:
        raise CalendarError(f"{url}: timed out after {timeout:g} s") from None
    except http.client.IncompleteRead:
        raise CalendarError(f"{url}: the connection closed before the whole feed arrived") from None
    except (OSError, ValueError, http.client.HTTPException) as exc:  # a reset, a malformed status line, ...
        raise CalendarError(f"{url}: {type(exc).__name__}: {exc}") from None
    declared = info.get("Content-Length", "")
    if declared.isdigit() and size < int(declared):
        raise CalendarError(f"{url}: the connection closed before the whole feed arrived")
    content_type = info.get_content_type()
    if content_type in ("text/html", "application/xhtml+xml"):
        raise CalendarError(f"{url}: the server returned a web page ({content_type}), not an iCalendar feed")
    text = decode(b"".join(chunks), url, info.get_content_charset())
    return Fetched(text, info.get("ETag"), info.get("Last-Modified"))


def read(spec: str, *, timeout: float = TIMEOUT) -> str:
    """The text of FILE or URL, for a one-off import (no conditional request)."""
    if is_url(spec):
        fetched = fetch(spec, timeout=timeout)
        assert fetched.text is not None  # no validators were sent, so fetch refused a 304
        return fetched.text
    if "://" in spec:
        raise CalendarError(f"{spec!r}: only http(s) and webcal URLs, or a file, can be read")
    return read_file(Path(spec))
