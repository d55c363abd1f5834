"""The `serve` side of tenant requests: receive from `request/+`, publish each tenant's reply.

`serve` subscribes `request/+` at QoS 1 in its persistent session, so requests sent while the admin
node is down wait in the broker. Receiving runs on the fleet thread (its own connection); replies go
out from the publisher loop, after content, whenever a tenant's requests changed (whichever process
changed them: `review approve` runs in another one) or an approved request's revision was published.
"""

from __future__ import annotations

import logging

import sqlite_utils
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from admin.sync import publisher
from admin.tenants import requests
from broker import topics
from broker.client import MqttClient
from broker.envelope import seal

log = logging.getLogger(__name__)


class TenantRequests:
    def __init__(self, key: Ed25519PrivateKey) -> None:
        self.key = key
        self._published: int | None = None
        self._connection = 0

    def subscribe(self, client: MqttClient) -> None:
        client.subscribe(topics.REQUEST_ALL, qos=1)

    @staticmethod
    def handles(topic: str) -> bool:
        return topic.startswith(topics.REQUEST_PREFIX + "/")

    def receive(self, db: sqlite_utils.Database, topic: str, payload: bytes) -> None:
        """The tenant is the topic's slug (the ACL lets only its account write there)."""
        tenant = topics.parse_request(topic)
        if tenant is None:
            log.warning("dropped a request on %r: not a tenant's request topic", topic)
            return
        outcome = requests.receive(db, tenant, payload)
        if outcome.dropped:
            log.warning("dropped a request from %s: %s", tenant, outcome.dropped)
        else:
            log.info("request %s from %s: %s %s", outcome.request, tenant, outcome.status, outcome.reason)

    def publish_replies(self, db: sqlite_utils.Database, client: MqttClient) -> None:
        if client.connection_count != self._connection:
            # A new connection may be to a broker that lost its retained store: send every reply again.
            requests.mark_all_dirty(db)
            self._connection = client.connection_count
        published = publisher.published_revision(db)
        if self._published is None or published > self._published:
            requests.mark_applied(db, self._published or 0, published)
            self._published = published
        for tenant in requests.dirty_replies(db):
            # Marked sent before it is built: a change made meanwhile marks it again, never lost.
            requests.mark_sent(db, tenant)
            topic = topics.reply(tenant)
            client.publish(topic, seal(self.key, topic, requests.reply(db, tenant)), qos=1, retain=True)
