"""Packets leave at once: the product's MQTT client and the generated Mosquitto config both turn
Nagle's algorithm off. With it on, serve's change and head (two publishes back to back) waited for
the broker's delayed ACK, about 40 ms per edit (bench/admin_serve.py: p50 36 ms before, 2 ms after).
"""

from __future__ import annotations

import socket
from pathlib import Path

from broker.client import MqttClient
from broker.embedded import EmbeddedBroker
from broker.mosquitto import Listeners, conf_text
from broker.settings import BrokerSettings


def test_the_client_socket_has_nagle_off() -> None:
    with EmbeddedBroker() as broker:
        client = MqttClient(BrokerSettings.from_url(f"mqtt://127.0.0.1:{broker.port}"), "nodelay-test")
        client.start()
        try:
            assert client.wait_connected(10)
            sock = client._client.socket()  # the paho socket: the option is not visible otherwise
            assert isinstance(sock, socket.socket)
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
        finally:
            client.stop()


def test_the_generated_broker_config_has_nagle_off(tmp_path: Path) -> None:
    assert "set_tcp_nodelay true" in conf_text(tmp_path, Listeners(port=18830)).splitlines()
