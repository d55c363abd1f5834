"""One record model: each kind's fields are defined in broker/records.py, and the wire schema, the
admin's public form, the admin's tables and the kiosk's records all follow it.

A field added in one place fails here until it is handled everywhere: a new wire field needs a
column in the admin table (or a computed value in admin/content/public.py) and a field of the same
name on the kiosk's record class (or an entry in its RENAMED or UNUSED); a field added to a kiosk
record class alone must be a wire field or declared LOCAL.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from admin.content import public
from admin.store.db import connect
from broker.envelope import Rejected
from broker.records import BLANK_TEXT, CHOICE, FLAG, INT, RECORD_KINDS, TAGS, TEXT, TIME, Field, RecordKind
from broker.schema import KINDS, validate_record
from broker.times import STOCKHOLM, parse_iso
from broker.wayfinding.plan import WAYFINDING_FIELDS
from kiosk.replica.records import RECORD_CLASSES, WireRecord

TABLES = {
    "tenant": "tenants",
    "partner": "partners",
    "event": "events",
    "room": "rooms",
    "booking": "bookings",
    "announcement": "announcements",
}
SHOWN = sorted(RECORD_CLASSES)


def test_every_kind_on_the_wire_is_defined_once() -> None:
    # The building's kinds are structured (grids, lists) and defined by broker.wayfinding instead.
    assert set(RECORD_KINDS).isdisjoint(WAYFINDING_FIELDS)
    assert (*RECORD_KINDS, *WAYFINDING_FIELDS) == KINDS
    assert set(RECORD_CLASSES) == set(RECORD_KINDS) - {"logo"}  # a logo is read as bytes (Queries.logo)
    assert set(TABLES) == set(RECORD_CLASSES)


@pytest.mark.parametrize("kind", SHOWN)
def test_the_kiosk_record_has_a_field_for_every_wire_field(kind: str) -> None:
    cls = RECORD_CLASSES[kind]
    wire = RECORD_KINDS[kind]
    assert cls.WIRE is wire
    assert set(wire.names) >= cls.UNUSED, "UNUSED names a field that is not on the wire"
    assert set(cls.RENAMED) <= set(wire.names) - cls.UNUSED, "RENAMED names a field that is not on the wire"
    mapped = {cls.RENAMED.get(name, name) for name in wire.names if name not in cls.UNUSED}
    fields = {field.name for field in dataclasses.fields(cls) if field.init}  # type: ignore[arg-type]
    assert fields - cls.LOCAL == mapped


@pytest.mark.parametrize("kind", SHOWN)
def test_the_admin_table_holds_every_wire_field(kind: str, tmp_path: Path) -> None:
    db = connect(tmp_path / "admin.db", create=True)
    columns = set(db[TABLES[kind]].columns_dict)
    computed = set(public.COMPUTED.get(kind, {}))
    assert computed <= set(RECORD_KINDS[kind].names)
    assert set(RECORD_KINDS[kind].names) - computed <= columns


def _sample(field: Field) -> Any:
    """A value the admin would store for the field, unlike any fallback the kiosk would use."""
    return {
        TEXT: f"x-{field.name}",
        BLANK_TEXT: f"x-{field.name}",
        INT: 7,
        FLAG: 1,
        TIME: "2026-12-02T10:00:00+01:00",
        TAGS: '["robotik", "ai"]',
        CHOICE: field.choices[-1] if field.choices else "",
    }[field.type]


def _shown(field: Field) -> Any:
    """What the kiosk's record holds for `_sample(field)`."""
    return {
        TEXT: f"x-{field.name}",
        BLANK_TEXT: f"x-{field.name}",
        INT: 7,
        FLAG: True,
        TIME: parse_iso("2026-12-02T10:00:00+01:00").astimezone(STOCKHOLM),
        TAGS: ("robotik", "ai"),
        CHOICE: field.choices[-1] if field.choices else "",
    }[field.type]


def _admin_row(kind: RecordKind) -> dict[str, Any]:
    row = {field.name: _sample(field) for field in kind.fields}
    row["private"] = 0  # a private booking's title never leaves the admin node
    row["end"] = "2026-12-02T11:00:00+01:00"
    return row


@pytest.mark.parametrize("kind", SHOWN)
def test_a_full_record_reaches_the_kiosk_field_by_field(kind: str) -> None:
    wire = RECORD_KINDS[kind]
    cls = RECORD_CLASSES[kind]
    row = _admin_row(wire)
    data = getattr(public, kind)(row)
    assert list(data) == list(wire.names)  # every field, in the kind's order
    validate_record(kind, data)
    record = cls.from_record("7", data)  # type: ignore[attr-defined]
    assert isinstance(record, WireRecord)
    for field in wire.fields:
        if field.name in cls.UNUSED or field.name in public.COMPUTED.get(kind, {}):
            continue
        value = getattr(record, cls.RENAMED.get(field.name, field.name))
        expected = _shown(field)
        if field.name == "private":
            expected = False
        if field.name == "end":
            expected = datetime(2026, 12, 2, 11, 0, tzinfo=STOCKHOLM)
        assert value == expected, f"{kind}.{field.name}: the kiosk shows {value!r}"


@pytest.mark.parametrize("kind", RECORD_KINDS)
def test_each_required_field_is_required_on_the_wire(kind: str) -> None:
    wire = RECORD_KINDS[kind]
    data = public.public(wire, _admin_row(wire))
    for field in wire.fields:
        if field.required:
            with pytest.raises(Rejected, match=field.name):
                validate_record(kind, {name: value for name, value in data.items() if name != field.name})
