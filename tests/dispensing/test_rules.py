"""Worked examples: every refusal code, per preset where the preset changes the answer."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
from django.utils import timezone

from club.errors import ServiceError
from dispensing.models import Dispensing
from dispensing.quotas import quota_for
from dispensing.services import dispensing_reverse
from harvests.selectors import lot_stock
from harvests.services import lot_recall, stock_withdraw
from members.services import member_status_change
from tests.factories import born_years_ago, dispense, make_lot, make_member, set_rules

pytestmark = pytest.mark.django_db
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


def refused(*args, **kwargs) -> str:
    before = Dispensing.objects.count()
    with pytest.raises(ServiceError) as exc:
        dispense(*args, **kwargs)
    assert Dispensing.objects.count() == before  # nothing written
    return exc.value.code


def berlin(day: dt.date, hour: int, minute: int) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=BERLIN)


@pytest.fixture
def lot(club):
    return make_lot(grams="2000")


def test_a_20_year_old_with_28_g_this_month_asking_for_3_g_is_refused(club) -> None:
    set_rules("DE")
    lot = make_lot(grams="100", thc="9.5")
    member = make_member(age=20, admitted_days_ago=400)
    last_month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    dispense(member, lot, "25", at=berlin(last_month, 11, 0))
    dispense(member, lot, "3", at=berlin(last_month + dt.timedelta(days=1), 11, 0))
    assert refused(member, lot, "3", at=berlin(last_month + dt.timedelta(days=2), 11, 0)) == (
        "QUOTA_MONTH_EXCEEDED"
    )
    dispense(member, lot, "2", at=berlin(last_month + dt.timedelta(days=2), 11, 0))  # 30 g


def test_on_the_21st_birthday_the_50_g_limit_applies(club) -> None:
    set_rules("DE")
    lot = make_lot(grams="2000", thc="12")
    member = make_member(age=21)  # born exactly 21 years ago: today is the birthday
    assert quota_for(member, _book(), timezone.localdate()).young_adult is False
    dispense(member, lot, "25")
    assert refused(member, lot, "1") == "QUOTA_DAY_EXCEEDED"
    day_before = make_member(age=21)
    day_before.date_of_birth = born_years_ago(21) + dt.timedelta(days=1)
    assert quota_for(day_before, _book(), timezone.localdate()).young_adult is True


def _book():
    from club.selectors import rulebook_get

    return rulebook_get()


def test_2359_and_0001_in_berlin_are_different_days(lot) -> None:
    set_rules("DE")
    member = make_member()
    day = timezone.localdate() - dt.timedelta(days=3)
    if day.day < 2:
        day -= dt.timedelta(days=3)
    dispense(member, lot, "25", at=berlin(day, 23, 59))
    assert refused(member, lot, "1", at=berlin(day, 23, 59)) == "QUOTA_DAY_EXCEEDED"
    d = dispense(member, lot, "20", at=berlin(day + dt.timedelta(days=1), 0, 1))
    assert d.dispensing.local_date == day + dt.timedelta(days=1)
    # 23:59 in Berlin in winter is 22:59 UTC: the UTC date would be the same day, but 00:01
    # is 23:01 UTC of the previous day; the club's day is what counts.
    assert d.dispensing.dispensed_at.astimezone(dt.UTC).date() == day


def test_a_lot_at_10_5_percent_thc_is_refused_to_a_20_year_old(club) -> None:
    set_rules("DE")
    strong = make_lot(grams="100", thc="10.5")
    mild = make_lot(grams="100", thc="10")
    young, adult = make_member(age=20), make_member(age=30)
    assert refused(young, strong, "1") == "THC_LIMIT_YOUNG_ADULT"
    dispense(young, mild, "1")
    dispense(adult, strong, "1")


def test_daily_limit_de_and_mt(lot) -> None:
    set_rules("DE")
    member = make_member()
    dispense(member, lot, "20")
    assert refused(member, lot, "5.01") == "QUOTA_DAY_EXCEEDED"
    set_rules("MT")
    other = make_member(country="MT")
    dispense(other, lot, "7")
    assert refused(other, lot, "0.01") == "QUOTA_DAY_EXCEEDED"


def test_monthly_limit_es_60_g(lot) -> None:
    set_rules("ES")
    member = make_member(country="ES")
    today = timezone.localdate()
    first = today.replace(day=1)
    dispense(member, lot, "50", at=berlin(first, 10, 0) if today.day > 1 else None)
    dispense(member, lot, "10")
    assert refused(member, lot, "0.5") == "QUOTA_MONTH_EXCEEDED"


def test_yearly_limit_uy_480_g(lot) -> None:
    set_rules("UY")
    member = make_member(country="UY")
    today = timezone.localdate()
    jan = today.replace(month=1, day=1)
    for i in range(12):
        day = jan + dt.timedelta(days=i)
        if day >= today:
            break
        dispense(member, lot, "40", at=berlin(day, 12, 0))
    used = quota_for(member, _book(), today).used_year
    if used < Decimal("480"):
        dispense(member, lot, str(Decimal("480") - used))
    assert refused(member, lot, "0.01") == "QUOTA_YEAR_EXCEEDED"


def test_forecast_cap_where_the_club_sets_it(lot) -> None:
    set_rules("DE", forecast_caps_dispensing="true")
    member = make_member(forecast="10")
    dispense(member, lot, "10")
    assert refused(member, lot, "1") == "FORECAST_EXCEEDED"


def test_member_states(lot) -> None:
    set_rules("DE")
    suspended = make_member(status="suspended")
    ended = make_member(status="ended")
    assert refused(suspended, lot, "1") == "MEMBER_SUSPENDED"
    assert refused(ended, lot, "1") == "MEMBER_NOT_ACTIVE"


def test_waiting_period(club) -> None:
    set_rules("ES")  # 15 days
    lot = make_lot(grams="100")
    new = make_member(country="ES", admitted_days_ago=10)
    assert refused(new, lot, "1") == "WAITING_PERIOD"
    older = make_member(country="ES", admitted_days_ago=15)
    dispense(older, lot, "1")


def test_id_must_be_checked(lot) -> None:
    set_rules("DE")
    member = make_member()
    assert refused(member, lot, "1", id_checked=False) == "ID_NOT_CHECKED"


def test_lot_states(club) -> None:
    set_rules("DE")
    member = make_member()
    quarantined = make_lot(grams="10", release=False)
    assert refused(member, quarantined, "1") == "LOT_NOT_RELEASED"
    recalled = make_lot(grams="10")
    lot_recall(actor=None, code=recalled.code, reason="mould")
    assert refused(member, recalled, "1") == "LOT_RECALLED"
    old = make_lot(grams="10")
    from harvests.models import Lot

    Lot.objects.filter(pk=old.pk).update(best_before=timezone.localdate())
    assert refused(member, old, "1") == "LOT_EXPIRED"


def test_stock_short(club) -> None:
    set_rules("DE")
    lot = make_lot(grams="3")
    member = make_member()
    stock_withdraw(actor=None, code=lot.code, grams="2.5", member=None, reference="x")
    assert refused(member, lot, "1") == "STOCK_SHORT"
    assert lot_stock(lot.pk) == Decimal("0.5")


@pytest.mark.parametrize("grams", ["-1", "0", "abc", "1e9", "2.555", "", "NaN", "Infinity"])
def test_malformed_grams_write_nothing(lot, grams: str) -> None:
    set_rules("DE")
    member = make_member()
    assert refused(member, lot, grams) == "GRAMS_INVALID"
    assert lot_stock(lot.pk) == Decimal("2000")


def test_a_comma_is_a_decimal_separator(lot) -> None:
    set_rules("DE")
    result = dispense(make_member(), lot, "2,5")
    assert result.dispensing.grams == Decimal("2.5")


def test_a_repeated_idempotency_key_writes_one_record(lot) -> None:
    set_rules("DE")
    member = make_member()
    first = dispense(member, lot, "2", key="double-click-1")
    again = dispense(member, lot, "2", key="double-click-1")
    assert again.replayed and again.dispensing.pk == first.dispensing.pk
    assert Dispensing.objects.count() == 1
    assert lot_stock(lot.pk) == Decimal("1998")


def test_a_reversal_restores_quota_and_stock(lot) -> None:
    set_rules("DE")
    member = make_member()
    d = dispense(member, lot, "25").dispensing
    assert refused(member, lot, "1") == "QUOTA_DAY_EXCEEDED"
    dispensing_reverse(actor=None, receipt=d.receipt, reason="weighed on the wrong scale")
    assert lot_stock(lot.pk) == Decimal("2000")
    assert quota_for(member, _book(), timezone.localdate()).used_day == 0
    dispense(member, lot, "25")
    d.refresh_from_db()
    assert d.grams == Decimal("25")  # the original is unchanged
    with pytest.raises(ServiceError) as exc:
        dispensing_reverse(actor=None, receipt=d.receipt, reason="again")
    assert exc.value.code == "ALREADY_REVERSED"


def test_every_dispensing_has_its_receipt_and_snapshot(lot) -> None:
    set_rules("DE")
    a = dispense(make_member(), lot, "1").dispensing
    b = dispense(make_member(), lot, "1").dispensing
    assert a.receipt != b.receipt
    assert a.strain_name == lot.harvest.batch.strain.name and a.thc_percent == lot.thc_percent
    assert a.contribution == Decimal("0.00")  # flat fees: no per-gram contribution


def test_contribution_comes_from_the_registered_provider(lot) -> None:
    from dispensing import services

    set_rules("DE")
    registered = list(services._contribution_provider)  # finance's, put back afterwards
    services.set_contribution_provider(lambda _lot, _on: Decimal("7.50"))
    try:
        d = dispense(make_member(), lot, "2.5").dispensing
    finally:
        services.set_contribution_provider(registered[0] if registered else None)
    assert d.contribution_per_gram == Decimal("7.50") and d.contribution == Decimal("18.75")


def test_member_moves_do_not_touch_history(lot) -> None:
    set_rules("DE")
    member = make_member()
    dispense(member, lot, "5")
    member_status_change(actor=None, number=member.number, action="expel", reason="x")
    assert Dispensing.objects.filter(member=member).count() == 1
