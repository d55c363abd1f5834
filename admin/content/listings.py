"""Tenants and partners: the directory listings. Both have the same shape; partners add a few fields.

Every write validates first, then runs in one `admin.store.changes.transaction` together with its
published record and audit entry, so a rejected input leaves the database exactly as it was.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from admin.content import public, sql, validate
from admin.content.validate import Invalid
from admin.store.changes import Change, transaction
from broker.times import now_iso


@dataclass(frozen=True)
class Field:
    """One editable column: its name (column, --option with - for _, JSON key, import header)."""

    name: str
    type: str  # "text", "url", "int", "flag" or "tags": how the CLI spells it
    check: validate.Checker
    default: Any
    help: str
    required: bool = False


_text = validate.text_of  # short: the field tables below are dense


COMMON_FIELDS: tuple[Field, ...] = (
    Field("name", "text", _text(validate.NAME_MAX, required=True), "", "Name as shown on the screens.", True),
    Field("website", "url", validate.url, "", "Home page (http or https)."),
    Field("floor", "int", validate.floor, None, "Floor number."),
    Field("room", "text", _text(40), "", "Room or door, e.g. B214."),
    Field("category", "text", _text(60), "", "Category for the directory filter, in Swedish."),
    Field("category_en", "text", _text(60), "", "The category in English (shown in English mode)."),
    Field("tags", "tags", validate.tags, [], "Comma-separated tags."),
    Field("description_sv", "text", _text(validate.DESCRIPTION_MAX), "", "Description in Swedish."),
    Field("description_en", "text", _text(validate.DESCRIPTION_MAX), "", "Description in English."),
    Field("contact", "text", _text(validate.SHORT_MAX), "", "Contact (e-mail or phone)."),
    Field("hiring", "flag", validate.flag, False, "Whether they are hiring."),
    Field("hiring_url", "url", validate.url, "", "Where to apply (http or https)."),
    Field("visible", "flag", validate.flag, True, "Shown on the screens."),
    Field("demo", "flag", validate.flag, False, "Fictional demo content."),
)

PARTNER_FIELDS: tuple[Field, ...] = (
    Field("kind", "text", _text(60), "", "What sort of organisation, in Swedish (kommun, högskola, ...)."),
    Field("kind_en", "text", _text(60), "", "What sort of organisation, in English (municipality, ...)."),
    Field("address", "text", _text(validate.SHORT_MAX), "", "Visiting address."),
    Field("hours_sv", "text", _text(validate.SHORT_MAX), "", "Opening hours in Swedish."),
    Field("hours_en", "text", _text(validate.SHORT_MAX), "", "Opening hours in English."),
)


@dataclass(frozen=True)
class ListingKind:
    kind: str  # the record kind on the wire and in the audit log
    table: str
    fields: tuple[Field, ...]
    to_public: Callable[[dict[str, Any]], dict[str, Any]]

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)


TENANT = ListingKind("tenant", "tenants", COMMON_FIELDS, public.tenant)
PARTNER = ListingKind("partner", "partners", COMMON_FIELDS + PARTNER_FIELDS, public.partner)

#: Sentinel: leave the logo as it is.
KEEP = object()


@dataclass(frozen=True)
class Outcome:
    """What a write did: `rev` is None when nothing the kiosks see changed."""

    action: str  # "added", "changed", "unchanged", "removed"
    rev: int | None


def clean(kind: ListingKind, values: Mapping[str, object]) -> dict[str, Any]:
    """Validate the given fields (only those) and return them as column values."""
    unknown = set(values) - set(kind.field_names)
    if unknown:
        raise Invalid(f"unknown field {sorted(unknown)[0]!r} for a {kind.kind}")
    cleaned: dict[str, Any] = {}
    for name, value in values.items():
        cleaned[name] = kind.field(name).check(value, name)
    return cleaned


def _to_columns(values: Mapping[str, Any]) -> dict[str, Any]:
    columns = dict(values)
    if "tags" in columns:
        columns["tags"] = json.dumps(columns["tags"], ensure_ascii=False)
    for name in ("hiring", "visible", "demo"):
        if name in columns:
            columns[name] = int(bool(columns[name]))
    return columns


def get(db: sqlite_utils.Database, kind: ListingKind, slug: str) -> dict[str, Any] | None:
    return sql.first(db, f"SELECT * FROM {kind.table} WHERE slug = ?", [slug])


def require(db: sqlite_utils.Database, kind: ListingKind, slug: str) -> dict[str, Any]:
    row = get(db, kind, slug)
    if row is None:
        raise Invalid(f"no {kind.kind} with slug {slug!r}")
    return row


def list_all(db: sqlite_utils.Database, kind: ListingKind) -> list[dict[str, Any]]:
    return list(db.query(f"SELECT * FROM {kind.table} ORDER BY name COLLATE NOCASE, slug"))


def as_json(kind: ListingKind, row: Mapping[str, Any]) -> dict[str, Any]:
    """The --json form: the option names (with _), plus has_logo; stable for scripts."""
    data: dict[str, Any] = {"slug": row["slug"]}
    for name in kind.field_names:
        data[name] = row.get(name)
    data["tags"] = json.loads(row.get("tags") or "[]")
    for name in ("hiring", "visible", "demo"):
        data[name] = bool(row.get(name))
    data["has_logo"] = row.get("logo") is not None
    return data


def _publish(tx: Change, kind: ListingKind, row: dict[str, Any], logo_changed: bool) -> None:
    tx.record(kind.kind, row["slug"], kind.to_public(row))
    if logo_changed:
        public.publish_logo(tx, kind.kind, row["slug"], row.get("logo"))


def _insert(tx: Change, kind: ListingKind, slug: str, values: Mapping[str, Any], logo: object) -> None:
    missing = [f.name for f in kind.fields if f.required and not values.get(f.name)]
    if missing:
        raise Invalid(f"{missing[0]} is required for a new {kind.kind}")
    stamp = now_iso()
    row: dict[str, Any] = {f.name: f.default for f in kind.fields}
    row.update(values)
    row = _to_columns(row)
    row.update(slug=slug, logo=None if logo is KEEP else logo, created_at=stamp, updated_at=stamp)
    sql.insert(tx.db, kind.table, row)
    _publish(tx, kind, row, logo_changed=row["logo"] is not None)
    detail = {k: v for k, v in values.items() if v != "" and v is not None}
    if row["logo"] is not None:
        detail["logo"] = f"{len(row['logo'])} bytes"
    tx.audit(f"{kind.kind}.add", kind.kind, slug, detail)


def _update(
    tx: Change, kind: ListingKind, old: dict[str, Any], values: Mapping[str, Any], logo: object, action: str
) -> bool:
    new = dict(old)
    new.update(_to_columns(values))
    if logo is not KEEP:
        new["logo"] = logo
    changed = [name for name in new if name not in ("created_at", "updated_at") and new[name] != old[name]]
    if not changed:
        return False
    new["updated_at"] = now_iso()
    columns = {name: new[name] for name in [*changed, "updated_at"]}
    sql.update(tx.db, kind.table, columns, key="slug", value=old["slug"])
    _publish(tx, kind, new, logo_changed="logo" in changed)
    detail: dict[str, Any] = {}
    for name in changed:
        if name == "logo":
            detail["logo"] = "removed" if new["logo"] is None else f"{len(new['logo'])} bytes"
        else:
            detail[name] = values[name]
    tx.audit(action, kind.kind, old["slug"], detail)
    return True


def add(
    db: sqlite_utils.Database,
    actor: str,
    kind: ListingKind,
    slug: str,
    values: Mapping[str, object],
    logo: bytes | None = None,
) -> Outcome:
    slug = validate.slug(slug)
    cleaned = clean(kind, values)
    with transaction(db, actor, f"{kind.kind} add {slug}") as tx:
        if get(db, kind, slug) is not None:
            raise Invalid(f"a {kind.kind} with slug {slug!r} already exists (use `{kind.kind} edit`)")
        _insert(tx, kind, slug, cleaned, logo if logo is not None else KEEP)
    return Outcome("added", tx.rev)


def edit(
    db: sqlite_utils.Database,
    actor: str,
    kind: ListingKind,
    slug: str,
    values: Mapping[str, object],
    logo: object = KEEP,
) -> Outcome:
    """Change the given fields. `logo` is KEEP, None (remove it) or the new normalised PNG."""
    cleaned = clean(kind, values)
    with transaction(db, actor, f"{kind.kind} edit {slug}") as tx:
        old = require(db, kind, slug)
        changed = _update(tx, kind, old, cleaned, logo, f"{kind.kind}.edit")
    return Outcome("changed" if changed else "unchanged", tx.rev)


def edit_in(
    tx: Change, kind: ListingKind, slug: str, cleaned: Mapping[str, Any], logo: object, action: str
) -> tuple[dict[str, Any], bool]:
    """`edit` inside the caller's transaction (a tenant request's approval writes its own row and
    audit entry in the same one). `cleaned` comes from `clean`. Returns the old row and whether
    anything changed."""
    old = require(tx.db, kind, slug)
    return old, _update(tx, kind, old, cleaned, logo, action)


def remove(db: sqlite_utils.Database, actor: str, kind: ListingKind, slug: str) -> Outcome:
    with transaction(db, actor, f"{kind.kind} remove {slug}") as tx:
        old = require(db, kind, slug)
        db.execute(f"DELETE FROM {kind.table} WHERE slug = ?", (slug,))
        tx.delete(kind.kind, slug)
        if old.get("logo") is not None:
            public.publish_logo(tx, kind.kind, slug, None)
        tx.audit(f"{kind.kind}.remove", kind.kind, slug, {"name": old["name"]})
    return Outcome("removed", tx.rev)


@dataclass(frozen=True)
class Upsert:
    """One validated row of an import or of the demo data."""

    slug: str
    values: dict[str, Any]
    logo: object = KEEP  # KEEP, or normalised PNG bytes
    where: str = ""  # "line 7", for error messages


def upsert_one(tx: Change, kind: ListingKind, row: Upsert) -> str:
    """Add or update one validated listing inside a transaction: "added", "changed" or "unchanged"."""
    old = get(tx.db, kind, row.slug)
    try:
        if old is None:
            _insert(tx, kind, row.slug, row.values, row.logo)
            return "added"
        return "changed" if _update(tx, kind, old, row.values, row.logo, f"{kind.kind}.edit") else "unchanged"
    except Invalid as exc:
        raise Invalid(f"{row.where}: {exc}" if row.where else str(exc)) from None


def upsert_many(
    db: sqlite_utils.Database,
    actor: str,
    kind: ListingKind,
    rows: Iterable[Upsert],
    *,
    summary: str,
    progress: Callable[[int], None] | None = None,
) -> tuple[dict[str, int], int | None]:
    """Add or update many listings in ONE transaction (all or nothing).

    Returns the count per action ("added", "changed", "unchanged") and the revision (None: no change).
    """
    counts = {"added": 0, "changed": 0, "unchanged": 0}
    with transaction(db, actor, summary) as tx:
        for row in rows:
            counts[upsert_one(tx, kind, row)] += 1
            if progress is not None:
                progress(1)
    return counts, tx.rev
