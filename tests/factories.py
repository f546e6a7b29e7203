"""Factories that build records through the services, so every record has its audit event."""

from __future__ import annotations

import itertools
import time
from typing import Any

import factory
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

from club.demo import DEMO_CLUB
from club.models import Club, User
from club.selectors import club_get
from club.services import club_create, user_create, user_totp_activate

TOTP_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
PASSWORD = "a-long-test-password-9"
_seq = itertools.count(1)


def totp_now(secret: str = TOTP_SECRET) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def make_club(**values: Any) -> Club:
    existing = club_get()
    if existing is not None:
        return existing
    return club_create(actor=None, **{**DEMO_CLUB, **values})


def make_user(
    *,
    roles: tuple[str, ...] = (),
    mfa: bool = False,
    email: str | None = None,
    password: str = PASSWORD,
    verified: bool = True,
    **names: Any,
) -> User:
    n = next(_seq)
    user = user_create(
        actor=None,
        email=email or f"user{n}-{time.monotonic_ns()}@test.example",
        password=password,
        first_name=names.get("first_name", f"First{n}"),
        last_name=names.get("last_name", f"Last{n}"),
        roles=tuple(str(r) for r in roles),
        email_verified=verified,
    )
    if mfa:
        user_totp_activate(actor=None, user=user, secret=TOTP_SECRET)
    return user


class UserFactory(factory.Factory):
    """factory_boy front for ``make_user`` (``UserFactory(roles=("board",), mfa=True)``)."""

    class Meta:
        model = User

    roles: tuple[str, ...] = ()
    mfa = False

    @classmethod
    def _create(cls, model_class: type, *args: Any, **kwargs: Any) -> User:
        return make_user(**kwargs)


# --- Members -----------------------------------------------------------------------------------


def auth_headers(user: Any) -> dict[str, str]:
    """Headers with a new personal API token of ``user``."""
    from club.services import api_token_create

    return {"Authorization": f"Bearer {api_token_create(user=user, name='t')[1]}"}


def set_rules(jurisdiction: str, **overrides: Any) -> Club:
    """Put the club under ``jurisdiction`` with these overrides."""
    from club.services import club_update

    club = make_club()
    return club_update(actor=None, jurisdiction=jurisdiction, overrides=overrides) or club


def born_years_ago(years: int, *, days: int = 0) -> Any:
    import datetime as dt

    from django.utils import timezone

    from members.rules import add_months

    return add_months(timezone.localdate(), -12 * years) - dt.timedelta(days=days)


def application_data(**overrides: Any) -> dict[str, Any]:
    import datetime as dt
    from decimal import Decimal

    n = next(_seq)
    data: dict[str, Any] = {
        "first_name": f"Ana{n}",
        "last_name": f"Applicant{n}",
        "date_of_birth": born_years_ago(30),
        "email": f"applicant{n}-{time.monotonic_ns()}@test.example",
        "address": "Teststraße 1, 10115 Berlin",
        "residence_country": "DE",
        "resident_since": dt.date(2015, 1, 1),
        "forecast_grams": Decimal("20"),
        "one_club_declared": True,
        "statutes_accepted": True,
        "privacy_accepted": True,
        "password": PASSWORD,
    }
    data.update(overrides)
    return data


def make_member(
    *,
    age: int = 30,
    admitted_days_ago: int = 400,
    status: str = "active",
    forecast: str = "20",
    card: bool = True,
    country: str = "DE",
    **names: Any,
) -> Any:
    """A member admitted ``admitted_days_ago`` days ago, through the members services."""
    import datetime as dt
    from decimal import Decimal

    from django.db import transaction
    from django.utils import timezone

    from members.models import MemberDecision
    from members.services import card_issue, member_register, member_status_change

    user = make_user(**names)
    with transaction.atomic():
        member = member_register(
            actor=None,
            user=user,
            admitted_on=timezone.localdate() - dt.timedelta(days=admitted_days_ago),
            kind=MemberDecision.Kind.ADMIT,
            reason="test",
            values={
                "first_name": user.first_name,
                "last_name": user.last_name,
                "date_of_birth": born_years_ago(age),
                "address": "Teststraße 1",
                "residence_country": country,
                "forecast_grams": Decimal(forecast),
            },
        )
    if card:
        card_issue(actor=None, number=member.number)
    action = {"suspended": "suspend", "ended": "end", "expelled": "expel"}.get(status)
    if action:
        member_status_change(actor=None, number=member.number, action=action, reason="test")
    member.refresh_from_db()
    return member


# --- Harvests ------------------------------------------------------------------------------------


def make_strain(name: str | None = None) -> Any:
    from harvests.services import strain_create

    return strain_create(
        actor=None,
        name=name or f"Strain {next(_seq)}",
        thc_min="8",
        thc_max="14",
        cbd_min="0.5",
        cbd_max="2",
    )


def make_harvest(
    *, strain: Any = None, wet: str = "1000", dry: str = "250", plants: int = 4, actor: Any = None
) -> Any:
    """A batch planned with a board decision (no demand needed), grown and harvested."""
    import datetime as dt

    from django.utils import timezone

    from harvests.services import batch_create, batch_move, harvest_record

    board = actor or make_user(roles=("board",), mfa=True)
    today = timezone.localdate()
    batch = batch_create(
        actor=board,
        strain_id=(strain or make_strain()).pk,
        plants=plants,
        started_on=today - dt.timedelta(days=120),
        period_start=today,
        period_end=today,
        expected_yield_grams=dry,
        decision_reason="test batch",
    )
    batch_move(actor=board, code=batch.code, to="vegetative")
    batch_move(actor=board, code=batch.code, to="flowering")
    return harvest_record(
        actor=board,
        batch_code=batch.code,
        harvested_on=today - dt.timedelta(days=20),
        wet_grams=wet,
        dry_grams=dry,
        dried_on=today - dt.timedelta(days=5),
    )


from decimal import Decimal  # noqa: E402


def make_lot(
    *,
    grams: str = "100",
    release: bool = True,
    harvest: Any = None,
    thc: str = "12.5",
    cbd: str = "1",
    best_before_days: int = 180,
    **kw: Any,
) -> Any:
    import datetime as dt

    from django.utils import timezone

    from harvests.services import lot_create, lot_release

    if harvest is None:
        dry = max(Decimal(grams), Decimal("250"))
        harvest = make_harvest(dry=str(dry), wet=str(dry * 4), **kw)
    lot = lot_create(
        actor=None,
        harvest_id=harvest.pk,
        product_type="flower",
        grams=grams,
        best_before=timezone.localdate() + dt.timedelta(days=best_before_days),
        thc_percent=thc,
        cbd_percent=cbd,
    )
    if release:
        lot_release(actor=None, code=lot.code)
        lot.refresh_from_db()
    return lot


def dispense(
    member: Any,
    lot: Any,
    grams: str,
    *,
    at: Any = None,
    key: str | None = None,
    id_checked: bool = True,
) -> Any:
    from dispensing.services import dispensing_record

    return dispensing_record(
        actor=None,
        member_number=member.number,
        lot_code=lot.code,
        grams=grams,
        id_checked=id_checked,
        idempotency_key=key,
        at=at,
    )


# --- Governance ---------------------------------------------------------------------------------


def make_assembly(
    *,
    days_ahead: int = 30,
    mode: str = "in_person",
    items: int = 2,
    convene: bool = True,
    open_: bool = True,
) -> Any:
    import datetime as dt

    from django.utils import timezone

    from governance.services import (
        agenda_item_add,
        assembly_convene,
        assembly_create,
        assembly_open,
    )

    assembly = assembly_create(
        actor=None,
        title="General assembly",
        kind="ordinary",
        mode=mode,
        starts_at=timezone.now() + dt.timedelta(days=days_ahead),
        place="Club room",
        online_info="Video link in the portal",
    )
    for i in range(items):
        agenda_item_add(actor=None, assembly_id=assembly.pk, title=f"Item {i + 1}")
    if convene:
        assembly_convene(actor=None, assembly_id=assembly.pk)
    if open_:
        assembly_open(actor=None, assembly_id=assembly.pk)
    assembly.refresh_from_db()
    return assembly
