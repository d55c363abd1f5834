"""A kiosk SIGKILLed while applying a 5,000-record bootstrap restarts consistent and converges.

The replica runs in a child process (a real process death, not an exception); the parent kills it at
different moments, inspects the file the way the screen would, restarts the replica on it and feeds
what the broker would still deliver.
"""

from __future__ import annotations

import os
import pickle
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from broker.keys import public_key_b64
from kiosk.replica.engine import Replica
from kiosk.replica.schema import connect
from tests.kiosk.replica.replica_messages import Admin, content, event, feed, tenant

RECORDS = 5_000
ROOT = Path(__file__).resolve().parents[3]

CHILD = """
import pickle, sys, time
from pathlib import Path
from broker.keys import load_public_key_b64
from kiosk.replica.engine import Replica
from kiosk.replica.store import ReplicaStore

database, messages, key, pause_in_promotion = sys.argv[1:5]
if pause_in_promotion == "1":
    real = ReplicaStore.promote_staging

    def promote_then_wait(self, head_rev):
        real(self, head_rev)  # every row is in `records` now, but the transaction is still open
        print("promoting", flush=True)
        time.sleep(60)

    ReplicaStore.promote_staging = promote_then_wait
replica = Replica(Path(database), load_public_key_b64(key))
print("ready", flush=True)
for topic, payload in pickle.loads(Path(messages).read_bytes()):
    replica.handle(topic, payload)
print("done", flush=True)
sys.stdin.read()
"""


@pytest.fixture(scope="module")
def admin() -> Admin:
    admin = Admin(Ed25519PrivateKey.generate())
    records = [tenant(f"t{n:04}", f"Företag {n}") if n % 5 == 0 else event(n) for n in range(RECORDS)]
    admin.commit(*records, part_size=250)
    admin.commit(tenant("t0000", "Företag noll"))
    return admin


def _start(
    tmp_path: Path, admin: Admin, messages: list[tuple[str, bytes]], *, pause_in_promotion: bool = False
) -> subprocess.Popen[str]:
    feed_file = tmp_path / "messages.pickle"
    feed_file.write_bytes(pickle.dumps(messages))
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            CHILD,
            str(tmp_path / "replica.db"),
            str(feed_file),
            public_key_b64(admin.key),
            str(int(pause_in_promotion)),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert child.stdout is not None and child.stdout.readline().strip() == "ready"
    return child


def _read(path: Path, sql: str) -> int:
    reader = connect(path, readonly=True)
    try:
        return int(reader.execute(sql).fetchone()[0])
    except sqlite3.OperationalError:
        return 0
    finally:
        reader.close()


def _kill(child: subprocess.Popen[str]) -> None:
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=10)
    assert child.returncode == -signal.SIGKILL


@pytest.mark.slow
@pytest.mark.parametrize(
    "kill_at", ["staged 1000", "staged 4500", "staged 4500 + 0.1 s", "inside promotion", "when done"]
)
def test_sigkill_during_bootstrap_restarts_consistent_and_converges(
    tmp_path: Path, admin: Admin, kill_at: str
) -> None:
    path = tmp_path / "replica.db"
    states, head = admin.retained_states(), admin.head()
    child = _start(tmp_path, admin, [head, *states], pause_in_promotion=kill_at == "inside promotion")
    how, _, amount = kill_at.partition(" ")
    if how == "staged":
        deadline = time.monotonic() + 60
        while (
            _read(path, "SELECT count(*) FROM staging") < int(amount.split()[0])
            and time.monotonic() < deadline
        ):
            time.sleep(0.002)
        if "+" in amount:
            time.sleep(float(amount.split()[2]))
    else:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == ("promoting" if how == "inside" else "done")
    _kill(child)

    # What the screen sees after the crash: nothing, or the whole snapshot; never part of it.
    live = _read(path, "SELECT count(*) FROM records WHERE deleted = 0")
    applied = _read(
        path, "SELECT coalesce(max(CAST(value AS INTEGER)), 0) FROM meta WHERE name = 'applied_rev'"
    )
    assert (live, applied) in ((0, 0), (RECORDS, admin.rev)), (live, applied)
    if how == "inside":
        assert (live, applied) == (0, 0)  # the uncommitted promotion was rolled back by the crash
    if how == "when":
        assert (live, applied) == (RECORDS, admin.rev)
    staged = _read(path, "SELECT count(*) FROM staging")
    if how == "staged":
        # What was staged before the kill is still there, unless the child got as far as promoting it
        # (on a quiet machine the last rows and the promotion can fit in the extra 0.1 s).
        assert staged >= int(amount.split()[0]) or (live, applied) == (RECORDS, admin.rev)

    replica = Replica(path, admin.key.public_key())
    assert replica.applied_revision == applied
    assert replica.wants_snapshot == (applied == 0)
    # Staged rows are a prefix of the retained set (the child handled it in order): the broker
    # delivering only the rest, plus the head, is enough.
    feed(replica, [*states[staged:], head])
    assert replica.complete and not replica.wants_snapshot
    dump = replica.dump()
    assert content(dump) == admin.expected_dump()
    assert dump["dropped"] == {}
    replica.close()
