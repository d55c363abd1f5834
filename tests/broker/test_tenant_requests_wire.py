"""The request message: what `serve` refuses before it touches the database, and why."""

from __future__ import annotations

import json

import pytest

from broker import tenant_wire, topics
from broker.tenant_wire import BadRequest, EditRequest, decode_edit, encode_edit

ID = "0123456789abcdef0123456789abcdef"


def body(**changes: object) -> bytes:
    data: dict[str, object] = {
        "v": 1,
        "type": "edit",
        "id": ID,
        "base": 3,
        "fields": {"contact": "x"},
        "logo": None,
    }
    data.update(changes)
    return json.dumps(data).encode()


def test_round_trip() -> None:
    request = EditRequest(ID, 7, {"hiring": True, "tags": ["a"]}, b"\x89PNG fake")
    assert decode_edit(encode_edit(request)) == request


@pytest.mark.parametrize(
    ("payload", "reason", "detail"),
    [
        (b"\xff\xfe", "malformed", "not JSON"),
        (b"[1, 2]", "malformed", "not a JSON object"),
        (body(tenant="beta"), "unknown_field", "unknown key 'tenant'"),
        (body(v=2), "malformed", "version 1"),
        (body(id="short"), "malformed", "32 hex digits"),
        (body(base=True), "malformed", "base is not a revision"),
        (body(base=-1), "malformed", "base is not a revision"),
        (body(fields=["contact"]), "malformed", "fields is not an object"),
        (body(logo="not base64!"), "malformed", "logo is not base64"),
        (body(fields={}), "malformed", "changes nothing"),
        (b" " * (tenant_wire.MAX_REQUEST_BYTES + 1), "oversized", "at most"),
    ],
)
def test_bad_requests_name_their_reason(payload: bytes, reason: str, detail: str) -> None:
    with pytest.raises(BadRequest) as caught:
        decode_edit(payload)
    assert caught.value.reason == reason and detail in str(caught.value)


def test_the_id_of_a_bad_request_is_read_when_it_can_be() -> None:
    assert tenant_wire.request_id_of(body(tenant="beta")) == ID
    assert tenant_wire.request_id_of(body(id="../x")) is None
    assert tenant_wire.request_id_of(b"nonsense") is None


def test_the_topic_names_the_tenant_and_nothing_else_does() -> None:
    assert topics.parse_request(topics.request("acme")) == "acme"
    assert topics.parse_request(f"{topics.REQUEST_PREFIX}/acme/extra") is None
    assert topics.parse_request(f"{topics.REQUEST_PREFIX}/") is None
    assert topics.parse_request(topics.reply("acme")) is None


def test_a_reply_for_another_tenant_is_refused() -> None:
    reply = tenant_wire.reply_body("beta", "2026-12-02T10:30:00+01:00", [], {})
    with pytest.raises(ValueError, match="not a reply for this tenant"):
        tenant_wire.parse_reply(reply, "acme")
    assert tenant_wire.parse_reply(reply, "beta") == []
