from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from club.validation import FIRST_YEAR, LAST_YEAR
from harvests.models import Incident, ProductType, PropagationKind, PropagationMovement, Strain


class DateInput(forms.DateInput):
    input_type = "date"


def number_field(label: Any, required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=14,
        required=required,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )


class MonthField(forms.DateField):
    """A month picker (``<input type="month">``, "2027-03"); the value is the month's first day."""

    input_formats = ["%Y-%m", "%Y-%m-%d"]

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.DateInput(attrs={"type": "month"}, format="%Y-%m"))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Any:
        day = super().to_python(value)
        if day and not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise forms.ValidationError(
                _("Enter a month between the years %(first)s and %(last)s."),
                params={"first": FIRST_YEAR, "last": LAST_YEAR},
            )
        return day.replace(day=1) if day else day


class StrainForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    thc_min = number_field(_("THC from (%)"))
    thc_max = number_field(_("THC to (%)"))
    cbd_min = number_field(_("CBD from (%)"))
    cbd_max = number_field(_("CBD to (%)"))


class BatchForm(forms.Form):
    strain_id = forms.ModelChoiceField(label=_("Strain"), queryset=Strain.objects.all())
    plants = forms.IntegerField(label=_("Plants"), min_value=1, max_value=100000)
    started_on = forms.DateField(label=_("Started on"), widget=DateInput)
    period_start = MonthField(label=_("Serves from (month)"))
    period_end = MonthField(label=_("Serves until (month)"))
    expected_yield_grams = number_field(_("Expected yield (g)"))
    decision_reason = forms.CharField(
        label=_("Board decision: why this plan may exceed declared demand"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )

    def __init__(self, *args: Any, board: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not board:  # only the board decides to grow above declared demand
            del self.fields["decision_reason"]

    def clean_strain_id(self) -> int:
        return int(self.cleaned_data["strain_id"].pk)


class HarvestForm(forms.Form):
    harvested_on = forms.DateField(label=_("Harvested on"), widget=DateInput)
    wet_grams = number_field(_("Wet weight (g)"))
    dry_grams = number_field(_("Dry weight (g)"))
    dried_on = forms.DateField(label=_("Dried on"), widget=DateInput)


class LabResultForm(forms.Form):
    laboratory = forms.CharField(label=_("Laboratory"), max_length=200)
    tested_on = forms.DateField(label=_("Tested on"), widget=DateInput)
    thc_percent = number_field(_("THC (%)"))
    cbd_percent = number_field(_("CBD (%)"))
    contaminants_passed = forms.BooleanField(label=_("Free of contaminants"), required=False)
    certificate = forms.FileField(label=_("Certificate (PDF)"), required=False)


class LotForm(forms.Form):
    product_type = forms.ChoiceField(label=_("Product"), choices=ProductType.choices)
    grams = number_field(_("Grams"))
    best_before = forms.DateField(label=_("Best before"), widget=DateInput)
    thc_percent = number_field(_("THC (%) if there is no lab result"), required=False)
    cbd_percent = number_field(_("CBD (%) if there is no lab result"), required=False)


class DestructionForm(forms.Form):
    grams = number_field(_("Grams"))
    reason = forms.CharField(label=_("Reason"), max_length=2000)
    method = forms.CharField(label=_("Method"), max_length=200)
    witness = forms.CharField(label=_("Witness"), max_length=200)
    destroyed_on = forms.DateField(label=_("Destroyed on"), widget=DateInput)


class BatchDestructionForm(DestructionForm):
    grams = number_field(_("Wet weight destroyed (g)"))

    field_order = ["grams", "reason", "method", "witness", "destroyed_on"]


class CorrectionForm(forms.Form):
    grams = number_field(_("Grams (+ found, - missing)"))
    reason = forms.CharField(label=_("Reason"), max_length=2000)


class RecallForm(forms.Form):
    reason = forms.CharField(
        label=_("Health risk found"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class PropagationForm(forms.Form):
    strain_id = forms.ModelChoiceField(label=_("Strain"), queryset=Strain.objects.all())
    kind = forms.ChoiceField(label=_("Kind"), choices=PropagationKind.choices)
    direction = forms.ChoiceField(
        label=_("What happened"), choices=PropagationMovement.Direction.choices
    )
    count = forms.IntegerField(label=_("Count"), min_value=1, max_value=100000)
    on = forms.DateField(label=_("Date"), widget=DateInput)
    supplier = forms.CharField(label=_("Supplier (when received)"), max_length=200, required=False)
    member_number = forms.IntegerField(
        label=_("Member number (when handed to a member)"), required=False
    )
    non_member = forms.BooleanField(
        label=_("Handed to an adult non-member resident here"), required=False
    )
    reason = forms.CharField(label=_("Reason (when destroyed)"), max_length=2000, required=False)

    def clean_strain_id(self) -> int:
        return int(self.cleaned_data["strain_id"].pk)


class TransportForm(forms.Form):
    grams = number_field(_("Grams"))
    strain_ids = forms.ModelMultipleChoiceField(label=_("Strains"), queryset=Strain.objects.all())
    accompanying_member_number = forms.IntegerField(label=_("Accompanying member (number)"))
    on = forms.DateField(label=_("Date"), widget=DateInput)
    start = forms.CharField(label=_("From"), max_length=300)
    destination = forms.CharField(label=_("To"), max_length=300)
    notice_sent_on = forms.DateField(
        label=_("Notice sent to the authority on"), required=False, widget=DateInput
    )

    def clean_strain_ids(self) -> list[int]:
        return [s.pk for s in self.cleaned_data["strain_ids"]]


class IncidentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Incident.Kind.choices)
    lot_code = forms.CharField(label=_("Lot (code, if known)"), max_length=20, required=False)
    grams_missing = number_field(_("Grams missing"))
    description = forms.CharField(
        label=_("What happened"), widget=forms.Textarea(attrs={"rows": 3})
    )
    noticed_on = forms.DateField(label=_("Noticed on"), widget=DateInput)
    reported_to_authority_on = forms.DateField(
        label=_("Reported to the authority on"), required=False, widget=DateInput
    )
    authority_reference = forms.CharField(
        label=_("Authority's reference"), max_length=100, required=False
    )


class BalanceForm(forms.Form):
    month = MonthField(label=_("Up to the end of"), required=False)
