"""The directory's ordering, paging and directory table over a real replica file, as edits arrive.

The ranking and the Swedish order are worked out in SQL (a precomputed sort key in the `directory`
table the replica's writer keeps in step with its records), so these tests check what the SQL does
across pages and after edits and snapshots, not only what a Python sort of one page would give.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from kiosk.replica.queries import Queries, SearchResult, sort_key
from kiosk.replica.store import Row
from tests.kiosk.ui.fixtures import Replica

#: In Swedish order: accents other than å/ä/ö sort with their base letter; Å, Ä, Ö come after Z.
SWEDISH_ORDER = [
    "Aalto Akustik",
    "Ebba Energi",
    "Élan Studio",
    "Fisk & Fjäll",
    "Zenit Data",
    "Ångström Lab",
    "Ärlig Design",
    "Östgöta Robotik",
]


def listing(slug: str, name: str, **extra: Any) -> dict[str, Any]:
    return {"slug": slug, "name": name, "visible": True, "category": "", "floor": None, **extra}


@pytest.fixture
def swedish(tmp_path: Path) -> Iterator[tuple[Replica, Queries]]:
    replica = Replica(tmp_path / "order.db")
    # Written in an order that is neither Swedish nor byte order, partners among the tenants.
    shuffled = [SWEDISH_ORDER[i] for i in (6, 3, 7, 0, 5, 2, 4, 1)]
    replica.put_many(
        [
            ("partner" if number % 3 == 0 else "tenant", f"s{number}", listing(f"s{number}", name))
            for number, name in enumerate(shuffled)
        ]
    )
    queries = Queries(replica.path)
    yield replica, queries
    queries.close()
    replica.close()


def names(result: SearchResult) -> list[str]:
    return [item.name for item in result.listings]


def test_the_empty_query_is_in_swedish_order_across_pages(swedish: tuple[Replica, Queries]) -> None:
    _replica, queries = swedish
    assert names(queries.search("")) == SWEDISH_ORDER
    # Each page is the start of the whole order (a byte-order LIMIT would put "Élan" after "Zenit").
    for limit in range(1, len(SWEDISH_ORDER) + 1):
        page = queries.search("", limit=limit)
        assert names(page) == SWEDISH_ORDER[:limit]
        assert page.total == len(SWEDISH_ORDER)


def test_a_rename_moves_the_listing_and_the_old_name_is_not_found(swedish: tuple[Replica, Queries]) -> None:
    replica, queries = swedish
    assert names(queries.search("aalto")) == ["Aalto Akustik"]
    replica.put("partner", "s3", listing("s3", "Öresund Akustik"))
    assert names(queries.search("")) == [*SWEDISH_ORDER[1:-1], "Öresund Akustik", "Östgöta Robotik"]
    assert names(queries.search("aalto")) == []
    assert names(queries.search("oresund")) == ["Öresund Akustik"]
    assert names(queries.search("akustik")) == ["Öresund Akustik"]


def test_hiding_deleting_and_adding_are_seen_by_the_next_search(swedish: tuple[Replica, Queries]) -> None:
    replica, queries = swedish
    assert queries.search("").total == 8
    replica.put("tenant", "s1", listing("s1", "Fisk & Fjäll", visible=False))
    replica.delete("partner", "s6")  # Zenit Data
    replica.put("tenant", "new", listing("new", "Bryggan AB"))
    result = queries.search("")
    assert names(result) == [
        "Aalto Akustik",
        "Bryggan AB",
        "Ebba Energi",
        "Élan Studio",
        "Ångström Lab",
        "Ärlig Design",
        "Östgöta Robotik",
    ]
    assert result.total == 7
    assert names(queries.search("fisk")) == []
    assert names(queries.search("zenit")) == []


def test_filters_follow_an_edit_of_category_and_floor(swedish: tuple[Replica, Queries]) -> None:
    replica, queries = swedish
    assert queries.categories() == [] and queries.floors() == []
    replica.put("tenant", "s1", listing("s1", "Fisk & Fjäll", category="Mat", floor=2))
    replica.put("tenant", "s5", listing("s5", "Élan Studio", category="Design", floor=2))
    assert queries.categories() == ["Design", "Mat"]
    assert queries.floors() == [2]
    assert names(queries.search("", floor=2)) == ["Élan Studio", "Fisk & Fjäll"]
    assert names(queries.search("", category="Mat")) == ["Fisk & Fjäll"]
    assert queries.search("", category="Mat", floor=3).total == 0
    replica.put("tenant", "s1", listing("s1", "Fisk & Fjäll", category="Mat", floor=3))
    assert names(queries.search("", floor=2)) == ["Élan Studio"]
    assert queries.floors() == [2, 3]


def test_ranking_ties_are_broken_in_swedish_order(swedish: tuple[Replica, Queries]) -> None:
    replica, queries = swedish
    replica.put_many(
        [
            ("tenant", f"twin-{letter}", listing(f"twin-{letter}", f"{letter} Tvilling"))
            for letter in ("Ö", "B", "Å", "A")
        ]
    )
    assert names(queries.search("tvilling")) == ["A Tvilling", "B Tvilling", "Å Tvilling", "Ö Tvilling"]


def test_a_record_that_is_not_json_is_skipped(swedish: tuple[Replica, Queries]) -> None:
    replica, queries = swedish
    with closing(sqlite3.connect(replica.path)) as raw, raw:
        raw.execute(
            "INSERT INTO records (kind, key, rev, deleted, data) VALUES ('tenant', 'bad', 99, 0, '{no')"
        )
    result = queries.search("")
    assert names(result) == SWEDISH_ORDER and result.total == 8
    assert names(queries.search("ebba")) == ["Ebba Energi"]


def test_a_listing_without_a_name_sorts_by_its_slug(swedish: tuple[Replica, Queries]) -> None:
    replica, queries = swedish
    # The screen shows the record's key when the name is missing (Listing.name), and sorts by it.
    replica.put("tenant", "bävern", {"slug": "x", "visible": True})
    assert names(queries.search(""))[:3] == ["Aalto Akustik", "bävern", "Ebba Energi"]
    assert sort_key("bävern") < sort_key("Ebba Energi")


def test_a_snapshot_that_writes_a_record_back_at_an_older_revision_is_seen(
    swedish: tuple[Replica, Queries],
) -> None:
    """A recovery snapshot may write a record back at an older revision than the one the screen last
    saw (a rollback to the admin's head): the directory must list what the snapshot holds."""
    replica, queries = swedish
    assert names(queries.search("ebba")) == ["Ebba Energi"]
    with replica.store.transaction():
        replica.store.stage([Row("tenant", "s7", 0, listing("s7", "Zebra Energi"))])
        replica.store.promote_staging(head_rev=replica.rev)
    assert names(queries.search(""))[-5:] == [
        "Zebra Energi",
        "Zenit Data",
        "Ångström Lab",
        "Ärlig Design",
        "Östgöta Robotik",
    ]
    assert names(queries.search("ebba")) == []
    assert names(queries.search("zebra")) == ["Zebra Energi"]


def test_a_snapshot_newer_than_its_head_takes_the_listing_off_the_directory(
    swedish: tuple[Replica, Queries],
) -> None:
    replica, queries = swedish
    assert "Zenit Data" in names(queries.search(""))
    [(kind, zenit)] = [(kind, key) for kind, key, name in _listed(replica) if name == "Zenit Data"]
    with replica.store.transaction():
        replica.store.stage([Row(kind, zenit, replica.rev + 5, listing(zenit, "Zenit Data"))])
        replica.store.promote_staging(head_rev=replica.rev)  # staged past the head: a tombstone
    assert "Zenit Data" not in names(queries.search(""))
    assert queries.search("zenit").total == 0


def _listed(replica: Replica) -> list[tuple[str, str, str]]:
    with closing(sqlite3.connect(replica.path)) as raw:
        return [
            (kind, key, json.loads(data)["name"])
            for kind, key, data in raw.execute("SELECT kind, key, data FROM records WHERE deleted = 0")
        ]


def test_a_replica_written_before_the_directory_table_is_filled_when_opened(tmp_path: Path) -> None:
    """An upgraded kiosk keeps its replica: the directory table is built from its records once."""
    path = tmp_path / "old.db"
    replica = Replica(path)
    replica.put_many([("tenant", "a", listing("a", "Östgöta Robotik", category="Robotik", floor=2))])
    replica.put_many([("tenant", "b", listing("b", "Aalto Akustik", floor=1)), ("partner", "c", None)])
    replica.close()
    with closing(sqlite3.connect(path)) as raw, raw:
        # What a replica from before the directory table looks like.
        raw.execute("DROP TABLE directory")
        raw.execute("DROP TABLE directory_state")
        raw.execute("PRAGMA user_version = 0")
    queries = Queries(path)
    try:
        assert names(queries.search("")) == ["Aalto Akustik", "Östgöta Robotik"]
        assert names(queries.search("ostgota")) == ["Östgöta Robotik"]
        assert queries.categories() == ["Robotik"] and queries.floors() == [1, 2]
        # The writer, reopened, keeps it in step from then on.
        replica = Replica(path)
        replica.rev = 10
        replica.put("tenant", "b", None)
        assert names(queries.search("")) == ["Östgöta Robotik"]
        replica.close()
    finally:
        queries.close()


def test_a_prefix_matching_most_of_the_directory_lists_name_hits_first_alphabetically(tmp_path: Path) -> None:
    """One letter over a big directory: name hits first, each group in Swedish order, all counted."""
    replica = Replica(tmp_path / "broad.db")
    # 1,200 listings mention "teknik" only in their description; 3 have a name word starting with T.
    rows = [
        (
            "tenant",
            f"d{number:04d}",
            listing(f"d{number:04d}", f"Bolag {number:04d}", description_sv="teknik"),
        )
        for number in range(1200)
    ]
    rows += [
        ("tenant", "tre", listing("tre", "Tre Tryck Teknik", description_sv="tryck teknik trä")),
        ("partner", "aa", listing("aa", "Åsa Teknikbyrå")),
        ("tenant", "ab", listing("ab", "Alfa Tryck")),
    ]
    replica.put_many(rows)
    queries = Queries(replica.path)
    try:
        result = queries.search("t")
        assert result.total == 1203
        assert names(result)[:4] == ["Alfa Tryck", "Tre Tryck Teknik", "Åsa Teknikbyrå", "Bolag 0000"]
        # A narrower search is still ranked by relevance: the name hit before description hits.
        assert names(queries.search("teknikbyr")) == ["Åsa Teknikbyrå"]
    finally:
        queries.close()
        replica.close()


def test_the_featured_company_cycles_through_visible_tenants_with_a_website(tmp_path: Path) -> None:
    replica = Replica(tmp_path / "featured.db")
    replica.put_many(
        [
            ("tenant", "b", listing("b", "Björk Bygg", website="https://bjork.example")),
            ("tenant", "a", listing("a", "Ärlig Design", website="https://arlig.example")),
            ("tenant", "c", listing("c", "Cirkel AB")),  # no website: never featured
            ("tenant", "h", listing("h", "Dold AB", website="https://dold.example", visible=False)),
            ("partner", "p", listing("p", "Almi", website="https://almi.example")),  # not a tenant
        ]
    )
    queries = Queries(replica.path)
    try:
        featured = [queries.featured_tenant(index) for index in range(4)]
        assert [tenant.name if tenant else None for tenant in featured] == [
            "Björk Bygg",
            "Ärlig Design",
            "Björk Bygg",
            "Ärlig Design",
        ]
        assert [tenant.name for tenant in queries.tenants_in_order(2)] == ["Björk Bygg", "Cirkel AB"]
        replica.put("tenant", "b", listing("b", "Björk Bygg"))  # the website removed
        assert queries.featured_tenant(0) == queries.tenant("a")
        replica.put("tenant", "a", None)
        assert queries.featured_tenant(7) is None
    finally:
        queries.close()
        replica.close()


def test_a_replica_that_forgets_its_content_empties_the_directory(swedish: tuple[Replica, Queries]) -> None:
    """A new admin key resets the replica: nothing trusted under the old key stays findable."""
    replica, queries = swedish
    assert queries.search("").total == 8
    with replica.store.transaction():
        replica.store.forget_content()
    assert queries.search("").total == 0
    assert queries.search("ebba").total == 0
    assert queries.categories() == [] and queries.floors() == []
