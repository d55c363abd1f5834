"""The topic scheme. One prefix, versioned, so a future protocol can run beside this one."""

from __future__ import annotations

import re

PREFIX = "innovatum/v1"

#: Retained, signed: the current state of one record (or its signed tombstone).
STATE_PREFIX = f"{PREFIX}/state"
STATE_ALL = f"{STATE_PREFIX}/#"
#: Not retained, signed: one committed admin transaction (possibly split in parts), in revision order.
CHANGES = f"{PREFIX}/changes"
#: Retained, signed: the manifest (revision, record count, digest) a kiosk checks its replica against.
HEAD = f"{PREFIX}/head"
#: Retained, unsigned, written only by the kiosk itself (ACL): online/offline, applied revision, screen.
STATUS_PREFIX = f"{PREFIX}/status"
STATUS_ALL = f"{STATUS_PREFIX}/+"
#: Not retained: a kiosk acknowledges that it showed an announcement.
ACK_PREFIX = f"{PREFIX}/ack"
ACK_ALL = f"{ACK_PREFIX}/+"
#: A tenant's own edit requests (moderated on the admin node). Only that tenant may write (ACL).
REQUEST_PREFIX = f"{PREFIX}/request"
REQUEST_ALL = f"{REQUEST_PREFIX}/+"
#: Retained, signed: the admin node's answer to one tenant (its requests and their status). Only that
#: tenant may read it (ACL).
REPLY_PREFIX = f"{PREFIX}/reply"
#: Not retained, signed: a remote action for one kiosk (broker.commands); only that kiosk reads it.
COMMAND_PREFIX = f"{PREFIX}/command"
#: Not retained, unsigned (ACL): a kiosk's answer to a command; only the admin account reads it.
ANSWER_PREFIX = f"{PREFIX}/answer"

_SAFE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


def safe_id(value: str) -> str:
    """Identifiers become topic levels and broker user names, so they must not carry / + # or spaces."""
    if not _SAFE.match(value):
        raise ValueError(
            f"{value!r} is not a valid identifier (lower-case letters, digits, - and _, at most 64, "
            "starting with a letter or digit)"
        )
    return value


def state(kind: str, key: str) -> str:
    return f"{STATE_PREFIX}/{kind}/{key}"


def parse_state(topic: str) -> tuple[str, str] | None:
    """(kind, key) of a state topic, or None when the topic is not one."""
    if not topic.startswith(STATE_PREFIX + "/"):
        return None
    rest = topic[len(STATE_PREFIX) + 1 :].split("/")
    if len(rest) != 2 or not rest[0] or not rest[1]:
        return None
    return rest[0], rest[1]


def status(kiosk_id: str) -> str:
    return f"{STATUS_PREFIX}/{kiosk_id}"


def ack(kiosk_id: str) -> str:
    return f"{ACK_PREFIX}/{kiosk_id}"


def request(tenant_slug: str) -> str:
    return f"{REQUEST_PREFIX}/{tenant_slug}"


def reply(tenant_slug: str) -> str:
    return f"{REPLY_PREFIX}/{tenant_slug}"


def parse_request(topic: str) -> str | None:
    """The tenant slug of a request topic (the sender's identity, guaranteed by the ACL), or None."""
    if not topic.startswith(REQUEST_PREFIX + "/"):
        return None
    slug = topic[len(REQUEST_PREFIX) + 1 :]
    return slug if _SAFE.match(slug) else None


def command(kiosk_id: str) -> str:
    return f"{COMMAND_PREFIX}/{kiosk_id}"


def answer(kiosk_id: str) -> str:
    return f"{ANSWER_PREFIX}/{kiosk_id}"


def last_level(topic: str) -> str:
    return topic.rsplit("/", 1)[-1]
