"""Untrusted text is shown literally: no markup, no escapes, no control or invisible characters."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len
from textual.app import App, ComposeResult
from textual.widgets import Label, Static

from kiosk.ui.safe import clean, literal
from tests.kiosk.ui.screen_image import screen_strips

ESC = "\x1b"


def test_markup_stays_literal_text() -> None:
    text = literal("[bold red]x[/]")
    assert text.plain == "[bold red]x[/]"
    assert text.spans == []


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("Acme\x1b[2JAB", "AcmeAB"),  # clear screen
        ("\x1b[31mRed\x1b[0m Co", "Red Co"),  # SGR colour
        ("\x1b]8;;https://evil.example\x1b\\Click\x1b]8;;\x1b\\ here", "Click here"),  # OSC 8 link
        ("\x1b]0;pwned title\x07Acme", "Acme"),  # OSC window title ended by BEL
        ("Acme\x9b2J AB", "Acme AB"),  # 8-bit C1 CSI (U+009B)
        ("Acme\x9d0;title\x9c AB", "Acme AB"),  # 8-bit OSC ended by 8-bit ST
        ("A\x1bcB", "AB"),  # ESC c: full terminal reset
        ("A\x1bP1$r\x1b\\B", "AB"),  # DCS
        ("Acme\x1b", "Acme"),  # a lone trailing ESC
        ("Acme\x1b]0;never terminated\nnext line", "Acme\nnext line"),  # unterminated: costs one line
    ],
)
def test_escape_sequences_are_removed_whole(raw: str, shown: str) -> None:
    assert clean(raw) == shown


def test_control_characters_are_removed_and_newlines_normalised() -> None:
    assert clean("a\x00b\x07c\x08d\x7fe\x85f") == "abcde\nf"
    assert clean("one\r\ntwo\rthree\u2028four\x0cfive") == "one\ntwo\nthree\nfour\nfive"
    assert clean("tab\there") == "tab here"
    assert clean("two\nlines", single_line=True) == "two lines"


def test_bidi_overrides_and_invisible_characters_are_removed() -> None:
    # "‮gpj.exe" would display as "exe.jpg" reversed; the override must not survive.
    assert clean("invoice\u202egpj.exe") == "invoicegpj.exe"
    assert clean("\u2066Acme\u2069 \u202aAB\u202c") == "Acme AB"
    assert clean("Ac\u200bme\u200d \ufeffAB\u00ad\U000e0041") == "Acme AB"


def test_text_is_nfc_normalised_and_zalgo_is_tamed() -> None:
    assert clean("Ho\u0308gskolan") == "Högskolan"  # decomposed ö becomes one character, one cell
    assert clean("x" + "\u0301" * 40) == "x" + "\u0301" * 3


def test_lone_surrogates_become_a_replacement_character() -> None:
    cleaned = clean("Acme \ud800 AB")
    assert cleaned == "Acme \ufffd AB"
    cleaned.encode("utf-8")  # the driver must be able to write it


def test_truncation_counts_terminal_cells_and_ends_in_an_ellipsis() -> None:
    assert clean("Nordvik Robotics AB", max_len=10) == "Nordvik R…"
    assert clean("Nordvik Robotics AB", max_len=8) == "Nordvik…"  # no space before the ellipsis
    assert clean("short", max_len=10) == "short"
    assert clean("東京ロボット株式会社", max_len=7) == "東京ロ…"  # wide characters count two
    assert clean("anything", max_len=0) == ""
    assert clean("anything", max_len=1) == "…"


def test_very_long_words_are_kept_whole_for_the_widget_to_wrap() -> None:
    word = "Donaudampfschifffahrtselektrizitätenhauptbetriebswerkbauunterbeamtengesellschaft" * 5
    assert clean(word) == word


def test_none_and_empty_give_empty_text() -> None:
    assert clean(None) == ""
    assert clean("") == ""
    assert literal(None).plain == ""


@given(st.text())
def test_clean_never_lets_a_control_character_through(raw: str) -> None:
    cleaned = clean(raw)
    assert not any(
        (ord(char) < 32 and char != "\n") or 0x7F <= ord(char) <= 0x9F or 0xD800 <= ord(char) <= 0xDFFF
        for char in cleaned
    )
    assert not any(char in cleaned for char in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


@given(st.text(), st.integers(min_value=0, max_value=40))
def test_truncated_text_fits_its_budget(raw: str, max_len: int) -> None:
    assert cell_len(clean(raw, max_len=max_len)) <= max_len


HOSTILE_NAME = "[bold red]x[/] \x1b[2J\x1b]0;title\x07Acme\u202eBA"
LONG_WORD = "Supercalifragilisticexpialidocious" * 6


class TextApp(App[None]):
    CSS = """
    #name { width: 30; text-wrap: nowrap; text-overflow: ellipsis; }
    #description { width: 30; }
    """

    def compose(self) -> ComposeResult:
        yield Label(literal(HOSTILE_NAME), id="name")
        yield Static(literal(LONG_WORD, overflow="fold"), id="description")


async def test_hostile_text_reaches_the_screen_literally_and_within_its_widget() -> None:
    app = TextApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        lines = [strip.text for strip in screen_strips(app)]
        assert lines[0].rstrip() == "[bold red]x[/] AcmeBA"
        assert all(ESC not in line and "\u202e" not in line for line in lines)
        # The over-long word is folded inside its 30 columns instead of pushing the layout.
        description = app.query_one("#description")
        assert description.size.width == 30
        folded = [line[:30] for line in lines[1 : 1 + description.size.height]]
        assert "".join(folded).rstrip() == LONG_WORD
        assert all(line[30:].strip() == "" for line in lines[1 : 1 + description.size.height])
