"""Member accounts (issue 10, points 4 and 5): fee schedule versions adopted by an assembly, the
fee charged once per member and period however often and however parallel the task runs,
payments, derived balances and the board's arrears list."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal
from typing import Any

import pytest
from django.db import connections

from club.audit import audit_verify
from club.errors import ServiceError
from finance.fees import (
    arrears,
    fee_schedule_set,
    fees_charge,
    member_balance,
    payment_record,
    period_of,
)
from finance.models import FeeCharge, Transaction
from finance.tasks import fees_charge_task
from members.models import Member, MemberStatus
from tests.factories import make_member, set_rules
from tests.finance.test_ledger import _adopted_poll

D = Decimal


def _schedule(
    period: str = "month", fee: str = "10,00", valid_from: dt.date = dt.date(2026, 11, 1)
) -> Any:
    return fee_schedule_set(
        actor=None,
        valid_from=valid_from,
        period=period,
        membership_fee=fee,
        arrears_limit="30.00",
        poll_id=_adopted_poll().pk,
    )


def test_periods() -> None:
    day = dt.date(2026, 11, 26)
    assert period_of(day, "month") == (dt.date(2026, 11, 1), dt.date(2026, 12, 1))
    assert period_of(day, "quarter") == (dt.date(2026, 10, 1), dt.date(2027, 1, 1))
    assert period_of(day, "year") == (dt.date(2026, 1, 1), dt.date(2027, 1, 1))


@pytest.mark.django_db
def test_a_schedule_needs_its_resolution(club) -> None:
    set_rules("DE")
    with pytest.raises(ServiceError) as exc:
        fee_schedule_set(
            actor=None,
            valid_from=dt.date(2026, 1, 1),
            period="month",
            membership_fee="10",
            arrears_limit="30",
            poll_id=999999,
        )
    assert exc.value.code == "NOT_FOUND"


@pytest.mark.django_db
def test_fees_are_charged_once_per_member_and_period_and_payments_lower_the_balance(club) -> None:
    set_rules("DE")
    _schedule()
    a, b = make_member(), make_member()
    gone = make_member(status="ended")
    active = Member.objects.filter(status=MemberStatus.ACTIVE).count()
    nov = dt.date(2026, 11, 26)
    assert fees_charge(on=nov) == active
    assert fees_charge(on=nov) == 0  # the same period again: nothing
    assert fees_charge(on=dt.date(2026, 11, 2)) == 0
    assert member_balance(a) == D("10.00") and member_balance(gone) == D("0.00")
    assert fees_charge(on=dt.date(2026, 12, 1)) == active  # a new period
    assert fees_charge(on=dt.date(2027, 1, 1)) == active
    payment_record(actor=None, member_number=a.number, amount="30", method="cash", received_on=nov)
    payment_record(
        actor=None, member_number=str(b.number), amount="5,50", method="transfer", received_on=nov
    )
    assert member_balance(a) == D("0.00") and member_balance(b) == D("24.50")
    assert [row["member"] for row in arrears(on=dt.date(2027, 1, 5))] == []  # limit 30.00
    fees_charge(on=dt.date(2027, 2, 1))
    late = arrears(on=dt.date(2027, 2, 10))
    assert b in [row["member"] for row in late] and a not in [row["member"] for row in late]
    row = next(r for r in late if r["member"] == b)
    assert row["debt"] == D("34.50") and row["since"] == dt.date(2026, 11, 1)
    assert a.status == MemberStatus.ACTIVE  # the app never suspends by itself
    assert audit_verify().ok


@pytest.mark.django_db
def test_the_beat_task_charges_like_the_service(club) -> None:
    set_rules("DE")
    _schedule(period="year", fee="120", valid_from=dt.date(2026, 1, 1))
    make_member()
    first = fees_charge_task.delay().get()
    assert first >= 1 and fees_charge_task.delay().get() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_charge_each_member_once() -> None:
    from finance.chart import ensure
    from tests.factories import make_club

    make_club()
    ensure()  # the database was emptied between transactional tests
    set_rules("DE")
    _schedule()
    for _ in range(8):
        make_member(card=False)
    day = dt.date(2026, 11, 26)
    barrier = threading.Barrier(2)
    made: list[int] = []
    failures: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait(timeout=30)
            made.append(fees_charge(on=day))
        except BaseException as exc:
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a worker did not finish"
    assert failures == []
    charges = FeeCharge.objects.filter(period_start=dt.date(2026, 11, 1))
    members = charges.values_list("member", flat=True)
    assert len(members) == len(set(members)) == sum(made)
    assert Transaction.objects.filter(reference__startswith="fee:").count() == sum(made)


@pytest.mark.django_db
def test_payments_refuse_bad_input(club) -> None:
    set_rules("DE")
    member = make_member()
    for amount, method in (("-5", "cash"), ("1e3", "cash"), ("0", "cash"), ("5", "barter")):
        with pytest.raises(ServiceError):
            payment_record(
                actor=None,
                member_number=member.number,
                amount=amount,
                method=method,
                received_on=dt.date(2026, 11, 1),
            )
    assert member_balance(member) == D("0.00")


@pytest.mark.django_db
def test_the_admission_fee_is_charged_once_to_members_admitted_under_the_schedule(club) -> None:
    set_rules("DE")
    fee_schedule_set(
        actor=None,
        valid_from=dt.date(2026, 1, 1),
        period="year",
        membership_fee="120",
        admission_fee="30,00",
        arrears_limit="200",
        poll_id=_adopted_poll().pk,
    )
    old = make_member(admitted_days_ago=3000)  # admitted before the schedule: no admission fee
    new = make_member(admitted_days_ago=5)
    fees_charge()
    fees_charge()
    assert member_balance(new) == D("150.00")  # 120 + 30, once
    assert member_balance(old) == D("120.00")
    assert Transaction.objects.filter(reference__startswith="admission:").count() >= 1


@pytest.mark.django_db
def test_a_reduced_fee_granted_by_the_board_applies_from_its_date(client, club) -> None:
    from club.roles import Role
    from tests.factories import make_user

    set_rules("DE")
    fee_schedule_set(
        actor=None,
        valid_from=dt.date(2026, 9, 1),
        period="month",
        membership_fee="15",
        reduced_fee="7,50",
        arrears_limit="100",
        poll_id=_adopted_poll().pk,
    )
    student = make_member()
    board = make_user(roles=(Role.BOARD,), mfa=True)
    client.force_login(board)
    r = client.post(
        "/finance/reductions/new/",
        {"member_number": student.number, "valid_from": "2026-10-01", "reason": "student"},
    )
    assert r.status_code == 302
    fees_charge(on=dt.date(2026, 9, 15))
    fees_charge(on=dt.date(2026, 10, 15))
    assert member_balance(student) == D("22.50")  # 15.00 in September, 7.50 from October


@pytest.mark.django_db
def test_periods_missed_while_the_job_was_down_are_caught_up_once(club) -> None:
    set_rules("DE")
    _schedule(valid_from=dt.date(2026, 8, 1))
    member = make_member(admitted_days_ago=3000)
    assert fees_charge(on=dt.date(2026, 11, 3)) >= 4  # August to November, at once
    assert member_balance(member) == D("40.00")
    assert fees_charge(on=dt.date(2026, 11, 3)) == 0
    starts = sorted(FeeCharge.objects.filter(member=member).values_list("period_start", flat=True))
    assert starts == [dt.date(2026, m, 1) for m in (8, 9, 10, 11)]
