from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from finance import chart
from finance.models import Account, AccountKind, PaymentMethod


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
