"""Does the broker let anyone in? `serve` asks once at start and warns when it does.

`innovatum-admin serve --broker mqtt://127.0.0.1:1883` on a laptop whose Mosquitto still runs Debian's
default (anonymous clients allowed) would publish the retained content there, readable and
overwritable by anyone on the network, without a word. The probe connects once without credentials
(and a client id of its own, so it never knocks `serve` off), then disconnects: it publishes and
subscribes nothing. Only an accepted connection gives an answer worth a warning; a refusal or no answer
in time says nothing (the second is `serve`'s own connection's to report).
"""

from __future__ import annotations

import dataclasses
import secrets
import threading
import time
from collections.abc import Callable

from broker.client import MqttClient
from broker.settings import BrokerSettings

PROBE_SECONDS = 10.0


class _QuietClient(MqttClient):
    """The probe's refusal is the expected answer, not a problem for serve's log."""

    def _note_error(self, text: str) -> None:
        self.last_error = text


def accepts_anonymous(settings: BrokerSettings, timeout: float = PROBE_SECONDS) -> bool:
    """True when the broker accepted a connection without username and password within `timeout`."""
    anonymous = dataclasses.replace(settings, username="", password="")
    client = _QuietClient(anonymous, f"innovatum-anonymous-probe-{secrets.token_hex(4)}")
    client.start()
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if client.wait_connected(0.1):
                return True
            if "refused the connection" in client.last_error:
                return False
        return False
    finally:
        client.stop()


def warning(settings: BrokerSettings) -> str:
    return (
        f"the broker at {settings.url} accepts anonymous connections: anyone who can reach it can read "
        "what serve publishes and publish in its name; run Mosquitto with the config from "
        "`innovatum-admin broker-config`"
    )


def warn_in_background(settings: BrokerSettings, say: Callable[[str], None]) -> threading.Thread:
    """Probe without delaying `serve`'s start; `say` gets the warning, if there is one."""

    def probe() -> None:
        if accepts_anonymous(settings):
            say(warning(settings))

    thread = threading.Thread(target=probe, name="anonymous-probe", daemon=True)
    thread.start()
    return thread
