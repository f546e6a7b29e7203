"""The treasurer and the board in a real browser: ask for the annual audit, read it on its page,
download it with its SHA-256; mark the authority report as sent; retime a scheduled job."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from club.models import AuditEvent
from club.roles import Role
from compliance.models import ReportRun
from tests.browser import sign_in
from tests.compliance.conftest import YEAR, build_year
from tests.factories import make_club, make_user
from tests.pdfs import pdf_text

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("CSC_SCREENSHOTS")


def shot(page: Any, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def test_the_treasurer_downloads_the_annual_audit_that_matches_the_books(page: Any) -> None:
    make_club()
    build_year()
    treasurer = make_user(roles=(Role.TREASURER,), mfa=True)
    sign_in(page, treasurer.email, totp=True)
    page.goto("/reports/")
    page.select_option("select[name=kind]", "annual_audit")
    page.fill("input[name=period]", "2025,")  # a slip of the finger: told, nothing built
    page.keyboard.press("Enter")
    expect(page.get_by_text("Give the period as YYYY.")).to_be_visible()
    assert not ReportRun.objects.exists()
    page.select_option("select[name=kind]", "annual_audit")
    page.fill("input[name=period]", str(YEAR))
    page.keyboard.press("Enter")
    expect(page.locator("#report-status[data-state=done]")).to_be_visible()
    shot(page, "treasurer-annual-audit")
    run = ReportRun.objects.get()
    expect(page.locator("[data-sha256]")).to_have_text(run.sha256)
    expect(page.locator(".report-body")).to_contain_text("Total income")
    expect(page.locator(".report-body")).to_contain_text("180.00")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the PDF").click()
    data = Path(download.value.path()).read_bytes()
    assert hashlib.sha256(data).hexdigest() == run.sha256
    text = pdf_text(data)
    assert "Total income 180.00" in text and "Surplus distributed to members: 0.00." in text
    # The treasurer's cost page for the same year gives the same result and cost per gram.
    page.goto(f"/finance/cost/?from={YEAR}-01&to={YEAR}-12")
    expect(page.locator("[data-figure=result]")).to_have_text("100.00")
    assert "Surplus (+) or deficit (-) of the year 100.00" in text
    assert "All costs per gram dispensed 10.00" in text
    # The list shows it, and asking again opens the same run.
    page.goto("/reports/")
    expect(page.locator(f"tr[data-run='{run.pk}']")).to_contain_text("Done")


def test_the_treasurer_marks_the_authority_report_as_sent(page: Any) -> None:
    make_club()
    build_year()
    treasurer = make_user(roles=(Role.TREASURER,), mfa=True)
    sign_in(page, treasurer.email, totp=True)
    page.goto("/reports/")
    page.select_option("select[name=kind]", "authority_annual")
    page.fill("input[name=period]", str(YEAR))
    page.keyboard.press("Enter")
    expect(page.locator("#report-status[data-state=done]")).to_be_visible()
    page.get_by_role("button", name="Mark as sent to the authority").click()
    expect(page.get_by_text("Marked as sent to the authority.")).to_be_visible()
    assert ReportRun.objects.get().submitted_at is not None
    assert AuditEvent.objects.filter(action="report.submit").count() == 1


def test_the_board_retimes_a_scheduled_job(page: Any) -> None:
    from django_celery_beat.models import PeriodicTask

    from compliance.schedules import schedules_ensure

    make_club()
    schedules_ensure()
    board = make_user(roles=(Role.BOARD,), mfa=True)
    sign_in(page, board.email, totp=True)
    page.goto("/reports/schedules/")
    form = page.locator("form.schedule").filter(
        has=page.locator("input[name=name][value='stock-reconciliation']")
    )
    form.locator("input[name=hour]").fill("25")
    form.get_by_role("button", name="Save").click()
    expect(page.get_by_text("is not a crontab value for the hour")).to_be_visible()
    form = page.locator("form.schedule").filter(
        has=page.locator("input[name=name][value='stock-reconciliation']")
    )
    form.locator("input[name=hour]").fill("5")
    form.get_by_role("button", name="Save").click()
    expect(page.get_by_text("The schedule was changed.")).to_be_visible()
    shot(page, "board-schedules")
    task = PeriodicTask.objects.select_related("crontab").get(name="stock-reconciliation")
    assert task.crontab is not None and task.crontab.hour == "5"
    assert AuditEvent.objects.filter(action="schedule.set").count() == 1
