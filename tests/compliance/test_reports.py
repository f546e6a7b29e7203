"""The reports on the worked year of conftest.py: figures by hand and from the ledgers, the
same kind and period once, every format, and who may see what."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal as D
from typing import Any

import pytest

from club.audit import audit_verify
from club.errors import ServiceError
from club.selectors import audit_head
from compliance.models import ReportRun
from compliance.services import report_request
from finance.selectors import income_statement
from tests.compliance.conftest import YEAR
from tests.factories import auth_headers, make_user
from tests.pdfs import pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _tasks_after_commit(django_capture_on_commit_callbacks, monkeypatch) -> None:
    """The task is sent after commit; the test's transaction never commits, so each request
    runs its callbacks (the eager task) as a commit would."""
    from compliance import services

    real = services.report_request

    def request_and_commit(**kw: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return real(**kw)

    monkeypatch.setattr(services, "report_request", request_and_commit)
    for module in ("compliance.api", "compliance.views"):
        monkeypatch.setattr(f"{module}.report_request", request_and_commit)
    globals()["report_request"] = request_and_commit


def _done(kind: str, period: str, **kw: Any) -> ReportRun:
    run, _created = report_request(actor=None, kind=kind, period=period, **kw)
    run.refresh_from_db()
    assert run.state == "done", run.error
    return run


def test_the_annual_audit_holds_the_worked_year(year) -> None:
    head = audit_head()
    run = _done("annual_audit", str(YEAR))
    text = pdf_text(run.file.read())
    # Money, by hand: income 100.00 donation + 80.00 contributions; expenses 30.00 + 50.00.
    statement = income_statement(start=run.period_start, end=run.period_end)
    assert statement["total_income"] == D("180.00") and statement["total_expenses"] == D("80.00")
    assert f"Total income {statement['total_income']}" in text
    assert "Total expenses 80.00" in text
    assert "Surplus (+) or deficit (-) of the year 100.00" in text
    assert "4200 Dispensing contributions 80.00" in text and "4300 Donations 100.00" in text
    assert "Surplus distributed to members: 0.00. No profit was distributed." in text
    assert "Bea Board 50.00" in text
    # Cost per gram: all costs 80.00 over 8 g dispensed = 10.00; contributions 80.00 / 8 g.
    assert "All costs per gram dispensed 10.00" in text
    assert "Contribution charged per gram dispensed 10.00" in text
    # Members: Ada, Ben and the voter Pia at the start; Eva admitted and ended.
    assert "At the start of the year 3" in text and "At the end of the year 3" in text
    assert "Admitted 1" in text and "Ended 1" in text
    # The mass balance of Nordlicht: 250 g grown, 8 dispensed, 10 destroyed, 0 → 82 in stock.
    assert "Nordlicht 250.00 8.00 10.00 0.00 → 82.00 9.00 1.00 0.00" in text
    # The chain head it was built on, and how to check it.
    assert (run.chain_seq or 0) >= head.seq and run.chain_hash in text.replace(" ", "")
    # The signed checkpoint, printed whole (a long token wraps, so compare without spaces).
    signed_line = run.data["checkpoint"]["signed"]
    assert signed_line.startswith("csc-checkpoint-v1")
    assert signed_line.replace(" ", "") in text.replace(" ", "")
    assert "manage.pyaudit_verify--checkpoint" in text.replace(" ", "")
    assert "Auditor elected by the assembly" in text and "Treasurer" in text
    assert run.sha256 == __import__("hashlib").sha256(run.file.open("rb").read()).hexdigest()
    assert audit_verify().ok


def test_annual_reports_are_pdf_a(year) -> None:
    from pypdf import PdfReader

    reader = PdfReader(_done("authority_annual", str(YEAR)).file.open("rb"))
    root: Any = reader.trailer["/Root"]
    xmp = root["/Metadata"].get_object().get_data().decode()
    assert "pdfaid" in xmp and ("pdfaid:part>3<" in xmp or 'pdfaid:part="3"' in xmp), xmp[:400]
    assert "/OutputIntents" in root  # PDF/A carries its colour profile


def test_the_authority_csv_per_strain_on_worked_numbers(client, year) -> None:
    run = _done("authority_annual", str(YEAR))
    board = make_user(roles=("board",), mfa=True)
    client.force_login(board)
    body = client.get(f"/reports/{run.pk}/data.csv").content.decode()
    rows = list(csv.reader(io.StringIO(body)))
    header = rows[1]
    nordlicht = dict(zip(header, next(r for r in rows if r and r[0] == "Nordlicht"), strict=True))
    assert nordlicht["grown_dry_g"] == "250.00" and nordlicht["dispensed_g"] == "8.00"
    assert nordlicht["destroyed_g"] == "10.00" and nordlicht["stock_end_g"] == "82.00"
    assert nordlicht["avg_thc_percent"] == "9.00" and nordlicht["avg_cbd_percent"] == "1.00"
    assert nordlicht["difference_g"] == "0.00"
    text = pdf_text(run.file.read())
    assert "Nordlicht 250.00 8.00 10.00 0.00 → 82.00 9.00 1.00 0.00" in text


def test_the_dispensing_export_names_nobody(year) -> None:
    run = _done("dispensing_export", str(YEAR))
    body = run.file.read().decode()
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0] == ["date", "age_group", "grams", "thc_percent", "cbd_percent", "strain"]
    assert sorted(r[1:3] for r in rows[1:]) == [["18-20", "3.00"], ["30-39", "5.00"]]
    assert all(r[5] == "Nordlicht" for r in rows[1:])
    for person in ("Ada", "Adler", "Ben", "Berg"):
        assert person not in body
    numbers = {str(year["ada"].number), str(year["ben"].number)}
    numbers |= {str(d.receipt) for d in year["dispensings"]}
    assert not numbers & {cell for r in rows for cell in r}


def test_the_same_kind_and_period_twice_gives_one_run_and_new_versions_on_request(year) -> None:
    first, created = report_request(actor=None, kind="authority_annual", period=str(YEAR))
    first.refresh_from_db()
    again, created_again = report_request(actor=None, kind="authority_annual", period=str(YEAR))
    assert created and not created_again and again.pk == first.pk
    second, created = report_request(
        actor=None, kind="authority_annual", period=str(YEAR), new_version=True
    )
    assert created and second.version == 2
    assert ReportRun.objects.filter(kind="authority_annual").count() == 2
    assert all(r.state == "done" for r in ReportRun.objects.all())


@pytest.mark.parametrize(
    ("kind", "period", "code"),
    [
        ("annual_audit", "2025-01", "INVALID_PERIOD"),
        ("annual_audit", "99999", "INVALID_PERIOD"),
        ("annual_audit", "2999", "REPORT_PERIOD_OPEN"),
        ("stock_monthly", "2025-13", "INVALID_PERIOD"),
        ("quarterly", "2025-Q5", "INVALID_PERIOD"),
        ("member_register", "2999-01-01", "REPORT_PERIOD_OPEN"),
        ("nonsense", "2025", "INVALID_KIND"),
    ],
)
def test_bad_periods_are_refused_and_write_nothing(club, kind, period, code) -> None:
    with pytest.raises(ServiceError) as exc:
        report_request(actor=None, kind=kind, period=period)
    assert exc.value.code == code
    assert not ReportRun.objects.exists()


def test_monthly_stock_quarterly_and_register(year) -> None:
    stock = pdf_text(_done("stock_monthly", f"{YEAR}-06").file.read())
    lot = year["lot"].code
    assert f"{lot} Nordlicht 92.00 0.00 0.00 10.00 0.00 82.00" in stock
    quarter = _done("quarterly", f"{YEAR}-Q1")
    assert quarter.data["grams"] == "8.00" and quarter.data["dispensings"] == 2
    assert quarter.data["cash_in"] == "100.00"
    register = _done("member_register", f"{YEAR}-12-31")
    text = pdf_text(register.file.read())
    assert "Adler, Ada" in text and "Ende, Eva" in text


def test_api_asks_watches_and_downloads(client, year) -> None:
    treasurer = make_user(roles=("treasurer",), mfa=True)
    headers = auth_headers(treasurer)
    response = client.post(
        "/api/v1/reports",
        json.dumps({"kind": "annual_audit", "period": str(YEAR)}),
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 202, response.content
    body = response.json()
    status = client.get(f"/api/v1/reports/{body['id']}", headers=headers).json()
    assert status["status"] == "done" and status["progress"] == 100
    assert len(status["sha256"]) == 64 and status["chain_checkpoint"]["seq"] > 0
    file = client.get(status["download"], headers=headers)
    assert file.status_code == 200 and file["Content-Type"] == "application/pdf"
    assert "attachment" in file["Content-Disposition"]
    data = b"".join(file.streaming_content)
    assert __import__("hashlib").sha256(data).hexdigest() == status["sha256"]
    again = client.post(
        "/api/v1/reports",
        json.dumps({"kind": "annual_audit", "period": str(YEAR)}),
        content_type="application/json",
        headers=headers,
    )
    assert again.status_code == 200 and again.json()["id"] == body["id"]


def test_the_register_is_the_boards_alone(client, year) -> None:
    register = _done("member_register", f"{YEAR}-12-31")
    treasurer = make_user(roles=("treasurer",), mfa=True)
    client.force_login(treasurer)
    assert client.get(f"/reports/{register.pk}/").status_code == 404
    assert client.get(f"/reports/{register.pk}/file").status_code == 404
    headers = auth_headers(treasurer)
    assert client.get(f"/api/v1/reports/{register.pk}", headers=headers).status_code == 404
    assert client.get(f"/api/v1/reports/{register.pk}/file", headers=headers).status_code == 404
    refused = client.post(
        "/api/v1/reports",
        json.dumps({"kind": "member_register", "period": f"{YEAR}-12-31"}),
        content_type="application/json",
        headers=headers,
    )
    assert refused.status_code == 403 and refused.json()["code"] == "FORBIDDEN"
    member = make_user()
    client.force_login(member)
    assert client.get("/reports/").status_code in (302, 403)
    response = client.get(f"/api/v1/reports/{register.pk}", headers=auth_headers(member))
    assert response.status_code == 403


def test_the_treasurer_asks_for_the_audit_in_the_page_and_sees_its_sha(client, year) -> None:
    treasurer = make_user(roles=("treasurer",), mfa=True)
    client.force_login(treasurer)
    page = client.post("/reports/", {"kind": "annual_audit", "period": str(YEAR)}, follow=True)
    run = ReportRun.objects.get()
    html = page.content.decode()
    assert run.sha256 in html and "Total income" in html and "<svg" in html
    assert f"/reports/{run.pk}/file" in html
    refused = client.post("/reports/", {"kind": "annual_audit", "period": "2025,5"}, follow=True)
    assert "Give the period as YYYY." in refused.content.decode()
    assert ReportRun.objects.count() == 1


def test_the_audit_of_the_current_year_is_preliminary_and_matches_the_finance_page(
    client, year
) -> None:
    import datetime as dt

    from django.utils import timezone

    from finance.services import transaction_record

    today = timezone.localdate()
    transaction_record(
        actor=None,
        booked_on=today,
        description="Donation",
        legs=[("1000", D("25.50")), ("4300", D("-25.50"))],
    )
    run = _done("annual_audit", str(today.year))
    assert (run.period_start, run.period_end) == (dt.date(today.year, 1, 1), today)
    text = pdf_text(run.file.read())
    assert "Preliminary: the year has not ended." in text
    statement = income_statement(start=run.period_start, end=today)
    assert statement["total_income"] == D("25.50") and "Total income 25.50" in text
    treasurer = make_user(roles=("treasurer",), mfa=True)
    client.force_login(treasurer)
    overview = client.get("/finance/").content.decode()
    assert str(statement["total_income"]) in overview
    with pytest.raises(ServiceError) as exc:
        report_request(actor=None, kind="authority_annual", period=str(today.year))
    assert exc.value.code == "REPORT_PERIOD_OPEN"


def test_audit_verify_names_a_report_file_changed_on_the_server(year) -> None:
    run = _done("authority_annual", str(YEAR))
    assert audit_verify().ok
    with open(run.file.path, "ab") as handle:
        handle.write(b"%tampered")
    problems = audit_verify().problems
    assert any(f"report {run.pk}: its file was changed" in p for p in problems), problems
    ReportRun.objects.filter(pk=run.pk).update(sha256="0" * 64)
    assert any(f"report {run.pk}: its SHA-256 is not" in p for p in audit_verify().problems)
