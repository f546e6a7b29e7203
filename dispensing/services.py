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
from django.db.models import Subquery
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
from harvests.services import lot_take, lot_take_refusal, stock_return, take_movement
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
STOCK_LEDGER_BROKEN = "STOCK_LEDGER_BROKEN"


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


class _Replayed(Exception):
    """Raised inside the dispensing's transaction, so that what it wrote is rolled back, when an
    idempotency key turns out to have made its dispensing already."""

    def __init__(self, earlier: Dispensing) -> None:
        super().__init__(earlier.pk)
        self.earlier = earlier


def _replayed(earlier: Dispensing) -> DispensingResult:
    return DispensingResult(
        earlier, quota_for(earlier.member, rulebook_get(), earlier.local_date), True
    )


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
    except _Replayed as replay:
        return _replayed(replay.earlier)
    except IntegrityError as exc:
        # the same key won a race a moment ago
        earlier = _replay(key, member_number=member_number, lot_code=lot_code, grams=amount)
        if earlier is not None:
            return _replayed(earlier)
        if "stock of lot" in str(exc):  # the database's check of the lot's balance
            raise StateConflict(
                STOCK_LEDGER_BROKEN,
                _(
                    "This lot's stock does not match its movements, so nothing was taken from "
                    "it. Use another lot and tell the board (audit_verify names the lot)."
                ),
            ) from exc
        raise


def _lock_member(member_number: int, key: str | None) -> Member:
    """Lock the member row; with an idempotency key, the same statement says whether a
    dispensing already has it (``member.earlier_id``)."""
    members = Member.objects.filter(number=member_number)
    if key:
        done = Dispensing.objects.filter(idempotency_key=key).values("pk")[:1]
        members = members.annotate(earlier_id=Subquery(done))
    return lock_one(members)


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
    """The statements, in order: the member's lock (with the key's earlier dispensing), the
    quota's sums, the lot's lock that takes the grams off its stock, the receipt number, the
    stock movement, the contribution's price, the dispensing, and one audit event (the chain
    head's lock, the event, the head). Nothing else reads or writes on the way."""
    club = club_get()
    if club is None:
        raise StateConflict("NO_CLUB", _("The club is not set up yet."))
    book = rulebook_get(club=club)
    member = _lock_member(member_number, key)
    if key and getattr(member, "earlier_id", None):
        earlier = _replay(key, member_number=member_number, lot_code=lot_code, grams=grams)
        if earlier is not None:
            return _replayed(earlier)
    card_scanned = False
    if card_token:
        if card_resolve(card_token).pk != member.pk:  # refuses forged, revoked, suspended
            raise ServiceError(CARD_MISMATCH, _("This card belongs to another member."))
        card_scanned = True
    now = at or timezone.now()
    on = club_now(club.timezone, now).date()
    quota = quota_for(member, book, on)
    lot = lot_take(lot_code, grams)  # locks the lot; its stock may go below zero until refused
    rules = refusals_for(quota, grams=grams, lot_thc=lot.thc_percent)
    # Order: the member, the card and ID check, the lot, the gram limits, then the stock.
    refusals = rules[: len(quota.blocking)]
    if book.id_check_every_dispensing and not id_checked:
        refusals.append((ID_NOT_CHECKED, _("Check the card and the official photo ID.")))
    lot_problem = _lot_refusal(lot, on)
    if lot_problem:
        refusals.append(lot_problem)
    refusals += rules[len(quota.blocking) :]
    short = lot_take_refusal(lot, grams)
    if short is not None:
        refusals.append((short.code, str(short.message)))
    if refusals:
        if key:  # a double click whose twin committed while this one waited for the member
            earlier = _replay(key, member_number=member_number, lot_code=lot_code, grams=grams)
            if earlier is not None:
                raise _Replayed(earlier)
        code, message = refusals[0]
        raise _refuse(code, message, refusals)
    receipt = next_value("receipt")
    movement, lot_status = take_movement(lot, grams, actor, member=member, reference=f"R{receipt}")
    per_gram = _per_gram(lot, on)
    dispensing = Dispensing.objects.create(
        receipt=receipt,
        member=member,
        lot=lot,
        grams=grams,
        strain_name=lot.strain_name,  # type: ignore[attr-defined]
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
    if _bookers:  # before the event, which then carries the booking's rows too
        _bookers["record"](dispensing)
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
            "movement": movement.pk,
            "stock_after": lot.stock,
            **({"lot_status": lot_status} if lot_status else {}),
        },
    )
    dispensing._state.fields_cache["reversal"] = None  # a new dispensing has no reversal
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
    if _bookers:  # before the event, which then carries the booking's rows too
        _bookers["reverse"](reversal)
    audit_record(
        actor=actor,
        action="dispensing.reverse",
        subject=original,
        payload={
            "receipt": receipt,
            "reversal": reversal.pk,
            "grams": original.grams,
            "movement": movement.pk,
        },
    )
    return reversal
