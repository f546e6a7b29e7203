"""A year of the demo club's money: the fee schedule and the price per gram the spring assembly
adopted, a year of monthly fees, members paying (most by transfer, some in cash, two behind),
and a year of costs with a lab test per harvest. Dispensings from then on carry the contribution;
members pay it at the counter."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from club.demo import DEMO_USERS
from club.models import User
from finance import chart
from finance.expenses import expense_record
from finance.fees import fee_schedule_set, fees_charge, member_balance, payment_record
from finance.models import Expense, FeeSchedule, Payment
from finance.sepa import mandate_record, sepa_creditor_set, sepa_run_create
from finance.services import gram_price_set, transaction_record
from members.models import Member, MemberStatus
from members.rules import add_months

COSTS = (  # account, monthly amount, supplier, what (a small club: a dozen members)
    ("6000", "95.00", "Hausverwaltung Berlin", "Rent of the grow room"),
    ("6100", "58.40", "Stadtwerke", "Electricity for lamps and climate"),
    ("6200", "21.60", "Gartenmarkt", "Soil, nutrients, pots"),
    ("6700", "6.50", "Bürobedarf", "Printing, accounting software"),
)


def _adopting_poll() -> object | None:
    from governance.demo import FEES_ITEM
    from governance.models import Poll

    return Poll.objects.filter(item__title=FEES_ITEM, status="closed").first()


def seed_finance() -> None:
    if FeeSchedule.objects.exists():
        return
    poll = _adopting_poll()
    if poll is None:
        return
    treasurer = User.objects.get(email=DEMO_USERS[3][1])
    today = timezone.localdate()
    year_ago = add_months(today.replace(day=1), -11)
    adopted_on = timezone.localtime(poll.item.assembly.starts_at).date()  # type: ignore[attr-defined]
    fee_schedule_set(
        actor=treasurer,
        valid_from=year_ago,
        period="month",
        membership_fee="15.00",
        admission_fee="30.00",
        arrears_limit="45.00",
        poll_id=poll.pk,  # type: ignore[attr-defined]
    )
    transaction_record(
        actor=treasurer,
        booked_on=year_ago,
        description="Reserves carried forward from the previous year",
        legs=[(chart.BANK, Decimal("1800.00")), (chart.RESERVES, Decimal("-1800.00"))],
    )
    gram_price_set(actor=treasurer, valid_from=adopted_on, per_gram="6.50", poll_id=poll.pk)  # type: ignore[attr-defined]
    members = list(Member.objects.filter(status=MemberStatus.ACTIVE).order_by("number"))
    behind = {m.pk for m in members[1:3]}  # two members who stopped paying
    sepa_creditor_set(
        actor=treasurer,
        name="Gruener Kreis Berlin e.V.",
        iban="DE02120300000000202051",
        bic="BYLADEM1001",
        creditor_id="DE98ZZZ09999999999",
    )
    debit = {m.pk for n, m in enumerate(members) if n % 2 == 1 and m.pk not in behind}
    for member in members:
        if member.pk in debit:
            mandate_record(
                actor=treasurer,
                member_number=member.number,
                iban="DE89370400440532013000",
                bic="COBADEFFXXX",
                holder=member.full_name[:70],
                signed_on=year_ago,
            )
    last_month = min(add_months(year_ago, 11), today)
    for i in range(12):
        month = add_months(year_ago, i)
        if month > today:
            break
        fees_charge(on=month)
        for account, amount, supplier, what in COSTS:
            expense_record(
                actor=treasurer,
                spent_on=month + dt.timedelta(days=2),
                account_code=account,
                amount=amount,
                supplier=supplier,
                description=f"{what}, {month:%m/%Y}",
                paid_from=chart.BANK,
            )
        for n, member in enumerate(members):
            owed = member_balance(member)
            if owed <= 0 or (member.pk in behind and i >= 7):
                continue
            if member.pk in debit and month == last_month:
                continue  # collected by the SEPA run below
            payment_record(
                actor=treasurer,
                member_number=member.number,
                amount=owed,
                method="cash" if n % 4 == 0 else "transfer",
                received_on=min(month + dt.timedelta(days=5), today),
            )
    for quarter in range(0, 12, 3):
        day = add_months(year_ago, quarter) + dt.timedelta(days=20)
        if day <= today:
            expense_record(
                actor=treasurer,
                spent_on=day,
                account_code="6400",
                amount="48.00",
                supplier="Labor Nord",
                description="THC, CBD and contaminants of the harvest",
            )
    sepa_run_create(actor=treasurer, collection_date=last_month + dt.timedelta(days=6))
    expense_record(
        actor=treasurer,
        spent_on=year_ago + dt.timedelta(days=10),
        account_code="6500",
        amount="96.00",
        supplier="Vereinsversicherung",
        description="Liability and contents insurance",
    )


def seed_counter_payments() -> None:
    """Members pay the contribution at the counter, in cash, the day they collect."""
    from dispensing.models import Dispensing

    if Payment.objects.filter(method="cash", amount__lt=Decimal("15.00")).exists():
        return
    treasurer = User.objects.get(email=DEMO_USERS[3][1])
    for d in Dispensing.objects.filter(contribution__gt=0, reversal__isnull=True).select_related(
        "member"
    ):
        payment_record(
            actor=treasurer,
            member_number=d.member.number,
            amount=d.contribution,
            method="cash",
            received_on=d.local_date,
        )


__all__ = ["Expense", "seed_counter_payments", "seed_finance"]
