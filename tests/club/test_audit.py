"""The audit chain: append, verify, tamper detection, append-only on every database, no forks."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, connections, transaction

from club.audit import GENESIS, audit_record, audit_verify, canonical_json, compute_hash
from club.errors import AppendOnlyError
from club.models import AuditChainHead, AuditEvent, Club
from tests.factories import make_club

pytestmark = pytest.mark.django_db


def _append(n: int, actor: Any = None) -> list[AuditEvent]:
    out = []
    for i in range(n):
        with transaction.atomic():
            out.append(
                audit_record(
                    actor=actor,
                    action="test.event",
                    subject=("test.thing", i),
                    payload={"i": i, "grams": "2.5"},
                )
            )
    return out


def test_events_link_into_a_chain() -> None:
    events = _append(3)
    assert [e.seq for e in events] == [1, 2, 3]
    assert events[0].prev_hash == GENESIS
    assert events[1].prev_hash == events[0].hash
    assert events[2].prev_hash == events[1].hash
    head = AuditChainHead.objects.get(pk=1)
    assert (head.seq, head.hash) == (3, events[2].hash)
    e = events[1]
    assert e.hash == compute_hash(
        prev_hash=e.prev_hash,
        seq=e.seq,
        at=e.at,
        actor_id=None,
        action=e.action,
        subject_type=e.subject_type,
        subject_id=e.subject_id,
        payload=e.payload,
    )


def test_payload_is_canonical_json() -> None:
    assert canonical_json({"b": 1, "a": "é"}) == '{"a":"é","b":1}'
    (event,) = _append(1)
    assert event.payload == '{"grams":"2.5","i":0}'


def test_record_outside_a_transaction_is_refused() -> None:
    # pytest-django wraps the test in a transaction; leave it to see the guard.
    from unittest import mock

    with mock.patch.object(connection, "in_atomic_block", False), pytest.raises(RuntimeError):
        audit_record(actor=None, action="x", subject=("t", 1))


def test_verify_passes_on_an_intact_chain() -> None:
    make_club()
    _append(5)
    result = audit_verify()
    assert result.ok, result.problems
    assert result.events == 6
    call_command("audit_verify")


def _tamper_payload(seq: int) -> None:
    """Change one byte behind the model's back (raw SQL; on PostgreSQL past the trigger)."""
    table = AuditEvent._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            f"UPDATE {table} SET payload = REPLACE(payload, '2.5', '3.5') WHERE seq = %s",  # noqa: S608
            [seq],
        )
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")


def test_one_changed_byte_is_found_and_named() -> None:
    _append(6)
    _tamper_payload(4)
    result = audit_verify()
    assert not result.ok
    assert result.first_bad_seq == 4
    with pytest.raises(CommandError, match="sequence 4"):
        call_command("audit_verify")


def test_a_deleted_event_is_found() -> None:
    _append(4)
    table = AuditEvent._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(f"DELETE FROM {table} WHERE seq = 2")  # noqa: S608
    result = audit_verify()
    assert result.first_bad_seq == 3


def test_crosscheck_finds_a_row_without_its_event() -> None:
    make_club()
    table = AuditEvent._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(f"UPDATE {table} SET action = 'club.created' WHERE action = 'club.create'")  # noqa: S608
    problems = audit_verify().problems
    assert any(f"club.club {Club.objects.get().pk} has no 'club.create'" in p for p in problems)


def test_model_refuses_update_and_delete_on_every_database() -> None:
    (event,) = _append(1)
    event.action = "changed"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(action="changed")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "test.event"


def test_payload_holds_no_personal_data(board) -> None:
    for event in AuditEvent.objects.all():
        assert board.email not in event.payload
        assert board.last_name not in event.payload


@pytest.mark.postgres
@pytest.mark.parametrize("sql", ["UPDATE {t} SET action = 'x'", "DELETE FROM {t}"])
def test_postgres_trigger_rejects_update_and_delete(sql: str) -> None:
    _append(2)
    with (
        pytest.raises(DatabaseError, match="append_only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql.format(t=AuditEvent._meta.db_table))
    assert AuditEvent.objects.count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_never_fork() -> None:
    threads_n, per_thread = 8, 10
    barrier = threading.Barrier(threads_n)
    failures: list[BaseException] = []

    def work(t: int) -> None:
        try:
            barrier.wait()
            for i in range(per_thread):
                with transaction.atomic():
                    audit_record(
                        actor=None,
                        action="test.concurrent",
                        subject=("t", f"{t}-{i}"),
                        payload={"t": t, "i": i},
                    )
        except BaseException as exc:
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(t,)) for t in range(threads_n)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not failures, failures
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, threads_n * per_thread + 1))
    assert audit_verify(crosschecks=False).ok
