"""Admissions at the member cap, from several threads at once, on PostgreSQL."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connections

from club.errors import ServiceError
from club.roles import Role
from members.models import ApplicationStatus, Member, MemberStatus
from members.services import application_decide, application_submit, identity_check_record
from tests.factories import application_data, make_member, make_user, set_rules

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_threads(fns: list[Any]) -> list[Any]:
    barrier = threading.Barrier(len(fns))
    results: list[Any] = [None] * len(fns)

    def work(i: int) -> None:
        try:
            barrier.wait()
            results[i] = fns[i]()
        except BaseException as exc:
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(fns))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_two_approvals_for_the_last_place_admit_one() -> None:
    set_rules("CUSTOM", max_members="3")
    board = make_user(roles=(Role.BOARD,), mfa=True)
    for _ in range(2):
        make_member(card=False)
    apps = [application_submit(**application_data()) for _ in range(4)]
    for app in apps:
        identity_check_record(
            actor=board,
            application_id=app.pk,
            document_type="id_card",
            document_last_digits="11",
            age_confirmed=True,
            residence_confirmed=True,
        )
    results = run_threads(
        [
            (
                lambda a=a: application_decide(
                    actor=board, application_id=a.pk, approve=True, reason="ok"
                )
            )
            for a in apps
        ]
    )
    admitted = [r for r in results if isinstance(r, Member)]
    refused = [r for r in results if isinstance(r, ServiceError)]
    assert len(admitted) == 1, results
    assert {r.code for r in refused} == {"MEMBER_CAP_REACHED"}
    assert Member.objects.filter(status=MemberStatus.ACTIVE).count() == 3


def test_applications_at_the_cap_queue_in_order() -> None:
    set_rules("CUSTOM", max_members="1")
    make_member(card=False)
    results = run_threads([(lambda: application_submit(**application_data())) for _ in range(6)])
    assert all(r.status == ApplicationStatus.WAITLISTED for r in results), results
    numbers = [m.number for m in Member.objects.all()]
    assert len(numbers) == len(set(numbers))
