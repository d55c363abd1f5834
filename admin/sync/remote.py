"""Asking one kiosk to act (screenshot, identify, restart) and waiting for its answer.

The command is signed with the admin key (`broker.commands`), published at QoS 1 (not retained, so
it never reaches a kiosk that connects much later; a kiosk's persistent session may still deliver it
after a short outage, where the kiosk's freshness check refuses it if it is too old). The answer
comes on `answer/<id>`, matched by the command's random id. While waiting, the kiosk's retained
status tells whether it is offline, so a missing answer can be explained.
"""

from __future__ import annotations

import json
import queue
import time
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from broker import topics
from broker.client import Message, MqttClient
from broker.commands import Action, Reply, new_command, parse_reply, seal_command

PUBLISH_TIMEOUT = 5.0


@dataclass(frozen=True)
class Outcome:
    reply: Reply | None
    #: The kiosk's retained status, if the broker has one: (online, time it was written).
    status: tuple[bool, str] | None


def subscriptions(kiosk_id: str) -> list[str]:
    """What the one-shot client must subscribe to before `ask` publishes."""
    return [topics.answer(kiosk_id), topics.status(kiosk_id)]


def _status(payload: bytes) -> tuple[bool, str] | None:
    try:
        body = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(body, dict) or not isinstance(body.get("online"), bool):
        return None
    at = body.get("at")
    return body["online"], at if isinstance(at, str) else ""


def ask(
    client: MqttClient, key: Ed25519PrivateKey, kiosk_id: str, action: Action, *, timeout: float
) -> Outcome:
    """Send one command and wait up to `timeout` seconds for its answer. PublishFailed if not sent."""
    command = new_command(kiosk_id, action)
    topic, payload = seal_command(key, command)
    client.publish_all([(topic, payload, False)], timeout=PUBLISH_TIMEOUT)
    status: tuple[bool, str] | None = None
    reply_topic, status_topic = topics.answer(kiosk_id), topics.status(kiosk_id)
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        try:
            event = client.events.get(timeout=left)
        except queue.Empty:
            break
        if not isinstance(event, Message):
            continue
        if event.topic == status_topic:
            status = _status(event.payload) or status
        elif event.topic == reply_topic:
            reply = parse_reply(event.payload)
            if reply is not None and reply.id == command.id:
                return Outcome(reply, status)
    return Outcome(None, status)
