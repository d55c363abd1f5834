"""Broker passwords: generating them, and hashing them the way Mosquitto's password_file expects.

Mosquitto 2.x reads `user:$7$<iterations>$<base64 salt>$<base64 hash>`: PBKDF2-HMAC-SHA512 with a
12-byte salt and a 64-byte hash (what `mosquitto_passwd` writes). Doing it in Python means
`innovatum-admin broker-config` works on a machine without the mosquitto tools installed.
"""

from __future__ import annotations

import base64
import hashlib
import secrets

ITERATIONS = 101  # mosquitto_passwd's default for $7$; the passwords are long random strings anyway
SALT_BYTES = 12
HASH_BYTES = 64


def generate_password() -> str:
    """32 random bytes, URL-safe: strong enough that the weak default iteration count does not matter."""
    return secrets.token_urlsafe(32)


def hash_password(password: str, *, salt: bytes | None = None, iterations: int = ITERATIONS) -> str:
    salt = secrets.token_bytes(SALT_BYTES) if salt is None else salt
    digest = hashlib.pbkdf2_hmac("sha512", password.encode("utf-8"), salt, iterations, HASH_BYTES)
    return f"$7${iterations}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def verify_password(password: str, hashed: str) -> bool:
    """Check a password against a `$7$` line's hash (used by tests and `broker-config` sanity checks)."""
    parts = hashed.split("$")
    if len(parts) != 5 or parts[1] != "7":
        return False
    try:
        iterations, salt = int(parts[2]), base64.b64decode(parts[3])
    except ValueError:
        return False
    return secrets.compare_digest(hash_password(password, salt=salt, iterations=iterations), hashed)


def password_file_line(username: str, password: str) -> str:
    if ":" in username or "\n" in username or not username:
        raise ValueError(f"{username!r} cannot be a broker user name")
    return f"{username}:{hash_password(password)}\n"
