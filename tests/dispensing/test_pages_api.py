"""The counter, the quota page, the log and the dispensing endpoints."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zoneinfo
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from club.roles import Role
from dispensing.models import Dispensing
from harvests.selectors import lot_stock
from members.cards import card_token
from tests.factories import auth_headers as auth
from tests.factories import dispense, make_lot, make_member, make_user, set_rules

pytestmark = pytest.mark.django_db


def _history(member, lot, n: int) -> None:
    tz = zoneinfo.ZoneInfo("Europe/Berlin")
    start = timezone.localdate() - dt.timedelta(days=n + 2)
    for i in range(n):
        day = start + dt.timedelta(days=i)
        dispense(member, lot, "1", at=dt.datetime(day.year, day.month, day.day, 12, tzinfo=tz))


def _count(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def test_counter_panel_queries_do_not_grow_with_history(client, clerk) -> None:
    lot = make_lot(grams="500", thc="9")
    short, long = make_member(), make_member()
    _history(short, lot, 1)
    _history(long, lot, 40)
    client.force_login(clerk)
    a = _count(lambda: client.get(f"/counter/members/{short.number}/"))
    b = _count(lambda: client.get(f"/counter/members/{long.number}/"))
    assert a == b


def test_dispensing_request_queries_do_not_grow_with_history(client, clerk) -> None:
    lot = make_lot(grams="500", thc="9")
    short, long = make_member(), make_member()
    _history(short, lot, 1)
    _history(long, lot, 40)
    headers = auth(clerk)

    def post(member) -> None:
        r = client.post(
            "/api/v1/dispensings",
            {"member": member.number, "lot": lot.code, "grams": "1", "id_checked": True},
            content_type="application/json",
            headers=headers,
        )
        assert r.status_code == 201, r.json()

    assert _count(lambda: post(short)) == _count(lambda: post(long))


def test_api_dispense_refuse_reverse(client, clerk) -> None:
    lot = make_lot(grams="100", thc="9")
    member = make_member()
    h = auth(clerk)
    body = {
        "member": member.number,
        "lot": lot.code,
        "grams": "2,5",
        "id_checked": True,
        "idempotency_key": "k-1",
    }
    r = client.post("/api/v1/dispensings", body, content_type="application/json", headers=h)
    assert r.status_code == 201
    receipt = r.json()["receipt"]
    assert r.json()["remaining"]["day"] == "22.50"
    again = client.post("/api/v1/dispensings", body, content_type="application/json", headers=h)
    assert again.json()["receipt"] == receipt and again.json()["replayed"] is True
    r = client.post(
        "/api/v1/dispensings",
        {**body, "grams": "30", "idempotency_key": "k-2"},
        content_type="application/json",
        headers=h,
    )
    assert r.status_code == 422 and r.json()["code"] == "QUOTA_DAY_EXCEEDED"
    r = client.post(
        "/api/v1/dispensings",
        {**body, "grams": "-1", "idempotency_key": "k-3"},
        content_type="application/json",
        headers=h,
    )
    assert r.status_code == 400 and r.json()["code"] == "GRAMS_INVALID"
    r = client.post(
        f"/api/v1/dispensings/{receipt}/reversal",
        {"reason": "x"},
        content_type="application/json",
        headers=h,
    )
    assert r.status_code == 403  # only the board reverses
    board = make_user(roles=(Role.BOARD,), mfa=True)
    r = client.post(
        f"/api/v1/dispensings/{receipt}/reversal",
        {"reason": "wrong lot"},
        content_type="application/json",
        headers=auth(board),
    )
    assert r.status_code == 201
    assert lot_stock(lot.pk) == Decimal("100")
    quota = client.get(f"/api/v1/members/{member.number}/quota", headers=h).json()
    assert quota["used"]["day"] == "0.00" and quota["eligible"] is True


def test_member_reads_own_quota_and_dispensings(client, club) -> None:
    set_rules("DE")
    lot = make_lot(grams="100", thc="9")
    me, other = make_member(), make_member()
    dispense(me, lot, "3")
    dispense(other, lot, "4")
    h = auth(me.user)
    assert client.get("/api/v1/me/quota", headers=h).json()["used"]["day"] == "3.00"
    mine = client.get("/api/v1/me/dispensings", headers=h).json()
    assert [d["grams"] for d in mine] == ["3.00"]
    assert client.get(f"/api/v1/members/{other.number}/quota", headers=h).status_code == 403
    client.force_login(me.user)
    page = client.get("/me/quota/").content.decode()
    assert "3.00" in page and "4.00" not in page


def test_counter_finds_by_card_number_and_name_and_dispenses(client, clerk) -> None:
    lot = make_lot(grams="100", thc="9")
    member = make_member(first_name="Frieda", last_name="Findbar")
    client.force_login(clerk)
    for q in (card_token(member), str(member.number), "findbar"):
        page = client.post("/counter/find/", {"q": q}).content.decode()
        assert f'data-number="{member.number}"' in page, q
    page = client.post("/counter/find/", {"q": card_token(member)}).content.decode()
    key = page.split('name="idempotency_key" value="')[1].split('"')[0]
    form = {
        "lot": lot.code,
        "grams": "2,5",
        "id_checked": "on",
        "idempotency_key": key,
        "card_token": card_token(member),
    }
    done = client.post(f"/counter/members/{member.number}/dispense/", form).content.decode()
    assert "data-receipt=" in done
    client.post(f"/counter/members/{member.number}/dispense/", form)  # a double click
    d = Dispensing.objects.get()
    assert d.card_scanned and d.grams == Decimal("2.5")
    refused = client.post(
        f"/counter/members/{member.number}/dispense/",
        {**form, "idempotency_key": "other", "id_checked": ""},
    ).content.decode()
    assert 'data-code="ID_NOT_CHECKED"' in refused
    for path in (
        f"/counter/receipts/{d.receipt}.pdf",
        f"/counter/receipts/{d.receipt}/leaflet.pdf",
    ):
        r = client.get(path)
        assert r.status_code == 200 and r.content.startswith(b"%PDF")


def test_counter_greys_out_lots_a_young_adult_may_not_have(client, clerk) -> None:
    strong = make_lot(grams="50", thc="15")
    make_lot(grams="50", thc="9")
    young = make_member(age=19)
    client.force_login(clerk)
    page = client.get(f"/counter/members/{young.number}/").content.decode()
    assert f'value="{strong.code}" disabled' in page
    assert 'data-code="THC_LIMIT_YOUNG_ADULT"' in page


def test_counter_shows_blocking_reasons_before_weighing(client, clerk) -> None:
    make_lot(grams="50", thc="9")
    suspended = make_member(status="suspended")
    client.force_login(clerk)
    page = client.get(f"/counter/members/{suspended.number}/").content.decode()
    assert 'data-code="MEMBER_SUSPENDED"' in page and "Confirm" not in page


def test_log_csv_has_the_kcang_fields_and_is_safe_in_a_spreadsheet(client, club) -> None:
    set_rules("DE")
    lot = make_lot(grams="100", thc="9")
    member = make_member(first_name='=HYPERLINK("http://x")', last_name="+Evil")
    dispense(member, lot, "2")
    board = make_user(roles=(Role.BOARD,), mfa=True)
    client.force_login(board)
    r = client.get("/board/dispensings/", {"format": "csv", "member": member.number})
    rows = list(csv.reader(io.StringIO(r.content.decode())))
    assert rows[0][:7] == [
        "receipt",
        "date",
        "last_name",
        "first_name",
        "year_of_birth",
        "grams",
        "thc_percent",
    ]
    assert rows[1][2] == "'+Evil" and rows[1][3].startswith("'=")
    assert rows[1][4] == str(member.date_of_birth.year) and rows[1][5] == "2.00"
    page = client.get("/board/dispensings/", {"day": "not-a-date"})
    assert page.status_code == 200
