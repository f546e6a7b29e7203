"""Signed checkpoints (issue 12, point 3): a chain recomputed after an edit no longer matches a
checkpoint an auditor kept, nor the club's stored ones; members see the latest."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from club.audit import GENESIS, audit_verify, compute_hash
from club.checkpoints import checkpoint_create, parse, signature_ok, signed
from club.models import AuditChainHead, AuditEvent, Checkpoint
from tests.attack import attacker_sql
from tests.factories import make_member

pytestmark = pytest.mark.django_db


def recompute_chain_after_editing(seq: int, payload: dict[str, Any]) -> None:
    """Edit one event's payload and recompute every hash after it, and the head, so that the
    chain alone verifies again."""
    statements: list[tuple[str, list[Any]]] = []
    prev = GENESIS
    last = (0, GENESIS)
    for ev in AuditEvent.objects.order_by("seq"):
        body = (
            json.dumps(payload, sort_keys=True, separators=(",", ":"))
            if ev.seq == seq
            else ev.payload
        )
        new = compute_hash(
            prev_hash=prev,
            seq=ev.seq,
            at=ev.at,
            actor_id=ev.actor_id,
            action=ev.action,
            subject_type=ev.subject_type,
            subject_id=ev.subject_id,
            payload=body,
        )
        statements.append(
            (
                "UPDATE club_auditevent SET payload = %s, prev_hash = %s, hash = %s WHERE seq = %s",
                [body, prev, new, ev.seq],
            )
        )
        prev, last = new, (ev.seq, new)
    statements.append(("UPDATE club_auditchainhead SET seq = %s, hash = %s", list(last)))
    attacker_sql(statements)


def test_a_checkpoint_is_signed_and_read_back(club) -> None:
    make_member()
    checkpoint = checkpoint_create()
    line = signed(checkpoint).text()
    kept = parse(line)
    assert kept == signed(checkpoint) and signature_ok(kept, checkpoint.public_key)
    assert not signature_ok(kept, "ab" * 32)  # another key than the one the auditor trusts
    forged = parse(line.replace(f"seq={kept.seq}", f"seq={kept.seq + 1}"))
    assert not signature_ok(forged)
    assert audit_verify(checkpoints=[kept]).ok
    call_command("audit_verify", checkpoint=[line], key=checkpoint.public_key)


def test_a_recomputed_chain_is_caught_by_a_kept_checkpoint(club, tmp_path) -> None:
    member = make_member()
    kept = signed(checkpoint_create())
    target = AuditEvent.objects.filter(subject_id=str(member.pk)).order_by("seq").first()
    assert target is not None and target.seq < kept.seq
    # The attacker also removes the club's stored checkpoints: only the auditor's copy is left.
    recompute_chain_after_editing(target.seq, {"edited": True})
    attacker_sql([("DELETE FROM club_checkpoint", [])])
    chain_only = audit_verify(crosschecks=False)
    assert chain_only.ok  # the recomputed chain on its own looks fine...
    result = audit_verify(checkpoints=[kept])
    assert any("recomputed" in p for p in result.problems), (
        result.problems
    )  # ...but not to the auditor
    kept_file = tmp_path / "checkpoint.txt"
    kept_file.write_text(kept.text() + "\n")
    with pytest.raises(CommandError):
        call_command("audit_verify", checkpoint=[str(kept_file)])


def test_a_recomputed_chain_is_caught_by_the_clubs_stored_checkpoints(club) -> None:
    member = make_member()
    checkpoint_create()
    target = AuditEvent.objects.filter(subject_id=str(member.pk)).order_by("seq").first()
    assert target is not None
    recompute_chain_after_editing(target.seq, {"edited": True})
    problems = audit_verify().problems
    assert any("recomputed" in p for p in problems), problems
    head = AuditChainHead.objects.get()
    assert head.seq == AuditEvent.objects.order_by("-seq").first().seq  # type: ignore[union-attr]


def test_a_stored_checkpoint_resigned_with_another_key_is_named(club) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from club.checkpoints import message, public_key_hex

    make_member()
    checkpoint = checkpoint_create()
    other = Ed25519PrivateKey.generate()
    attacker_sql(
        [
            (
                "UPDATE club_checkpoint SET public_key = %s, signature = %s WHERE id = %s",
                [
                    public_key_hex(other),
                    other.sign(message(checkpoint.seq, checkpoint.hash, checkpoint.at)).hex(),
                    checkpoint.pk,
                ],
            )
        ]
    )
    assert any("signature does not verify" in p for p in audit_verify().problems)


def test_members_see_the_latest_checkpoint(client, club) -> None:
    member = make_member()
    checkpoint = checkpoint_create()
    client.force_login(member.user)
    page = client.get("/me/home/").content.decode()
    assert signed(checkpoint).text() in page


def test_the_checkpoint_command_signs_and_makes_keys(club, capsys) -> None:
    call_command("checkpoint")
    line = capsys.readouterr().out.strip()
    assert parse(line).seq == Checkpoint.objects.get().seq
    call_command("checkpoint", new_key=True)
    out = capsys.readouterr().out
    assert "CSC_CHECKPOINT_KEY=" in out and "public key" in out
