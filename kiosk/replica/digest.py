"""The live-record set digest, kept up to date one record at a time.

The head carries `broker.schema.set_digest` over the admin's live records. Recomputing it from the
tables on each of 10,000 bootstrap messages would be quadratic; the digest is a sum modulo 2**256, so
adding or removing one record is one hash and one addition.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from broker.schema import record_hash

_MOD = 1 << 256


@dataclass
class LiveSet:
    """Count and digest sum of a set of live (kind, key, rev) triples."""

    total: int = 0
    count: int = 0

    @classmethod
    def of(cls, live: Iterable[tuple[str, str, int]]) -> LiveSet:
        result = cls()
        for kind, key, rev in live:
            result.add(kind, key, rev)
        return result

    def copy(self) -> LiveSet:
        return LiveSet(self.total, self.count)

    def add(self, kind: str, key: str, rev: int) -> None:
        self.total = (self.total + record_hash(kind, key, rev)) % _MOD
        self.count += 1

    def remove(self, kind: str, key: str, rev: int) -> None:
        self.total = (self.total - record_hash(kind, key, rev)) % _MOD
        self.count -= 1

    @property
    def digest(self) -> str:
        """The same 64 hex digits `broker.schema.set_digest` gives for the same set."""
        return f"{self.total:064x}"

    def matches(self, count: int, digest: str) -> bool:
        return self.count == count and self.digest == digest.lower()
