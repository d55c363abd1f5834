"""Counts in English: "1 tenant", "2 tenants", "0 tenants". Every count the admin node prints goes
through `counted`, so none reads "1 events" or "booking(s)"."""

from __future__ import annotations


def counted(count: int, singular: str, plural: str | None = None) -> str:
    """`count` and the noun in the form that goes with it; `plural` for irregular nouns."""
    if count == 1:
        return f"1 {singular}"
    return f"{count} {plural or singular + 's'}"
