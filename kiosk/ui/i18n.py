"""Translations and dates in the visitor's language: Swedish by default, English one touch away.

Catalogs are gettext .po files at `assets/locale/<lang>/LC_MESSAGES/kiosk.po`. They are compiled to
.mo in memory when first used (Babel's `read_po` + `write_mo`), so there is no build step and no
compiled file to forget to regenerate. msgids are the English text; Swedish is the default language.

A missing or unreadable catalog never stops the kiosk: the text falls back to the msgid (English) and
a warning is logged once. A malformed entry is skipped (logged) and the rest of the catalog is used.
Fuzzy entries are ignored, as gettext does.

The app holds one `Translator` and screens ask it for their strings when they render, so switching
language re-renders; there is deliberately no module-level `_()` bound to a global language.

How to add a string:
1. In the screen, write `translator.gettext("Opening hours")` (English msgid), or
   `translator.ngettext("{n} event", "{n} events", n).format(n=n)` for a count.
2. Add the entry to BOTH catalogs, assets/locale/sv/LC_MESSAGES/kiosk.po and
   assets/locale/en/LC_MESSAGES/kiosk.po:

       msgid "Opening hours"
       msgstr "Öppettider"

   (the English catalog repeats the msgid as msgstr, or leaves msgstr "" to fall back to it). Plurals:

       msgid "{n} event"
       msgid_plural "{n} events"
       msgstr[0] "{n} evenemang"
       msgstr[1] "{n} evenemang"

3. Restart the kiosk. Nothing to compile.

Dates: `format_day`, `format_weekday`, `format_date_short`, `format_time` and `format_range` always
convert to Europe/Stockholm first, whatever zone the value carries (a naive value is taken as
Stockholm wall-clock time, as on the wire), so a kiosk whose system clock is set to UTC still shows
local time.
"""

from __future__ import annotations

import contextlib
import gettext
import io
import logging
from datetime import datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Literal

from babel.dates import format_date as babel_format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from assets import ASSETS
from broker.times import STOCKHOLM

log = logging.getLogger(__name__)

Language = Literal["sv", "en"]
LANGUAGES: tuple[Language, ...] = ("sv", "en")
DEFAULT_LANGUAGE: Language = "sv"
DOMAIN = "kiosk"
CATALOG_DIR = ASSETS / "locale"

_EN_DASH = "–"


def N_(message: str) -> str:
    """Marks a msgid for extraction where the translation happens later (gettext convention)."""
    return message


def catalog_path(catalog_dir: Path, language: str) -> Path:
    """Where the .po file for `language` lives under `catalog_dir`."""
    return catalog_dir / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def load_catalog(path: Path, language: str) -> gettext.NullTranslations:
    """The compiled catalog at `path`, or a pass-through (msgid) translation if it is missing or broken.

    Cached per file and modification time, so every Translator shares one compiled copy and an edited
    file is picked up by a new Translator.
    """
    try:
        stat = path.stat()
    except OSError as error:
        return _fallback(str(path), f"catalog missing ({error.strerror})")
    return _compile(path, language, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=16)
def _compile(path: Path, language: str, _mtime_ns: int, _size: int) -> gettext.NullTranslations:
    try:
        # Babel reports a malformed entry by printing to stdout and skipping it. Keep the good entries
        # (one typo must not turn the whole screen English) and route the complaint to the log instead
        # of the terminal the kiosk is drawing on.
        complaints = io.StringIO()
        with path.open("rb") as po_file, contextlib.redirect_stdout(complaints):
            catalog = read_po(po_file, locale=language)
        if complaints.getvalue():
            log.warning("%s: skipped malformed entries: %s", path, " ".join(complaints.getvalue().split()))
        mo = io.BytesIO()
        write_mo(mo, catalog, use_fuzzy=False)
        mo.seek(0)
        return gettext.GNUTranslations(mo)
    except Exception as error:  # Babel and gettext raise many types for a bad file; none may crash us
        return _fallback(str(path), f"catalog unreadable ({type(error).__name__}: {error})")


@lru_cache(maxsize=16)
def _fallback(path: str, reason: str) -> gettext.NullTranslations:
    # Cached so the warning is logged once per file, not once per rendered string.
    log.warning("%s: %s; showing English text", path, reason)
    return gettext.NullTranslations()


def normalise_language(language: str) -> Language:
    """`language` if the kiosk supports it, otherwise the default (Swedish)."""
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


class Translator:
    """The kiosk's current language and its catalog. One per app; screens ask it when they render."""

    def __init__(self, language: str = DEFAULT_LANGUAGE, *, catalog_dir: Path | None = None) -> None:
        self._catalog_dir = catalog_dir if catalog_dir is not None else CATALOG_DIR
        self._language: Language = DEFAULT_LANGUAGE
        self._translations: gettext.NullTranslations = gettext.NullTranslations()
        self.set_language(language)

    @property
    def language(self) -> Language:
        return self._language

    @property
    def catalog_dir(self) -> Path:
        return self._catalog_dir

    def set_language(self, language: str) -> None:
        """Switch language. Raises ValueError for a language the kiosk has no catalog for."""
        if language not in LANGUAGES:
            raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, not {language!r}")
        self._language = language
        self._translations = load_catalog(catalog_path(self._catalog_dir, language), language)

    def other_language(self) -> Language:
        """The language the language button switches to."""
        return "en" if self._language == "sv" else "sv"

    def gettext(self, msgid: str) -> str:
        return self._translations.gettext(msgid)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._translations.ngettext(singular, plural, n)


# Dates ---------------------------------------------------------------------------------------------


def to_stockholm(value: datetime) -> datetime:
    """`value` as Stockholm local time; a naive value is taken to be Stockholm time already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=STOCKHOLM)
    return value.astimezone(STOCKHOLM)


def _format(value: datetime, pattern: str, lang: str) -> str:
    return babel_format_date(to_stockholm(value), pattern, locale=normalise_language(lang))


def format_day(value: datetime, lang: str) -> str:
    """ "fredag 27 november" / "Friday 27 November"."""
    return _format(value, "EEEE d MMMM", lang)


def format_weekday(value: datetime, lang: str) -> str:
    """ "fredag" / "Friday"."""
    return _format(value, "EEEE", lang)


def format_date_short(value: datetime, lang: str) -> str:
    """ "fre 27 nov." / "Fri 27 Nov", for lists and ranges where space is short."""
    return _format(value, "EEE d MMM", lang)


def format_time(value: datetime, lang: str) -> str:
    """ "18:00" in both languages (Sweden and the kiosk's English both use the 24-hour clock)."""
    local = to_stockholm(value)
    return f"{local.hour:02d}:{local.minute:02d}"


def format_range(start: datetime, end: datetime | None, lang: str, *, all_day: bool = False) -> str:
    """When an event happens, in the visitor's language.

    - timed, one day: "fredag 27 november 18:00–20:00"
    - timed, several days: "fre 27 nov. 18:00 – lör 28 nov. 02:00"
    - all day, one day: "fredag 27 november"; several days: "fre 27 nov. – sön 29 nov."

    An all-day end at midnight is exclusive, as in iCalendar (DTEND of a one-day event is the next
    day). A missing end, or one before the start (bad calendar data), shows only the start.
    """
    start = to_stockholm(start)
    end = to_stockholm(end) if end is not None else None
    if end is not None and end < start:
        end = None
    if all_day:
        last = start
        if end is not None:
            last = end - timedelta(days=1) if end.time() == time(0) and end > start else end
        if last.date() <= start.date():
            return format_day(start, lang)
        return f"{format_date_short(start, lang)} {_EN_DASH} {format_date_short(last, lang)}"
    if end is None or end == start:
        return f"{format_day(start, lang)} {format_time(start, lang)}"
    if end.date() == start.date():
        return f"{format_day(start, lang)} {format_time(start, lang)}{_EN_DASH}{format_time(end, lang)}"
    return (
        f"{format_date_short(start, lang)} {format_time(start, lang)} {_EN_DASH} "
        f"{format_date_short(end, lang)} {format_time(end, lang)}"
    )
