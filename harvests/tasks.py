from __future__ import annotations

from typing import Any

from celery import shared_task
from django.utils import timezone

from harvests.selectors import mass_balance


@shared_task(name="harvests.tasks.mass_balance_check_task")
def mass_balance_check_task() -> list[dict[str, Any]]:
    """Monthly: the mass balance up to the start of this month; flagged strains come back."""
    until = timezone.localdate().replace(day=1)
    return [
        {
            "strain": r["strain"],
            "difference": str(r["difference"]),
            "corrections": str(r["corrections"]),
        }
        for r in mass_balance(until=until)
        if r["flagged"]
    ]
