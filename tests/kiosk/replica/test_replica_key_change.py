"""A kiosk re-pointed at a new admin key (admin node set up anew) must not keep showing the old
installation's content: without starting over, the old revisions would make every new one stale."""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.replica.engine import Replica
from tests.kiosk.replica.replica_messages import Admin, content, feed, room, tenant


def _bootstrapped(path: Path, admin: Admin) -> None:
    replica = Replica(path, admin.key.public_key())
    try:
        feed(replica, admin.retained())
        assert replica.complete
        assert content(replica.dump()) == admin.expected_dump()
    finally:
        replica.close()


def test_the_same_key_keeps_the_replica(tmp_path: Path) -> None:
    path = tmp_path / "replica.db"
    admin = Admin(Ed25519PrivateKey.generate())
    for number in range(5):
        admin.commit(tenant(f"old-{number}"))
    _bootstrapped(path, admin)
    reopened = Replica(path, admin.key.public_key())
    try:
        assert reopened.applied_revision == 5
        assert not reopened.wants_snapshot
        assert content(reopened.dump()) == admin.expected_dump()
    finally:
        reopened.close()


def test_a_new_admin_key_starts_over_and_converges_on_the_new_installation(tmp_path: Path) -> None:
    path = tmp_path / "replica.db"
    old = Admin(Ed25519PrivateKey.generate())
    for number in range(5):
        old.commit(tenant(f"old-{number}"))
    _bootstrapped(path, old)

    new = Admin(Ed25519PrivateKey.generate())
    new.commit(tenant("ny", "Nytt AB"), room("labbet"))  # revision 1: lower than the old replica's 5
    replica = Replica(path, new.key.public_key())
    try:
        assert replica.applied_revision == 0
        assert replica.wants_snapshot
        assert replica.dump()["tenants"] == []  # the old installation's content is gone at once
        feed(replica, new.retained())
        assert replica.complete
        assert content(replica.dump()) == new.expected_dump()
        assert replica.dropped_counts().get("stale", 0) == 0
    finally:
        replica.close()
