"""The screen's read API over a real replica file: search, filters, windows, targets."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.replica.queries import Partner, Queries, Tenant, fts_query, sort_key
from tests.kiosk.ui.fixtures import MARKUP_NAME, NOW, Replica, announcement, at


@pytest.fixture
def queries(replica: Replica) -> Iterator[Queries]:
    opened = Queries(replica.path)
    yield opened
    opened.close()


def names(result: object) -> list[str]:
    return [listing.name for listing in result.listings]  # type: ignore[attr-defined]


def test_search_is_prefix_and_diacritics_insensitive(queries: Queries) -> None:
    assert names(queries.search("hogskolan")) == ["Högskolan Väst"]
    assert names(queries.search("HÖGSK")) == ["Högskolan Väst"]
    assert names(queries.search("vavst")) == ["Vävstolen Design"]


def test_search_matches_descriptions_and_ranks_names_first(queries: Queries) -> None:
    found = names(queries.search("robot"))
    assert found[0] == "Robotlabbet Väst AB"
    assert set(found) == {"Robotlabbet Väst AB", "Nordic Drone Systems"}  # Nordic: category Robotik


def test_every_word_must_match(queries: Queries) -> None:
    assert names(queries.search("robot drone")) == ["Nordic Drone Systems"]


@pytest.mark.parametrize(
    "typed",
    [
        '"',
        '"robot',
        "robot*",
        "*",
        "AND",
        "robot AND",
        "OR NOT",
        "(",
        "robot)",
        "NEAR(",
        "a:b",
        "^",
        "-",
        "'",
    ],
)
def test_fts_syntax_typed_by_a_visitor_never_raises(queries: Queries, typed: str) -> None:
    result = queries.search(typed)
    assert result.total == len(result.listings)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_any_text_is_a_valid_query(typed: str) -> None:
    query = fts_query(typed)
    assert query.count('"') % 2 == 0


def test_hidden_listings_are_never_found(queries: Queries) -> None:
    assert names(queries.search("hemligt")) == []
    assert "Hemligt Bolag" not in names(queries.search(""))
    assert queries.tenant("hemligt") is None


def test_empty_search_lists_everything_in_swedish_order(queries: Queries) -> None:
    listed = names(queries.search(""))
    assert listed == sorted(listed, key=sort_key)
    assert sort_key("Östra") > sort_key("Zeta") > sort_key("Alfa")
    assert sort_key("Élan") < sort_key("Fisk")
    assert len(listed) == 10


def test_filters_by_category_and_floor(queries: Queries) -> None:
    assert names(queries.search("", category="Robotik")) == ["Nordic Drone Systems", "Robotlabbet Väst AB"]
    evil = queries.tenant("escape")
    assert evil is not None
    assert set(names(queries.search("", floor=1))) == {MARKUP_NAME, evil.name, "Vävstolen Design"}
    assert names(queries.search("robot", floor=3)) == []
    assert "Robotik" in queries.categories() and "Hemligt" not in queries.categories()
    assert queries.floors() == [1, 2, 3]


def test_listing_kinds_and_language_fallback(queries: Queries) -> None:
    tenant = queries.tenant("solkraft")
    assert isinstance(tenant, Tenant)
    assert tenant.description("en") == tenant.description("sv") == "Solceller på industritak. Demoföretag."
    partner = queries.listing("partner", "kontaktcenter")
    assert isinstance(partner, Partner)
    assert partner.hours("en") == "Monday–Friday 8:00–16:30"
    assert partner.address.startswith("Gärdhemsvägen 9")


def test_logo_bytes_and_a_broken_logo(queries: Queries, replica: Replica) -> None:
    assert (queries.logo("tenant", "robotlabbet") or b"").startswith(b"\x89PNG")
    replica.put(
        "logo", "tenant:solkraft", {"owner": "tenant:solkraft", "mime": "image/png", "data": "!!not base64"}
    )
    assert queries.logo("tenant", "solkraft") is None
    assert queries.logo("tenant", "nobody") is None


def test_events_from_today_in_order(queries: Queries) -> None:
    events = queries.events_from(NOW, 14)
    assert [event.id for event in events] == [2, 1, 3, 6, 4, 5]
    assert queries.events_from(NOW, 1)[-1].id == 3
    cancelled = queries.event(5)
    assert cancelled is not None and cancelled.cancelled and cancelled.title("en") == "Space week"


def test_rooms_with_todays_bookings(queries: Queries) -> None:
    rooms = {room.slug: room for room in queries.rooms(NOW.date())}
    assert list(rooms) == ["ada", "turing", "polhem"]
    ada = rooms["ada"]
    current = ada.current(NOW)
    assert current is not None and current.title == "Designsprint"
    upcoming = ada.next(NOW)
    assert upcoming is not None and upcoming.private and upcoming.title == ""
    assert rooms["polhem"].current(NOW) is None
    assert [booking.id for booking in rooms["polhem"].bookings] == [4]  # tomorrow's is not today's


def test_announcements_by_window_and_target(queries: Queries) -> None:
    active = queries.announcements(NOW, "lobby-1", "lobby")
    assert [item.id for item in active] == [2, 1]  # warning before info
    assert [item.id for item in queries.announcements(NOW, "cafe-1", "cafe")] == [4, 1]
    assert [item.id for item in queries.announcements(NOW, "lobby-1", "")] == [1]
    tomorrow = NOW + timedelta(days=1)
    assert 5 in [item.id for item in queries.announcements(tomorrow, "lobby-1", "lobby")]
    assert 1 not in [item.id for item in queries.announcements(tomorrow, "lobby-1", "lobby")]


def test_unknown_target_and_bad_record_are_skipped(queries: Queries, replica: Replica) -> None:
    replica.put("announcement", "7", announcement(7, "x", "x", "info", target="everyone"))
    replica.put("announcement", "8", {"id": 8, "priority": "shout", "text_sv": "x"})
    replica.put("announcement", "9", announcement(9, "nu", "now", "emergency", until=at(0, 11)))
    ids = [item.id for item in queries.announcements(NOW, "lobby-1", "lobby")]
    assert ids == [9, 2, 1]


def test_a_commit_by_the_sync_client_is_seen_by_the_next_search(queries: Queries, replica: Replica) -> None:
    assert names(queries.search("ljus")) == []
    total = queries.search("").total
    replica.put("tenant", "ljusdesign", {"slug": "ljusdesign", "name": "Ljusdesign AB", "visible": True})
    assert names(queries.search("ljus")) == ["Ljusdesign AB"]
    assert queries.search("").total == total + 1
    replica.delete("tenant", "ljusdesign")
    assert names(queries.search("ljus")) == []


def test_many_matches_are_counted_but_only_the_limit_is_listed(queries: Queries) -> None:
    result = queries.search("", limit=3)
    assert result.total == 10 and len(result.listings) == 3
    assert names(result) == names(queries.search(""))[:3]


def test_a_multi_day_event_that_began_days_ago_is_still_today(queries: Queries, replica: Replica) -> None:
    replica.put(
        "event",
        "40",
        {"id": 40, "title_sv": "Utställning", "start": at(-3, 10), "end": at(2, 16), "all_day": False},
    )
    assert 40 in [event.id for event in queries.events_from(NOW, 1)]
    assert 40 not in [
        event.id for event in queries.events_between(NOW + timedelta(days=3), NOW + timedelta(days=9))
    ]


def test_next_announcement_change_is_the_nearest_window_edge_for_this_kiosk(queries: Queries) -> None:
    assert queries.next_announcement_change(NOW, "lobby-1", "lobby") == NOW.replace(hour=15, minute=0)
    tomorrow = NOW + timedelta(days=1)
    assert queries.next_announcement_change(NOW.replace(hour=16), "lobby-1", "lobby") == tomorrow.replace(
        hour=8, minute=0
    )
    assert queries.next_announcement_change(tomorrow, "lobby-1", "lobby") is None
