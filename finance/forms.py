from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from finance import chart
from finance.models import (
    Account,
    AccountKind,
    FeePeriod,
    OverheadKey,
    PaymentMethod,
    PricingMethod,
)


class DateInput(forms.DateInput):
    input_type = "date"


def _amount_field(label: Any) -> forms.CharField:
    return forms.CharField(
        label=label, max_length=14, widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )


class PaymentForm(forms.Form):
    member_number = forms.CharField(
        label=_("Member no."), max_length=9, widget=forms.TextInput(attrs={"inputmode": "numeric"})
    )
    amount = _amount_field(_("Amount"))
    method = forms.ChoiceField(label=_("Paid by"), choices=PaymentMethod.choices)
    received_on = forms.DateField(label=_("Received on"), widget=DateInput)


class ExpenseForm(forms.Form):
    spent_on = forms.DateField(label=_("Date"), widget=DateInput)
    account_code = forms.ChoiceField(label=_("Expense account"))
    amount = _amount_field(_("Amount"))
    supplier = forms.CharField(label=_("Supplier"), max_length=200)
    description = forms.CharField(label=_("Description"), max_length=300)
    paid_from = forms.ChoiceField(
        label=_("Paid from"), choices=[(chart.BANK, _("Bank")), (chart.CASH, _("Cash"))]
    )
    batch_code = forms.CharField(label=_("Batch (optional)"), max_length=20, required=False)
    document = forms.FileField(label=_("Document (PDF, PNG or JPEG)"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["account_code"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            (a.code, f"{a.code} {_(a.name)}")
            for a in Account.objects.filter(kind=AccountKind.EXPENSE).order_by("code")
        ]


class PeriodForm(forms.Form):
    """From one month to another, for the cost per gram (month pickers)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from harvests.forms import MonthField

        super().__init__(*args, **kwargs)
        self.fields["from"] = MonthField(label=_("From"), required=False)
        self.fields["to"] = MonthField(label=_("To"), required=False)


def _adopted_polls() -> list[tuple[str, str]]:
    from governance.models import Poll, PollStatus

    polls = Poll.objects.filter(status=PollStatus.CLOSED, result__adopted=True).select_related(
        "item__assembly"
    )
    return [("", "—")] + [
        (str(p.pk), f"{p.item.assembly.title}: {p.question[:80]}") for p in polls.order_by("-pk")
    ]


class FeeScheduleForm(forms.Form):
    valid_from = forms.DateField(label=_("Valid from"), widget=DateInput)
    period = forms.ChoiceField(label=_("Charged per"), choices=FeePeriod.choices)
    membership_fee = _amount_field(_("Membership fee"))
    admission_fee = forms.CharField(label=_("Admission fee"), max_length=14, required=False)
    arrears_limit = _amount_field(_("Arrears limit"))
    poll_id = forms.TypedChoiceField(label=_("Adopted by"), coerce=int)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["poll_id"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = _adopted_polls()


class GramPriceForm(forms.Form):
    valid_from = forms.DateField(label=_("Valid from"), widget=DateInput)
    method = forms.ChoiceField(label=_("Method"), choices=PricingMethod.choices)
    per_gram = forms.CharField(label=_("Per gram"), max_length=14, required=False)
    overhead_key = forms.ChoiceField(label=_("Overheads spread by"), choices=OverheadKey.choices)
    poll_id = forms.TypedChoiceField(label=_("Adopted by"), coerce=int)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["poll_id"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = _adopted_polls()


class MandateForm(forms.Form):
    member_number = forms.IntegerField(label=_("Member no."), min_value=1, max_value=999999999)
    holder = forms.CharField(label=_("Account holder"), max_length=70)
    iban = forms.CharField(label="IBAN", max_length=42)
    bic = forms.CharField(label="BIC", max_length=11)
    signed_on = forms.DateField(label=_("Signed on"), widget=DateInput)


class CreditorForm(forms.Form):
    name = forms.CharField(label=_("Account holder"), max_length=70)
    iban = forms.CharField(label="IBAN", max_length=42)
    bic = forms.CharField(label="BIC", max_length=11)
    creditor_id = forms.CharField(label=_("Creditor identifier"), max_length=35)


class ReturnForm(forms.Form):
    end_to_end_id = forms.CharField(label=_("End-to-end reference"), max_length=35)
    reason_code = forms.CharField(label=_("Reason code (e.g. AC04, MD06)"), max_length=4)
    returned_on = forms.DateField(label=_("Returned on"), widget=DateInput)


class ReversalForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000)


class FeeReductionForm(forms.Form):
    member_number = forms.IntegerField(label=_("Member no."), min_value=1, max_value=999999999)
    valid_from = forms.DateField(label=_("Valid from"), widget=DateInput)
    reason = forms.CharField(label=_("Reason"), max_length=2000)


class BookingForm(forms.Form):
    """A simple booking from one account to another (a donation, a transfer between cash and
    bank, reserves); anything with more legs goes through the API."""

    booked_on = forms.DateField(label=_("Date"), widget=DateInput)
    description = forms.CharField(label=_("Description"), max_length=300)
    debit = forms.ChoiceField(label=_("Debit (to)"))
    credit = forms.ChoiceField(label=_("Credit (from)"))
    amount = _amount_field(_("Amount"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [
            (a.code, f"{a.code} {_(a.name)}")
            for a in Account.objects.exclude(code=chart.CONTRIBUTIONS).order_by("code")
        ]
        for name in ("debit", "credit"):
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = choices
