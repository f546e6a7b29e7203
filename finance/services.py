"""Every write of the finance app: bookings in the double-entry ledger and their reversal, the
money side of dispensings, and the contribution per gram.

``transaction_record`` refuses an unbalanced transaction before the database would (its deferred
trigger refuses it again at commit on PostgreSQL); nothing is ever updated or deleted.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from club import errors
from club.audit import audit_record
from club.errors import ServiceError, StateConflict
from club.quantities import exact, parse_money
from club.selectors import club_get
from club.services import lock_one
from club.validation import bounded_date, required_text
from finance import chart
from finance.models import (
    Account,
    GramPrice,
    Leg,
    LotPrice,
    OverheadKey,
    PricingMethod,
    Transaction,
)

UNBALANCED = "UNBALANCED"
UNKNOWN_ACCOUNT = "UNKNOWN_ACCOUNT"
ALREADY_REVERSED = "ALREADY_REVERSED"
POLL_NOT_ADOPTED = "POLL_NOT_ADOPTED"

# (account code, amount: debit > 0, credit < 0) or (code, amount, member) for a member's
# receivable: member accounts are the receivables legs that name the member.
LegSpec = tuple[Any, ...]


def _currency() -> str:
    club = club_get()
    return club.currency if club else "EUR"


def _amount(raw: Any) -> Decimal:
    value = raw if isinstance(raw, Decimal) else Decimal(str(raw))
    if not value.is_finite() or value != value.quantize(Decimal("0.01")) or value == 0:
        raise ServiceError(
            errors.INVALID_INPUT,
            _("Each amount is a number of cents other than zero."),
            status=400,
        )
    return value


@transaction.atomic
def transaction_record(
    *,
    actor: Any,
    booked_on: dt.date,
    description: str,
    legs: Iterable[LegSpec],
    reference: str | None = None,
    reverses: Transaction | None = None,
    reason: str = "",
    record: bool = True,
) -> Transaction:
    """Book a transaction whose legs sum to zero (``UNBALANCED`` otherwise) in the club's
    currency. A ``reference`` books once: the same reference again returns the first
    transaction and writes nothing. ``record=False`` inside an operation whose own audit event
    carries the booking (a dispensing and its reversal)."""
    if reference:
        earlier = Transaction.objects.filter(reference=reference).first()
        if earlier is not None:
            return earlier
    legs = list(legs)
    specs = [(str(leg[0]), _amount(leg[1])) for leg in legs]
    members = [leg[2] if len(leg) > 2 else None for leg in legs]
    if len(specs) < 2:
        raise ServiceError(UNBALANCED, _("A transaction needs at least two legs."), status=400)
    if sum((a for _c, a in specs), Decimal("0")) != 0:
        raise ServiceError(UNBALANCED, _("Debits and credits must be equal."), status=400)
    if chart.CONTRIBUTIONS in {c for c, _a in specs} and not (reference or "").startswith(
        ("dispensing:", "reversal:dispensing:")
    ):
        # Contribution income comes from dispensings only, so that the cross-check can prove,
        # receipt by receipt, that the ledger and the counter agree.
        raise ServiceError(
            "ACCOUNT_RESERVED",
            _("Dispensing contributions are booked by the counter, not by hand."),
            status=400,
        )
    accounts = {a.code: a for a in Account.objects.filter(code__in=[c for c, _a in specs])}
    missing = sorted({c for c, _a in specs} - set(accounts))
    if missing:
        raise ServiceError(
            UNKNOWN_ACCOUNT,
            _("No account with the code %(code)s.") % {"code": ", ".join(missing)},
            status=400,
        )
    currency = _currency()
    tx = Transaction(
        booked_on=bounded_date(booked_on, "booked_on"),
        description=required_text(description, "description", limit=300),
        reference=reference or None,
        reverses=reverses,
        reason=reason,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        created_at=timezone.now(),
    )
    try:
        with transaction.atomic():
            tx.save()
    except IntegrityError as exc:  # the same reference won a race a moment ago
        earlier = Transaction.objects.filter(reference=reference).first() if reference else None
        if earlier is None:
            raise
        raise StateConflict("ALREADY_BOOKED", _("This was booked already.")) from exc
    Leg.objects.bulk_create(
        [
            Leg(transaction=tx, account=accounts[c], amount=a, currency=currency, member=m)
            for (c, a), m in zip(specs, members, strict=True)
        ]
    )
    if not record:
        return tx
    audit_record(
        actor=actor,
        action="finance.transaction",
        subject=tx,
        payload={
            "booked_on": tx.booked_on,
            "reference": tx.reference,
            "reverses": reverses.pk if reverses else None,
            "legs": [
                [c, a, currency, m.number if m else None]
                for (c, a), m in zip(specs, members, strict=True)
            ],
        },
    )
    return tx


@transaction.atomic
def transaction_reverse(
    *, actor: Any, transaction_id: int, reason: str, record: bool = True
) -> Transaction:
    """Correct a transaction by its mirror image, with a reason; the original stays as it was.
    Locks the original; a transaction is reversed at most once (a unique key backs it)."""
    reason = required_text(reason, "reason", limit=2000)
    original = lock_one(Transaction.objects.filter(pk=transaction_id))
    if Transaction.objects.filter(reverses=original).exists():
        raise StateConflict(ALREADY_REVERSED, _("This transaction was already reversed."))
    if original.reverses_id is not None:
        raise StateConflict(ALREADY_REVERSED, _("A reversal is not reversed; book anew."))
    legs = [
        (leg.account.code, -leg.amount, leg.member)
        for leg in original.legs.select_related("account", "member")
    ]
    return transaction_record(
        actor=actor,
        booked_on=timezone.localdate(),
        description=(_("Reversal: %(d)s") % {"d": original.description})[:300],
        legs=legs,
        reference=f"reversal:{original.reference}" if original.reference else None,
        reverses=original,
        reason=reason,
        record=record,
    )


# --- The money side of dispensings ------------------------------------------------------------


def _dispensing_reference(receipt: int) -> str:
    return f"dispensing:R{receipt}"


def dispensing_book(dispensing: Any) -> Transaction | None:
    """Called by the dispensing service inside its transaction: the member owes the
    contribution (member receivables) and the club earns it (dispensing contributions). Keyed by
    the receipt number, so it can never post twice. Nothing to book for a zero contribution."""
    if not dispensing.contribution:
        return None
    amount = exact(dispensing.contribution)
    return transaction_record(
        actor=dispensing.counter_user,
        booked_on=dispensing.local_date,
        description=_("Contribution, receipt %(n)s") % {"n": dispensing.receipt},
        legs=[(chart.RECEIVABLES, amount, dispensing.member), (chart.CONTRIBUTIONS, -amount)],
        reference=_dispensing_reference(dispensing.receipt),
        record=False,  # the dispensing's event carries it
    )


def dispensing_unbook(reversal: Any) -> Transaction | None:
    """Called by the dispensing service when the board reverses a dispensing: the contribution's
    booking is reversed with the same reason."""
    booked = Transaction.objects.filter(
        reference=_dispensing_reference(reversal.dispensing.receipt)
    ).first()
    if booked is None:
        return None
    return transaction_reverse(
        actor=reversal.reversed_by,
        transaction_id=booked.pk,
        reason=reversal.reason,
        record=False,  # the reversal's event carries it
    )


def contributions_mismatches() -> Iterator[str]:
    """Cross-check for ``audit_verify``: every dispensing's contribution, less reversals, is in
    the ledger's contribution income, to the cent, receipt by receipt."""
    from dispensing.models import Dispensing

    expected: dict[str, Decimal] = {}
    for receipt, contribution, reversed_ in Dispensing.objects.values_list(
        "receipt", "contribution", "reversal"
    ):
        if contribution:
            key = _dispensing_reference(receipt)
            expected[key] = Decimal("0") if reversed_ else -exact(contribution)
    booked: dict[str, Decimal] = defaultdict(lambda: Decimal("0"))
    for reference, amount in Leg.objects.filter(account__code=chart.CONTRIBUTIONS).values_list(
        "transaction__reference", "amount"
    ):
        key = (reference or "").removeprefix("reversal:")
        booked[key] += amount
    for key in sorted(set(expected) | {k for k, v in booked.items() if v}):
        if exact(booked.get(key)) != exact(expected.get(key)):
            yield (
                f"ledger contribution for {key.removeprefix('dispensing:')} is "
                f"{exact(-booked.get(key, Decimal('0')))}, the dispensing says "
                f"{exact(-expected.get(key, Decimal('0')))}"
            )


# --- The contribution per gram ------------------------------------------------------------------


@transaction.atomic
def gram_price_set(
    *,
    actor: Any,
    valid_from: dt.date,
    per_gram: Any,
    poll_id: int,
    method: str = "fixed",
    overhead_key: str = "none",
) -> GramPrice:
    """A contribution per gram from a date on, as an assembly adopted it: the poll must be closed
    and adopted. ``method`` "at_cost" prices each lot at its release instead (``per_gram`` is then
    unused). Append-only: a later version replaces it from its own date."""
    if method not in PricingMethod.values or overhead_key not in OverheadKey.values:
        raise ServiceError(errors.INVALID_INPUT, _("Choose the pricing method."), status=400)
    poll = adopted_poll(poll_id)
    price = GramPrice(
        valid_from=bounded_date(valid_from, "valid_from"),
        method=method,
        overhead_key=overhead_key,
        per_gram=_money(per_gram) if method == PricingMethod.FIXED else Decimal("0.00"),
        currency=_currency(),
        adopted_by=poll,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        created_at=timezone.now(),
    )
    try:
        with transaction.atomic():
            price.save()
    except IntegrityError as exc:
        raise StateConflict(
            "PRICE_EXISTS", _("A price already starts on this day; choose another day.")
        ) from exc
    audit_record(
        actor=actor,
        action="finance.gram_price",
        subject=price,
        payload={
            "valid_from": price.valid_from,
            "per_gram": price.per_gram,
            "method": method,
            "overhead_key": overhead_key,
            "poll": poll.pk,
        },
    )
    return price


def money(raw: Any, field: str = "amount", *, maximum: Decimal = Decimal("10000000")) -> Decimal:
    """An amount typed by a person (``club.quantities.parse_money``)."""
    return parse_money(raw, field=field, maximum=maximum)


def adopted_poll(poll_id: Any) -> Any:
    """The governance poll that adopted a price or a fee schedule: closed and adopted."""
    from governance.models import Poll, PollStatus

    poll = Poll.objects.filter(pk=poll_id).first() if isinstance(poll_id, int) else None
    if poll is None:
        raise errors.not_found()
    if poll.status != PollStatus.CLOSED or not (poll.result or {}).get("adopted"):
        raise ServiceError(POLL_NOT_ADOPTED, _("Name the assembly resolution that adopted this."))
    return poll


def _money(raw: Any) -> Decimal:
    return money(raw, "per_gram", maximum=Decimal("10000"))


def contribution_per_gram(lot: Any, on: dt.date) -> Decimal:
    """The provider dispensing asks (registered at start-up): the price in force on the day of
    the dispensing (the club's day); at cost, the price fixed on the lot at its release; zero
    when nothing is in force (flat fees)."""
    price = GramPrice.objects.filter(valid_from__lte=on).order_by("-valid_from").first()
    if price is None:
        return Decimal("0.00")
    if price.method == PricingMethod.AT_COST:
        fixed = LotPrice.objects.filter(lot=lot).first()
        return fixed.per_gram if fixed else Decimal("0.00")
    return price.per_gram


def lot_price_fix(lot: Any, actor: Any) -> LotPrice | None:
    """Called when a lot is released (a harvests hook, in the release's transaction): where the
    club prices at cost, fix this lot's price per gram: the batch's own expenses over the batch's
    harvested grams, plus the overheads of the last twelve months by the adopted key. Once per
    lot; the counter only reads it."""
    from dispensing.models import Dispensing
    from finance.models import Expense
    from harvests.models import Harvest

    today = timezone.localdate()
    rule = GramPrice.objects.filter(valid_from__lte=today).order_by("-valid_from").first()
    if rule is None or rule.method != PricingMethod.AT_COST:
        return None
    if LotPrice.objects.filter(lot=lot).exists():
        return None
    batch = lot.harvest.batch
    batch_costs = exact(Expense.objects.filter(batch=batch).aggregate(s=Sum("amount"))["s"])
    batch_grams = exact(Harvest.objects.filter(batch=batch).aggregate(s=Sum("dry_grams"))["s"])
    cultivation = batch_costs / batch_grams if batch_grams else Decimal("0")
    since = today - dt.timedelta(days=365)
    overhead = Decimal("0")
    if rule.overhead_key != OverheadKey.NONE:
        overheads = exact(
            Expense.objects.filter(batch__isnull=True, spent_on__gt=since).aggregate(
                s=Sum("amount")
            )["s"]
        )
        if rule.overhead_key == OverheadKey.DISPENSED:
            grams = Dispensing.objects.filter(local_date__gt=since, reversal__isnull=True)
            basis = exact(grams.aggregate(s=Sum("grams"))["s"])
        else:
            basis = exact(
                Harvest.objects.filter(harvested_on__gt=since).aggregate(s=Sum("dry_grams"))["s"]
            )
        overhead = overheads / basis if basis else Decimal("0")
    fixed = LotPrice.objects.create(
        lot=lot,
        per_gram=exact(cultivation + overhead),
        cultivation_per_gram=cultivation.quantize(Decimal("0.0001")),
        overhead_per_gram=overhead.quantize(Decimal("0.0001")),
        rule=rule,
        created_at=timezone.now(),
    )
    audit_record(
        actor=actor,
        action="finance.lot_price",
        subject=fixed,
        payload={
            "lot": lot.code,
            "per_gram": fixed.per_gram,
            "cultivation": fixed.cultivation_per_gram,
            "overhead": fixed.overhead_per_gram,
        },
    )
    return fixed


def member_finance_erase(*, member_ids: list[int]) -> dict[str, int]:
    """Blank the bank details of mandates and the reasons of fee reductions of members past their
    retention period. The money records stay, under the membership number. Runs inside the
    retention purge's transaction, which writes the audit event."""
    from finance.models import FeeReduction, SepaMandate

    return {
        "mandates": SepaMandate.objects.filter(member_id__in=member_ids)
        .exclude(iban="")
        .erase("iban", "bic", "holder"),
        "fee_reductions": FeeReduction.objects.filter(member_id__in=member_ids)
        .exclude(reason="")
        .erase("reason"),
    }
