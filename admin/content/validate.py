"""Checking what people type (and what import files contain) before it reaches the database.

Tenants' text is untrusted and ends up on public screens and in terminals, so every text is checked for
control characters (C0, DEL and C1: terminal escapes start with them) and for a length limit. Each check
raises `Invalid` with a message that names the field, fit to be shown to the user as one line.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from broker import topics
from broker.times import EARLIEST, LATEST, STOCKHOLM, in_sane_range, parse_iso, to_iso


class Invalid(ValueError):
    """Input a person can correct; the message is one line that names the field and the problem."""


class InvalidRows(Invalid):
    """Several rows of one file are wrong: each problem is one line naming the file and the row, so the
    operator can fix them all in one go. `total` counts them all; `problems` holds the first few."""

    #: How many problems are listed; the rest are counted.
    SHOWN = 20

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.total = len(problems)
        self.problems = problems[: self.SHOWN]
        super().__init__(self.summary())

    def summary(self) -> str:
        rest = self.total - len(self.problems)
        more = f" ({rest} more not shown)" if rest else ""
        rows = "1 row has a problem" if self.total == 1 else f"{self.total} rows have problems"
        return f"{self.source}: {rows}{more}; nothing was imported"


#: A field's check, called as check(value, field name): the clean value, or Invalid naming the field.
Checker = Callable[[object, str], Any]


#: Length limits, in characters.
NAME_MAX = 120
TITLE_MAX = 200
SHORT_MAX = 200
DESCRIPTION_MAX = 2000
ANNOUNCEMENT_MAX = 500
URL_MAX = 500

# C0 controls, DEL and C1 controls. Newlines and tabs are refused too: every text here is shown on one
# line or re-flowed by the kiosk, and a stray \r or \t from a spreadsheet is a mistake worth reporting.
# Also the Unicode line/paragraph separators and the bidirectional overrides and isolates, which can make
# a listing display as something other than what it says ("Trojan Source").
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def printable(value: str, limit: int | None = None) -> str:
    """`value` fit for a terminal: every control character above (escapes, bidi overrides, line
    breaks) replaced by U+FFFD, at most `limit` characters. For text nobody validated before it was
    stored: what kiosks report about themselves, rows written by older versions."""
    cleaned = _CONTROL.sub("\ufffd", value)
    return cleaned if limit is None else cleaned[:limit]


#: Characters that draw nothing although Unicode does not call them spaces or format characters
#: (Hangul fillers, the braille blank): a name made of them looks empty on a screen.
_BLANK = set("\u115f\u1160\u3164\uffa0\u2800")


def visible(value: str) -> bool:
    """Whether the text draws anything: not only spaces, zero-width and other invisible characters."""
    return any(unicodedata.category(char)[0] not in ("Z", "C", "M") and char not in _BLANK for char in value)


def text(value: object, field: str, limit: int, *, required: bool = False) -> str:
    """A one-line text: no control characters, at most `limit` characters, trimmed. A required one
    must show something (not only invisible characters)."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise Invalid(f"{field} must be text, not {type(value).__name__}")
    if _SURROGATE.search(value):  # the command line's way of passing on bytes that are not UTF-8
        raise Invalid(f"{field} is not valid UTF-8 text")
    bad = _CONTROL.search(value)
    if bad:
        raise Invalid(f"{field} contains a control character (U+{ord(bad.group()):04X})")
    value = value.strip()
    if len(value) > limit:
        raise Invalid(f"{field} is {len(value)} characters long; the limit is {limit}")
    if required and not value:
        raise Invalid(f"{field} must not be empty")
    if required and not visible(value):
        raise Invalid(f"{field} must contain something visible, not only invisible characters")
    return value


def text_of(limit: int, *, required: bool = False) -> Checker:
    """The `text` check with its limit fixed, for tables of field checks."""
    return lambda value, field: text(value, field, limit, required=required)


def slug(value: object, field: str = "slug") -> str:
    """Slugs become MQTT topic levels and broker user names, hence broker.topics.safe_id's rules."""
    if not isinstance(value, str):
        raise Invalid(f"{field} must be text")
    try:
        return topics.safe_id(value)
    except ValueError as exc:
        raise Invalid(f"{field}: {exc}") from None


def url(value: object, field: str) -> str:
    """An http(s) URL with a host, or empty. Visitors scan it as a QR code, so nothing else is safe."""
    cleaned = text(value, field, URL_MAX)
    if not cleaned:
        return ""
    if " " in cleaned:
        raise Invalid(f"{field} {cleaned!r} contains a space")
    try:
        parts = urlsplit(cleaned)
        host = parts.hostname
        parts.port  # noqa: B018 -- raises ValueError for a port out of range
    except ValueError:
        raise Invalid(f"{field} {cleaned!r} is not a valid URL") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise Invalid(f"{field} {cleaned!r} is not an http(s) URL")
    if not host:
        raise Invalid(f"{field} {cleaned!r} has no host name")
    if "@" in parts.netloc:  # https://bank.example@evil.example/ opens evil.example
        raise Invalid(f"{field} {cleaned!r} contains user info (user@host); give the address without it")
    return cleaned


def integer(value: object, field: str, *, minimum: int = 0, maximum: int = 1_000_000) -> int | None:
    """An optional whole number in a range; an empty text means "not set"."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise Invalid(f"{field} must be a whole number")
    if isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            raise Invalid(f"{field} {value!r} is not a whole number") from None
    if not isinstance(value, int):
        raise Invalid(f"{field} must be a whole number")
    if not minimum <= value <= maximum:
        raise Invalid(f"{field} must be between {minimum} and {maximum}, not {value}")
    return value


def floor(value: object, field: str) -> int | None:
    """A floor number: basements to a tall tower (tenants, partners and rooms alike)."""
    return integer(value, field, minimum=-5, maximum=200)


def capacity(value: object, field: str) -> int | None:
    """Places or seats (events and rooms)."""
    return integer(value, field, minimum=0, maximum=100_000)


_TRUE = {"1", "true", "yes", "y", "ja", "x"}
_FALSE = {"", "0", "false", "no", "n", "nej"}


def flag(value: object, field: str) -> bool:
    """A yes/no value as a CLI flag, a JSON boolean or a spreadsheet cell (yes/no, true/false, 1/0)."""
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
    raise Invalid(f"{field} {value!r} is not yes/no")


def sane_time(value: datetime, field: str, shown: str = "") -> datetime:
    """`value` (naive is Stockholm time) if it lies in the sane range (broker.times.EARLIEST up to
    LATEST: 2000 to 2099); Invalid (quoting `shown`, the text as the user typed it) otherwise."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=STOCKHOLM)
    if not in_sane_range(value):
        raise Invalid(
            f"{field} {shown or value.isoformat()} is outside the accepted range "
            f"({EARLIEST.year}-01-01 to {LATEST.year - 1}-12-31)"
        )
    return value


def time(value: object, field: str) -> str:
    """An ISO 8601 time in the sane range, stored with its offset in Stockholm time (naive input is
    Stockholm time)."""
    if isinstance(value, datetime):
        return to_iso(sane_time(value, field))
    if not isinstance(value, str) or not value.strip():
        raise Invalid(f"{field} must be an ISO 8601 time (for example 2026-12-01T18:00)")
    try:
        parsed = parse_iso(value)
    except ValueError as exc:
        raise Invalid(f"{field}: {exc}") from None
    return to_iso(sane_time(parsed, field, value.strip()))


def end_after_start(start: str, end: str, *, what: str = "end") -> None:
    if parse_iso(end) <= parse_iso(start):
        raise Invalid(f"{what} {end} is not after start {start}")


def tags(value: object, field: str = "tags") -> list[str]:
    """Tags as a list, or a comma-separated text (from the CLI or a spreadsheet)."""
    if value is None:
        return []
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list):
        raise Invalid(f"{field} must be a list or comma-separated text")
    cleaned = [text(item, field, 40) for item in items]
    result = [tag for tag in cleaned if tag]
    if len(result) > 20:
        raise Invalid(f"{field}: at most 20 tags, not {len(result)}")
    return result


def fields(checks: Mapping[str, Checker], values: Mapping[str, object], what: str) -> dict[str, Any]:
    """Check the given values (only those), each with its field's check; an unknown name is refused."""
    unknown = set(values) - set(checks)
    if unknown:
        raise Invalid(f"unknown {what} field {sorted(unknown)[0]!r}")
    return {name: checks[name](value, name) for name, value in values.items()}
