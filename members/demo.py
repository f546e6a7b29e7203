"""Demo members in every state: young adults, one still in the waiting period, a suspended, an
ended, an expelled and a resigning member, and open applications."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from club.demo import DEMO_USERS
from club.models import User
from members.models import Application, Member, MemberDecision
from members.rules import add_months
from members.services import (
    application_decide,
    application_submit,
    card_issue,
    identity_check_record,
    member_register,
    member_status_change,
)


def _born(today: dt.date, years: int, days: int = 0) -> dt.date:
    return add_months(today, -12 * years) - dt.timedelta(days=days)


# (email, first, last, age in years, extra days, admitted days ago, forecast, then)
EXTRA = [
    ("lena.jung@csc.example", "Lena", "Jung", 18, 40, 120, "20", None),
    ("jonas.klein@csc.example", "Jonas", "Klein", 20, 200, 300, "25", None),
    ("mia.neu@csc.example", "Mia", "Neu", 34, 10, 3, "15", None),
    ("paul.pause@csc.example", "Paul", "Pause", 45, 0, 500, "30", "suspend"),
    ("erik.ende@csc.example", "Erik", "Ende", 52, 0, 700, "10", "end"),
    ("xaver.aus@csc.example", "Xaver", "Aus", 29, 0, 600, "40", "expel"),
    ("rita.rueck@csc.example", "Rita", "Rück", 38, 0, 30, "12", "resign"),
]
APPLICANTS = [
    ("sara.antrag@csc.example", "Sara", "Antrag", 27, "18", True),
    ("tim.offen@csc.example", "Tim", "Offen", 31, "22", False),
]


def seed_members() -> None:
    today = timezone.localdate()
    board = User.objects.get(email=DEMO_USERS[0][1])
    people = [
        (email, first, last, 40 + i, 0, 400, "20", None)
        for i, (_role, email, _pw, first, last) in enumerate(DEMO_USERS)
    ] + EXTRA
    for email, first, last, years, days, ago, grams, then in people:
        user = User.objects.filter(email=email).first()
        if user is not None and Member.objects.filter(user=user).exists():
            continue
        if user is None:
            from club.services import user_create

            user = user_create(
                actor=None,
                email=email,
                password=f"demo-{first.lower()}-2026",
                first_name=first,
                last_name=last,
                email_verified=True,
            )
        member = member_register(
            actor=board,
            user=user,
            admitted_on=today - dt.timedelta(days=ago),
            kind=MemberDecision.Kind.ADMIT,
            reason="Demo member",
            values={
                "first_name": first,
                "last_name": last,
                "date_of_birth": _born(today, years, days),
                "address": "Musterstraße 1, 10115 Berlin",
                "residence_country": "DE",
                "forecast_grams": Decimal(grams),
            },
        )
        card_issue(actor=board, number=member.number)
        if then == "resign":
            member_status_change(
                actor=board, number=member.number, action="resign", reason="Moving away next season"
            )
        elif then:
            member_status_change(
                actor=board, number=member.number, action=then, reason="Demo decision"
            )
    for email, first, last, years, grams, checked in APPLICANTS:
        if Application.objects.filter(email=email).exists():
            continue
        app = application_submit(
            first_name=first,
            last_name=last,
            date_of_birth=_born(today, years),
            email=email,
            address="Beispielweg 2, 10117 Berlin",
            residence_country="DE",
            resident_since=add_months(today, -60),
            forecast_grams=Decimal(grams),
            one_club_declared=True,
            statutes_accepted=True,
            privacy_accepted=True,
            password=f"demo-{first.lower()}-2026",
        )
        if checked:
            identity_check_record(
                actor=board,
                application_id=app.pk,
                document_type="id_card",
                document_last_digits="4711",
                age_confirmed=True,
                residence_confirmed=True,
            )
    if not Application.objects.filter(email="rolf.nein@csc.example").exists():
        app = application_submit(
            first_name="Rolf",
            last_name="Nein",
            date_of_birth=_born(today, 33),
            email="rolf.nein@csc.example",
            address="Weg 3, 10119 Berlin",
            residence_country="DE",
            resident_since=add_months(today, -24),
            forecast_grams=Decimal("50"),
            one_club_declared=True,
            statutes_accepted=True,
            privacy_accepted=True,
        )
        application_decide(
            actor=board, application_id=app.pk, approve=False, reason="Member of another club"
        )
