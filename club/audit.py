"""The audit chain: one hash-linked, append-only sequence of events for every write.

``audit_record`` runs inside the caller's transaction and locks the chain head row, so concurrent
writers extend the chain one after the other and it never forks. ``audit_verify`` recomputes every
hash and runs the cross-checks apps register against their domain tables.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from club.chainmath import GENESIS, canonical_json, compute_hash, recorded_digests
from club.models import AuditChainHead, AuditEvent

# The chain's arithmetic lives in plain Python, shared with the offline verifier (csc.verify).
__all__ = ["GENESIS", "audit_record", "audit_verify", "canonical_json", "compute_hash"]


def _lock_head() -> AuditChainHead:
    try:
        return AuditChainHead.objects.select_for_update().get(pk=1)
    except AuditChainHead.DoesNotExist:
        # First event on an empty database: create the head without racing another writer.
        AuditChainHead.objects.bulk_create(
            [AuditChainHead(pk=1, seq=0, hash=GENESIS)], ignore_conflicts=True
        )
        return AuditChainHead.objects.select_for_update().get(pk=1)


def subject_label(subject: models.Model | tuple[str, Any]) -> tuple[str, str]:
    if isinstance(subject, tuple):
        return subject[0], str(subject[1])
    return subject._meta.label_lower, str(subject.pk)


def audit_record(
    *,
    actor: Any,
    action: str,
    subject: models.Model | tuple[str, Any],
    payload: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the chain, in the caller's transaction.

    Locks the chain head row (``select_for_update``) until the caller commits, so no two events
    get the same sequence number and the chain never forks. The payload carries ids and values,
    never personal data.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record must run inside the transaction of the change it records")
    from club import digests

    subject_type, subject_id = subject_label(subject)
    actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    records = digests.take()
    body = canonical_json({**(payload or {}), "records": records} if records else (payload or {}))
    fields: dict[str, Any] = {
        "at": timezone.now(),
        "actor_id": actor_id,
        "action": action,
        "subject_type": subject_type,
        "subject_id": subject_id,
        "payload": body,
    }
    connection = transaction.get_connection()
    if connection.vendor == "postgresql":
        event = _append_in_one_statement(connection, fields)
        if event is not None:
            return event
    head = _lock_head()
    seq = head.seq + 1
    digest = compute_hash(prev_hash=head.hash, seq=seq, **fields)
    event = AuditEvent(seq=seq, prev_hash=head.hash, hash=digest, **fields)
    event.save()
    head.seq, head.hash, head.prev_hash = seq, digest, head.hash
    head.save(update_fields=["seq", "hash", "prev_hash"])
    return event


# PostgreSQL: the head row moves and the event is written in one statement. The UPDATE locks the
# head (held to commit, as the SELECT … FOR UPDATE above does) and computes the new hash from the
# row's current values (never a snapshot older than the lock), exactly as ``compute_hash``: the
# SHA-256 of the previous hash, the canonical header (sorted keys; ``seq`` sits between "at"
# and "subject_id") and the payload, one per line. audit_verify recomputes it in Python.
_APPEND_SQL = """
WITH head AS (
    UPDATE club_auditchainhead
       SET prev_hash = hash,
           seq = seq + 1,
           hash = encode(sha256(convert_to(hash || %s || (seq + 1)::text || %s, 'UTF8')), 'hex')
     WHERE id = 1
    RETURNING seq, hash, prev_hash
)
INSERT INTO club_auditevent
    (seq, at, actor_id, action, subject_type, subject_id, payload, prev_hash, hash)
SELECT seq, %s, %s, %s, %s, %s, %s, prev_hash, hash FROM head
RETURNING id, seq, prev_hash, hash
"""
_EVENT_COLUMNS = ("at", "actor_id", "action", "subject_type", "subject_id", "payload")


def _append_in_one_statement(connection: Any, fields: dict[str, Any]) -> AuditEvent | None:
    """The event, or None when the chain has no head row yet (the first event creates it)."""
    header = canonical_json(
        {
            "seq": 0,
            "at": fields["at"].astimezone(dt.UTC).isoformat(),
            "actor": fields["actor_id"],
            "action": fields["action"],
            "subject_type": fields["subject_type"],
            "subject_id": fields["subject_id"],
        }
    )
    before, after = header.split('"seq":0', 1)
    params = [
        "\n" + before + '"seq":',
        after + "\n" + fields["payload"],
        *(fields[name] for name in _EVENT_COLUMNS),
    ]
    with connection.cursor() as cursor:
        cursor.execute(_APPEND_SQL, params)
        row = cursor.fetchone()
    if row is None:
        return None
    pk, seq, prev_hash, digest = row
    event = AuditEvent(pk=pk, seq=seq, prev_hash=prev_hash, hash=digest, **fields)
    event._state.adding = False
    return event


# --- Verification -------------------------------------------------------------------------------

CrossCheck = Callable[[], Iterator[str]]
_CROSSCHECKS: list[CrossCheck] = []


def register_crosscheck(check: CrossCheck) -> CrossCheck:
    """Apps register checks that compare their domain tables with the chain."""
    if check not in _CROSSCHECKS:
        _CROSSCHECKS.append(check)
    return check


def register_created_crosscheck(model: type[models.Model], action: str) -> None:
    """Every row of ``model`` has an ``action`` event, and every such event still has its row."""

    def check() -> Iterator[str]:
        label = model._meta.label_lower
        rows = {str(pk) for pk in model._default_manager.values_list("pk", flat=True)}
        events = set(
            AuditEvent.objects.filter(action=action, subject_type=label).values_list(
                "subject_id", flat=True
            )
        )
        for pk in sorted(rows - events):
            yield f"{label} {pk} has no '{action}' audit event"
        for pk in sorted(events - rows):
            yield f"{label} {pk} has an '{action}' audit event but no row"

    check.__name__ = f"created_{model._meta.label_lower}"
    register_crosscheck(check)


@dataclass
class VerifyResult:
    events: int = 0
    head_seq: int = 0
    head_hash: str = GENESIS
    first_bad_seq: int | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def audit_verify(
    *, crosschecks: bool = True, checkpoints: list[Any] | None = None, trusted_key: str = ""
) -> VerifyResult:
    """Recompute the whole chain; report the first broken link and any cross-check problems.

    ``checkpoints`` are signed heads an auditor kept (``club.checkpoints``); the checkpoints the
    club stored are checked too, against the configured key: a chain recomputed after an edit
    no longer holds the hashes that were signed."""
    from club import checkpoints as cp

    kept = list(checkpoints or [])
    stored = [cp.signed(c) for c in cp.stored_checkpoints()]
    wanted = {c.seq for c in kept + stored}
    hashes: dict[int, str] = {}
    recorded: dict[str, tuple[int, str]] = {}
    result = VerifyResult()
    prev_hash, prev_seq = GENESIS, 0
    for ev in AuditEvent.objects.order_by("seq").iterator(chunk_size=2000):
        if ev.seq in wanted:
            hashes[ev.seq] = ev.hash
        recorded_digests(ev.seq, ev.payload, recorded)
        result.events += 1
        expected = compute_hash(
            prev_hash=prev_hash,
            seq=ev.seq,
            at=ev.at,
            actor_id=ev.actor_id,
            action=ev.action,
            subject_type=ev.subject_type,
            subject_id=ev.subject_id,
            payload=ev.payload,
        )
        problem = None
        if ev.seq != prev_seq + 1:
            problem = f"sequence {ev.seq} follows {prev_seq}: events are missing"
        elif ev.prev_hash != prev_hash:
            problem = f"sequence {ev.seq} does not link to the hash of {prev_seq}"
        elif ev.hash != expected:
            problem = f"sequence {ev.seq} does not match its hash: the event was altered"
        if problem and result.first_bad_seq is None:
            result.first_bad_seq = ev.seq
            result.problems.append(problem)
        prev_hash, prev_seq = ev.hash, ev.seq
    result.head_seq, result.head_hash = prev_seq, prev_hash
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and (head.seq, head.hash) != (prev_seq, prev_hash):
        result.problems.append(f"the chain head says {head.seq} but the last event is {prev_seq}")
        if result.first_bad_seq is None:
            result.first_bad_seq = min(head.seq, prev_seq) + 1
    configured = cp.configured_public_key()
    for head_kept in kept:
        result.problems.extend(cp.checkpoint_problems(head_kept, hashes, trusted_key))
    for head_stored in stored:
        # Signed by the club's own key: a stored checkpoint an attacker re-signed is named.
        result.problems.extend(cp.checkpoint_problems(head_stored, hashes, configured))
    if crosschecks:
        from club.digests import live_problems

        result.problems.extend(live_problems(recorded))
        for check in _CROSSCHECKS:
            result.problems.extend(check())
    return result
