"""The club's money: a double-entry ledger (the invariants of django-hordak).

Every ``Transaction`` has legs that sum to zero per currency; debits are positive, credits
negative. Transactions and legs are append-only; a mistake is corrected by a reversing transaction
that names the original and a reason. Balances are derived from the legs. On PostgreSQL a deferred
constraint trigger refuses, at commit, a transaction whose legs do not balance or that has fewer
than two legs, whoever inserts them; the append-only trigger refuses UPDATE and DELETE.
"""

from __future__ import annotations

from typing import ClassVar

import pgtrigger
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from club.models import AppendOnlyModel, erasable_triggers
from club.triggers import StrictTrigger


class AccountKind(models.TextChoices):
    ASSET = "asset", _("Asset")
    LIABILITY = "liability", _("Liability")
    EQUITY = "equity", _("Equity and reserves")
    INCOME = "income", _("Income")
    EXPENSE = "expense", _("Expense")


# Kinds whose balance people read with the credit sign (income, reserves, debts).
CREDIT_NORMAL = frozenset({AccountKind.LIABILITY, AccountKind.EQUITY, AccountKind.INCOME})


class Account(models.Model):
    """An account of the chart (created by a migration; the codes are stable)."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=AccountKind.choices)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(currency__regex=r"^[A-Z]{3}$"), name="account_currency_iso"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


_BALANCED = """
    IF (SELECT count(*) FROM finance_leg WHERE transaction_id = {tx}) < 2 THEN
        RAISE EXCEPTION 'finance transaction % has fewer than two legs', {tx}
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF EXISTS (
        SELECT 1 FROM finance_leg WHERE transaction_id = {tx}
        GROUP BY currency HAVING sum(amount) <> 0
    ) THEN
        RAISE EXCEPTION 'finance transaction % does not balance', {tx}
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NULL;
"""


class Transaction(AppendOnlyModel):
    booked_on = models.DateField(_("booked on"))
    description = models.CharField(_("description"), max_length=300)
    # Idempotency for bookings made by other steps ("dispensing:R42"): one transaction a key.
    reference = models.CharField(max_length=60, unique=True, null=True, blank=True)
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    reason = models.TextField(_("reason"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta(AppendOnlyModel.Meta):
        ordering = ["booked_on", "pk"]
        triggers: ClassVar[list[pgtrigger.Trigger]] = [
            *AppendOnlyModel.Meta.triggers,
            StrictTrigger(
                name="has_balanced_legs",
                operation=pgtrigger.Insert,
                when=pgtrigger.After,
                timing=pgtrigger.Deferred,
                func=_BALANCED.format(tx="NEW.id"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.booked_on} {self.description}"


class Leg(AppendOnlyModel):
    transaction = models.ForeignKey(Transaction, on_delete=models.PROTECT, related_name="legs")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="legs")
    amount = models.DecimalField(max_digits=14, decimal_places=2)  # debit > 0, credit < 0
    currency = models.CharField(max_length=3)
    # The member a receivable leg belongs to: member accounts are this subledger.
    member = models.ForeignKey(
        "members.Member", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta(AppendOnlyModel.Meta):
        constraints = [
            models.CheckConstraint(condition=~models.Q(amount=0), name="leg_amount_not_zero"),
            models.CheckConstraint(
                condition=models.Q(currency__regex=r"^[A-Z]{3}$"), name="leg_currency_iso"
            ),
        ]
        triggers: ClassVar[list[pgtrigger.Trigger]] = [
            *AppendOnlyModel.Meta.triggers,
            StrictTrigger(
                name="transaction_balances",
                operation=pgtrigger.Insert,
                when=pgtrigger.After,
                timing=pgtrigger.Deferred,
                func=_BALANCED.format(tx="NEW.transaction_id"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.amount} {self.currency}"


class PricingMethod(models.TextChoices):
    FIXED = "fixed", _("One price per gram")
    AT_COST = "at_cost", _("Each lot at cost")


class OverheadKey(models.TextChoices):
    NONE = "none", _("No overheads in the price")
    DISPENSED = "dispensed", _("Overheads of 12 months over grams dispensed in them")
    HARVESTED = "harvested", _("Overheads of 12 months over grams harvested in them")


class GramPrice(AppendOnlyModel):
    """The contribution per gram from a date on, as an assembly adopted it: one price, or each lot
    at cost (fixed on the lot when it is released, see ``LotPrice``). What is in force on the day
    of a dispensing is what the counter charges; none in force means flat fees only."""

    valid_from = models.DateField(_("valid from"), unique=True)
    method = models.CharField(
        _("method"), max_length=8, choices=PricingMethod.choices, default=PricingMethod.FIXED
    )
    overhead_key = models.CharField(
        _("overheads spread by"), max_length=10, choices=OverheadKey.choices, default="none"
    )
    per_gram = models.DecimalField(_("contribution per gram"), max_digits=8, decimal_places=2)
    currency = models.CharField(max_length=3)
    adopted_by = models.ForeignKey(
        "governance.Poll", on_delete=models.PROTECT, related_name="+", verbose_name=_("adopted by")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta(AppendOnlyModel.Meta):
        ordering = ["valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(per_gram__gte=0), name="gram_price_not_negative"
            )
        ]

    def __str__(self) -> str:
        return f"{self.per_gram} {self.currency}/g from {self.valid_from}"


class FeePeriod(models.TextChoices):
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")
    YEAR = "year", _("Year")


class FeeSchedule(AppendOnlyModel):
    """A version of the fee schedule, valid from a date, adopted by an assembly resolution."""

    valid_from = models.DateField(_("valid from"), unique=True)
    period = models.CharField(_("charged per"), max_length=8, choices=FeePeriod.choices)
    membership_fee = models.DecimalField(_("membership fee"), max_digits=10, decimal_places=2)
    admission_fee = models.DecimalField(
        _("admission fee"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    reduced_fee = models.DecimalField(
        _("reduced fee (where the statutes allow)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
    )
    arrears_limit = models.DecimalField(
        _("arrears above which the board is told"), max_digits=10, decimal_places=2
    )
    currency = models.CharField(max_length=3)
    adopted_by = models.ForeignKey(
        "governance.Poll", on_delete=models.PROTECT, related_name="+", verbose_name=_("adopted by")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta(AppendOnlyModel.Meta):
        ordering = ["valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(membership_fee__gte=0, arrears_limit__gte=0),
                name="fee_schedule_not_negative",
            )
        ]

    def __str__(self) -> str:
        return f"{self.membership_fee} {self.currency}/{self.period} from {self.valid_from}"


class FeeCharge(AppendOnlyModel):
    """One membership fee charged to one member for one period: the unique key makes a charge
    happen once, however often the task runs and however many workers run it."""

    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField()
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    schedule = models.ForeignKey(FeeSchedule, on_delete=models.PROTECT, related_name="charges")
    transaction = models.OneToOneField(Transaction, on_delete=models.PROTECT, related_name="+")

    class Meta(AppendOnlyModel.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["member", "period_start"], name="one_fee_per_member_and_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.period_start} {self.amount}"


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("Cash")
    TRANSFER = "transfer", _("Bank transfer")
    DIRECT_DEBIT = "direct_debit", _("Direct debit")


class Payment(AppendOnlyModel):
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    method = models.CharField(_("method"), max_length=12, choices=PaymentMethod.choices)
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2)
    received_on = models.DateField(_("received on"))
    transaction = models.OneToOneField(Transaction, on_delete=models.PROTECT, related_name="+")

    class Meta(AppendOnlyModel.Meta):
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="payment_positive")
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.amount} {self.method}"


class Expense(AppendOnlyModel):
    """A cost with its document (PDF or image, by content, with its SHA-256), optionally booked
    against a batch (for the lot's price at cost)."""

    spent_on = models.DateField(_("date"))
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    supplier = models.CharField(_("supplier"), max_length=200)
    description = models.CharField(_("description"), max_length=300)
    paid_from = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    document = models.FileField(upload_to="expenses/%Y/", blank=True)
    document_sha256 = models.CharField(max_length=64, blank=True)
    batch = models.ForeignKey(
        "harvests.Batch", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    transaction = models.OneToOneField(
        Transaction, on_delete=models.PROTECT, related_name="expense_of"
    )

    class Meta(AppendOnlyModel.Meta):
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="expense_positive")
        ]

    def __str__(self) -> str:
        return f"{self.spent_on} {self.supplier} {self.amount}"


class SepaCreditor(models.Model):
    """The club as creditor of its direct debits (one row; every change is audited)."""

    name = models.CharField(_("account holder"), max_length=70)
    iban = models.CharField("IBAN", max_length=34)
    bic = models.CharField("BIC", max_length=11)
    creditor_id = models.CharField(_("creditor identifier"), max_length=35)

    def __str__(self) -> str:
        return self.name


class SepaMandate(AppendOnlyModel):
    """A member's signed direct debit mandate. The sequence (first or recurring) follows from
    the collections already made on it."""

    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(_("mandate reference"), max_length=35, unique=True)
    iban = models.CharField("IBAN", max_length=34)
    bic = models.CharField("BIC", max_length=11)
    holder = models.CharField(_("account holder"), max_length=70)
    signed_on = models.DateField(_("signed on"))
    created_at = models.DateTimeField()

    # Personal data the retention purge blanks (club.models.erasable_triggers).
    ERASABLE: ClassVar[tuple[str, ...]] = ("iban", "bic", "holder")

    class Meta(AppendOnlyModel.Meta):
        triggers = erasable_triggers("iban", "bic", "holder")

    def __str__(self) -> str:
        return self.reference


class SepaRun(AppendOnlyModel):
    """A pain.008 file of the open fees, as sent to the bank."""

    collection_date = models.DateField(_("collection date"))
    file = models.FileField(upload_to="sepa/%Y/")
    sha256 = models.CharField(max_length=64)
    total = models.DecimalField(max_digits=12, decimal_places=2)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"SEPA {self.collection_date} {self.total}"


class SepaCollection(AppendOnlyModel):
    run = models.ForeignKey(SepaRun, on_delete=models.PROTECT, related_name="collections")
    mandate = models.ForeignKey(SepaMandate, on_delete=models.PROTECT, related_name="collections")
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    sequence = models.CharField(max_length=4)  # FRST or RCUR
    end_to_end_id = models.CharField(max_length=35, unique=True)
    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return self.end_to_end_id


class SepaReturn(AppendOnlyModel):
    """A debit the bank returned, with its reason code (AC04, MD06, …); the payment is booked
    back."""

    collection = models.OneToOneField(
        SepaCollection, on_delete=models.PROTECT, related_name="returned"
    )
    reason_code = models.CharField(max_length=4)
    returned_on = models.DateField()
    transaction = models.OneToOneField(Transaction, on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return f"{self.collection_id} {self.reason_code}"


class LotPrice(AppendOnlyModel):
    """A lot's contribution per gram at cost, fixed when the lot is released: the batch's own
    expenses over its harvested grams, plus the overheads by the adopted key. The counter only
    reads it."""

    lot = models.OneToOneField("harvests.Lot", on_delete=models.PROTECT, related_name="+")
    per_gram = models.DecimalField(max_digits=8, decimal_places=2)
    cultivation_per_gram = models.DecimalField(max_digits=10, decimal_places=4)
    overhead_per_gram = models.DecimalField(max_digits=10, decimal_places=4)
    rule = models.ForeignKey(GramPrice, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.lot_id} {self.per_gram}"


class FeeReduction(AppendOnlyModel):
    """The board grants a member the reduced fee the statutes allow, from a date, with a reason;
    it applies while the schedule in force has a reduced fee."""

    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    valid_from = models.DateField(_("valid from"))
    reason = models.TextField(_("reason"))
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    # Personal data the retention purge blanks (club.models.erasable_triggers).
    ERASABLE: ClassVar[tuple[str, ...]] = ("reason",)

    class Meta(AppendOnlyModel.Meta):
        triggers = erasable_triggers("reason")

    def __str__(self) -> str:
        return f"{self.member_id} from {self.valid_from}"
