"""Sealing secret ballots while their poll is open.

The key is derived (HKDF-SHA256) from the server's ``SECRET_KEY`` and the poll's id, so it is not
in the database: someone who reads every table sees only ciphertext until the poll closes, and
after the close the sealed rows are gone. AES-GCM with a random nonce; the poll's id is bound as
associated data, so a sealed ballot cannot be moved to another poll.
"""

from __future__ import annotations

import json
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


class SealBroken(Exception):
    """A sealed ballot does not open under this server's key (tampered, or another secret)."""


def _key(poll_id: int) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=b"csc-ballot-seal-v1",
        info=f"poll:{poll_id}".encode(),
    ).derive(settings.SECRET_KEY.encode())


def seal(poll_id: int, *, choice: str, receipt_code: str) -> bytes:
    nonce = os.urandom(12)
    plain = json.dumps({"choice": choice, "receipt": receipt_code}).encode()
    return nonce + AESGCM(_key(poll_id)).encrypt(nonce, plain, str(poll_id).encode())


def unseal(poll_id: int, sealed: bytes) -> tuple[str, str]:
    """(choice, receipt code) of a sealed ballot."""
    data = bytes(sealed)
    try:
        plain = AESGCM(_key(poll_id)).decrypt(data[:12], data[12:], str(poll_id).encode())
    except (InvalidTag, ValueError) as exc:
        raise SealBroken from exc
    opened = json.loads(plain)
    return opened["choice"], opened["receipt"]
