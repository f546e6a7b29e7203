from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _

from members.models import DocumentType
from members.services import STATUS_KINDS


class DateInput(forms.DateInput):
    input_type = "date"


class ApplicationForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    date_of_birth = forms.DateField(label=_("Date of birth"), widget=DateInput)
    email = forms.EmailField(label=_("E-mail"))
    password = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput, strip=False, min_length=10
    )
    address = forms.CharField(label=_("Address"), widget=forms.Textarea(attrs={"rows": 3}))
    residence_country = forms.CharField(
        label=_("Country of residence (two letters, e.g. DE)"), min_length=2, max_length=2
    )
    resident_since = forms.DateField(label=_("Living there since"), widget=DateInput)
    forecast_grams = forms.CharField(
        label=_("Expected use in grams per month"),
        required=False,
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    therapeutic_use = forms.BooleanField(
        label=_("I use cannabis for therapeutic reasons"), required=False
    )
    sponsor_number = forms.CharField(
        label=_("Membership number of your sponsor"), required=False, max_length=12
    )
    one_club_declared = forms.BooleanField(
        label=_("I declare that I am not a member of any other cannabis club."), required=False
    )
    statutes_accepted = forms.BooleanField(label=_("I accept the club's statutes."), required=False)
    privacy_accepted = forms.BooleanField(
        label=_("I have read the privacy notice."), required=False
    )

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        validate_password(password)
        return str(password)

    def clean_residence_country(self) -> str:
        return str(self.cleaned_data["residence_country"]).upper()


class IdentityCheckForm(forms.Form):
    document_type = forms.ChoiceField(label=_("Document"), choices=DocumentType.choices)
    document_last_digits = forms.CharField(
        label=_("Last 2 to 4 characters of its number"), min_length=2, max_length=4
    )
    age_confirmed = forms.BooleanField(label=_("The document confirms the age"), required=False)
    residence_confirmed = forms.BooleanField(
        label=_("The document confirms the residence"), required=False
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("approve", _("Approve")), ("reject", _("Reject"))]
    )
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


ACTION_LABELS = {
    "suspend": _("Suspend"),
    "reinstate": _("Reinstate"),
    "end": _("End the membership"),
    "resign": _("Record a resignation"),
    "expel": _("Expel"),
    "residence_left": _("Residence left the country"),
}


class StatusForm(forms.Form):
    action = forms.ChoiceField(
        label=_("Action"), choices=[(k, ACTION_LABELS[k]) for k in STATUS_KINDS]
    )
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )
    effective_on = forms.DateField(
        label=_("Effective on (resignations)"), required=False, widget=DateInput
    )


class ForecastForm(forms.Form):
    grams_per_month = forms.CharField(
        label=_("Grams per month"),
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Register (CSV or XLSX)"))

    def clean_file(self) -> Any:
        f = self.cleaned_data["file"]
        name = f.name.lower()
        if not name.endswith((".csv", ".xlsx")):
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."))
        if f.size > 5 * 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        return f


class CardCheckForm(forms.Form):
    token = forms.CharField(
        label=_("Scan the card"),
        max_length=200,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off"}),
    )
