from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from club.models import User
from harvests.forms import DateInput
from prevention.models import Appointment, Service, Topic


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class UserChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.first_name} {obj.last_name} <{obj.email}>".strip()


class AppointmentForm(forms.Form):
    user_id = UserChoice(
        label=_("Person"),
        queryset=User.objects.filter(is_active=True).order_by("last_name", "first_name"),
    )
    kind = forms.ChoiceField(label=_("Decision"), choices=Appointment.Kind.choices)
    effective_on = forms.DateField(label=_("Effective on"), widget=DateInput)
    decision = forms.CharField(
        label=_("Board decision (meeting, date, item)"),
        max_length=200,
        help_text=_("Where the board decided it, so an authority can find the minutes."),
    )

    def clean_user_id(self) -> int:
        return int(self.cleaned_data["user_id"].pk)


class CertificateForm(forms.Form):
    user_id = UserChoice(label=_("Prevention officer"), queryset=User.objects.none())
    course = forms.CharField(label=_("Course"), max_length=200)
    issuer = forms.CharField(label=_("Issued by"), max_length=200)
    issued_on = forms.DateField(label=_("Issued on"), widget=DateInput)
    expires_on = forms.DateField(label=_("Expires on"), widget=DateInput)

    def __init__(self, *args: Any, officers: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["user_id"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = User.objects.filter(pk__in=[u.pk for u in officers])

    def clean_user_id(self) -> int:
        return int(self.cleaned_data["user_id"].pk)


class ConceptForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(
        label=_("Text"), max_length=50000, widget=forms.Textarea(attrs={"rows": 16})
    )
    changes = forms.CharField(label=_("What changed"), max_length=500, required=False)


class ServiceForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=Service.Kind.choices)
    contact = forms.CharField(
        label=_("Contact"), max_length=300, help_text=_("Address, telephone, e-mail or website.")
    )
    languages = forms.CharField(label=_("Languages"), max_length=200)
    hours = forms.CharField(label=_("Opening hours"), max_length=200)
    active = forms.BooleanField(label=_("Listed for members"), required=False, initial=True)


class ArticleForm(forms.Form):
    topic = forms.ChoiceField(label=_("Topic"), choices=Topic.choices)
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(
        label=_("Text"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_("Short paragraphs; an empty line starts a new one."),
    )
    published = forms.BooleanField(label=_("Published"), required=False)


class EventForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    topic = forms.ChoiceField(label=_("Topic"), choices=Topic.choices)
    starts_at = forms.DateTimeField(
        label=_("Starts at"),
        widget=DateTimeInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    place = forms.CharField(label=_("Place"), max_length=300)
    description = forms.CharField(
        label=_("Description"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    cancelled = forms.BooleanField(label=_("Cancelled"), required=False)


class ContactForm(forms.Form):
    on = forms.DateField(label=_("Date"), widget=DateInput)
    topic = forms.ChoiceField(label=_("Topic"), choices=Topic.choices)
    referral_id = forms.ModelChoiceField(
        label=_("Referred to"),
        queryset=Service.objects.filter(active=True),
        required=False,
        empty_label=_("no referral"),
    )

    def clean_referral_id(self) -> int | None:
        service = self.cleaned_data.get("referral_id")
        return service.pk if service else None


class AttendanceForm(forms.Form):
    number = forms.IntegerField(label=_("Membership number"), min_value=1, max_value=10**9)
