"""gettext catalogs compiled in memory with Babel; a missing or broken catalog falls back to English."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from kiosk.ui.i18n import CATALOG_DIR, Translator, catalog_path

HEADER = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'

SV = (
    HEADER
    + """msgid "Opening hours"
msgstr "Öppettider"

msgid "Today"
msgstr "I dag"

msgid "{n} event"
msgid_plural "{n} events"
msgstr[0] "{n} evenemang"
msgstr[1] "{n} evenemang"

msgid "{n} company"
msgid_plural "{n} companies"
msgstr[0] "{n} företag"
msgstr[1] "{n} företag"

#, fuzzy
msgid "Visit us"
msgstr "Besök ossss"
"""
)

EN = (
    HEADER
    + """msgid "Today"
msgstr ""
"""
)


def write_catalog(root: Path, language: str, text: str | bytes) -> Path:
    path = catalog_path(root, language)
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def catalogs(tmp_path: Path) -> Path:
    write_catalog(tmp_path, "sv", SV)
    write_catalog(tmp_path, "en", EN)
    return tmp_path


def test_swedish_is_the_default_and_translates(catalogs: Path) -> None:
    translator = Translator(catalog_dir=catalogs)
    assert translator.language == "sv"
    assert translator.gettext("Opening hours") == "Öppettider"
    assert translator.gettext("Today") == "I dag"


def test_plurals_follow_the_catalog(catalogs: Path) -> None:
    translator = Translator(catalog_dir=catalogs)
    assert translator.ngettext("{n} company", "{n} companies", 1).format(n=1) == "1 företag"
    assert translator.ngettext("{n} company", "{n} companies", 5).format(n=5) == "5 företag"
    translator.set_language("en")
    assert translator.ngettext("{n} company", "{n} companies", 1).format(n=1) == "1 company"
    assert translator.ngettext("{n} company", "{n} companies", 5).format(n=5) == "5 companies"


def test_switching_language_and_back(catalogs: Path) -> None:
    translator = Translator(catalog_dir=catalogs)
    translator.set_language(translator.other_language())
    assert translator.language == "en"
    assert translator.gettext("Opening hours") == "Opening hours"
    assert translator.gettext("Today") == "Today"  # an empty msgstr falls back to the msgid
    translator.set_language(translator.other_language())
    assert translator.gettext("Opening hours") == "Öppettider"


def test_fuzzy_and_unknown_entries_show_the_english_msgid(catalogs: Path) -> None:
    translator = Translator(catalog_dir=catalogs)
    assert translator.gettext("Visit us") == "Visit us"
    assert translator.gettext("Not in the catalog") == "Not in the catalog"


def test_missing_catalog_falls_back_to_english_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="kiosk.ui.i18n"):
        translator = Translator(catalog_dir=tmp_path / "nowhere")
    assert translator.gettext("Opening hours") == "Opening hours"
    assert "catalog missing" in caplog.text


def test_unreadable_catalog_falls_back_to_english_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    write_catalog(tmp_path, "sv", b"\xff\xfe\x00garbage\x9c\x80")
    with caplog.at_level(logging.WARNING, logger="kiosk.ui.i18n"):
        translator = Translator(catalog_dir=tmp_path)
    assert translator.gettext("Opening hours") == "Opening hours"
    assert "catalog unreadable" in caplog.text


def test_a_malformed_entry_is_skipped_and_the_rest_still_translates(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = SV.replace('msgid "Today"\n', 'msgid "Today\nthis line is not po syntax\n')
    write_catalog(tmp_path, "sv", broken)
    with caplog.at_level(logging.WARNING, logger="kiosk.ui.i18n"):
        translator = Translator(catalog_dir=tmp_path)
    assert translator.gettext("Opening hours") == "Öppettider"
    assert "malformed" in caplog.text
    assert capsys.readouterr().out == ""  # nothing printed over the kiosk's screen


def test_an_edited_catalog_is_picked_up_by_a_new_translator(catalogs: Path) -> None:
    assert Translator(catalog_dir=catalogs).gettext("Today") == "I dag"
    path = write_catalog(catalogs, "sv", SV.replace('"I dag"', '"Idag"'))  # size changes too
    assert path.exists()
    assert Translator(catalog_dir=catalogs).gettext("Today") == "Idag"


def test_unsupported_language_is_refused_and_the_current_one_kept(catalogs: Path) -> None:
    translator = Translator(catalog_dir=catalogs)
    with pytest.raises(ValueError, match="sv, en"):
        translator.set_language("de")
    assert translator.language == "sv"
    assert translator.gettext("Opening hours") == "Öppettider"


def test_default_catalog_dir_is_the_shipped_assets() -> None:
    assert Translator().catalog_dir == CATALOG_DIR
    assert CATALOG_DIR.parts[-2:] == ("assets", "locale")
