"""What a tenant and the admin node say to each other over MQTT (see docs/SYNC.md, "Tenant requests").

A request goes to `request/<slug>`, QoS 1, unsigned. Who sent it is the topic: the broker's ACL lets
only the account `tenant-<slug>` write there, so nothing in the payload names a tenant, and a payload
that tries to (an unknown key) is refused.

    {"v": 1, "type": "edit", "id": "<32 hex>", "base": 17 | null,
     "fields": {"description_sv": "...", "hiring": true, ...}, "logo": "<base64 PNG>" | null}

`id` is chosen by the tenant (a random UUID), so a message the broker delivers twice, or someone
replays, is recognised. `base` is the revision of the listing the tenant edited (from the signed
state it read), which is how staff see a conflict with an edit made since.

The reply is retained and signed by the admin node on `reply/<slug>` (only that tenant may read it):

    {"v": 1, "type": "requests", "tenant": "acme", "at": ISO,
     "requests": [{"id": ..., "status": ..., "fields": [...], "submitted": ISO, "decided": ISO|null,
                   "reason": "...", "rev": R|null, "superseded_by": ID|null}, ...],   # newest first
     "dropped": {"rate_limited": 3, "malformed": 1}}
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from typing import Any

#: Far above a normalised logo (a 128x128 PNG, base64) plus every text field at its limit.
MAX_REQUEST_BYTES = 192 * 1024
#: The fields a tenant may ask to change. Name, floor, room and visibility stay with staff.
TENANT_FIELDS = (
    "description_sv",
    "description_en",
    "website",
    "contact",
    "tags",
    "hiring",
    "hiring_url",
)
#: Every request status a reply may carry ("applied" is "approved" once the kiosks were sent it).
STATUSES = ("pending", "approved", "applied", "rejected", "superseded", "invalid")

_ID = re.compile(r"^[0-9a-f]{32}$")
_KEYS = {"v", "type", "id", "base", "fields", "logo"}


class BadRequest(ValueError):
    """A request that cannot be stored at all. `reason` is the counter it is dropped under."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


@dataclass(frozen=True)
class EditRequest:
    request_id: str
    base: int | None
    fields: dict[str, Any]  # not yet validated: the admin node runs the staff CLI's validator
    logo: bytes | None


def encode_edit(request: EditRequest) -> bytes:
    body: dict[str, Any] = {
        "v": 1,
        "type": "edit",
        "id": request.request_id,
        "base": request.base,
        "fields": request.fields,
        "logo": base64.b64encode(request.logo).decode("ascii") if request.logo is not None else None,
    }
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def request_id_of(payload: bytes) -> str | None:
    """The id of a request that parses as a JSON object with a well-formed id, else None."""
    try:
        body = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    value = body.get("id") if isinstance(body, dict) else None
    return value if isinstance(value, str) and _ID.match(value) else None


def decode_edit(payload: bytes) -> EditRequest:
    """Parse a request; raise BadRequest ("oversized", "malformed", "unknown_field") otherwise."""
    if len(payload) > MAX_REQUEST_BYTES:
        raise BadRequest("oversized", f"the request is {len(payload)} bytes; at most {MAX_REQUEST_BYTES}")
    try:
        body = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise BadRequest("malformed", "the request is not JSON") from None
    if not isinstance(body, dict):
        raise BadRequest("malformed", "the request is not a JSON object")
    unknown = sorted(set(body) - _KEYS)
    if unknown:
        raise BadRequest("unknown_field", f"unknown key {unknown[0]!r} in the request")
    if body.get("v") != 1 or body.get("type") != "edit":
        raise BadRequest("malformed", "not a version 1 edit request")
    request_id = body.get("id")
    if not isinstance(request_id, str) or not _ID.match(request_id):
        raise BadRequest("malformed", "the request id is not 32 hex digits")
    base = body.get("base")
    if base is not None and (not isinstance(base, int) or isinstance(base, bool) or not 0 <= base < 2**63):
        raise BadRequest("malformed", "base is not a revision")
    fields = body.get("fields")
    if not isinstance(fields, dict):
        raise BadRequest("malformed", "fields is not an object")
    logo_text = body.get("logo")
    logo: bytes | None = None
    if logo_text is not None:
        if not isinstance(logo_text, str):
            raise BadRequest("malformed", "logo is not base64 text")
        try:
            logo = base64.b64decode(logo_text, validate=True)
        except (binascii.Error, ValueError):
            raise BadRequest("malformed", "logo is not base64 text") from None
    if not fields and logo is None:
        raise BadRequest("malformed", "the request changes nothing")
    return EditRequest(request_id, base, fields, logo)


def reply_body(
    tenant: str, at: str, requests: list[dict[str, Any]], dropped: dict[str, int]
) -> dict[str, Any]:
    return {"v": 1, "type": "requests", "tenant": tenant, "at": at, "requests": requests, "dropped": dropped}


def parse_reply(body: dict[str, Any], tenant: str) -> list[dict[str, Any]]:
    """The requests of a verified reply, checked to be this tenant's; ValueError when malformed."""
    if body.get("v") != 1 or body.get("type") != "requests" or body.get("tenant") != tenant:
        raise ValueError("not a reply for this tenant")
    requests = body.get("requests")
    if not isinstance(requests, list) or not all(isinstance(r, dict) for r in requests):
        raise ValueError("the reply's requests are not a list of objects")
    return requests
