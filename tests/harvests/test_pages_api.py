"""The grower's pages and the harvests endpoints of API.md."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from club.roles import Role
from harvests.models import Batch, Lot, LotStatus, Strain
from harvests.selectors import lot_stock
from harvests.services import stock_withdraw
from tests.factories import auth_headers as auth
from tests.factories import make_harvest, make_lot, make_member, make_user, set_rules

pytestmark = pytest.mark.django_db


def test_the_grower_works_through_the_api(client, club) -> None:
    set_rules("DE")
    for _ in range(5):
        make_member(forecast="20", card=False)  # 100 g a month
    grower = make_user(roles=(Role.GROWER,), mfa=True)
    h = auth(grower)
    r = client.post(
        "/api/v1/strains",
        {"name": "API Haze", "thc_min": "10", "thc_max": "15", "cbd_min": "0,5", "cbd_max": "1"},
        content_type="application/json",
        headers=h,
    )
    assert r.status_code == 201
    strain_id = r.json()["id"]
    month = timezone.localdate().replace(day=1)
    batch = {
        "strain_id": strain_id,
        "plants": 4,
        "started_on": str(month),
        "period_start": str(month),
        "period_end": str(month),
    }
    r = client.post(
        "/api/v1/batches",
        {**batch, "expected_yield_grams": "200"},
        content_type="application/json",
        headers=h,
    )
    assert r.status_code == 422 and r.json()["code"] == "PLAN_ABOVE_DEMAND"
    assert not Batch.objects.exists()
    r = client.post(
        "/api/v1/batches",
        {**batch, "expected_yield_grams": "110"},
        content_type="application/json",
        headers=h,
    )
    assert r.status_code == 201
    code = r.json()["code"]
    for stage in ("vegetative", "flowering"):
        assert (
            client.post(
                f"/api/v1/batches/{code}/stage",
                {"to": stage},
                content_type="application/json",
                headers=h,
            ).status_code
            == 200
        )
    r = client.post(
        f"/api/v1/batches/{code}/harvests",
        {
            "harvested_on": str(month),
            "wet_grams": "500",
            "dry_grams": "120",
            "dried_on": str(month + dt.timedelta(days=10)),
        },
        content_type="application/json",
        headers=h,
    )
    assert r.status_code == 201 and Decimal(r.json()["drying_loss_grams"]) == 380
    harvest_id = r.json()["id"]
    r = client.post(
        "/api/v1/lots",
        {
            "harvest_id": harvest_id,
            "product_type": "flower",
            "grams": "100",
            "best_before": "2099-01-01",
            "thc_percent": "12",
            "cbd_percent": "1",
        },
        content_type="application/json",
        headers=h,
    )
    assert r.status_code == 201 and r.json()["status"] == "quarantine"
    lot = r.json()["code"]
    assert client.post(f"/api/v1/lots/{lot}/release", headers=h).json()["status"] == "released"
    listed = client.get("/api/v1/lots", {"status": "released"}, headers=h).json()
    assert [x["code"] for x in listed] == [lot] and listed[0]["stock"] == "100.00"
    r = client.post(
        f"/api/v1/lots/{lot}/destructions",
        {"grams": "-1", "reason": "x", "method": "y", "witness": "z"},
        content_type="application/json",
        headers=h,
    )
    assert r.status_code == 400
    r = client.post(
        f"/api/v1/lots/{lot}/destructions",
        {"grams": "10", "reason": "mould", "method": "burnt", "witness": "Bea"},
        content_type="application/json",
        headers=h,
    )
    assert r.status_code == 201
    assert lot_stock(Lot.objects.get(code=lot).pk) == Decimal("90")


def test_recall_through_the_api_lists_recipients(client, club) -> None:
    lot = make_lot(grams="30")
    member = make_member(card=False)
    stock_withdraw(actor=None, code=lot.code, grams="2", member=member, reference="R")
    board = make_user(roles=(Role.BOARD,), mfa=True)
    r = client.post(
        f"/api/v1/lots/{lot.code}/recall",
        {"reason": "pesticide"},
        content_type="application/json",
        headers=auth(board),
    )
    assert r.status_code == 200 and [m["number"] for m in r.json()] == [member.number]
    r = client.post(f"/api/v1/lots/{lot.code}/release", headers=auth(board))
    assert r.status_code == 409 and r.json()["code"] == "ILLEGAL_STATUS_MOVE"


def test_counter_reads_lots_but_cannot_create_them(client, club) -> None:
    make_lot()
    clerk = make_user(roles=(Role.COUNTER,), mfa=True)
    assert client.get("/api/v1/lots", headers=auth(clerk)).status_code == 200
    r = client.post(
        "/api/v1/strains", {"name": "x"}, content_type="application/json", headers=auth(clerk)
    )
    assert r.status_code == 403


def test_grower_pages(client, club) -> None:
    set_rules("DE")
    grower = make_user(roles=(Role.GROWER,), mfa=True)
    client.force_login(grower)
    r = client.post(
        "/grow/strains/new/",
        {"name": "Page Kush", "thc_min": "10", "thc_max": "12", "cbd_min": "1", "cbd_max": "2"},
    )
    assert r.status_code == 302
    strain = Strain.objects.get(name="Page Kush")
    month = timezone.localdate().replace(day=1)
    r = client.post(
        "/grow/batches/new/",
        {
            "strain_id": strain.pk,
            "plants": "3",
            "started_on": str(month),
            "period_start": str(month),
            "period_end": str(month),
            "expected_yield_grams": "50",
        },
    )
    assert "PLAN_ABOVE_DEMAND" in r.content.decode()  # no members, no demand
    harvest = make_harvest(strain=strain)
    r = client.post(
        f"/grow/harvests/{harvest.pk}/lot/",
        {
            "product_type": "flower",
            "grams": "999999",
            "best_before": "2099-01-01",
            "thc_percent": "10",
            "cbd_percent": "1",
        },
    )
    assert "LOTS_EXCEED_HARVEST" in r.content.decode()
    r = client.post(
        f"/grow/harvests/{harvest.pk}/lot/",
        {
            "product_type": "flower",
            "grams": "12,5",
            "best_before": "2099-01-01",
            "thc_percent": "10",
            "cbd_percent": "1",
        },
    )
    assert r.status_code == 302
    lot = Lot.objects.get()
    client.post(f"/grow/lots/{lot.code}/release/")
    lot.refresh_from_db()
    assert lot.status == LotStatus.RELEASED
    page = client.get("/grow/").content.decode()
    assert lot.code in page and "12.50" in page
    for path in ("/grow/plan/", "/grow/balance/"):
        assert client.get(path).status_code == 200
    assert "Page Kush" in client.get("/grow/balance/").content.decode()


def test_grower_sees_no_board_field_picks_months_and_balance_periods(client, club) -> None:
    """Issue 9, point 25."""
    from club.roles import Role
    from tests.factories import make_strain, make_user

    grower = make_user(roles=(Role.GROWER,), mfa=True)
    board = make_user(roles=(Role.BOARD,), mfa=True)
    client.force_login(grower)
    page = client.get("/grow/batches/new/").content.decode()
    assert 'name="decision_reason"' not in page
    assert 'type="month" name="period_start"' in page and 'type="month" name="period_end"' in page
    strain = make_strain("Monat Haze")
    month = timezone.localdate().replace(day=1)
    r = client.post(
        "/grow/batches/new/",
        {
            "strain_id": strain.pk,
            "plants": "3",
            "started_on": str(month),
            "period_start": month.strftime("%Y-%m"),
            "period_end": month.strftime("%Y-%m"),
            "expected_yield_grams": "50",
            "decision_reason": "sneaked in by a grower",
        },
    )
    assert "PLAN_ABOVE_DEMAND" in r.content.decode()  # the grower's decision is not taken
    client.force_login(board)
    assert 'name="decision_reason"' in client.get("/grow/batches/new/").content.decode()
    client.force_login(grower)
    balance = client.get("/grow/balance/", {"month": "2025-02"}).content.decode()
    assert 'value="2025-02"' in balance and "28 Feb 2025" in balance
    assert client.get("/grow/balance/", {"month": "9999-12"}).status_code == 200
