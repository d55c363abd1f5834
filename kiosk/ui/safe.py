"""Untrusted text (tenant listings, calendar feeds, announcements) made safe to put on the screen.

Anything a tenant or a calendar supplies may contain Rich markup, terminal escape sequences, control
characters or Unicode tricks. The kiosk must show it literally and it must never reach the terminal as
a command: an ESC[2J would clear the lobby screen, an OSC 8 would plant a link, a bidi override would
make a name read backwards, a lone surrogate would crash the driver when it encodes the frame.

- `clean()` turns any string into plain, printable text. It only cleans (and optionally truncates);
  it does not wrap.
- `literal()` wraps the cleaned text in a `rich.text.Text`, which Textual shows verbatim: it is never
  parsed as markup, so `[bold red]x[/]` appears with its brackets.

Wrapping and cropping are the widget's job. Guidance for screens:

- one-line labels (names in a list, card titles): `literal(name, no_wrap=True, overflow="ellipsis")`,
  or a `Label` with the CSS `text-wrap: nowrap; text-overflow: ellipsis;` so an over-long name ends in
  "…" instead of pushing the layout;
- paragraphs (descriptions): keep wrapping on and use `overflow="fold"` so a 300-character word with
  no spaces is folded across lines instead of overflowing its container;
- pass `max_len` for fields that have no natural limit, so a 1 MB description cannot make a layout pass
  slow.
"""

from __future__ import annotations

import re
import unicodedata

from rich.cells import cell_len, chop_cells
from rich.console import OverflowMethod
from rich.text import Text

ELLIPSIS = "…"

# Escape sequences, 7-bit (ESC-introduced) and 8-bit (C1-introduced). A terminal swallows the whole
# sequence, so we remove the whole sequence too, not just the introducer: otherwise "ESC]0;title BEL"
# would leave "]0;title" on the screen.
_STRING_TERMINATOR = r"(?:\x07|\x1b\\|\x9c)"
_ESCAPE_SEQUENCES = re.compile(
    "|".join(
        (
            # OSC, DCS, SOS, PM, APC: a payload up to ST or BEL. Unterminated, it ends at the next ESC or
            # newline, so a broken sequence costs at most the rest of its line, not the whole description.
            r"(?:\x1b[\]PX^_]|[\x9d\x90\x98\x9e\x9f])[^\x07\x1b\x9c\n]*" + _STRING_TERMINATOR + "?",
            # CSI: parameters, intermediates, one final byte.
            r"(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?",
            # Any other ESC sequence: intermediates then one final byte (ESC c resets the terminal).
            r"\x1b[\x20-\x2f]*[\x30-\x7e]?",
        )
    )
)

_NEWLINES = re.compile(r"\r\n|[\r\x0b\x0c\x85\u2028\u2029]")

# Invisible characters that change how text reads or how wide it is, with no place in a lobby listing:
# bidi embeddings/overrides/isolates and marks (a name that reads backwards), zero-width spaces and
# joiners, word joiner, BOM, soft hyphen, Mongolian vowel separator, variation selectors (they change an
# emoji's width in some terminals but not in Rich's cell count, which breaks alignment), interlinear
# annotations, noncharacters and the invisible "tag" block (used to smuggle hidden text).
_INVISIBLE = re.compile(
    "["
    "\u200b-\u200f"  # ZWSP, ZWNJ, ZWJ, LRM, RLM
    "\u202a-\u202e"  # LRE, RLE, PDF, LRO, RLO
    "\u2060-\u2064"  # word joiner, invisible operators
    "\u2066-\u2069"  # LRI, RLI, FSI, PDI
    "\u061c"  # Arabic letter mark
    "\u00ad"  # soft hyphen
    "\u180e"  # Mongolian vowel separator
    "\ufe00-\ufe0f"  # variation selectors
    "\ufeff"  # BOM / zero-width no-break space
    "\ufff9-\ufffb"  # interlinear annotation
    "\ufffe\uffff"  # noncharacters
    "\U000e0000-\U000e007f"  # tags
    "\U000e0100-\U000e01ef"  # variation selectors supplement
    "]"
)

# Everything below space except newline, DEL, and the C1 block (what is left of it after escapes).
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")

_SURROGATE = re.compile(r"[\ud800-\udfff]")

# "Zalgo" text stacks dozens of combining marks on one letter; terminals draw them outside the cell.
# Real Swedish or English text needs at most a couple per base character.
_MAX_COMBINING = 3


def clean(text: str | None, max_len: int | None = None, *, single_line: bool = False) -> str:
    """Return `text` as plain printable text: no escapes, no control or invisible characters.

    Newlines are normalised to "\\n" (or to spaces with `single_line`), tabs become one space, text is
    NFC-normalised (a decomposed "ö" becomes one character, one cell). `max_len` is measured in terminal
    cells (a wide character counts two); longer text is cut and ends in "…". `None` gives "".
    """
    if not text:
        return ""
    if not isinstance(text, str):  # a defensive net for JSON values that are not strings
        text = str(text)
    text = _SURROGATE.sub("\ufffd", text)  # lone surrogates cannot be encoded for the terminal
    text = _NEWLINES.sub("\n", text)
    text = _ESCAPE_SEQUENCES.sub("", text)
    text = text.replace("\t", " ")
    text = _CONTROL.sub("", text)
    text = _INVISIBLE.sub("", text)
    text = unicodedata.normalize("NFC", text)
    text = _limit_combining(text)
    if single_line:
        text = " ".join(text.split("\n"))
    if max_len is not None:
        text = truncate(text, max_len)
    return text


def truncate(text: str, max_len: int) -> str:
    """Cut `text` to at most `max_len` terminal cells, ending in "…" when something was cut."""
    if max_len <= 0:
        return ""
    if cell_len(text) <= max_len:
        return text
    head = chop_cells(text, max_len - 1)[0] if max_len > 1 else ""
    return head.rstrip() + ELLIPSIS


def literal(
    text: str | None,
    max_len: int | None = None,
    style: str = "",
    *,
    single_line: bool = False,
    no_wrap: bool | None = None,
    overflow: OverflowMethod | None = None,
) -> Text:
    """Untrusted text as a Rich `Text`: shown verbatim, never parsed as markup.

    See the module docstring for `no_wrap`/`overflow` guidance.
    """
    return Text(
        clean(text, max_len, single_line=single_line),
        style=style,
        no_wrap=no_wrap,
        overflow=overflow,
        end="",
    )


def _limit_combining(text: str) -> str:
    if text.isascii():
        return text
    out: list[str] = []
    run = 0
    for char in text:
        if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me"):
            run += 1
            if run > _MAX_COMBINING:
                continue
        else:
            run = 0
        out.append(char)
    return "".join(out)
