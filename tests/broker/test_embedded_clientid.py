"""The embedded (demo) broker enforces the production rule: with accounts, a client id is the user name.

So the demo behaves like the generated Mosquitto config (`use_username_as_clientid true`): a kiosk's
or a tenant's credentials cannot take over `serve`'s or another kiosk's client id (issue 9, point 1).
"""

from __future__ import annotations

import time

from broker.embedded import EmbeddedBroker
from tests.broker.embedded_paho import Paho

USERS = {"innovatum-admin": "admin-pw", "kiosk-1": "k1-pw", "kiosk-2": "k2-pw"}


def test_another_accounts_client_id_takes_nothing_over() -> None:
    with EmbeddedBroker(users=USERS) as running:
        serve = Paho("innovatum-admin", username="innovatum-admin", password="admin-pw")
        victim = Paho("kiosk-1", username="kiosk-1", password="k1-pw")
        assert serve.connect(running.port) == 0 and victim.connect(running.port) == 0
        for stolen in ("innovatum-admin", "kiosk-1"):
            attacker = Paho(stolen, username="kiosk-2", password="k2-pw")
            assert attacker.connect(running.port) == 0
            attacker.close()
        time.sleep(0.3)
        assert not serve.disconnected.is_set() and not victim.disconnected.is_set()
        assert running.stats().get("takeovers", 0) == 0
        serve.subscribe("x/#")
        victim.publish("x/still-here", b"yes", qos=1)
        assert [m.payload for m in serve.take(1)] == [b"yes"]
        serve.close()
        victim.close()


def test_the_same_account_still_takes_over_its_own_older_connection() -> None:
    with EmbeddedBroker(users=USERS) as running:
        first = Paho("whatever-1", username="kiosk-1", password="k1-pw")
        assert first.connect(running.port) == 0
        second = Paho("whatever-2", username="kiosk-1", password="k1-pw")
        assert second.connect(running.port) == 0
        assert first.disconnected.wait(5), "one account is one client: the older connection ends"
        first.client.loop_stop()  # paho would reconnect and take over in turn
        assert running.stats()["takeovers"] == 1
        second.close()
