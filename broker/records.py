"""Each record kind that crosses the broker, defined once: its fields, their types, which are required.

The wire is the contract between the admin node and the kiosks, so the record model lives here, on
the layer both sides stand on. Everything else is built from these definitions:

- `broker.schema.RECORD_FIELDS`: what a kiosk insists on before it applies a record (the required
  fields, with the JSON types they may have);
- the admin's public form (`admin/content/public.py`): one value per field, read from the row of the
  admin database, plus the few fields the admin computes (`has_logo`, a private booking's blanks);
- the kiosk's lenient parsing (`kiosk/replica/records.py`): a value per field, or the field's
  fallback when a value has the wrong type, so a record written by a newer admin still shows.

tests/broker/test_records_model.py fails when a field is added here but not handled on both sides,
or handled on one side but not defined here.

Field types, as JSON: `TEXT` a string (`BLANK_TEXT`: a string, never null); `INT` an integer (not a
boolean); `FLAG` a boolean; `TIME` an ISO 8601 string with an offset; `TAGS` a list of strings;
`CHOICE` one of the field's `choices`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

FieldType = Literal["text", "blank_text", "int", "flag", "time", "tags", "choice"]
TEXT: FieldType = "text"
BLANK_TEXT: FieldType = "blank_text"
INT: FieldType = "int"
FLAG: FieldType = "flag"
TIME: FieldType = "time"
TAGS: FieldType = "tags"
CHOICE: FieldType = "choice"

#: The JSON types a required field may have on the wire (bool is refused where an int is expected).
WIRE_TYPES: dict[FieldType, tuple[type, ...]] = {
    TEXT: (str,),
    BLANK_TEXT: (str,),
    INT: (int,),
    FLAG: (bool,),
    TIME: (str,),
    TAGS: (list,),
    CHOICE: (str,),
}

PRIORITIES = ("info", "warning", "emergency")


@dataclass(frozen=True)
class Field:
    name: str
    type: FieldType
    #: A kiosk rejects a record without it (or with a value of another type).
    required: bool = False
    #: What a missing or ill-typed FLAG means; the admin's default for a row without the column too.
    default: bool = False
    #: A CHOICE's values.
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class RecordKind:
    name: str
    fields: tuple[Field, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(field.name for field in self.fields)

    def field(self, name: str) -> Field:
        return next(field for field in self.fields if field.name == name)

    def wire_required(self) -> dict[str, tuple[type, ...]]:
        return {field.name: WIRE_TYPES[field.type] for field in self.fields if field.required}


_LISTING: tuple[Field, ...] = (
    Field("slug", TEXT, required=True),
    Field("name", TEXT, required=True),
    Field("description_sv", TEXT),
    Field("description_en", TEXT),
    Field("category", TEXT),
    Field("floor", INT),
    Field("room", TEXT),
    Field("website", TEXT),
    Field("contact", TEXT),
    Field("hiring_url", TEXT),
    Field("tags", TAGS),
    Field("hiring", FLAG),
    Field("visible", FLAG, required=True, default=True),
    Field("demo", FLAG),
    Field("has_logo", FLAG),
)

TENANT = RecordKind("tenant", _LISTING)
PARTNER = RecordKind(
    "partner",
    (
        *_LISTING,
        Field("kind", BLANK_TEXT),
        Field("address", BLANK_TEXT),
        Field("hours_sv", BLANK_TEXT),
        Field("hours_en", BLANK_TEXT),
    ),
)
EVENT = RecordKind(
    "event",
    (
        Field("id", INT, required=True),
        Field("title_sv", TEXT, required=True),
        Field("title_en", TEXT),
        Field("description_sv", TEXT),
        Field("description_en", TEXT),
        Field("start", TIME, required=True),
        Field("end", TIME, required=True),
        Field("place", TEXT),
        Field("audience", TEXT),
        Field("registration_url", TEXT),
        Field("capacity", INT),
        Field("source", TEXT),
        Field("all_day", FLAG),
        Field("full", FLAG),
        Field("cancelled", FLAG),
    ),
)
ROOM = RecordKind(
    "room",
    (
        Field("slug", TEXT, required=True),
        Field("name", TEXT, required=True),
        Field("floor", INT),
        Field("capacity", INT),
        Field("description_sv", TEXT),
        Field("description_en", TEXT),
    ),
)
BOOKING = RecordKind(
    "booking",
    (
        Field("id", INT, required=True),
        Field("room", TEXT, required=True),
        Field("start", TIME, required=True),
        Field("end", TIME, required=True),
        # A booking whose privacy is unknown is private: its title never shows by mistake.
        Field("private", FLAG, required=True, default=True),
        Field("title", BLANK_TEXT),
        Field("organiser", BLANK_TEXT),
        Field("source", BLANK_TEXT),
    ),
)
ANNOUNCEMENT = RecordKind(
    "announcement",
    (
        Field("id", INT, required=True),
        Field("text_sv", TEXT, required=True),
        Field("text_en", TEXT),
        Field("priority", CHOICE, required=True, choices=PRIORITIES),
        Field("start", TIME),
        Field("until", TIME),
        Field("target", TEXT, required=True),
    ),
)
LOGO = RecordKind(
    "logo",
    (
        Field("owner", TEXT, required=True),
        Field("mime", TEXT, required=True),
        Field("data", TEXT, required=True),  # base64 of the PNG
    ),
)

#: Every kind, in the order of `broker.schema.KINDS`.
RECORD_KINDS: dict[str, RecordKind] = {
    kind.name: kind for kind in (TENANT, PARTNER, EVENT, ROOM, BOOKING, ANNOUNCEMENT, LOGO)
}
