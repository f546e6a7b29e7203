"""`manage.py checkpoint`: sign the audit chain's head now and print the line an auditor keeps;
`--new-key` prints a new key pair for CSC_CHECKPOINT_KEY instead."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError

from club.checkpoints import checkpoint_create, public_key_hex, signed
from club.errors import ServiceError
from club.management.base import ClubCommand


class Command(ClubCommand):
    help = "Sign the audit chain's head with CSC_CHECKPOINT_KEY and print the checkpoint."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--new-key", action="store_true", help="print a new key pair")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["new_key"]:
            from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
            from cryptography.hazmat.primitives.serialization import (
                Encoding,
                NoEncryption,
                PrivateFormat,
            )

            key = Ed25519PrivateKey.generate()
            private = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption()).hex()
            self.stdout.write(f"CSC_CHECKPOINT_KEY={private}")
            self.stdout.write(f"public key (give it to the auditors): {public_key_hex(key)}")
            return
        try:
            checkpoint = checkpoint_create()
        except ServiceError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(signed(checkpoint).text())
