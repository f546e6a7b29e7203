from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from club.models import Club, Jurisdiction, LegalForm
from club.rulebook import RULES, preset_values

BOOL_CHOICES = [("", _("As the preset")), ("true", _("Yes")), ("false", _("No"))]


def rule_field_name(key: str) -> str:
    return f"rule__{key}"


class ClubForm(forms.Form):
    """The club's settings and, below them, one optional override per rule (blank: the preset)."""

    name = forms.CharField(label=_("Name"), max_length=200)
    legal_form = forms.ChoiceField(label=_("Legal form"), choices=LegalForm.choices)
    register_number = forms.CharField(label=_("Register number"), max_length=100, required=False)
    address = forms.CharField(
        label=_("Address"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    timezone = forms.CharField(label=_("Time zone"), max_length=64)
    currency = forms.CharField(label=_("Currency"), max_length=3, min_length=3)
    language = forms.ChoiceField(label=_("Language of documents"), choices=settings.LANGUAGES)
    jurisdiction = forms.ChoiceField(label=_("Jurisdiction"), choices=Jurisdiction.choices)
    trends_min_group = forms.IntegerField(
        label=_("Smallest group in anonymised trends"),
        min_value=2,
        max_value=100,
        help_text=_("Groups with fewer members are not shown, so nobody is singled out."),
    )
    api_token_days = forms.IntegerField(
        label=_("API tokens expire after (days)"),
        min_value=1,
        max_value=365,
        help_text=_("A new token works this many days; then its owner makes a new one."),
    )

    def __init__(self, *args: Any, club: Club, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        law = preset_values(club.jurisdiction)
        for rule in RULES:
            name = rule_field_name(rule.key)
            preset = law[rule.key]
            shown: Any = preset
            if preset is None:
                shown = "—"
            elif isinstance(preset, bool):  # not "True": a word in the page's language
                shown = _("yes") if preset else _("no")
            help_text = _("Preset: %(value)s") % {"value": shown}
            if rule.kind is bool:
                field: forms.Field = forms.ChoiceField(choices=BOOL_CHOICES, required=False)
            else:
                field = forms.CharField(required=False, max_length=32)
            field.label = f"{rule.label}" + (f" ({rule.unit})" if rule.unit else "")
            field.help_text = help_text
            self.fields[name] = field
            if rule.key in club.rule_overrides:
                value = club.rule_overrides[rule.key]
                self.initial[name] = str(value).lower() if isinstance(value, bool) else value
        for key in (
            "name",
            "legal_form",
            "register_number",
            "address",
            "timezone",
            "currency",
            "language",
            "jurisdiction",
            "trends_min_group",
            "api_token_days",
        ):
            self.initial.setdefault(key, getattr(club, key))

    def rule_fields(self) -> list[forms.BoundField]:
        return [self[rule_field_name(r.key)] for r in RULES]

    def club_fields(self) -> list[forms.BoundField]:
        return [
            self[n]
            for n in (
                "name",
                "legal_form",
                "register_number",
                "address",
                "timezone",
                "currency",
                "language",
                "jurisdiction",
                "trends_min_group",
                "api_token_days",
            )
        ]

    def overrides(self) -> dict[str, Any]:
        return {
            r.key: self.cleaned_data[rule_field_name(r.key)]
            for r in RULES
            if self.cleaned_data.get(rule_field_name(r.key)) not in (None, "")
        }


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Token name"), max_length=100)
