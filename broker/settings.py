"""Where the broker is and who we are to it: parsed from mqtt:// and mqtts:// URLs.

Kept apart from `broker.client` so that code which only reads a config (the kiosk's screen) does not
import paho: the UI must never talk MQTT (import-linter).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlparse


class BrokerUrlError(ValueError):
    """A broker URL that is not mqtt://host[:port] or mqtts://host[:port]."""


@dataclass(frozen=True)
class BrokerSettings:
    """Where the broker is and who we are to it."""

    host: str
    port: int
    tls: bool
    username: str
    password: str
    ca_file: str = ""

    @classmethod
    def from_url(cls, url: str, username: str = "", password: str = "", ca_file: str = "") -> BrokerSettings:
        """Parse mqtt://[user:pass@]host[:port] (1883) or mqtts://... (8883); explicit credentials win."""
        parsed = urlparse(url)
        if parsed.scheme not in ("mqtt", "mqtts") or not parsed.hostname:
            raise BrokerUrlError(f"broker url {url!r} must look like mqtt://host:1883 or mqtts://host:8883")
        tls = parsed.scheme == "mqtts"
        try:
            port = parsed.port or (8883 if tls else 1883)
        except ValueError:
            raise BrokerUrlError(f"broker url {url!r} has an invalid port") from None
        return cls(
            parsed.hostname,
            port,
            tls,
            username or parsed.username or "",
            password or parsed.password or "",
            ca_file,
        )

    @property
    def url(self) -> str:
        """The URL without credentials, for logs and error messages."""
        return f"{'mqtts' if self.tls else 'mqtt'}://{self.host}:{self.port}"
