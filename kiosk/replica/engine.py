"""The kiosk half of the sync protocol (docs/SYNC.md), as a library: messages in, SQLite out.

`Replica.handle(topic, payload)` is all the MQTT glue calls per message; `tick()` once a second. The
engine verifies, parses, and then either applies a whole revision, stages a snapshot record, buffers
a change part, records a head, or drops the message and counts why. It never raises from `handle`:
a message (or a bug) must not take the screen down.

Invariants the rest of the code relies on:

- `records` only ever moves from one whole revision (or one verified snapshot) to the next, in one
  transaction; `meta.applied_rev` moves in the same transaction. What it holds is always exactly the
  admin's state at `applied_rev` (tests/kiosk/replica/test_replica_convergence.py checks it after
  every message).
- While recovering, `records` does not change. In an *overlay* snapshot (the usual one) every
  `staging` row, and every row still in memory waiting to be staged, is newer than the `records` row
  for its key, and the snapshot is records overlaid with staging. In a *full* snapshot (after the
  records were found to differ from a head at their own revision, or an overlay snapshot stalled)
  the records are not trusted: the snapshot is staging alone, and promoting it tombstones every
  live record the retained set did not confirm.
- `self._live` is the digest of `records`, `self._merged` that of the snapshot being assembled.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from broker import topics
from broker.envelope import Rejected
from broker.keys import key_id, public_key_b64
from broker.schema import ChangeMessage, HeadMessage, Manifest, RecordChange, StateMessage
from kiosk.replica import faults, guard, health
from kiosk.replica.changebuffer import BufferLimits, BufferOverflow, ChangeBuffer
from kiosk.replica.decode import Message, decode, unverified_head_claim
from kiosk.replica.digest import LiveSet
from kiosk.replica.store import ReplicaStore, Row, Version

log = logging.getLogger(__name__)

#: Staged snapshot rows are written in batches of this many (one transaction each): a commit per
#: message would add about 0.3 s to a 10,000-record bootstrap. A crash loses at most one batch, which
#: the broker sends again with the retained set on the next subscription.
STAGE_BATCH = 500

#: The longest wait between two snapshot generations of a recovery that does not complete.
MAX_RETRY_SECONDS = 600.0

#: The plural names `dump` uses for each kind's list (logos are listed by key only).
DUMP_LISTS = {
    "tenant": "tenants",
    "partner": "partners",
    "event": "events",
    "room": "rooms",
    "booking": "bookings",
    "announcement": "announcements",
    "floor": "floors",
    "plan_room": "plan_rooms",
    "connector": "connectors",
    "kiosk_spot": "kiosk_spots",
}


@dataclass(frozen=True)
class Outcome:
    changed: bool  # content visible to the UI changed (a revision or a snapshot was committed)
    revision: int  # applied revision after handling
    dropped: str | None  # reason counted, if the message was dropped


@dataclass(frozen=True)
class TrustedHead:
    rev: int
    count: int
    digest: str


def _disk_trouble(exc: BaseException) -> bool:
    """A damaged file or a failed write: the disk's problem, handled by a rebuild or a retry."""
    return health.is_corruption(exc) or faults.is_write_failure(exc)


class Replica:
    """One kiosk's replica file and the protocol state around it. Thread-safe (one lock)."""

    def __init__(
        self,
        path: Path,
        public_key: Ed25519PublicKey,
        *,
        grace_seconds: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
        retry_seconds: float = 30.0,
        limits: BufferLimits | None = None,
    ) -> None:
        """`retry_seconds`: a recovery that makes no progress for this long starts a new snapshot
        generation (the client resubscribes), in case a retained message was lost on the way. Each
        further stall waits twice as long (up to `MAX_RETRY_SECONDS`): while the admin node is down
        the retained set may stay inconsistent for hours, and every retry re-verifies all of it."""
        self._lock = threading.RLock()
        self._path = path
        self._key = public_key
        self._grace = grace_seconds
        self._first_retry = self._retry = retry_seconds
        self._clock = clock
        self._store = ReplicaStore(path)
        self._changes = ChangeBuffer(limits or BufferLimits())
        self._pending: dict[tuple[str, str], Row] = {}
        self._commits = 0
        self._generation = 0
        self._grace_since: float | None = None
        self._progress_at = clock()
        self._closed = False
        self._trust(public_key)
        self._load()
        if self._recovering:
            self._generation = 1
        # A write that failed (a full disk) leaves the replica behind what it trusted: incomplete,
        # retried on a backoff (kiosk.replica.faults). The marker survives a restart.
        self._faults = faults.WriteFaults(path, clock)

    def _trust(self, public_key: Ed25519PublicKey) -> None:
        """A replica holds content trusted under one admin key. After a key change (the admin node was
        set up anew, or the kiosk moved to another installation) its revisions would make every new
        one look stale, and the screen would show the old content forever: start over instead."""
        fingerprint = key_id(public_key_b64(public_key))
        known = self._store.meta().get("admin_key")
        if known == fingerprint:
            return
        with self._store.transaction():
            if known is not None:
                log.warning("replica: admin key changed (%s -> %s); starting over", known, fingerprint)
                self._store.forget_content()
            self._store.set_meta(admin_key=fingerprint)

    # public API ------------------------------------------------------------------------------

    def handle(self, topic: str, payload: bytes) -> Outcome:
        """Verify, parse and act on one message. Never raises."""
        with self._lock:
            if topic == topics.HEAD and self._is_trusted_copy(payload):
                return self._on_trusted_copy()
            before = self._commits
            reason = self._handle(topic, payload)
            if reason is not None:
                self._count_drop(reason)
            return Outcome(self._commits != before, self._applied, reason)

    def _is_trusted_copy(self, payload: bytes) -> bool:
        """A head that repeats the trusted head (rev, count, digest) outside recovery: skipped unverified.

        Every edit's change already carries its manifest, so the `head` that follows it (and the
        retained copy resent on each subscription) says nothing new. `_on_head` would write nothing
        for it and only re-check the records against the trusted head, which `_on_trusted_copy` does
        with the values verified earlier; so whoever sent it, it cannot change what the kiosk holds,
        and the signature check (most of a message's cost) is saved. It is not counted as a drop: it
        is the normal echo of a message already applied. A head that differs in any of the three
        values goes through full verification as before.
        """
        head = self._head
        if head is None or self._recovering:
            return False
        try:
            return unverified_head_claim(payload) == (head.rev, head.count, head.digest)
        except Exception:  # a bug here must not cost the message its normal path
            log.exception("replica: could not read a head message")
            return False

    def _on_trusted_copy(self) -> Outcome:
        """What `_on_head` does with a head equal to the trusted one, using only the trusted values:
        the records are checked against it again (a file changed behind the kiosk's back shows here
        after a restart), and the timers run."""
        before = self._commits
        try:
            self._check_against_head()
            self._check_timers()
        except Exception:
            log.exception("replica: unexpected error checking the records against the trusted head")
            self._reset_after_error()
        return Outcome(self._commits != before, self._applied, None)

    def _handle(self, topic: str, payload: bytes) -> str | None:
        try:
            message = decode(self._key, topic, payload)
        except Rejected as rejected:
            return rejected.reason
        except Exception:
            # A decoder bug (nothing has been changed yet): count it and keep running.
            log.exception("replica: unexpected error decoding a message on %r", str(topic)[:100])
            return "malformed"
        try:
            reason = self._act(message, len(payload))
            self._check_timers()
        except Exception as exc:
            # A bug or a broken disk, never the sender's privilege: back to what the file says.
            if _disk_trouble(exc):
                # Not the message's fault, and handled (rebuild, or retry): one line, not counted.
                log.warning("replica: could not apply a message on %r: %s", topic[:100], exc)
                self._reset_after_error()
                return None
            log.exception("replica: unexpected error applying a message on %r", topic[:100])
            self._reset_after_error()
            return "malformed"
        return reason

    def tick(self) -> Outcome:
        """Called about once a second: flush staged rows, grace and retry timers, completeness."""
        with self._lock:
            before = self._commits
            try:
                if self._recovering:
                    self._flush_pending()
                    self._try_promote()
                self._check_timers()
            except Exception as exc:
                if _disk_trouble(exc):
                    log.warning("replica: tick: %s", exc)
                else:
                    log.exception("replica: unexpected error in tick")
                self._reset_after_error()
            return Outcome(self._commits != before, self._applied, None)

    @property
    def wants_snapshot(self) -> bool:
        with self._lock:
            return self._recovering

    @property
    def snapshot_generation(self) -> int:
        with self._lock:
            return self._generation

    @property
    def applied_revision(self) -> int:
        with self._lock:
            return self._applied

    @property
    def complete(self) -> bool:
        """The replica holds exactly the newest trusted head's state, or a signed chain on from it.

        `_verified` is set when the records' digest and count equal a head at the applied revision
        (or a snapshot was promoted against one) and cleared when recovery starts; applying a signed
        revision that chains on a verified state keeps it verified.
        """
        with self._lock:
            head = self._head
            return (
                not self._recovering
                and self._verified
                and head is not None
                and self._applied >= head.rev
                and not self._faults.failed
            )

    def dropped_counts(self) -> dict[str, int]:
        with self._lock:
            return self._store.dropped()

    def dump(self) -> dict[str, Any]:
        """The replica as JSON-able data: live records only, each list sorted by key (as text)."""
        with self._lock:
            result: dict[str, Any] = {"revision": self._applied, "complete": self.complete}
            result.update({name: [] for name in DUMP_LISTS.values()})
            logos: list[str] = []
            for kind, key, data in self._store.live_rows():
                if kind == "logo":
                    logos.append(key)
                elif kind in DUMP_LISTS:
                    result[DUMP_LISTS[kind]].append(data)
            result["logos"] = logos
            result["dropped"] = dict(sorted(self._store.dropped().items()))
            # Stored as signed, but a screen cannot show them (kiosk.replica.guard): skipped there.
            result["skipped"] = guard.unshowable(self._store.live_rows())
            return result

    def close(self) -> None:
        """Stage what is still in memory (so a restart resumes from it) and close the file."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            try:
                if self._recovering:
                    self._flush_pending()
            finally:
                self._store.close()

    # state -----------------------------------------------------------------------------------

    def _load(self) -> None:
        """(Re)derive the in-memory state from the file: after open, and after an unexpected error."""
        self._pending.clear()
        meta = self._store.meta()
        self._applied = int(meta.get("applied_rev", "0"))
        self._recovering = meta.get("recovering") == "1"
        self._full = meta.get("full_snapshot") == "1"
        self._verified = meta.get("verified") == "1"
        self._head = (
            TrustedHead(int(meta["trusted_rev"]), int(meta["head_count"]), meta["head_digest"])
            if "trusted_rev" in meta
            else None
        )
        self._live = LiveSet.of(self._store.live_records())
        # Records do not change while recovering; a first bootstrap need not look them up 10,000 times.
        self._no_records = self._store.records_empty()
        if self._applied == 0 and not self._recovering:
            # Nothing applied yet (a new kiosk, a wiped disk): bootstrap from the retained set.
            with self._store.transaction():
                self._store.set_meta(recovering=1, verified=0)
            self._recovering, self._verified = True, False
        if self._recovering and self._full:
            self._merged = LiveSet.of(self._store.staged_live())
        elif self._recovering:
            with self._store.transaction():
                self._store.discard_obsolete_staging()
            self._merged = LiveSet.of(self._store.merged_live())
        else:
            self._merged = self._live.copy()

    def _reset_after_error(self) -> None:
        """Back to what the file says; the buffered changes may be what failed, so they go too.

        Called inside an `except` block: a damaged file is rebuilt from the broker instead
        (kiosk.replica.health), and a failed write (a full disk) marks the replica incomplete and
        schedules a retry (kiosk.replica.faults) rather than waiting for the next edit.
        """
        error = sys.exc_info()[1]
        if health.is_corruption(error):
            self._rebuild(str(error))
            return
        if faults.is_write_failure(error):
            self._faults.failed_write(str(error))
            self._verified = False  # what the file holds may be short of what it trusted
        try:
            self._store.rollback_if_open()
            self._changes.clear()
            self._load()
            if self._faults.failed:
                self._verified = False
        except Exception:
            log.exception("replica: could not reload state after an error")

    def _rebuild(self, why: str) -> None:
        """Move the damaged file aside and start a fresh replica: it bootstraps from the broker."""
        with contextlib.suppress(Exception):
            self._store.close()
        moved = health.move_aside(self._path)
        log.error(
            "replica: %s is damaged (%s): moved to %s; rebuilding from the broker", self._path, why, moved
        )
        self._store = ReplicaStore(self._path)
        self._changes.clear()
        self._pending.clear()
        self._head = None
        self._trust(self._key)
        self._load()  # nothing applied: a bootstrap
        self._generation += 1
        self._progress_at = self._clock()

    def _retry_after_failure(self) -> None:
        """A write failed earlier: ask for the retained set again (and the head), on a backoff, until
        a snapshot completes. Nothing needs to arrive for this to happen."""
        if not self._faults.due():
            return
        self._faults.retrying()
        if self._recovering:
            self._generation += 1  # resubscribe: the broker resends the retained set and head
            self._progress_at = self._clock()
        else:
            self._start_recovery("a write failed earlier")

    def _count_drop(self, reason: str) -> None:
        try:
            with self._store.transaction():
                self._store.count_drop(reason)
        except Exception:
            log.exception("replica: could not count a dropped message (%s)", reason)

    # dispatch --------------------------------------------------------------------------------

    def _act(self, message: Message, size: int) -> str | None:
        """Act on one verified message; the drop reason, or None when it was used or redundant."""
        if isinstance(message, StateMessage):
            return self._on_state(message)
        if isinstance(message, ChangeMessage):
            return self._on_change(message, size)
        return self._on_head(message)

    # state messages --------------------------------------------------------------------------

    def _held(self, kind: str, key: str) -> Version | None:
        """The newest version the snapshot has of a key: in memory, staged, or (overlay) applied."""
        pending = self._pending.get((kind, key))
        if pending is not None:
            return Version(pending.rev, pending.deleted)
        staged = self._store.staged_version(kind, key)
        if staged is not None or self._full or self._no_records:
            return staged
        return self._store.record_version(kind, key)

    def _on_state(self, message: StateMessage) -> str | None:
        record = message.record
        if not self._recovering:
            # Live: the change stream carries every revision whole. A newer state message is not
            # applied on its own (that would show part of a revision); an older one is a replay.
            held = self._store.record_version(record.kind, record.key)
            return "stale" if held is not None and message.rev < held.rev else None
        held = self._held(record.kind, record.key)
        if held is not None and message.rev <= held.rev:
            # Equal: the retained copy of what we hold, sent again on every (re)subscription.
            return "stale" if message.rev < held.rev else None
        if held is not None and not held.deleted:
            self._merged.remove(record.kind, record.key, held.rev)
        if record.op == "upsert":
            self._merged.add(record.kind, record.key, message.rev)
        self._pending[(record.kind, record.key)] = Row(record.kind, record.key, message.rev, record.data)
        self._progress_at, self._retry = self._clock(), self._first_retry
        if len(self._pending) >= STAGE_BATCH:
            self._flush_pending()
        self._try_promote()
        return None

    def _flush_pending(self) -> None:
        if not self._pending:
            return
        with self._store.transaction():
            self._store.stage(self._pending.values())
        self._pending.clear()

    # recovery --------------------------------------------------------------------------------

    def _start_recovery(self, why: str, *, diverged: bool = False) -> None:
        """Ask for the retained set. Records stay verified unless they were found to differ: a
        replica that is merely behind still shows a true, older state."""
        if self._recovering:
            return
        log.info("replica: recovering from the retained state (%s) at revision %d", why, self._applied)
        verified = self._verified and not diverged
        with self._store.transaction():
            self._store.set_meta(recovering=1, verified=int(verified), full_snapshot=int(diverged))
        self._recovering, self._verified, self._full = True, verified, diverged
        self._no_records = self._store.records_empty()
        # Staging is empty outside recovery.
        self._merged = LiveSet() if diverged else self._live.copy()
        self._generation += 1
        self._grace_since = None
        self._progress_at = self._clock()

    def _restart_snapshot(self) -> None:
        """An overlay snapshot that stalls may be stuck on records that are wrong in a way a head at
        another revision cannot show (a record with too high a revision makes the genuine retained
        one look stale). The next generation is a full snapshot: staging alone, records not trusted."""
        self._generation += 1
        self._progress_at = self._clock()
        log.info("replica: snapshot stalled; starting generation %d", self._generation)
        if self._full:
            return
        self._flush_pending()
        with self._store.transaction():
            self._store.set_meta(full_snapshot=1)
        self._full = True
        self._merged = LiveSet.of(self._store.staged_live())

    def _try_promote(self) -> None:
        """Promote the snapshot once records + staging equal the newest trusted head.

        Only forward (a newer head) or as a repair (same revision, records not verified): promoting
        a verified replica onto its own revision would end a recovery that has not recovered anything.
        """
        head = self._head
        if not self._recovering or head is None or not self._merged.matches(head.count, head.digest):
            return
        if head.rev < self._applied or (head.rev == self._applied and self._verified and not self._full):
            return
        with self._store.transaction():
            self._store.stage(self._pending.values())
            if self._full:
                # The head says every record the retained set did not confirm is not live at its
                # revision: a tombstone at that revision (not at the record's own, which may be the
                # wrong, too-high one that stalled an overlay snapshot).
                unconfirmed = self._store.live_records_not_staged()
                self._store.write_records([Row(kind, key, head.rev, None) for kind, key in unconfirmed])
            # A row newer than the head that still matches it is the tombstone of a record not live
            # at the head's revision (a live one would change the digest). It is promoted as a
            # tombstone *at the head's revision*: the records then hold exactly the head's state, and
            # the revisions after it (which may re-create the key before deleting it) still apply.
            self._store.promote_staging(head.rev)
            self._store.set_meta(applied_rev=head.rev, recovering=0, verified=1, full_snapshot=0)
        self._pending.clear()
        self._applied, self._recovering, self._verified, self._full = head.rev, False, True, False
        self._retry = self._first_retry
        self._no_records = self._store.records_empty()
        self._live = self._merged.copy()
        self._commits += 1
        self._grace_since = None
        self._faults.recovered()
        log.info("replica: snapshot complete at revision %d (%d records)", head.rev, head.count)
        self._changes.discard_through(head.rev)
        self._apply_ready()

    # changes ---------------------------------------------------------------------------------

    def _on_change(self, change: ChangeMessage, size: int) -> str | None:
        if change.rev <= self._applied:
            return "stale"
        try:
            self._changes.add(change, size)
        except BufferOverflow:
            log.warning("replica: change buffer full at revision %d; recovering", self._applied)
            self._start_recovery("change buffer full")
            return None
        if not self._recovering:
            self._apply_ready()
        return None

    def _apply_ready(self) -> None:
        """Apply every complete buffered revision that chains on; recover if the chain has a hole."""
        while not self._recovering:
            ready = self._changes.take_ready(self._applied)
            if ready is None:
                break
            self._apply_revision(ready.rev, ready.records, ready.head)
        if not self._recovering and not self._changes.connects(self._applied):
            self._start_recovery("gap in the change stream")

    def _apply_revision(self, rev: int, records: tuple[RecordChange, ...], head: Manifest | None) -> None:
        """Apply one whole revision in one transaction.

        With the manifest its change carried (`head`), the new records' digest and count are checked
        against it and the head is trusted in the same transaction, so a live edit costs one signature
        and one commit. A digest that differs means the replica had diverged before this revision:
        it recovers with a full snapshot, exactly as when a separate head at its revision disagrees.
        """
        # A revision may touch a key twice; the last write is the revision's result.
        final = {(r.kind, r.key): r for r in records}
        rows: list[Row] = []
        live = self._live.copy()
        for (kind, key), record in final.items():
            held = self._store.record_version(kind, key)
            if held is not None and held.rev >= rev:
                continue  # never newer than applied_rev, unless the file was edited: keep the newer
            if held is not None and not held.deleted:
                live.remove(kind, key, held.rev)
            if record.op == "upsert":
                live.add(kind, key, rev)
            rows.append(Row(kind, key, rev, record.data))
        meta: dict[str, int | str] = {"applied_rev": rev}
        trusted = self._head
        agrees = head is None or live.matches(head.count, head.digest)
        if head is not None:
            claimed = TrustedHead(rev, head.count, head.digest)
            # Never back to an older head (rollback); the same revision again is the admin's newer word.
            if claimed != trusted and (trusted is None or rev >= trusted.rev):
                trusted = claimed
                meta.update(trusted_rev=rev, head_count=head.count, head_digest=head.digest)
            if agrees and not self._verified:
                meta["verified"] = 1
        with self._store.transaction():
            self._store.write_records(rows)
            self._store.set_meta(**meta)
        self._applied, self._live, self._merged, self._head = rev, live, live.copy(), trusted
        self._verified = self._verified or (head is not None and agrees)
        self._commits += 1
        self._grace_since = None
        if not agrees:
            self._start_recovery(
                f"digest differs from the change's manifest at revision {rev}", diverged=True
            )
        else:
            self._check_against_head()

    # heads -----------------------------------------------------------------------------------

    def _on_head(self, head: HeadMessage) -> str | None:
        if self._head is not None and head.rev < self._head.rev:
            return "stale"  # a rollback or a replay of an older signed head
        trusted = TrustedHead(head.rev, head.count, head.digest.lower())
        if trusted != self._head:
            with self._store.transaction():
                self._store.set_meta(
                    trusted_rev=trusted.rev, head_count=trusted.count, head_digest=trusted.digest
                )
            self._head = trusted
        if self._recovering:
            self._try_promote()
        else:
            self._check_against_head()
        return None

    def _check_against_head(self) -> None:
        """At the head's revision the digests must agree; a replica that differs has diverged."""
        head = self._head
        if self._recovering or head is None or head.rev != self._applied:
            return
        if self._live.matches(head.count, head.digest):
            if not self._verified:
                with self._store.transaction():
                    self._store.set_meta(verified=1)
                self._verified = True
        else:
            self._start_recovery(f"digest differs from the head at revision {head.rev}", diverged=True)

    def _check_timers(self) -> None:
        now = self._clock()
        if self._faults.failed:
            self._retry_after_failure()
        if self._recovering:
            if now - self._progress_at >= self._retry:
                # No new snapshot record for a while and still incomplete: ask for the retained set
                # again, and wait longer before the next time if that does not help either.
                self._retry = min(self._retry * 2, max(MAX_RETRY_SECONDS, self._first_retry))
                self._restart_snapshot()
            return
        if self._head is None or self._head.rev <= self._applied:
            self._grace_since = None
        elif self._grace_since is None:
            self._grace_since = now
        elif now - self._grace_since >= self._grace:
            self._start_recovery(f"head at {self._head.rev}, changes stopped at {self._applied}")
