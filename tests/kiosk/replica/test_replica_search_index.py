"""The search index follows each edit, and is left alone when an edit changes no searchable text."""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.replica.engine import Replica
from kiosk.replica.schema import connect
from tests.kiosk.replica.replica_messages import Admin, delete, feed, partner, tenant


def indexed(path: Path) -> dict[str, tuple[int, str, str]]:
    """key -> (rowid, name, body) of every `search` row."""
    reader = connect(path, readonly=True)
    try:
        rows = reader.execute("SELECT key, rowid, name, body FROM search").fetchall()
    finally:
        reader.close()
    return {key: (rowid, name, body) for key, rowid, name, body in rows}


def found(path: Path, text: str) -> list[str]:
    reader = connect(path, readonly=True)
    try:
        rows = reader.execute("SELECT key FROM search WHERE search MATCH ? ORDER BY key", (text,)).fetchall()
    finally:
        reader.close()
    return [key for (key,) in rows]


def test_the_index_changes_only_with_the_searchable_text(tmp_path: Path) -> None:
    path = tmp_path / "replica.db"
    admin = Admin(Ed25519PrivateKey.generate())
    admin.commit(tenant("acme", "Acme AB", category="Energi"), partner("almi", "Almi Företagspartner"))
    replica = Replica(path, admin.key.public_key())
    feed(replica, admin.retained())
    before = indexed(path)
    assert set(before) == {"acme", "almi"}

    # A website and the hiring flag are not indexed: the search rows stay exactly as they were.
    feed(
        replica,
        admin.commit(tenant("acme", "Acme AB", category="Energi", website="https://acme.example")).messages,
    )
    assert indexed(path) == before and found(path, "energi") == ["acme"]

    # A new name is: the old one is no longer found, the new one is.
    feed(replica, admin.commit(tenant("acme", "Högskolegruppen", category="Energi")).messages)
    assert found(path, "acme") == [] and found(path, "hogskolegruppen") == ["acme"]
    assert indexed(path)["acme"][0] == before["acme"][0]  # same stable rowid

    # Hidden, then deleted: gone from the index; the partner is untouched throughout.
    feed(replica, admin.commit(tenant("acme", "Högskolegruppen", visible=False)).messages)
    assert found(path, "hogskolegruppen") == []
    feed(replica, admin.commit(delete("partner", "almi")).messages)
    assert indexed(path) == {}
    assert replica.complete and replica.dropped_counts() == {}
    replica.close()
