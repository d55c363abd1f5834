"""Every string the screens show is in both catalogs, and Swedish is really translated."""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Message
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from assets import ASSETS

ROOT = Path(__file__).resolve().parents[3]
KEYWORDS = {"_": None, "gettext": None, "N_": None, "ngettext": (1, 2)}


def extracted() -> set[str]:
    found: set[str] = set()
    for directory in ("kiosk/ui/screens", "kiosk/ui/widgets"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / directory, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            found.add(message[0] if isinstance(message, tuple) else message)
    return found


def msgid(message: Message) -> str:
    return message.id if isinstance(message.id, str) else str(message.id[0])


def translations(message: Message) -> tuple[str, ...]:
    return (message.string,) if isinstance(message.string, str) else tuple(message.string or ())


def catalog(language: str) -> dict[str, Message]:
    with (ASSETS / "locale" / language / "LC_MESSAGES" / "kiosk.po").open("rb") as handle:
        parsed = read_po(handle)
    return {msgid(message): message for message in parsed if message.id}


def test_the_screens_use_many_strings() -> None:
    assert len(extracted()) > 50


def test_every_string_has_a_swedish_translation() -> None:
    swedish = catalog("sv")
    missing = sorted(extracted() - set(swedish))
    assert missing == []
    for text in extracted():
        message = swedish[text]
        assert all(translations(message)), f"empty Swedish translation for {text!r}"
        assert not message.fuzzy


def test_english_catalog_has_the_same_entries() -> None:
    assert set(catalog("en")) == set(catalog("sv"))


def test_placeholders_survive_translation() -> None:
    for source, message in catalog("sv").items():
        for placeholder in ("{floor}", "{room}", "{time}", "{count}", "{shown}", "{total}"):
            if placeholder in source:
                assert all(placeholder in text for text in translations(message)), source
