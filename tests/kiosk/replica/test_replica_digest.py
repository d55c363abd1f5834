"""The incremental digest the replica keeps equals broker.schema.set_digest over the same records."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from broker.schema import KINDS, set_digest
from kiosk.replica.digest import LiveSet

record = st.tuples(st.sampled_from(KINDS), st.text(min_size=1, max_size=6), st.integers(1, 2**63 - 1))


@given(adds=st.lists(record, max_size=40, unique_by=lambda r: r[:2]), removals=st.data())
def test_adding_and_removing_one_record_at_a_time_gives_set_digest(
    adds: list[tuple[str, str, int]], removals: st.DataObject
) -> None:
    live = LiveSet()
    for kind, key, rev in adds:
        live.add(kind, key, rev)
    removed = removals.draw(st.lists(st.sampled_from(adds), unique=True) if adds else st.just([]))
    for kind, key, rev in removed:
        live.remove(kind, key, rev)
    remaining = [r for r in adds if r not in removed]
    assert live.digest == set_digest(remaining)
    assert live.count == len(remaining)
    assert live.matches(len(remaining), set_digest(remaining).upper())
    assert LiveSet.of(remaining) == live


def test_the_empty_set() -> None:
    assert LiveSet().digest == set_digest([]) == "0" * 64
