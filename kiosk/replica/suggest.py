""" "Did you mean …?": the names a one-letter typo was probably after, when the search found nothing.

A visitor types "robt" or "nordljs" and the prefix search has no hit. A word of the typed text that
matches nothing is compared with the words of the listings' names (the search index's own
vocabulary, read through a temp `fts5vocab` table, folded the way the index folds: case and
diacritics): a name word is near when it starts with the typed word changed by one letter (one
deleted, inserted, replaced, or two neighbours swapped). Each edit is a range in the sorted word
list, so a suggestion costs a few hundred binary searches, not a comparison with every name: well
inside the keystroke budget at 10,000 tenants (bench/kiosk_search.py). Reading the vocabulary is
the expensive part (about 15 ms at 10,000 tenants on a slow machine): the directory reads it right
after it is drawn and after each content update (`Queries.prepare_suggestions`), not on a keystroke.

Invariants: only listing names are suggested (a word that only occurs in a description leads to
nothing a visitor recognises); only visible listings (the index holds only those); words shorter
than MIN_WORD get no suggestion (one letter off "ab" is almost everything).
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from bisect import bisect_left
from collections.abc import Callable, Iterable

#: Shorter words are left alone: too many names are one letter away from them.
MIN_WORD = 3
#: Near name words kept per typed word (the closest first); enough for a handful of names.
MAX_TERMS = 8
#: What the index's tokenizer (unicode61, remove_diacritics 2) leaves in a word.
ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"

_WORD = re.compile(r"\w+", re.UNICODE)
VOCABULARY = "CREATE VIRTUAL TABLE IF NOT EXISTS temp.name_words USING fts5vocab(main, 'search', 'col')"


def fold(word: str) -> str:
    """As the index stores a word: lower case, diacritics removed ("Ödla" -> "odla")."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def name_words(conn: sqlite3.Connection) -> list[str]:
    """Every word of a visible listing's name, sorted (read once per directory version)."""
    conn.execute(VOCABULARY)
    rows = conn.execute("SELECT term FROM temp.name_words WHERE col = 'name' ORDER BY term")
    return [term for (term,) in rows]


def edits(word: str) -> set[str]:
    """Every string one edit away from `word`: deleted, swapped, replaced or inserted letters."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deleted = {left + right[1:] for left, right in splits if right}
    swapped = {left + right[1] + right[0] + right[2:] for left, right in splits if len(right) > 1}
    replaced = {left + char + right[1:] for left, right in splits if right for char in ALPHABET}
    inserted = {left + char + right for left, right in splits for char in ALPHABET}
    return (deleted | swapped | replaced | inserted) - {word}


def near_words(word: str, vocabulary: list[str]) -> list[str]:
    """Name words that start with `word` changed by one letter, shortest (closest) first."""
    found: set[str] = set()
    for variant in edits(word):
        if len(variant) < MIN_WORD - 1:
            continue
        index = bisect_left(vocabulary, variant)
        # A variant that is a short common prefix would match a long run: a few are enough.
        for term in vocabulary[index : index + MAX_TERMS]:
            if not term.startswith(variant):
                break
            found.add(term)
    return sorted(found, key=lambda term: (abs(len(term) - len(word)), term))[:MAX_TERMS]


def quoted(terms: Iterable[str]) -> str:
    return " OR ".join('"' + term.replace('"', '""') + '"' for term in terms)


def suggestion_match(
    text: str, vocabulary: Callable[[], list[str]], has_hits: Callable[[str], bool]
) -> str | None:
    """An FTS5 query for the names the visitor probably meant, or None when there is nothing to offer.

    Words that find something on their own stay as typed (prefix terms); a word that finds nothing
    is replaced by the near name words, in the name column. No suggestion when no word was near
    anything, or when a word finds nothing and has no near word either.
    """
    parts = []
    corrected = False
    for word in _WORD.findall(text)[:8]:
        if has_hits(word):
            parts.append('"' + word.replace('"', '""') + '"*')
            continue
        folded = fold(word)
        # The vocabulary is only read for a word that needs it ("z" finds nothing and gets nothing).
        near = near_words(folded, vocabulary()) if len(folded) >= MIN_WORD else []
        if not near:
            return None
        parts.append(f"{{name}} : ({quoted(near)})")
        corrected = True
    return " AND ".join(parts) if corrected else None
