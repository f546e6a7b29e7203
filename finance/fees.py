"""Member accounts: the fee schedule (versions adopted by an assembly), the membership fee charged
once per member and period, and payments. A member's balance is derived from the receivable legs
that name the member: what was charged less what was paid.

``fees_charge`` may run any number of times, on any number of workers at once: the unique key on
(member, period) and the booking's reference let each charge happen once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from club import errors
from club.audit import audit_record
from club.errors import ServiceError, StateConflict
from club.quantities import exact
from club.validation import bounded_date
from finance import chart
from finance.models import (
    FeeCharge,
    FeePeriod,
    FeeReduction,
    FeeSchedule,
    Leg,
    Payment,
    PaymentMethod,
    Transaction,
)
from finance.services import _currency, adopted_poll, money, transaction_record
from members.models import Member, MemberStatus
from members.rules import add_months

_PAYMENT_ACCOUNTS: dict[str, str] = {
    PaymentMethod.CASH: chart.CASH,
    PaymentMethod.TRANSFER: chart.BANK,
    PaymentMethod.DIRECT_DEBIT: chart.BANK,
}


def period_of(day: dt.date, period: str) -> tuple[dt.date, dt.date]:
    """(first day, first day of the next) of the fee period holding ``day``."""
    if period == FeePeriod.YEAR:
        start = day.replace(month=1, day=1)
        return start, start.replace(year=start.year + 1)
    if period == FeePeriod.QUARTER:
        start = day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
        return start, add_months(start, 3)
    start = day.replace(day=1)
    return start, add_months(start, 1)


@transaction.atomic
def fee_schedule_set(
    *,
    actor: Any,
    valid_from: dt.date,
    period: str,
    membership_fee: Any,
    arrears_limit: Any,
    poll_id: Any,
    admission_fee: Any = None,
    reduced_fee: Any = None,
) -> FeeSchedule:
    """A new version of the fee schedule from ``valid_from``, naming the resolution that adopted
    it (refused without one). Earlier versions stay; the newest in force applies."""
    if period not in FeePeriod.values:
        raise ServiceError(errors.INVALID_INPUT, _("Choose the fee period."), status=400)
    poll = adopted_poll(poll_id)
    schedule = FeeSchedule(
        valid_from=bounded_date(valid_from, "valid_from"),
        period=period,
        membership_fee=money(membership_fee, "membership_fee"),
        admission_fee=money(admission_fee, "admission_fee")
        if admission_fee not in (None, "")
        else None,
        reduced_fee=money(reduced_fee, "reduced_fee") if reduced_fee not in (None, "") else None,
        arrears_limit=money(arrears_limit, "arrears_limit"),
        currency=_currency(),
        adopted_by=poll,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        created_at=timezone.now(),
    )
    try:
        with transaction.atomic():
            schedule.save()
    except IntegrityError as exc:
        raise StateConflict(
            "SCHEDULE_EXISTS", _("A fee schedule already starts on this day.")
        ) from exc
    audit_record(
        actor=actor,
        action="finance.fee_schedule",
        subject=schedule,
        payload={
            "valid_from": schedule.valid_from,
            "period": period,
            "membership_fee": schedule.membership_fee,
            "poll": poll.pk,
        },
    )
    return schedule


def schedule_on(day: dt.date) -> FeeSchedule | None:
    return FeeSchedule.objects.filter(valid_from__lte=day).order_by("-valid_from").first()


def _charge_one(member: Member, schedule: FeeSchedule, start: dt.date) -> FeeCharge | None:
    """Charge one member for one period, or nothing if that charge exists (a unique key)."""
    if FeeCharge.objects.filter(member=member, period_start=start).exists():
        return None
    amount = schedule.membership_fee
    if (
        schedule.reduced_fee is not None
        and FeeReduction.objects.filter(member=member, valid_from__lte=start).exists()
    ):
        amount = schedule.reduced_fee
    if amount == 0:
        return None
    try:
        with transaction.atomic():
            tx = transaction_record(
                actor=None,
                booked_on=start,
                description=_("Membership fee from %(day)s") % {"day": start.isoformat()},
                legs=[
                    (chart.RECEIVABLES, amount, member),
                    (chart.MEMBERSHIP_FEES, -amount),
                ],
                reference=f"fee:{member.number}:{start.isoformat()}",
            )
            if FeeCharge.objects.filter(transaction=tx).exists():
                return None  # another worker booked this charge a moment ago
            charge = FeeCharge.objects.create(
                member=member, period_start=start, amount=amount, schedule=schedule, transaction=tx
            )
            audit_record(
                actor=None,
                action="fee.charge",
                subject=charge,
                payload={"member": member.number, "period_start": start, "amount": amount},
            )
            return charge
    except (IntegrityError, StateConflict):
        return None  # another worker charged this member for this period first


def _periods_until(day: dt.date) -> list[tuple[dt.date, dt.date, FeeSchedule]]:
    """Every fee period from the first schedule's start to the one holding ``day``: (start, end,
    the schedule in force at its start). A version that starts inside a period starts its own."""
    periods: list[tuple[dt.date, dt.date, FeeSchedule]] = []
    first = FeeSchedule.objects.order_by("valid_from").first()
    cursor = first.valid_from if first else None
    while cursor is not None and cursor <= day:
        schedule = schedule_on(cursor)
        if schedule is None:  # pragma: no cover - the first version is in force from its start
            break
        start, end = period_of(cursor, schedule.period)
        periods.append((max(start, schedule.valid_from), end, schedule))
        cursor = end
    return periods


def fees_charge(*, on: dt.date | None = None) -> int:
    """Charge every active member the membership fee of each period up to the one holding ``on``
    (today) that has no charge yet, once: a period missed while the job was down is caught up.
    Each charge in a transaction of its own: a crash half-way leaves the others charged and the
    next run completes the rest. Returns how many charges this run made."""
    day = on or timezone.localdate()
    periods = _periods_until(day)
    if not periods:
        return 0
    done = set(FeeCharge.objects.values_list("member_id", "period_start"))
    made = 0
    members = list(Member.objects.filter(status=MemberStatus.ACTIVE).order_by("number"))
    for member in members:
        for start, end, schedule in periods:
            if member.admitted_on >= end or (member.pk, start) in done:
                continue
            if _charge_one(member, schedule, start) is not None:
                made += 1
        _admission_fee(member)
    return made


def _admission_fee(member: Member) -> None:
    """The admission fee of the schedule in force on the day of admission, once per member (the
    booking's reference is unique)."""
    schedule = schedule_on(member.admitted_on)
    if schedule is None or not schedule.admission_fee:
        return
    reference = f"admission:{member.number}"
    if Transaction.objects.filter(reference=reference).exists():
        return
    try:
        with transaction.atomic():
            transaction_record(
                actor=None,
                booked_on=member.admitted_on,
                description=_("Admission fee"),
                legs=[
                    (chart.RECEIVABLES, schedule.admission_fee, member),
                    (chart.ADMISSION_FEES, -schedule.admission_fee),
                ],
                reference=reference,
            )
    except (IntegrityError, StateConflict):
        return  # another worker booked it a moment ago


@transaction.atomic
def fee_reduction_grant(
    *, actor: Any, member_number: Any, valid_from: dt.date, reason: str
) -> FeeReduction:
    """The board grants the reduced fee the statutes allow (students, low income, …), with a
    reason, from the first period starting on or after ``valid_from``."""
    from club.validation import as_number, required_text

    number = member_number if isinstance(member_number, int) else as_number(member_number)
    member = Member.objects.filter(number=number).first() if number else None
    if member is None:
        raise errors.not_found()
    reduction = FeeReduction.objects.create(
        member=member,
        valid_from=bounded_date(valid_from, "valid_from"),
        reason=required_text(reason, "reason", limit=2000),
        granted_by=actor if getattr(actor, "is_authenticated", False) else None,
        created_at=timezone.now(),
    )
    audit_record(
        actor=actor,
        action="finance.fee_reduction",
        subject=reduction,
        payload={"member": member.number, "valid_from": reduction.valid_from},
    )
    return reduction


@transaction.atomic
def payment_record(
    *, actor: Any, member_number: Any, amount: Any, method: str, received_on: dt.date
) -> Payment:
    """A member pays (cash into the till, a transfer or a direct debit into the bank): the
    member's receivable goes down by the amount."""
    from club.validation import as_number

    if method not in PaymentMethod.values:
        raise ServiceError(errors.INVALID_INPUT, _("Choose how the member paid."), status=400)
    number = member_number if isinstance(member_number, int) else as_number(member_number)
    member = Member.objects.filter(number=number).first() if number else None
    if member is None:
        raise errors.not_found()
    value = money(amount)
    if value == 0:
        raise ServiceError(errors.INVALID_INPUT, _("Enter the amount paid."), status=400)
    tx = transaction_record(
        actor=actor,
        booked_on=received_on,
        description=_("Payment by member no. %(n)s") % {"n": member.number},
        legs=[(_PAYMENT_ACCOUNTS[method], value), (chart.RECEIVABLES, -value, member)],
    )
    payment = Payment.objects.create(
        member=member, method=method, amount=value, received_on=tx.booked_on, transaction=tx
    )
    audit_record(
        actor=actor,
        action="finance.payment",
        subject=payment,
        payload={"member": member.number, "amount": value, "method": method},
    )
    return payment


def member_balance(member: Member) -> Decimal:
    """What the member owes (positive) or has paid ahead (negative)."""
    total = Leg.objects.filter(member=member, account__code=chart.RECEIVABLES).aggregate(
        s=Sum("amount")
    )["s"]
    return exact(total)


def arrears(*, on: dt.date | None = None) -> list[dict[str, Any]]:
    """Members whose debt is above the schedule's limit, with the amount and the age of the
    oldest fee not covered by payments (first in, first out). The board decides; the app never
    suspends anybody by itself."""
    day = on or timezone.localdate()
    schedule = schedule_on(day)
    limit = schedule.arrears_limit if schedule else Decimal("0.00")
    owed = (
        Leg.objects.filter(account__code=chart.RECEIVABLES, member__isnull=False)
        .values("member")
        .annotate(s=Sum("amount"))
        .filter(s__gt=limit)
    )
    debts = {row["member"]: exact(row["s"]) for row in owed}
    out = []
    for member in Member.objects.filter(pk__in=debts).order_by("number"):
        debt = debts[member.pk]
        uncovered, oldest = debt, None
        for charge in FeeCharge.objects.filter(member=member).order_by("-period_start"):
            if uncovered <= 0:
                break
            oldest = charge.period_start
            uncovered -= charge.amount
        out.append(
            {
                "member": member,
                "debt": debt,
                "since": oldest,
                "days": (day - oldest).days if oldest else None,
            }
        )
    return out
