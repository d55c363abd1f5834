"""The input checks on their own, including generated inputs: what passes is always safe to store."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from admin.content import validate
from admin.content.validate import Invalid

UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


@given(st.text(max_size=300))
def test_accepted_text_never_carries_control_characters(value: str) -> None:
    try:
        cleaned = validate.text(value, "name", validate.NAME_MAX)
    except Invalid as exc:
        assert "\n" not in str(exc)
        assert UNSAFE.search(value) or len(value.strip()) > validate.NAME_MAX
        return
    assert not UNSAFE.search(cleaned)
    assert len(cleaned) <= validate.NAME_MAX
    assert cleaned == value.strip()


@given(st.text(max_size=80))
def test_accepted_urls_are_http_with_a_host(value: str) -> None:
    try:
        cleaned = validate.url(value, "website")
    except Invalid as exc:
        assert "\n" not in str(exc)
        return
    if cleaned:
        parts = urlsplit(cleaned)
        assert parts.scheme.lower() in ("http", "https") and parts.hostname


@pytest.mark.parametrize(
    "value",
    ["https://www.hv.se", "http://example.org/a?b=c#d", "HTTPS://Example.com:8443/x", "https://[::1]/"],
)
def test_good_urls(value: str) -> None:
    assert validate.url(value, "website") == value


@pytest.mark.parametrize(
    "value",
    [
        "ftp://x.se",
        "javascript:alert(1)",
        "https://",
        "//x.se",
        "x.se",
        "https://a b.se",
        "http://[::1",
        "https://x.se:99999/",
    ],
)
def test_bad_urls(value: str) -> None:
    with pytest.raises(Invalid):
        validate.url(value, "website")


def test_naive_times_are_stockholm_and_stored_with_offset() -> None:
    assert validate.time("2030-01-15T10:00", "start") == "2030-01-15T10:00:00+01:00"
    assert validate.time("2030-07-15T10:00", "start") == "2030-07-15T10:00:00+02:00"
    assert validate.time("2030-07-15T08:00:00Z", "start") == "2030-07-15T10:00:00+02:00"


@pytest.mark.parametrize(("value", "expected"), [("yes", True), ("Ja", True), ("0", False), ("", False)])
def test_flags_from_spreadsheets(value: str, expected: bool) -> None:
    assert validate.flag(value, "hiring") is expected


def test_flag_rejects_other_words() -> None:
    with pytest.raises(Invalid, match="hiring 'maybe' is not yes/no"):
        validate.flag("maybe", "hiring")
