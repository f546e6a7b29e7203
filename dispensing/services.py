"""The one way to record a dispensing, and its reversal.

``dispensing_record`` locks the member row, then the lot row (always in that order, so two
counters never deadlock), checks every rule at commit time, and writes the stock movement, the
dispensing and the audit event together, or nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from club import errors
from club.audit import audit_record
from club.errors import ServiceError, StateConflict
from club.quantities import exact, parse_grams
from club.selectors import club_get, rulebook_get
from club.sequences import next_value
from club.services import lock_one
from dispensing.models import Dispensing, Reversal
from dispensing.quotas import (
    ID_NOT_CHECKED,
    LOT_EXPIRED,
    LOT_NOT_RELEASED,
    LOT_RECALLED,
    Quota,
    club_now,
    quota_for,
    refusals_for,
)
from harvests.models import Lot, LotStatus
from harvests.services import stock_return, stock_withdraw
from members.cards import card_resolve
from members.models import Member

# The contribution per gram of a lot comes from the finance app, which sits above this one; it
# registers a provider here. Without one the club charges flat fees: the contribution is zero.
ContributionProvider = Callable[[Lot, dt.date], Decimal]
_contribution_provider: list[ContributionProvider] = []
# The money side of a dispensing and of its reversal is booked by the finance app, inside the
# dispensing's own transaction, through these hooks (nothing is booked without them).
Booker = Callable[[Any], Any]
_bookers: dict[str, Booker] = {}


def set_contribution_provider(provider: ContributionProvider | None) -> None:
    _contribution_provider.clear()
    if provider is not None:
        _contribution_provider.append(provider)


def set_bookers(*, record: Booker | None, reverse: Booker | None) -> None:
    """Finance registers ``record(dispensing)`` and ``reverse(reversal)``; both run inside the
    dispensing's transaction, so a dispensing and its booking commit together or not at all."""
    _bookers.clear()
    if record is not None and reverse is not None:
        _bookers.update(record=record, reverse=reverse)


def _per_gram(lot: Lot, on: dt.date) -> Decimal:
    if not _contribution_provider:
        return Decimal("0.00")
    return exact(_contribution_provider[0](lot, on))


@dataclass
class DispensingResult:
    dispensing: Dispensing
    quota: Quota
    replayed: bool  # True when an idempotency key returned an earlier dispensing


def _refuse(code: str, message: str, refusals: list[tuple[str, str]] | None = None) -> ServiceError:
    return ServiceError(
        code, message, fields={"refusals": [f"{c}: {m}" for c, m in (refusals or [])]}
    )


def _lot_refusal(lot: Lot, on: dt.date) -> tuple[str, str] | None:
    if lot.status == LotStatus.RECALLED:
        return LOT_RECALLED, _("This lot was recalled.")
    if lot.status != LotStatus.RELEASED:
        return LOT_NOT_RELEASED, _("This lot is not released.")
    if lot.best_before <= on:
        return LOT_EXPIRED, _("This lot is past its best-before date.")
    return None


IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
LOT_REQUIRED = "LOT_REQUIRED"
CARD_MISMATCH = "CARD_MISMATCH"


def _replay(
    key: str | None, *, member_number: int, lot_code: str, grams: Decimal
) -> Dispensing | None:
    """The dispensing an idempotency key already made, if the request is the same; a key reused
    for another member, lot or amount is refused (as payment APIs do), never answered with the
    other dispensing."""
    if not key:
        return None
    earlier = Dispensing.objects.select_related("member", "lot").filter(idempotency_key=key).first()
    if earlier is not None and (
        earlier.member.number != member_number
        or earlier.lot.code != lot_code
        or earlier.grams != grams
    ):
        raise StateConflict(
            IDEMPOTENCY_KEY_REUSED,
            _("This idempotency key was already used for another dispensing."),
        )
    return earlier


def dispensing_record(
    *,
    actor: Any,
    member_number: int,
    lot_code: str,
    grams: Any,
    id_checked: bool,
    idempotency_key: str | None = None,
    card_token: str | None = None,
    at: dt.datetime | None = None,
) -> DispensingResult:
    """Record a dispensing if every rule holds at commit time, else raise the first refusal's
    code (all refusals are listed in ``fields["refusals"]``) and write nothing.

    A repeated ``idempotency_key`` with the same member, lot and grams returns the first
    dispensing and writes nothing; with anything else it is refused (``IDEMPOTENCY_KEY_REUSED``).
    A ``card_token`` is resolved here (forged, revoked and suspended cards are refused with their
    codes) and must belong to the member; only then is the dispensing marked ``card_scanned``.
    Locks: the member row, then the lot row. ``at`` is for importing history only.
    """
    amount = parse_grams(grams, allow_zero=False, maximum=Decimal("1000"))
    lot_code = (lot_code or "").strip()[:20]
    if not lot_code:
        raise ServiceError(LOT_REQUIRED, _("Choose a lot."), fields={"lot": [_("Choose a lot.")]})
    key = (idempotency_key or "").strip()[:100] or None
    earlier = _replay(key, member_number=member_number, lot_code=lot_code, grams=amount)
    if earlier is not None:
        return DispensingResult(
            earlier, quota_for(earlier.member, rulebook_get(), earlier.local_date), True
        )
    try:
        return _record(
            actor=actor,
            member_number=member_number,
            lot_code=lot_code,
            grams=amount,
            id_checked=id_checked,
            key=key,
            card_token=card_token,
            at=at,
        )
    except IntegrityError:
        # the same key won a race a moment ago
        earlier = _replay(key, member_number=member_number, lot_code=lot_code, grams=amount)
        if earlier is None:
            raise
        return DispensingResult(
            earlier, quota_for(earlier.member, rulebook_get(), earlier.local_date), True
        )


@transaction.atomic
def _record(
    *,
    actor: Any,
    member_number: int,
    lot_code: str,
    grams: Decimal,
    id_checked: bool,
    key: str | None,
    card_token: str | None,
    at: dt.datetime | None,
) -> DispensingResult:
    club = club_get()
    if club is None:
        raise StateConflict("NO_CLUB", _("The club is not set up yet."))
    book = rulebook_get(club=club)
    member = lock_one(Member.objects.filter(number=member_number))
    earlier = _replay(key, member_number=member_number, lot_code=lot_code, grams=grams)
    if earlier is not None:  # checked again under the member lock
        return DispensingResult(earlier, quota_for(member, book, earlier.local_date), True)
    card_scanned = False
    if card_token:
        if card_resolve(card_token).pk != member.pk:  # refuses forged, revoked, suspended
            raise ServiceError(CARD_MISMATCH, _("This card belongs to another member."))
        card_scanned = True
    lot = lock_one(Lot.objects.select_related("harvest__batch__strain").filter(code=lot_code))
    now = at or timezone.now()
    on = club_now(club.timezone, now).date()
    quota = quota_for(member, book, on)
    rules = refusals_for(quota, grams=grams, lot_thc=lot.thc_percent)
    # Order: the member, the card and ID check, the lot, then the gram limits.
    refusals = rules[: len(quota.blocking)]
    if book.id_check_every_dispensing and not id_checked:
        refusals.append((ID_NOT_CHECKED, _("Check the card and the official photo ID.")))
    lot_problem = _lot_refusal(lot, on)
    if lot_problem:
        refusals.append(lot_problem)
    refusals += rules[len(quota.blocking) :]
    if refusals:
        code, message = refusals[0]
        raise _refuse(code, message, refusals)
    receipt = next_value("receipt")
    movement = stock_withdraw(
        actor=actor, code=lot.code, grams=grams, member=member, reference=f"R{receipt}"
    )  # refuses STOCK_SHORT under the lot lock
    per_gram = _per_gram(lot, on)
    dispensing = Dispensing.objects.create(
        receipt=receipt,
        member=member,
        lot=lot,
        grams=grams,
        strain_name=lot.harvest.batch.strain.name,
        thc_percent=lot.thc_percent,
        cbd_percent=lot.cbd_percent,
        contribution_per_gram=per_gram,
        contribution=exact(per_gram * grams),
        currency=club.currency,
        id_checked=id_checked,
        card_scanned=card_scanned,
        dispensed_at=now,
        local_date=on,
        counter_user=actor if getattr(actor, "is_authenticated", False) else None,
        idempotency_key=key,
        stock_movement=movement,
    )
    audit_record(
        actor=actor,
        action="dispensing.create",
        subject=dispensing,
        payload={
            "receipt": receipt,
            "member": member.number,
            "lot": lot.code,
            "grams": grams,
            "contribution": dispensing.contribution,
            "local_date": on,
        },
    )
    if _bookers:
        _bookers["record"](dispensing)
    quota.used_day += grams
    quota.used_month += grams
    quota.used_year += grams
    return DispensingResult(dispensing, quota, False)


@transaction.atomic
def dispensing_reverse(*, actor: Any, receipt: int, reason: str) -> Reversal:
    """Reverse a dispensing with a reason: stock and quota come back; the original stays as it
    was. Locks the member row, then the lot row; a dispensing is reversed at most once."""
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(
            errors.INVALID_INPUT,
            _("Give a reason."),
            status=400,
            fields={"reason": [_("Give a reason.")]},
        )
    original = Dispensing.objects.select_related("member", "lot").filter(receipt=receipt).first()
    if original is None:
        raise errors.not_found()
    lock_one(Member.objects.filter(pk=original.member_id))
    if Reversal.objects.filter(dispensing=original).exists():
        raise StateConflict("ALREADY_REVERSED", _("This dispensing was already reversed."))
    movement = stock_return(
        actor=actor,
        code=original.lot.code,
        grams=original.grams,
        member=original.member,
        reference=f"R{receipt}",
        reason=reason,
    )
    reversal = Reversal.objects.create(
        dispensing=original,
        reason=reason,
        reversed_by=actor,
        reversed_at=timezone.now(),
        stock_movement=movement,
    )
    audit_record(
        actor=actor,
        action="dispensing.reverse",
        subject=original,
        payload={"receipt": receipt, "reversal": reversal.pk, "grams": original.grams},
    )
    if _bookers:
        _bookers["reverse"](reversal)
    return reversal
