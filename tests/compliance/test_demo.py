"""The demo's reports: the treasurer opens this year's audit, whose figures are the finance
pages' figures for the same days."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from club.demo import DEMO_USERS
from club.models import User
from compliance.models import ReportRun
from finance.selectors import income_statement
from tests.pdfs import pdf_text

pytestmark = pytest.mark.django_db


def test_the_demo_treasurer_downloads_this_years_audit(
    client, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo")
    today = timezone.localdate()
    run = ReportRun.objects.get(kind="annual_audit")
    assert run.state == "done" and run.period_end == today
    statement = income_statement(start=dt.date(today.year, 1, 1), end=today)
    email = next(u[1] for u in DEMO_USERS if u[0] == "treasurer")
    client.force_login(User.objects.get(email=email))
    response = client.get(f"/reports/{run.pk}/file")
    text = pdf_text(b"".join(response.streaming_content))
    assert f"Total income {statement['total_income']}" in text
    assert f"Total expenses {statement['total_expenses']}" in text
    for code, amount in statement["income"].items():
        assert f"{code} " in text and str(amount) in text
    overview = client.get("/finance/").content.decode()
    assert str(statement["total_income"]) in overview
    assert ReportRun.objects.get(kind="stock_monthly").state == "done"
