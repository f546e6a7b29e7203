"""Membership states: every illegal move is refused; every move is a decision with a reason."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from club.audit import audit_verify
from club.errors import AppendOnlyError, ServiceError
from members.models import (
    APPLICATION_MOVES,
    MEMBER_MOVES,
    Application,
    ApplicationStatus,
    Forecast,
    Member,
    MemberDecision,
    MemberStatus,
)
from members.services import (
    STATUS_KINDS,
    forecast_record,
    member_endings_apply,
    member_status_change,
)
from tests.factories import make_member, set_rules

pytestmark = pytest.mark.django_db

ALL_MEMBER_PAIRS = [(a, b) for a in MemberStatus.values for b in MemberStatus.values]
ILLEGAL_MEMBER = [(a, b) for a, b in ALL_MEMBER_PAIRS if b not in MEMBER_MOVES[a]]
ILLEGAL_APPLICATION = [
    (a, b)
    for a in ApplicationStatus.values
    for b in ApplicationStatus.values
    if b not in APPLICATION_MOVES[a]
]


@pytest.mark.parametrize(("old", "new"), ILLEGAL_MEMBER)
def test_every_illegal_member_move_is_refused_by_the_model(old: str, new: str) -> None:
    member = Member(status=old)
    with pytest.raises(ServiceError) as exc:
        member.move_to(new)
    assert exc.value.code == "ILLEGAL_STATUS_MOVE" and exc.value.status == 409
    assert member.status == old


@pytest.mark.parametrize(("old", "new"), ILLEGAL_APPLICATION)
def test_every_illegal_application_move_is_refused_by_the_model(old: str, new: str) -> None:
    app = Application(status=old)
    with pytest.raises(ServiceError):
        app.move_to(new)
    assert app.status == old


FROM_STATE = {"active": None, "suspended": "suspend", "ended": "end", "expelled": "expel"}


@pytest.mark.parametrize("start", MemberStatus.values)
@pytest.mark.parametrize("action", sorted(STATUS_KINDS))
def test_every_action_from_every_state_through_the_service(club, start: str, action: str) -> None:
    member = make_member(status=start, admitted_days_ago=400, card=False)
    decisions_before = MemberDecision.objects.filter(member=member).count()
    target = STATUS_KINDS[action][0]
    legal = target in MEMBER_MOVES[start]
    if legal:
        member_status_change(actor=None, number=member.number, action=action, reason="why")
        member.refresh_from_db()
        assert member.status == target
        assert MemberDecision.objects.filter(member=member).count() == decisions_before + 1
    else:
        with pytest.raises(ServiceError) as exc:
            member_status_change(actor=None, number=member.number, action=action, reason="why")
        assert exc.value.code == "ILLEGAL_STATUS_MOVE"
        member.refresh_from_db()
        assert member.status == start
        assert MemberDecision.objects.filter(member=member).count() == decisions_before


def test_a_move_needs_a_reason(club) -> None:
    member = make_member(card=False)
    with pytest.raises(ServiceError):
        member_status_change(actor=None, number=member.number, action="suspend", reason=" ")
    member.refresh_from_db()
    assert member.status == MemberStatus.ACTIVE


def test_resignation_waits_for_the_minimum_membership(club) -> None:
    set_rules("DE")  # 3 months minimum
    member = make_member(admitted_days_ago=10, card=False)
    decision = member_status_change(
        actor=None, number=member.number, action="resign", reason="leaving"
    )
    member.refresh_from_db()
    assert member.status == MemberStatus.ACTIVE
    assert member.ends_on == member.min_membership_until == decision.effective_on
    assert member_endings_apply(today=member.ends_on - dt.timedelta(days=1)) == 0
    assert member_endings_apply(today=member.ends_on) == 1
    member.refresh_from_db()
    assert member.status == MemberStatus.ENDED


def test_resignation_after_the_minimum_takes_effect_now(club) -> None:
    set_rules("DE")
    member = make_member(admitted_days_ago=200, card=False)
    member_status_change(actor=None, number=member.number, action="resign", reason="leaving")
    member.refresh_from_db()
    assert member.status == MemberStatus.ENDED
    assert member.ends_on == timezone.localdate()


def test_residence_leaving_the_country_ends_the_membership(club) -> None:
    member = make_member(card=False)
    member_status_change(
        actor=None, number=member.number, action="residence_left", reason="moved to Vienna"
    )
    member.refresh_from_db()
    assert member.status == MemberStatus.ENDED
    assert member.decisions.last().kind == MemberDecision.Kind.RESIDENCE_LEFT


def test_decisions_are_append_only(club) -> None:
    member = make_member(card=False)
    decision = member.decisions.get()
    decision.reason = "edited"
    with pytest.raises(AppendOnlyError):
        decision.save()
    with pytest.raises(AppendOnlyError):
        member.decisions.all().delete()


def test_forecast_history_is_kept_and_the_latest_counts(club) -> None:
    from members.selectors import member_by_number

    member = make_member(forecast="20", card=False)
    forecast_record(actor=member.user, number=member.number, grams_per_month="25,5")
    forecast_record(actor=member.user, number=member.number, grams_per_month="18")
    assert list(
        Forecast.objects.filter(member=member)
        .order_by("pk")
        .values_list("grams_per_month", flat=True)
    ) == [Decimal("20"), Decimal("25.5"), Decimal("18")]
    found = member_by_number(member.number)
    assert found is not None
    assert found.current_forecast == Decimal("18")  # type: ignore[attr-defined]


@pytest.mark.parametrize("grams", ["-5", "abc", "1e9", "2.555", "51"])
def test_bad_or_too_high_forecast_is_refused(club, grams: str) -> None:
    set_rules("DE")
    member = make_member(card=False)
    with pytest.raises(ServiceError):
        forecast_record(actor=member.user, number=member.number, grams_per_month=grams)
    assert Forecast.objects.filter(member=member).count() == 1


def test_demand_sums_the_forecasts_in_force(club) -> None:
    from members.selectors import demand_by_month

    make_member(forecast="20", card=False)
    make_member(forecast="30", card=False)
    ended = make_member(forecast="40", card=False)
    member_status_change(actor=None, number=ended.number, action="end", reason="x")
    rows = demand_by_month(first=timezone.localdate(), months=3)
    # The ended member still held a place at the start of this month, not in the next ones.
    assert rows[0]["grams"] == Decimal("90")
    assert rows[1]["grams"] == Decimal("50") and rows[1]["members"] == 2


def test_every_step_leaves_a_verifiable_chain(club) -> None:
    member = make_member()
    member_status_change(actor=None, number=member.number, action="suspend", reason="x")
    member_status_change(actor=None, number=member.number, action="reinstate", reason="y")
    result = audit_verify()
    assert result.ok, result.problems
