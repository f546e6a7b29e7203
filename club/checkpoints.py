"""Signed checkpoints of the audit chain (DESIGN.md invariant 2).

The chain head is signed with an Ed25519 key from the environment (``CSC_CHECKPOINT_KEY``, the
32-byte private key in hex), never stored in the database. A checkpoint travels as one line of
text that an auditor keeps; ``audit_verify --checkpoint`` checks the chain against it, so a chain
recomputed after an edit no longer matches what was signed.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from club.audit import audit_record
from club.chainmath import (
    SignedHead,
    checkpoint_problems,
    message,
    parse,
    signature_ok,
)
from club.errors import ServiceError

CHECKPOINT_KEY_MISSING = "CHECKPOINT_KEY_MISSING"
__all__ = ["SignedHead", "checkpoint_problems", "message", "parse", "signature_ok"]


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
