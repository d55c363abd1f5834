"""In-process replica timings: a cold bootstrap of 10,000 records and a catch-up of 1,000 edits.

Every message goes through `Replica.handle` exactly as the MQTT glue delivers it (verification
included); the broker and the network are not part of these figures (see bench/ for those).

    /work/venv/bin/python bench/replica_bootstrap.py [--records 10000] [--edits 1000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from broker.schema import RecordChange
from kiosk.replica.engine import Replica
from tests.kiosk.replica.replica_messages import Admin, Message, content, event, tenant


def _catalogue(count: int) -> list[RecordChange]:
    """Mostly events, a tenth tenants (so the search index is part of the cost)."""
    records: list[RecordChange] = []
    for number in range(count):
        if number % 10 == 0:
            records.append(
                tenant(
                    f"tenant-{number}",
                    f"Företag {number} AB",
                    category="Mjukvara",
                    tags=["ai", "energi"],
                    description_sv="Ett fiktivt demoföretag i Innovatums inkubator. " * 4,
                    description_en="A fictional demo company in the Innovatum incubator. " * 4,
                    room="A" + str(number % 300),
                )
            )
        else:
            records.append(event(number, f"Evenemang nummer {number}"))
    return records


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


replica_grace = 2.0


class _Timer:
    """Wall-clock and CPU seconds: on a shared machine the CPU time is the steadier figure."""

    def __enter__(self) -> _Timer:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall, self.cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu

    def __str__(self) -> str:
        return f"{self.wall:.2f} s wall, {self.cpu:.2f} s CPU"


def _run(replica: Replica, messages: list[Message]) -> _Timer:
    with _Timer() as timer:
        for topic, payload in messages:
            replica.handle(topic, payload)
    return timer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--edits", type=int, default=1_000)
    args = parser.parse_args()

    key = Ed25519PrivateKey.generate()
    admin = Admin(key)
    admin.commit(*_catalogue(args.records), part_size=200)
    retained = admin.retained()
    wire = sum(len(payload) for _, payload in retained)

    with tempfile.TemporaryDirectory() as tmp:
        clock = _Clock()
        replica = Replica(
            Path(tmp) / "replica.db", key.public_key(), grace_seconds=replica_grace, clock=clock
        )
        bootstrap = _run(replica, retained)
        assert not replica.wants_snapshot and replica.complete, "bootstrap did not complete"
        assert content(replica.dump()) == admin.expected_dump(), "bootstrap content differs"
        print(
            f"bootstrap: {args.records} records, {len(retained)} messages, {wire / 1e6:.1f} MB: {bootstrap}"
        )

        # Offline through N edits, then the persistent session delivers the changes in order (QoS 1;
        # each carries its manifest), and the retained head arrives once, on the resubscription (the
        # kiosk subscribes to `head` at QoS 0, so the session does not queue every edit's head).
        missed: list[Message] = []
        for number in range(args.edits):
            slug_number = (number * 10) % args.records
            revision = admin.commit(tenant(f"tenant-{slug_number}", f"Företag {slug_number} AB v{number}"))
            missed += revision.changes
        missed.append(admin.head())
        catch_up = _run(replica, missed)
        assert replica.complete and content(replica.dump()) == admin.expected_dump(), "catch-up differs"
        print(f"catch-up: {args.edits} edits, {len(missed)} messages: {catch_up}")

        # Offline again, this time with no queued session: the head shows the gap, the grace period
        # passes (simulated clock, not counted) and the kiosk recovers from the retained set.
        for number in range(args.edits):
            admin.commit(event(1 + (number * 10 + 1) % (args.records - 1), f"Ändrat {number}"))
        replica.handle(*admin.head())
        clock.now += replica_grace + 0.1
        with _Timer() as recovery:
            replica.tick()
            assert replica.wants_snapshot, "the head did not start a recovery"
            for topic, payload in admin.retained():
                replica.handle(topic, payload)
        assert replica.complete and content(replica.dump()) == admin.expected_dump(), "recovery differs"
        print(f"recovery from the retained set after {args.edits} missed edits: {recovery}")
        replica.close()


if __name__ == "__main__":
    main()
