"""The kiosk's TOML config, written by `innovatum-admin kiosk config ID`.

[kiosk]
id = "lobby-1"
group = "lobby"
location = "Entré, plan 1"
location_en = "Entrance, floor 1"   # optional: English mode shows `location` without it
database = "/var/lib/innovatum-kiosk/replica.db"
language = "sv"          # the language the screen returns to
idle_timeout = 90        # seconds without input before the attract loop

[broker]
url = "mqtt://admin.local:1883"   # mqtts://host:8883 for TLS
username = "kiosk-lobby-1"
password = "..."
ca_file = ""                      # optional CA bundle for mqtts

[trust]
admin_public_key = "base64 Ed25519 public key"
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from broker.settings import BrokerSettings, BrokerUrlError


class ConfigError(Exception):
    """The config file is missing, unreadable or wrong; the message names the problem in one line."""


@dataclass(frozen=True)
class KioskConfig:
    kiosk_id: str
    group: str
    location: str
    database: Path
    broker: BrokerSettings
    admin_public_key: str
    language: str = "sv"
    idle_timeout: float = 90.0
    location_en: str = ""


def _section(data: dict[str, object], name: str) -> dict[str, object]:
    section = data.get(name, {})
    if not isinstance(section, dict):
        raise ConfigError(f"[{name}] must be a table")
    return section


def _str(section: dict[str, object], name: str, where: str, default: str | None = None) -> str:
    value = section.get(name, default)
    if not isinstance(value, str) or (default is None and not value):
        raise ConfigError(f"{where}.{name} is missing or not a string")
    return value


def _broker(section: dict[str, object]) -> BrokerSettings:
    try:
        return BrokerSettings.from_url(
            _str(section, "url", "broker"),
            _str(section, "username", "broker", ""),
            _str(section, "password", "broker", ""),
            _str(section, "ca_file", "broker", ""),
        )
    except BrokerUrlError as exc:
        raise ConfigError(str(exc)) from None


def load(path: Path) -> KioskConfig:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read config {path}: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"config {path} is not valid TOML: {exc}") from None
    kiosk, broker, trust = _section(data, "kiosk"), _section(data, "broker"), _section(data, "trust")
    database = Path(_str(kiosk, "database", "kiosk"))
    if not database.is_absolute():
        database = (path.parent / database).resolve()
    language = _str(kiosk, "language", "kiosk", "sv")
    if language not in ("sv", "en"):
        raise ConfigError("kiosk.language must be 'sv' or 'en'")
    idle = kiosk.get("idle_timeout", 90)
    if not isinstance(idle, int | float) or isinstance(idle, bool) or idle <= 0:
        raise ConfigError("kiosk.idle_timeout must be a positive number of seconds")
    return KioskConfig(
        kiosk_id=_str(kiosk, "id", "kiosk"),
        group=_str(kiosk, "group", "kiosk", ""),
        location=_str(kiosk, "location", "kiosk", ""),
        location_en=_str(kiosk, "location_en", "kiosk", ""),
        database=database,
        broker=_broker(broker),
        admin_public_key=_str(trust, "admin_public_key", "trust"),
        language=language,
        idle_timeout=float(idle),
    )
