"""The board changes when scheduled jobs run: crontab fields checked by Celery's own parser,
each change on the audit chain."""

from __future__ import annotations

from typing import Any

from celery.schedules import ParseException, crontab_parser
from django import forms
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from club.audit import audit_record
from club.errors import ServiceError
from club.services import lock_one
from compliance.schedules import DEFAULTS

# Field: (parser range, label)
FIELDS = {
    "minute": (60, 0),
    "hour": (24, 0),
    "day_of_month": (31, 1),
    "month_of_year": (12, 1),
    "day_of_week": (7, 0),
}


class ScheduleForm(forms.Form):
    name = forms.CharField(max_length=200)
    minute = forms.CharField(max_length=60, label=gettext_lazy("minute"))
    hour = forms.CharField(max_length=60, label=gettext_lazy("hour"))
    day_of_month = forms.CharField(max_length=60, label=gettext_lazy("day of month"))
    month_of_year = forms.CharField(max_length=60, label=gettext_lazy("month"))
    day_of_week = forms.CharField(max_length=60, label=gettext_lazy("day of week"))
    enabled = forms.BooleanField(required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for field, (size, first) in FIELDS.items():
            value = (data.get(field) or "").strip()
            try:
                crontab_parser(size, first).parse(value)
            except (ParseException, ValueError, IndexError, TypeError):
                self.add_error(
                    field,
                    _("“%(value)s” is not a crontab value for the %(field)s.")
                    % {"value": value[:20], "field": self.fields[field].label},
                )
        return data


def schedule_rows() -> list[dict[str, Any]]:
    from django_celery_beat.models import PeriodicTask

    descriptions = {d.name: d.description for d in DEFAULTS}
    rows = []
    for task in PeriodicTask.objects.select_related("crontab").order_by("name"):
        c = task.crontab
        rows.append(
            {
                "task": task,
                "description": _(descriptions.get(task.name, task.description or "")),
                "crontab": c,
                "last_run_at": task.last_run_at,
            }
        )
    return rows


@transaction.atomic
def schedule_set(
    *,
    actor: Any,
    name: str,
    minute: str,
    hour: str,
    day_of_month: str,
    month_of_year: str,
    day_of_week: str,
    enabled: bool,
) -> Any:
    """Point the entry ``name`` at a crontab (in the club's timezone) and switch it on or off.
    Locks the entry; writes one audit event with the old and new timing."""
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    task = lock_one(PeriodicTask.objects.select_related("crontab").filter(name=name))
    if task.crontab is None:
        raise ServiceError("NOT_A_CRONTAB", _("This entry is not timed by a crontab."))
    old = task.crontab
    crontab, _created = CrontabSchedule.objects.get_or_create(
        minute=minute.strip(),
        hour=hour.strip(),
        day_of_month=day_of_month.strip(),
        month_of_year=month_of_year.strip(),
        day_of_week=day_of_week.strip(),
        timezone=old.timezone,
    )
    before = {"crontab": _spec(old), "enabled": task.enabled}
    task.crontab, task.enabled = crontab, enabled
    task.save()
    audit_record(
        actor=actor,
        action="schedule.set",
        subject=("django_celery_beat.periodictask", task.pk),
        payload={
            "name": name,
            "before": before,
            "after": {"crontab": _spec(crontab), "enabled": enabled},
        },
    )
    return task


def _spec(c: Any) -> str:
    return f"{c.minute} {c.hour} {c.day_of_month} {c.month_of_year} {c.day_of_week}"
