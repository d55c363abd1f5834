"""Versioned message bodies and the records they carry.

A body is the JSON inside a signed envelope. Version 1 knows three types:

- ``state``:  the current state of one record, retained on ``state/<kind>/<key>``.
- ``change``: one committed admin transaction (or one part of it), on ``changes``, in revision order.
  Its last part may carry the manifest after that revision (``head``: count and digest), so a live
  kiosk checks and trusts it with the change itself: one verification and one commit per edit.
- ``head``:   the manifest, retained on ``head``: revision, live record count and set digest.

Record payloads use the same field names as ``innovatum-admin ... --json``; each kind's fields are
defined once, in broker/records.py.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from broker.envelope import Rejected
from broker.records import CHOICE, INT, RECORD_KINDS
from broker.records import PRIORITIES as PRIORITIES  # where the admin CLI has always found it
from broker.wayfinding.plan import WAYFINDING_FIELDS

SCHEMA_VERSION = 1

#: The flat record kinds (broker/records.py), then the building's (broker/wayfinding/plan.py: plans are
#: grids and lists, parsed and checked by broker.wayfinding on both sides).
KINDS: tuple[str, ...] = (*RECORD_KINDS, *WAYFINDING_FIELDS)

#: The fields a kiosk relies on, with the types it accepts. Extra fields are ignored (forward compatible).
RECORD_FIELDS: dict[str, dict[str, tuple[type, ...]]] = {
    **{name: kind.wire_required() for name, kind in RECORD_KINDS.items()},
    **WAYFINDING_FIELDS,
}
#: Required fields whose value must also be one of a few (`unknown priority 'x'` otherwise).
_CHOICES: dict[str, dict[str, tuple[str, ...]]] = {
    name: {field.name: field.choices for field in kind.fields if field.required and field.type == CHOICE}
    for name, kind in RECORD_KINDS.items()
}
_INTS: dict[str, frozenset[str]] = {
    name: frozenset(field.name for field in kind.fields if field.type == INT)
    for name, kind in RECORD_KINDS.items()
}

_HEX64 = re.compile(r"[0-9a-fA-F]{64}")


def validate_record(kind: str, data: Any) -> dict[str, Any]:
    if kind not in RECORD_FIELDS:
        raise Rejected("malformed", f"unknown kind {kind!r}")
    if not isinstance(data, dict):
        raise Rejected("malformed", f"{kind} data is not an object")
    for field, types in RECORD_FIELDS[kind].items():
        value = data.get(field)
        # bool is an int in Python; an id of True is not an id.
        is_int = field in _INTS[kind] if kind in _INTS else types == (int,)
        if not isinstance(value, types) or (is_int and isinstance(value, bool)):
            raise Rejected("malformed", f"{kind}.{field} missing or of the wrong type")
    for field, choices in _CHOICES.get(kind, {}).items():
        if data[field] not in choices:
            raise Rejected("malformed", f"unknown {field} {data[field]!r}")
    return data


def _int(body: Mapping[str, Any], name: str, minimum: int = 0) -> int:
    value = body.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise Rejected("malformed", f"{name} missing or not an integer >= {minimum}")
    return value


def _check_version(body: Mapping[str, Any], expected_type: str) -> None:
    if body.get("v") != SCHEMA_VERSION:
        raise Rejected("wrong_version", f"schema version {body.get('v')!r}")
    if body.get("type") != expected_type:
        raise Rejected("malformed", f"expected a {expected_type} message, got {body.get('type')!r}")


@dataclass(frozen=True)
class RecordChange:
    kind: str
    key: str
    op: str  # "upsert" or "delete"
    data: dict[str, Any] | None

    def body(self) -> dict[str, Any]:
        return {"kind": self.kind, "key": self.key, "op": self.op, "data": self.data}


def parse_record(raw: Any) -> RecordChange:
    if not isinstance(raw, dict):
        raise Rejected("malformed", "record is not an object")
    kind, key, op = raw.get("kind"), raw.get("key"), raw.get("op")
    if kind not in KINDS:
        raise Rejected("malformed", f"unknown kind {kind!r}")
    if not isinstance(key, str) or not key or "/" in key or len(key) > 128:
        raise Rejected("malformed", "bad record key")
    if op == "delete":
        return RecordChange(kind, key, op, None)
    if op != "upsert":
        raise Rejected("malformed", f"unknown op {op!r}")
    return RecordChange(kind, key, op, validate_record(kind, raw.get("data")))


@dataclass(frozen=True)
class StateMessage:
    rev: int
    record: RecordChange

    def body(self) -> dict[str, Any]:
        return {"v": SCHEMA_VERSION, "type": "state", "rev": self.rev, **self.record.body()}


@dataclass(frozen=True)
class Manifest:
    """Live record count and set digest: what a replica holds once it has applied a revision."""

    count: int
    digest: str  # 64 hex digits, lower case

    def body(self) -> dict[str, Any]:
        return {"count": self.count, "digest": self.digest}


@dataclass(frozen=True)
class ChangeMessage:
    rev: int
    prev: int
    part: int
    parts: int
    at: str
    records: tuple[RecordChange, ...]
    #: The manifest after `rev`, on the last part only. Optional: the publisher knows it for the newest
    #: revision of a round; earlier ones (a backlog after an outage) are checked by the retained head.
    head: Manifest | None = None

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "v": SCHEMA_VERSION,
            "type": "change",
            "rev": self.rev,
            "prev": self.prev,
            "part": self.part,
            "parts": self.parts,
            "at": self.at,
            "records": [r.body() for r in self.records],
        }
        if self.head is not None:
            body["head"] = self.head.body()
        return body


@dataclass(frozen=True)
class HeadMessage:
    rev: int
    count: int
    digest: str
    at: str

    def body(self) -> dict[str, Any]:
        return {
            "v": SCHEMA_VERSION,
            "type": "head",
            "rev": self.rev,
            "count": self.count,
            "digest": self.digest,
            "at": self.at,
        }


def parse_state(body: Mapping[str, Any], kind: str, key: str) -> StateMessage:
    _check_version(body, "state")
    record = parse_record(body)
    if (record.kind, record.key) != (kind, key):
        raise Rejected("malformed", "record does not match its topic")
    return StateMessage(_int(body, "rev", 1), record)


def parse_change(body: Mapping[str, Any]) -> ChangeMessage:
    _check_version(body, "change")
    rev, prev = _int(body, "rev", 1), _int(body, "prev", 0)
    part, parts = _int(body, "part", 0), _int(body, "parts", 1)
    if prev >= rev or part >= parts:
        raise Rejected("malformed", "inconsistent revision or part numbers")
    records = body.get("records")
    if not isinstance(records, list):
        raise Rejected("malformed", "records is not a list")
    at = body.get("at")
    head = body.get("head")
    manifest = None
    if head is not None:
        if part != parts - 1:
            raise Rejected("malformed", "a manifest on a change part that is not the last")
        manifest = parse_manifest(head)
    return ChangeMessage(
        rev,
        prev,
        part,
        parts,
        at if isinstance(at, str) else "",
        tuple(parse_record(r) for r in records),
        manifest,
    )


def parse_manifest(raw: Any) -> Manifest:
    if not isinstance(raw, dict):
        raise Rejected("malformed", "head is not an object")
    digest = raw.get("digest")
    if not isinstance(digest, str) or not _HEX64.fullmatch(digest):
        raise Rejected("malformed", "digest is not 64 hex digits")
    return Manifest(_int(raw, "count", 0), digest.lower())


def parse_head(body: Mapping[str, Any]) -> HeadMessage:
    _check_version(body, "head")
    digest = body.get("digest")
    if not isinstance(digest, str) or len(digest) != 64:
        raise Rejected("malformed", "bad digest")
    at = body.get("at")
    return HeadMessage(
        _int(body, "rev", 0), _int(body, "count", 0), digest, at if isinstance(at, str) else ""
    )


# --- the set digest -------------------------------------------------------------------------------
# A sum of per-record hashes modulo 2**256: independent of order and updatable one record at a time,
# so the admin and every kiosk can compute it over their own tables and compare with the head.

_MOD = 1 << 256


def record_hash(kind: str, key: str, rev: int) -> int:
    return int.from_bytes(hashlib.sha256(f"{kind}\n{key}\n{rev}".encode()).digest(), "big")


def set_digest(live: Iterable[tuple[str, str, int]]) -> str:
    """Digest of the live (not deleted) records, each as (kind, key, rev)."""
    total = 0
    for kind, key, rev in live:
        total = (total + record_hash(kind, key, rev)) % _MOD
    return f"{total:064x}"
