"""The arithmetic of the audit chain and its signed checkpoints, in plain Python: no Django, no
database. The app uses it to write and verify the chain; ``python -m csc.verify`` uses it on an
auditor's machine with nothing but an export file."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

GENESIS = "0" * 64
PREFIX = "csc-checkpoint-v1"
LINE = re.compile(
    rf"{PREFIX} seq=(?P<seq>\d+) hash=(?P<hash>[0-9a-f]{{64}}) at=(?P<at>\S+) "
    r"key=(?P<key>[0-9a-f]{64}) sig=(?P<sig>[0-9a-f]{128})"
)


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise TypeError(f"not canonical: {type(value).__name__}")


def canonical_json(data: Any) -> str:
    """Sorted keys, no spaces, UTF-8 text; decimals and times as strings."""
    return json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default
    )


def compute_hash(
    *,
    prev_hash: str,
    seq: int,
    at: dt.datetime,
    actor_id: int | None,
    action: str,
    subject_type: str,
    subject_id: str,
    payload: str,
) -> str:
    header = canonical_json(
        {
            "seq": seq,
            "at": at.astimezone(dt.UTC).isoformat(),
            "actor": actor_id,
            "action": action,
            "subject_type": subject_type,
            "subject_id": subject_id,
        }
    )
    material = f"{prev_hash}\n{header}\n{payload}".encode()
    return hashlib.sha256(material).hexdigest()


# --- Checkpoints ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignedHead:
    seq: int
    hash: str
    at: dt.datetime
    public_key: str
    signature: str

    def message(self) -> bytes:
        return message(self.seq, self.hash, self.at)

    def text(self) -> str:
        return (
            f"{PREFIX} seq={self.seq} hash={self.hash} at={self.at.isoformat()} "
            f"key={self.public_key} sig={self.signature}"
        )


def message(seq: int, hash_: str, at: dt.datetime) -> bytes:
    return f"{PREFIX}|{seq}|{hash_}|{at.astimezone(dt.UTC).isoformat()}".encode()


def parse(text_or_path: str) -> SignedHead:
    """A checkpoint from its line of text, or from a file that holds it."""
    text = text_or_path
    if not LINE.search(text) and Path(text).is_file():
        text = Path(text).read_text()
    match = LINE.search(text)
    if match is None:
        raise ValueError("not a csc checkpoint line")
    return SignedHead(
        int(match["seq"]),
        match["hash"],
        dt.datetime.fromisoformat(match["at"]),
        match["key"],
        match["sig"],
    )


def signature_ok(head: SignedHead, trusted_key: str = "") -> bool:
    """The signature is the key's, and the key is the one the auditor trusts (if named)."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    if trusted_key and trusted_key.lower() != head.public_key:
        return False
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(head.public_key)).verify(
            bytes.fromhex(head.signature), head.message()
        )
    except (InvalidSignature, ValueError):
        return False
    return True


def checkpoint_problems(
    head: SignedHead, chain_hashes: dict[int, str], trusted_key: str = ""
) -> list[str]:
    """What is wrong between a kept checkpoint and the chain as recomputed now."""
    if not signature_ok(head, trusted_key):
        return [f"checkpoint {head.seq}: the signature does not verify with the trusted key"]
    found = chain_hashes.get(head.seq)
    if found is None:
        return [f"checkpoint {head.seq}: the chain no longer has event {head.seq}"]
    if found != head.hash:
        return [
            f"checkpoint {head.seq}: the chain's hash at event {head.seq} is not the one signed "
            "(the chain was recomputed after an edit)"
        ]
    return []


def chain_problems(events: list[dict[str, Any]]) -> tuple[list[str], int, str, dict[int, str]]:
    """Recompute a chain given as dicts (seq, at, actor, action, subject_type, subject_id,
    payload, prev_hash, hash): problems, head seq, head hash, and every event's stored hash."""
    problems: list[str] = []
    prev_hash, prev_seq = GENESIS, 0
    hashes: dict[int, str] = {}
    for ev in sorted(events, key=lambda e: e["seq"]):
        at = ev["at"] if isinstance(ev["at"], dt.datetime) else dt.datetime.fromisoformat(ev["at"])
        expected = compute_hash(
            prev_hash=prev_hash,
            seq=ev["seq"],
            at=at,
            actor_id=ev["actor"],
            action=ev["action"],
            subject_type=ev["subject_type"],
            subject_id=ev["subject_id"],
            payload=ev["payload"],
        )
        if ev["seq"] != prev_seq + 1:
            problems.append(f"sequence {ev['seq']} follows {prev_seq}: events are missing")
        elif ev["prev_hash"] != prev_hash:
            problems.append(f"sequence {ev['seq']} does not link to the hash of {prev_seq}")
        elif ev["hash"] != expected:
            problems.append(f"sequence {ev['seq']} does not match its hash: the event was altered")
        hashes[ev["seq"]] = ev["hash"]
        prev_hash, prev_seq = ev["hash"], ev["seq"]
    return problems, prev_seq, prev_hash, hashes


# --- Record digests (club.digests) ----------------------------------------------------------------


def record_digest(content: dict[str, Any]) -> str:
    """SHA-256 of a covered row's content (its audited values, personal ones as pseudonyms)."""
    return hashlib.sha256(canonical_json(content).encode()).hexdigest()


def recorded_digests(seq: int, payload: str, into: dict[str, tuple[int, str]]) -> None:
    """Add the digests an event's payload records (a later event's digest replaces an earlier)."""
    if '"records":' in payload:
        for record, value in (json.loads(payload).get("records") or {}).items():
            into[record] = (seq, value)


def record_problems(
    recorded: dict[str, tuple[int, str]],
    live: Any,
    tables: dict[str, str],
) -> list[str]:
    """Compare live rows, given as (record key, table, key, digest of its content now), with the
    digests the chain last recorded; ``tables`` maps each covered model's label to its table."""
    problems: list[str] = []
    left = dict(recorded)
    for record, table, pk, now in live:
        found = left.pop(record, None)
        if found is None:
            problems.append(f"{table} {pk}: not on the audit chain (written behind the app's back)")
        elif found[1] != now:
            problems.append(f"{table} {pk}: changed after audit event {found[0]}")
    for record, (seq, _digest) in sorted(left.items()):
        label, pk = record.split(":", 1)
        if label in tables:
            problems.append(f"{tables[label]} {pk}: deleted (recorded by audit event {seq})")
    return problems
