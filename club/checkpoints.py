"""Signed checkpoints of the audit chain (DESIGN.md invariant 2).

The chain head is signed with an Ed25519 key from the environment (``CSC_CHECKPOINT_KEY``, the
32-byte private key in hex), never stored in the database. A checkpoint travels as one line of
text that an auditor keeps; ``audit_verify --checkpoint`` checks the chain against it, so a chain
recomputed after an edit no longer matches what was signed.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from club.audit import audit_record
from club.errors import ServiceError

PREFIX = "csc-checkpoint-v1"
LINE = re.compile(
    rf"{PREFIX} seq=(?P<seq>\d+) hash=(?P<hash>[0-9a-f]{{64}}) at=(?P<at>\S+) "
    r"key=(?P<key>[0-9a-f]{64}) sig=(?P<sig>[0-9a-f]{128})"
)
CHECKPOINT_KEY_MISSING = "CHECKPOINT_KEY_MISSING"


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


def _private_key() -> Any:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    raw = (settings.CSC_CHECKPOINT_KEY or "").strip()
    if not raw:
        raise ServiceError(
            CHECKPOINT_KEY_MISSING,
            _("No checkpoint key is configured (CSC_CHECKPOINT_KEY)."),
            status=409,
        )
    return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(raw))


def public_key_hex(private: Any) -> str:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def checkpoint_create(*, actor: Any = None) -> Any:
    """Sign the chain head now and keep the signature. Locks the head (through the audit event
    it writes), so the signed head is the head of this very moment."""
    from club.models import AuditChainHead, Checkpoint

    key = _private_key()
    with transaction.atomic():
        head = AuditChainHead.objects.select_for_update().get(pk=1)
        at = timezone.now().replace(microsecond=0)
        signature = key.sign(message(head.seq, head.hash, at)).hex()
        checkpoint = Checkpoint.objects.create(
            seq=head.seq,
            hash=head.hash,
            at=at,
            public_key=public_key_hex(key),
            signature=signature,
        )
        audit_record(
            actor=actor,
            action="checkpoint.sign",
            subject=checkpoint,
            payload={"seq": head.seq, "hash": head.hash},
        )
    return checkpoint


def signed(checkpoint: Any) -> SignedHead:
    return SignedHead(
        checkpoint.seq, checkpoint.hash, checkpoint.at, checkpoint.public_key, checkpoint.signature
    )


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


def stored_checkpoints() -> Any:
    from club.models import Checkpoint

    return Checkpoint.objects.order_by("seq", "pk")


def configured_public_key() -> str:
    """The public half of the configured key ('' without one: stored signatures are then only
    checked against the key they name)."""
    try:
        return public_key_hex(_private_key())
    except ServiceError:
        return ""


def latest() -> Any:
    from club.models import Checkpoint

    return Checkpoint.objects.order_by("-seq", "-pk").first()
