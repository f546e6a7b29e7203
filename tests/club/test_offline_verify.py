"""The auditor's kit (issue 12, point 4, the chain part): `audit_export` writes the chain and the
checkpoints; `python -m csc.verify` checks them with neither the database nor the settings, and
agrees with `audit_verify` on the demo."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from club.audit import audit_verify
from club.checkpoints import checkpoint_create, signed
from tests.club.test_checkpoints import recompute_chain_after_editing

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def offline(*args: str) -> subprocess.CompletedProcess[str]:
    """The verifier as an auditor runs it: no database URL, and settings that do not exist (it
    must not read any)."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env["DJANGO_SETTINGS_MODULE"] = "no.such.settings"
    return subprocess.run(  # noqa: S603 (our own interpreter and arguments)
        [sys.executable, "-m", "csc.verify", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_offline_verifier_agrees_with_audit_verify_on_the_demo(
    tmp_path, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo")
    checkpoint = checkpoint_create()
    export = tmp_path / "chain.jsonl"
    call_command("audit_export", str(export))
    online = audit_verify()
    assert online.ok
    done = offline(
        str(export), "--checkpoint", signed(checkpoint).text(), "--key", checkpoint.public_key
    )
    assert done.returncode == 0, done.stderr
    assert f"head {online.head_seq} {online.head_hash}" in done.stdout
    # An edited line of the export is named by its sequence number.
    lines = export.read_text().splitlines()
    event = json.loads(lines[5])
    event["payload"] = event["payload"].replace("}", ',"x":1}', 1)
    lines[5] = json.dumps(event)
    export.write_text("\n".join(lines) + "\n")
    tampered = offline(str(export))
    assert tampered.returncode == 1 and f"sequence {event['seq']} does not match" in tampered.stderr


def test_a_recomputed_chain_fails_offline_against_a_kept_checkpoint(club, tmp_path) -> None:
    from tests.factories import make_member

    member = make_member()
    kept = signed(checkpoint_create())
    from club.models import AuditEvent

    target = AuditEvent.objects.filter(subject_id=str(member.pk)).order_by("seq").first()
    assert target is not None
    recompute_chain_after_editing(target.seq, {"edited": True})
    export = tmp_path / "chain.jsonl"
    call_command("audit_export", str(export))
    done = offline(str(export), "--checkpoint", kept.text())
    assert done.returncode == 1 and "recomputed" in done.stderr
    wrong_key = offline(str(export), "--key", "ab" * 32)
    assert wrong_key.returncode == 1 and "signature does not verify" in wrong_key.stderr


def test_the_export_carries_every_covered_record_pseudonymised_and_checked_offline(
    club, tmp_path
) -> None:
    """The records behind the digests travel in the export with personal values as keyed
    pseudonyms; the verifier recomputes each digest, and names a record edited in the database
    (as audit_verify does), one edited in the file, and one left out of it."""
    from members.models import Member
    from tests.attack import attacker_sql
    from tests.factories import dispense, make_lot, make_member

    member = make_member()
    dispense(member, make_lot(grams="50", thc="9"), "2")
    member = Member.objects.get(pk=member.pk)
    export = tmp_path / "chain.jsonl"
    call_command("audit_export", str(export))
    text = export.read_text()
    assert member.last_name not in text and member.first_name not in text
    assert member.date_of_birth.isoformat() not in text
    items = [json.loads(line) for line in text.splitlines()[1:]]
    records = {i["record"]: i for i in items if i["kind"] == "record"}
    mine = records[f"members.member:{member.pk}"]
    mine["seq"] = recorded_seq(f"members.member:{member.pk}")
    assert mine["content"]["status"] == member.status
    assert mine["content"]["date_of_birth"].startswith("hmac:")
    assert "dispensing.dispensing" in {r.split(":")[0] for r in records}
    assert offline(str(export)).returncode == 0

    # Edited in the file: a dispensing's grams.
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if '"record": "dispensing.dispensing:' in line)
    item = json.loads(lines[at])
    item["content"]["grams"] = "0.100"
    edited = [*lines[:at], json.dumps(item), *lines[at + 1 :]]
    export.write_text("\n".join(edited) + "\n")
    done = offline(str(export))
    assert done.returncode == 1
    assert f"dispensing_dispensing {item['key']}: changed after audit event" in done.stderr
    # Left out of the file.
    export.write_text("\n".join([*lines[:at], *lines[at + 1 :]]) + "\n")
    done = offline(str(export))
    assert done.returncode == 1 and f"dispensing_dispensing {item['key']}: deleted" in done.stderr

    # Edited in the database by its owner: both verifiers name the member.
    attacker_sql([("UPDATE members_member SET status = 'expelled' WHERE id = %s", [member.pk])])
    call_command("audit_export", str(export))
    done = offline(str(export))
    online = [p for p in audit_verify().problems if p.startswith("members_member")]
    assert online == [f"members_member {member.pk}: changed after audit event {mine['seq']}"]
    assert done.returncode == 1 and online[0] in done.stderr


def recorded_seq(record: str) -> int:
    """The sequence of the event that last recorded a row's digest."""
    from club.chainmath import recorded_digests
    from club.models import AuditEvent

    recorded: dict[str, tuple[int, str]] = {}
    for ev in AuditEvent.objects.order_by("seq"):
        recorded_digests(ev.seq, ev.payload, recorded)
    return recorded[record][0]
