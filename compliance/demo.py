"""The demo's reports: this year's audit so far and last month's stock reconciliation, asked for by
the demo treasurer, so the reports page shows finished runs to open and download."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from club.demo import DEMO_USERS
from club.models import User
from club.roles import Role
from compliance.models import ReportKind, ReportRun
from compliance.services import report_request


def seed_reports() -> None:
    if ReportRun.objects.exists():
        return
    email = next(u[1] for u in DEMO_USERS if u[0] == Role.TREASURER)
    treasurer = User.objects.get(email=email)
    today = timezone.localdate()
    last_month = today.replace(day=1) - dt.timedelta(days=1)
    report_request(actor=treasurer, kind=ReportKind.ANNUAL_AUDIT, period=str(today.year))
    report_request(actor=treasurer, kind=ReportKind.STOCK_MONTHLY, period=f"{last_month:%Y-%m}")
