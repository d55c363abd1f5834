"""Tenant edit requests on the admin node: receive, queue, approve or reject, and the tenant's reply.

Invariants:
- The tenant is the topic's (the ACL's) slug, never anything in the payload.
- A request is validated by exactly the staff CLI's validator (`listings.clean`, `logos.normalise`),
  and only the fields in `broker.tenant_wire.TENANT_FIELDS` (plus the logo) may be asked for.
- Every step is one SQLite transaction with its audit entry: who asked (the tenant's broker account),
  who decided (the staff user), the values before and after. Nothing half-applies.
- A request id is accepted once per tenant: a duplicate delivery or a replay changes nothing.
- At most `RATE_LIMIT` requests per tenant per `RATE_WINDOW`; more are dropped and counted.
- Approving a request whose base revision is older than the listing's is a conflict, unless forced.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlite_utils

from admin.content import listings, logos, sql
from admin.content.validate import Invalid
from admin.store.changes import transaction
from broker import tenant_wire
from broker.mosquitto import tenant_username
from broker.times import now, now_iso, to_iso

RATE_LIMIT = 20
RATE_WINDOW = timedelta(hours=1)
#: The auto-approve policy (a setting, default on): requests that touch no free text need no staff.
AUTO_APPROVE_SETTING = "review.auto_approve"
AUTO_APPROVE_FIELDS = frozenset({"hiring", "hiring_url"})
AUTO_APPROVER = "auto-approve (policy)"
#: How many requests a reply lists (newest first).
REPLY_REQUESTS = 50
JSON_FIELDS = ("id", "tenant", "status", "fields", "submitted", "decided", "reason")


class Conflict(Exception):
    """The listing changed after the tenant's version; the message says what, for staff."""


@dataclass(frozen=True)
class Received:
    """What `receive` did: `status` of the stored request, or `dropped` with its reason."""

    status: str = ""
    request: int | None = None
    dropped: str = ""
    reason: str = ""


# --- settings ----------------------------------------------------------------------------------------


def auto_approve(db: sqlite_utils.Database) -> bool:
    row = db.execute("SELECT value FROM settings WHERE key = ?", (AUTO_APPROVE_SETTING,)).fetchone()
    return True if row is None else bool(json.loads(row[0]))


def set_auto_approve(db: sqlite_utils.Database, on: bool) -> None:
    db.execute(
        "INSERT INTO settings (key, value) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (AUTO_APPROVE_SETTING, json.dumps(on)),
    )
    db.conn.commit()


# --- receiving (serve) -------------------------------------------------------------------------------


def _drop(db: sqlite_utils.Database, tenant: str, reason: str) -> Received:
    db.execute(
        "INSERT INTO tenant_request_drops (tenant, reason, count) VALUES (?, ?, 1) "
        "ON CONFLICT (tenant, reason) DO UPDATE SET count = count + 1",
        (tenant, reason),
    )
    _mark_dirty(db, tenant)
    db.conn.commit()
    return Received(dropped=reason)


def _mark_dirty(db: sqlite_utils.Database, tenant: str) -> None:
    db.execute(
        "INSERT INTO tenant_replies (tenant, dirty) VALUES (?, 1) "
        "ON CONFLICT (tenant) DO UPDATE SET dirty = 1",
        (tenant,),
    )


def _check(request: tenant_wire.EditRequest) -> tuple[dict[str, Any], bytes | None]:
    """The staff CLI's own checks: the cleaned fields and the normalised logo, or Invalid."""
    for name in request.fields:
        if name not in tenant_wire.TENANT_FIELDS:
            if name in listings.TENANT.field_names:
                raise Invalid(f"{name} is changed by Innovatum's staff, not in a tenant request")
            raise Invalid(f"unknown field {name!r} for a tenant")
    cleaned = listings.clean(listings.TENANT, request.fields)
    logo = logos.normalise(request.logo, "in the request") if request.logo is not None else None
    return cleaned, logo


def receive(db: sqlite_utils.Database, tenant: str, payload: bytes) -> Received:
    """Handle one message from `request/<tenant>`. Never raises for anything a sender can do."""
    if db.execute("SELECT 1 FROM tenants WHERE slug = ?", (tenant,)).fetchone() is None:
        return Received(dropped="unknown_tenant")
    since = to_iso(now() - RATE_WINDOW)
    recent = db.execute(
        "SELECT COUNT(*) FROM tenant_requests WHERE tenant = ? AND submitted >= ?", (tenant, since)
    ).fetchone()[0]
    if recent >= RATE_LIMIT:
        return _drop(db, tenant, "rate_limited")
    try:
        request = tenant_wire.decode_edit(payload)
    except tenant_wire.BadRequest as exc:
        request_id = tenant_wire.request_id_of(payload)
        if request_id is None or exc.reason == "oversized":
            return _drop(db, tenant, exc.reason)
        return _store_invalid(db, tenant, request_id, str(exc))
    if db.execute(
        "SELECT 1 FROM tenant_requests WHERE tenant = ? AND request_id = ?", (tenant, request.request_id)
    ).fetchone():
        return _drop(db, tenant, "replayed")
    try:
        cleaned, logo = _check(request)
    except Invalid as exc:
        return _store_invalid(db, tenant, request.request_id, str(exc))
    account = tenant_username(tenant)
    with transaction(db, account, f"request from {tenant}") as tx:
        base = request.base if request.base is not None else _listing_rev(db, tenant)
        cursor = db.execute(
            "INSERT INTO tenant_requests "
            "(tenant, request_id, account, status, fields, logo, base, submitted) "
            "VALUES (?, ?, ?, 'pending', ?, ?, ?, ?)",
            (
                tenant,
                request.request_id,
                account,
                json.dumps(cleaned, ensure_ascii=False),
                logo,
                base,
                now_iso(),
            ),
        )
        number = int(cursor.lastrowid or 0)
        names = set(cleaned) | ({"logo"} if logo is not None else set())
        for older_id, older_fields, older_logo in db.execute(
            "SELECT id, fields, logo IS NOT NULL FROM tenant_requests "
            "WHERE tenant = ? AND status = 'pending' AND id < ?",
            (tenant, number),
        ).fetchall():
            older = set(json.loads(older_fields)) | ({"logo"} if older_logo else set())
            if older <= names:
                db.execute(
                    "UPDATE tenant_requests SET status = 'superseded', superseded_by = ?, decided = ? "
                    "WHERE id = ?",
                    (number, now_iso(), older_id),
                )
        detail: dict[str, Any] = {"request": number, **cleaned}
        if logo is not None:
            detail["logo"] = f"{len(logo)} bytes"
        tx.audit("request.receive", "tenant", tenant, detail)
        _mark_dirty(db, tenant)
    if auto_approve(db) and logo is None and set(cleaned) <= AUTO_APPROVE_FIELDS:
        try:
            approve(db, number, AUTO_APPROVER, force=True)
        except Invalid:  # removed or decided meanwhile: it stays as it is, for staff
            return Received(status="pending", request=number)
        return Received(status="approved", request=number)
    return Received(status="pending", request=number)


def _store_invalid(db: sqlite_utils.Database, tenant: str, request_id: str, reason: str) -> Received:
    """A request with an id but bad content: kept as `invalid` with the reason, so the tenant reads why."""
    if db.execute(
        "SELECT 1 FROM tenant_requests WHERE tenant = ? AND request_id = ?", (tenant, request_id)
    ).fetchone():
        return _drop(db, tenant, "replayed")
    account = tenant_username(tenant)
    with transaction(db, account, f"invalid request from {tenant}") as tx:
        stamp = now_iso()
        cursor = db.execute(
            "INSERT INTO tenant_requests (tenant, request_id, account, status, submitted, decided, reason) "
            "VALUES (?, ?, ?, 'invalid', ?, ?, ?)",
            (tenant, request_id, account, stamp, stamp, reason),
        )
        tx.audit("request.invalid", "tenant", tenant, {"request": cursor.lastrowid, "reason": reason})
        _mark_dirty(db, tenant)
    return Received(status="invalid", request=int(cursor.lastrowid or 0), reason=reason)


def _listing_rev(db: sqlite_utils.Database, tenant: str) -> int:
    """The revision the tenant's listing (its record or its logo) last changed in."""
    row = db.execute(
        "SELECT MAX(rev) FROM sync_state WHERE (kind = 'tenant' AND key = ?) OR (kind = 'logo' AND key = ?)",
        (tenant, f"tenant:{tenant}"),
    ).fetchone()
    return int(row[0] or 0)


# --- staff: review -----------------------------------------------------------------------------------


def get(db: sqlite_utils.Database, number: int) -> dict[str, Any]:
    row = sql.first(db, "SELECT * FROM tenant_requests WHERE id = ?", [number])
    if row is None:
        raise Invalid(f"no request {number}")
    return row


def list_requests(db: sqlite_utils.Database, *, everything: bool = False) -> list[dict[str, Any]]:
    where = "" if everything else "WHERE status = 'pending' "
    return list(db.query(f"SELECT * FROM tenant_requests {where}ORDER BY id"))


def proposed(row: dict[str, Any]) -> dict[str, Any]:
    """The fields a request asks for; a logo as "PNG, N bytes"."""
    fields: dict[str, Any] = json.loads(row["fields"])
    if row.get("logo") is not None:
        fields["logo"] = f"PNG, {len(row['logo'])} bytes"
    return fields


def as_json(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "tenant": row["tenant"],
        "status": row["status"],
        "fields": proposed(row),
        "submitted": row["submitted"],
        "decided": row["decided"],
        "reason": row["reason"],
        "account": row["account"],
        "decided_by": row["decided_by"],
        "base": row["base"],
        "rev": row["rev"],
        "superseded_by": row["superseded_by"],
    }


def _current(old: dict[str, Any], name: str) -> Any:
    if name == "logo":
        return f"PNG, {len(old['logo'])} bytes" if old.get("logo") is not None else None
    if name == "tags":
        return json.loads(old.get("tags") or "[]")
    if name == "hiring":
        return bool(old.get("hiring"))
    return old.get(name)


def current_values(db: sqlite_utils.Database, row: dict[str, Any]) -> dict[str, Any]:
    """The listing's values now, for the fields a request asks for."""
    listing = listings.require(db, listings.TENANT, row["tenant"])
    return {name: _current(listing, name) for name in proposed(row)}


def changed_since(db: sqlite_utils.Database, tenant: str, base: int) -> set[str]:
    """The listing's fields that any edit after revision `base` changed (from the audit log, which
    names every changed field of every `tenant.*` write in its revision)."""
    changed: set[str] = set()
    for (detail,) in db.execute(
        "SELECT detail FROM audit WHERE kind = 'tenant' AND key = ? AND rev > ? "
        "AND action IN ('tenant.add', 'tenant.edit')",
        (tenant, base),
    ).fetchall():
        try:
            changed |= set(json.loads(detail))
        except (ValueError, TypeError):
            changed.add("?")  # unreadable: assume the worst
    return changed


def conflict(db: sqlite_utils.Database, row: dict[str, Any]) -> str:
    """Why approving would overwrite a newer edit of the same fields, or "" when it would not."""
    if row["base"] is None or _listing_rev(db, row["tenant"]) <= row["base"]:
        return ""
    asked = set(proposed(row))
    changed = changed_since(db, row["tenant"], row["base"])
    overlap = sorted(asked & changed) if "?" not in changed else sorted(asked)
    if not overlap:
        return ""
    listing = listings.require(db, listings.TENANT, row["tenant"])
    now_values = "; ".join(f"{name} is now {_current(listing, name)!r}" for name in overlap)
    return f"changed after the tenant's version (revision {row['base']}): {now_values}"


def _pending(db: sqlite_utils.Database, number: int) -> dict[str, Any]:
    row = get(db, number)
    if row["status"] != "pending":
        raise Invalid(f"request {number} is {row['status']}, not pending")
    return row


def approve(db: sqlite_utils.Database, number: int, actor: str, *, force: bool = False) -> int | None:
    """Apply a pending request; returns its revision (None: it changed nothing)."""
    row = _pending(db, number)
    if not force:
        why = conflict(db, row)
        if why:
            raise Conflict(why)
    fields = json.loads(row["fields"])
    logo: object = row["logo"] if row["logo"] is not None else listings.KEEP
    with transaction(db, actor, f"approve request {number} from {row['tenant']}") as tx:
        if get(db, number)["status"] != "pending":  # decided by someone else meanwhile
            raise Invalid(f"request {number} was decided meanwhile")
        old, _ = listings.edit_in(tx, listings.TENANT, row["tenant"], fields, logo, "tenant.edit")
        names = list(proposed(row))
        before = {name: _current(old, name) for name in names}
        after = {**fields, **({"logo": proposed(row)["logo"]} if row["logo"] is not None else {})}
        db.execute(
            "UPDATE tenant_requests SET status = 'approved', decided = ?, decided_by = ?, rev = ? "
            "WHERE id = ?",
            (now_iso(), actor, tx.rev, number),
        )
        tx.audit(
            "request.approve",
            "tenant",
            row["tenant"],
            {"request": number, "asked_by": row["account"], "before": before, "after": after},
        )
        _mark_dirty(db, row["tenant"])
    return tx.rev


def reject(db: sqlite_utils.Database, number: int, actor: str, reason: str) -> None:
    row = _pending(db, number)
    with transaction(db, actor, f"reject request {number} from {row['tenant']}") as tx:
        if get(db, number)["status"] != "pending":  # decided by someone else meanwhile
            raise Invalid(f"request {number} was decided meanwhile")
        db.execute(
            "UPDATE tenant_requests SET status = 'rejected', decided = ?, decided_by = ?, reason = ? "
            "WHERE id = ? AND status = 'pending'",
            (now_iso(), actor, reason, number),
        )
        tx.audit(
            "request.reject",
            "tenant",
            row["tenant"],
            {"request": number, "asked_by": row["account"], "reason": reason, "fields": proposed(row)},
        )
        _mark_dirty(db, row["tenant"])


# --- the tenant's reply ------------------------------------------------------------------------------


def reply(db: sqlite_utils.Database, tenant: str) -> dict[str, Any]:
    """The body of the retained reply on `reply/<tenant>`: its newest requests and its drop counts."""
    published = db.execute("SELECT COALESCE(MAX(rev), 0) FROM revisions WHERE published = 1").fetchone()[0]
    items = []
    for row in db.query(
        "SELECT * FROM tenant_requests WHERE tenant = ? ORDER BY id DESC LIMIT ?", [tenant, REPLY_REQUESTS]
    ):
        status = row["status"]
        if status == "approved" and row["rev"] is not None and row["rev"] <= published:
            status = "applied"
        items.append(
            {
                "id": row["request_id"],
                "number": row["id"],
                "status": status,
                "fields": sorted(proposed(row)),
                "submitted": row["submitted"],
                "decided": row["decided"],
                "reason": row["reason"],
                "rev": row["rev"],
                "superseded_by": _request_id(db, row["superseded_by"]),
            }
        )
    dropped = dict(
        db.execute("SELECT reason, count FROM tenant_request_drops WHERE tenant = ?", (tenant,)).fetchall()
    )
    return tenant_wire.reply_body(tenant, now_iso(), items, dropped)


def _request_id(db: sqlite_utils.Database, number: int | None) -> str | None:
    if number is None:
        return None
    row = db.execute("SELECT request_id FROM tenant_requests WHERE id = ?", (number,)).fetchone()
    return str(row[0]) if row else None


def dirty_replies(db: sqlite_utils.Database) -> list[str]:
    """Tenants whose reply must be published again."""
    return [str(r[0]) for r in db.execute("SELECT tenant FROM tenant_replies WHERE dirty = 1").fetchall()]


def mark_all_dirty(db: sqlite_utils.Database) -> None:
    db.execute("UPDATE tenant_replies SET dirty = 1")


def mark_applied(db: sqlite_utils.Database, after: int, upto: int) -> None:
    """Revisions (after, upto] were just published: their requests now read "applied"."""
    for (tenant,) in db.execute(
        "SELECT DISTINCT tenant FROM tenant_requests WHERE status = 'approved' AND rev > ? AND rev <= ?",
        (after, upto),
    ).fetchall():
        _mark_dirty(db, tenant)
    db.conn.commit()


def mark_sent(db: sqlite_utils.Database, tenant: str) -> None:
    db.execute("UPDATE tenant_replies SET dirty = 0 WHERE tenant = ?", (tenant,))
    db.conn.commit()
