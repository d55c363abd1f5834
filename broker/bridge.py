"""A Mosquitto bridge from a second site's broker (say, a screen in Vänersborg) to the main one.

The site broker dials out to the main broker (one outgoing connection: no port to open at the main
site for it, and the far site may sit behind NAT) as the account `bridge-<name>`, and carries:

- into the site: `state/#`, `changes`, `head` (the signed content, retained flags kept) and
  `command/+` (remote actions for the site's kiosks);
- out to the main broker: `status/+`, `ack/+`, `answer/+` (what the site's kiosks report).

Deletions: Mosquitto does not forward an *empty* retained message over a bridge (mosquitto#1040), so
a deletion done by clearing a retained topic would never reach the far side and its kiosks would
bootstrap the deleted record forever. This protocol never clears a retained topic: a deletion is a
signed tombstone (`op: delete`), an ordinary non-empty retained message, and crosses a bridge like
any upsert. The same holds for a retracted announcement (an upsert with `retracted`) and the head.

On the main broker, `bridge-<name>` may read exactly what it carries in and write exactly what it
carries out (`bridge_rules`). Whoever holds the site broker can therefore speak for the site's kiosks'
status, which is the trust a site broker needs anyway; it cannot sign content or commands.

`cleansession false` with a fixed `remote_clientid`: while the link is down the main broker queues
the change stream for the bridge, as it does for a kiosk; the retained head lets every kiosk notice
anything the queue did not cover. `try_private true` tells the main broker it is a bridge, so the
retained flag survives the trip in (MQTT 3.1.1 would otherwise clear it on delivery).
"""

from __future__ import annotations

from broker import topics
from broker.settings import BrokerSettings

#: (topic, direction) as Mosquitto's `topic` lines say it, from the site broker's point of view.
CARRIED: tuple[tuple[str, str], ...] = (
    (topics.STATE_ALL, "in"),
    (topics.CHANGES, "in"),
    (topics.HEAD, "in"),
    (f"{topics.COMMAND_PREFIX}/+", "in"),
    (topics.STATUS_ALL, "out"),
    (topics.ACK_ALL, "out"),
    (f"{topics.ANSWER_PREFIX}/+", "out"),
)
#: Where Debian keeps the public CAs, for a main broker with a certificate from one.
SYSTEM_CA_PATH = "/etc/ssl/certs"


def bridge_username(name: str) -> str:
    return f"bridge-{topics.safe_id(name)}"


def bridge_rules() -> list[str]:
    """The bridge account's ACL on the main broker: read what it carries in, write what it carries out."""
    return [f"{'read' if direction == 'in' else 'write'} {topic}" for topic, direction in CARRIED]


def _value(text: str) -> str:
    if any(c in text for c in "\n\r") or text != text.strip():
        raise ValueError(f"{text!r} cannot be written into mosquitto.conf")
    return text


def bridge_section(name: str, remote: BrokerSettings, password: str, ca_file: str = "") -> str:
    """The `connection` block for the site broker's mosquitto.conf. `ca_file` is a path on the site's
    machine (the main broker's CA there); without it, the system's public CAs are trusted."""
    username = bridge_username(name)
    lines = [
        "",
        f"# Bridge to the main broker, written by `innovatum-admin broker-config --bridge {name}`.",
        "# Content and commands come in; kiosk status, acknowledgements and answers go out.",
        f"connection innovatum-{name}",
        f"address {_value(remote.host)}:{remote.port}",
        "bridge_protocol_version mqttv311",
        f"remote_clientid {username}",
        f"remote_username {username}",
        f"remote_password {_value(password)}",
        "cleansession false",
        "try_private true",
        "notifications false",
        "start_type automatic",
        "restart_timeout 2 30",
        "keepalive_interval 30",
    ]
    if remote.tls:
        lines.append(f"bridge_cafile {_value(ca_file)}" if ca_file else f"bridge_capath {SYSTEM_CA_PATH}")
        lines.append("bridge_insecure false")
    lines += [f"topic {topic} {direction} 1" for topic, direction in CARRIED]
    return "\n".join(lines) + "\n"
