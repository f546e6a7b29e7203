"""Importing a register: a dry run row by row; nothing written unless every row is valid."""

from __future__ import annotations

import io

import pytest

from club.models import User
from members.models import ImportJob, Member
from members.services import import_job_create, import_job_request_commit, import_job_run
from tests.factories import born_years_ago, set_rules

pytestmark = pytest.mark.django_db

HEADER = (
    "first_name,last_name,date_of_birth,email,address,residence_country,resident_since,"
    "admitted_on,forecast_grams,legacy_number\n"
)


def row(n: int, **over: str) -> str:
    v = {
        "first_name": f"Imp{n}",
        "last_name": "Orted",
        "date_of_birth": str(born_years_ago(30)),
        "email": f"imp{n}@test.example",
        "address": f"Weg {n}",
        "residence_country": "DE",
        "resident_since": "2010-01-01",
        "admitted_on": "2024-08-01",
        "forecast_grams": "20,5",
        "legacy_number": f"A-{n}",
    }
    v.update(over)
    return ",".join(f'"{v[k]}"' for k in HEADER.strip().split(",")) + "\n"


def run(board, content: bytes, filename: str = "register.csv") -> ImportJob:
    job = import_job_create(actor=board, filename=filename, content=content)
    import_job_run(job_id=job.pk)
    job.refresh_from_db()
    return job


def test_dry_run_then_commit_creates_every_member(board) -> None:
    set_rules("DE")
    content = (HEADER + "".join(row(i) for i in range(1, 31))).encode()
    job = run(board, content)
    assert job.state == ImportJob.State.CHECKED
    assert len(job.report) == 30 and all(r["ok"] for r in job.report)
    assert not Member.objects.exists()  # a dry run writes no member
    import_job_request_commit(actor=board, job_id=job.pk)
    assert import_job_run(job_id=job.pk) == ImportJob.State.IMPORTED
    assert Member.objects.count() == 30
    m = Member.objects.get(legacy_number="A-7")
    assert m.forecasts.get().grams_per_month == 20.5
    assert m.decisions.get().kind == "import"
    job.refresh_from_db()
    assert bytes(job.content) == b""  # the uploaded register is erased once it is imported


def test_a_register_with_errors_is_erased_and_a_name_with_bidi_controls_is_an_error(board) -> None:
    set_rules("DE")
    job = run(board, (HEADER + row(1) + row(2, last_name="\u202enimdA")).encode())
    assert job.state == ImportJob.State.INVALID
    assert bytes(job.content) == b""
    bad = [r for r in job.report if not r["ok"]]
    assert len(bad) == 1 and "direction of text" in " ".join(bad[0]["errors"])
    assert not Member.objects.exists()


def test_bad_rows_write_nothing(board) -> None:
    set_rules("DE")
    users_before = User.objects.count()
    content = (
        HEADER
        + row(1)
        + row(2, date_of_birth=str(born_years_ago(17)))
        + row(3, email="not-an-email")
        + row(4, email="imp1@test.example")
        + row(5, residence_country="FR")
        + row(6, forecast_grams="abc")
        + row(7, admitted_on="31.02.2024")
        + row(8)
    ).encode()
    job = run(board, content)
    assert job.state == ImportJob.State.INVALID
    by_line = {r["line"]: r for r in job.report}
    assert by_line[2]["ok"] and by_line[9]["ok"]
    for line in (3, 4, 5, 6, 7, 8):
        assert not by_line[line]["ok"], line
    with pytest.raises(Exception):  # noqa: B017 -- the service refuses; nothing may be written
        import_job_request_commit(actor=board, job_id=job.pk)
    assert not Member.objects.exists()
    assert User.objects.count() == users_before


def test_a_file_with_missing_columns_fails_whole(board) -> None:
    job = run(board, b"name,email\nA,b@c.de\n")
    assert job.state == ImportJob.State.FAILED
    assert "first_name" in job.report[0]["errors"][0]


def test_xlsx_is_read_too(board) -> None:
    from openpyxl import Workbook

    set_rules("DE")
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.strip().split(","))
    sheet.append(
        [
            "X",
            "Lsx",
            born_years_ago(40),
            "xlsx@test.example",
            "Weg 1",
            "DE",
            "2001-01-01",
            "2023-01-01",
            15,
            "L-1",
        ]
    )
    buf = io.BytesIO()
    book.save(buf)
    job = run(board, buf.getvalue(), "register.xlsx")
    assert job.state == ImportJob.State.CHECKED, job.report


def test_import_pages_show_progress_and_commit(
    client, board, django_capture_on_commit_callbacks
) -> None:
    set_rules("DE")
    client.force_login(board)
    upload = io.BytesIO((HEADER + row(1) + row(2)).encode())
    upload.name = "register.csv"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/board/import/", {"file": upload})
    job = ImportJob.objects.get()
    assert response["Location"] == f"/board/import/{job.pk}/"
    page = client.get(f"/board/import/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert 'data-state="checked"' in page and "2 of 2" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/board/import/{job.pk}/commit/")
    assert Member.objects.count() == 2
    # A second click finds the job imported and writes nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/board/import/{job.pk}/commit/")
    assert Member.objects.count() == 2


# --- Delivered twice, run at once, crashed (issue 11) ----------------------------------------


def test_an_import_delivered_twice_imports_once(board) -> None:
    from members.tasks import member_import_run

    set_rules("DE")
    job = run(board, (HEADER + row(1) + row(2)).encode())
    import_job_request_commit(actor=board, job_id=job.pk)
    assert member_import_run.delay(job.pk).get() == ImportJob.State.IMPORTED
    assert member_import_run.delay(job.pk).get() == ImportJob.State.IMPORTED  # redelivered
    job.refresh_from_db()
    assert Member.objects.count() == 2 and job.attempts == 2  # the dry run, then the commit


def test_a_crashed_import_is_taken_over_after_the_lease(board, settings) -> None:
    import datetime as dt

    from django.utils import timezone

    from members.services import import_jobs_recover

    set_rules("DE")
    job = run(board, (HEADER + row(1)).encode())
    import_job_request_commit(actor=board, job_id=job.pk)
    # A worker claimed the commit and died: RUNNING, its heartbeat stopped long ago.
    stale = timezone.now() - dt.timedelta(seconds=settings.CSC_JOB_LEASE_SECONDS + 60)
    ImportJob.objects.filter(pk=job.pk).update(
        state=ImportJob.State.RUNNING, attempts=5, heartbeat_at=stale, started_at=stale
    )
    assert import_jobs_recover() == [job.pk]  # the sweep sends it again; here it runs at once
    job.refresh_from_db()
    assert job.state == ImportJob.State.IMPORTED and job.attempts == 6  # taken over once
    assert import_jobs_recover() == []
    assert Member.objects.count() == 1


def test_a_running_import_is_not_taken_over_while_its_worker_lives(board) -> None:
    from django.utils import timezone

    set_rules("DE")
    job = run(board, (HEADER + row(1)).encode())
    import_job_request_commit(actor=board, job_id=job.pk)
    ImportJob.objects.filter(pk=job.pk).update(
        state=ImportJob.State.RUNNING, attempts=3, heartbeat_at=timezone.now()
    )
    assert import_job_run(job_id=job.pk) == ImportJob.State.RUNNING
    assert not Member.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_import_once() -> None:
    from tests.factories import make_club, make_user
    from tests.members.test_concurrency import run_threads

    make_club()
    set_rules("DE")
    board = make_user(roles=("board",), mfa=True)
    job = run(board, (HEADER + "".join(row(i) for i in range(1, 6))).encode())
    # Asked to commit, with the task not yet run (here it would run at once on commit).
    ImportJob.objects.filter(pk=job.pk).update(commit=True, state=ImportJob.State.QUEUED)
    results = run_threads([lambda: import_job_run(job_id=job.pk) for _ in range(4)])
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert Member.objects.count() == 5
    job.refresh_from_db()
    assert job.state == ImportJob.State.IMPORTED and job.attempts == 2  # dry run, one commit
