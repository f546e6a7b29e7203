"""Every write of the club app. Each runs in one transaction and writes its audit event."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any, TypeVar

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from club import errors
from club.audit import audit_record
from club.errors import ServiceError, StateConflict
from club.models import ApiToken, Club, User
from club.roles import ALL_ROLES, STAFF_ROLES, has_mfa, user_roles
from club.rulebook import check_overrides
from club.selectors import api_token_days, club_remember, password_stamp
from club.selectors import token_digest as _digest
from club.validation import name_problem, refusal_from

M = TypeVar("M", bound=models.Model)

CLUB_FIELDS = (
    "name",
    "legal_form",
    "register_number",
    "address",
    "timezone",
    "currency",
    "language",
    "jurisdiction",
    "trends_min_group",
    "api_token_days",
)


def lock_one(queryset: QuerySet[M]) -> M:
    """The one row of ``queryset``, locked until the transaction ends; 404 when there is none."""
    found = queryset.select_for_update(of=("self",)).first()
    if found is None:
        raise errors.not_found()
    return found


def _checked_overrides(jurisdiction: str, overrides: dict[str, Any]) -> dict[str, Any]:
    clean, problems = check_overrides(jurisdiction, overrides)
    if problems:
        raise ServiceError(
            errors.RULEBOOK_OVERRIDE_LOOSER,
            errors.MESSAGES[errors.RULEBOOK_OVERRIDE_LOOSER],
            fields=problems,
        )
    return clean


@transaction.atomic
def club_create(*, actor: Any, overrides: dict[str, Any] | None = None, **values: Any) -> Club:
    """Create the club (there is only one). Refuses a second club and looser overrides."""
    if Club.objects.select_for_update().exists():
        raise StateConflict("CLUB_EXISTS", _("This installation already runs a club."))
    club = Club(**{k: values[k] for k in CLUB_FIELDS if k in values})
    club.rule_overrides = _checked_overrides(club.jurisdiction, overrides or {})
    try:
        club.full_clean()
    except ValidationError as exc:
        raise refusal_from(exc) from exc
    club.save()
    audit_record(
        actor=actor,
        action="club.create",
        subject=club,
        payload={
            **{k: getattr(club, k) for k in CLUB_FIELDS},
            "rule_overrides": club.rule_overrides,
        },
    )
    club_remember(club)
    return club


@transaction.atomic
def club_update(*, actor: Any, overrides: dict[str, Any] | None = None, **values: Any) -> Club:
    """Change the club's settings and rule overrides.

    Locks the club row. Overrides are checked against the (possibly new) jurisdiction's preset;
    a looser one refuses the whole change with ``RULEBOOK_OVERRIDE_LOOSER`` and writes nothing.
    """
    club = Club.objects.select_for_update().get()
    before = {k: getattr(club, k) for k in CLUB_FIELDS} | {"rule_overrides": club.rule_overrides}
    for key in CLUB_FIELDS:
        if key in values:
            setattr(club, key, values[key])
    if overrides is not None:
        club.rule_overrides = overrides
    club.rule_overrides = _checked_overrides(club.jurisdiction, club.rule_overrides)
    try:
        club.full_clean()
    except ValidationError as exc:
        raise refusal_from(exc) from exc
    after = {k: getattr(club, k) for k in CLUB_FIELDS} | {"rule_overrides": club.rule_overrides}
    changed = {k: {"from": before[k], "to": after[k]} for k in after if before[k] != after[k]}
    if not changed:
        return club
    club.save()
    audit_record(actor=actor, action="club.update", subject=club, payload={"changed": changed})
    club_remember(club)
    return club


@transaction.atomic
def user_create(
    *,
    actor: Any,
    email: str,
    password: str | None,
    first_name: str = "",
    last_name: str = "",
    roles: tuple[str, ...] = (),
    email_verified: bool = False,
) -> User:
    """Create a sign-in for a person, with roles and their allauth e-mail address."""
    from allauth.account.models import EmailAddress

    email = email.strip().lower()  # allauth stores and looks up addresses in lower case
    if User.objects.filter(email__iexact=email).exists():
        raise StateConflict("EMAIL_TAKEN", _("A user with this e-mail address already exists."))
    for field, value in (("first_name", first_name), ("last_name", last_name)):
        problem = name_problem(value)
        if problem:
            raise ServiceError(errors.INVALID_INPUT, problem, status=400, fields={field: [problem]})
    user = User(email=email, first_name=first_name, last_name=last_name)
    user.set_password(password)
    try:
        user.full_clean()
    except ValidationError as exc:
        raise refusal_from(exc) from exc
    user.save()
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=email_verified)
    audit_record(actor=actor, action="user.create", subject=user, payload={})
    if roles:
        user_roles_set(actor=actor, user=user, roles=roles)
    return user


@transaction.atomic
def user_roles_set(*, actor: Any, user: User, roles: tuple[str, ...]) -> None:
    """Give ``user`` exactly ``roles``. Locks the user row."""
    unknown = set(roles) - {r.value for r in ALL_ROLES}
    if unknown:
        raise ServiceError(errors.INVALID_INPUT, _("Unknown role."), status=400)
    User.objects.select_for_update().filter(pk=user.pk).get()
    before = sorted(user_roles(user))
    # The groups come from a migration; get_or_create also covers a database flushed since.
    groups = [Group.objects.get_or_create(name=name)[0] for name in roles]
    user.groups.set(groups)
    user.__dict__.pop("_csc_roles", None)
    after = sorted(roles)
    if before != after:
        audit_record(
            actor=actor, action="user.roles", subject=user, payload={"from": before, "to": after}
        )


@transaction.atomic
def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """A new personal token; returns it with its plain text, which is never stored.

    Staff roles must have MFA first (API.md), since a token carries their role.
    """
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ServiceError(
            errors.INVALID_INPUT,
            _("Give the token a name (at most 100 characters)."),
            status=400,
            fields={"name": [str(_("This field is required."))]},
        )
    if user_roles(user) & STAFF_ROLES and not has_mfa(user):
        raise ServiceError(errors.MFA_REQUIRED, errors.MESSAGES[errors.MFA_REQUIRED], status=403)
    plain = "csc_" + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        name=name,
        prefix=plain[:12],
        digest=_digest(plain),
        expires_at=timezone.now() + dt.timedelta(days=api_token_days()),
        password_stamp=password_stamp(user),
    )
    token.save()
    audit_record(actor=user, action="apitoken.create", subject=token, payload={"user": user.pk})
    return token, plain


@transaction.atomic
def api_token_revoke(*, user: User, token_id: int) -> ApiToken:
    """Revoke one of the user's own tokens (someone else's is not found)."""
    token = lock_one(ApiToken.objects.filter(pk=token_id, user=user))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(actor=user, action="apitoken.revoke", subject=token, payload={})
    return token


def api_tokens_revoke_all(*, actor: Any, user: Any, reason: str) -> int:
    """Revoke every live token of ``user`` (their membership ended), in the caller's
    transaction. Returns how many."""
    live = ApiToken.objects.select_for_update().filter(user=user, revoked_at__isnull=True)
    ids = list(live.values_list("pk", flat=True))
    if ids:
        ApiToken.objects.filter(pk__in=ids).update(revoked_at=timezone.now())
        audit_record(
            actor=actor,
            action="apitoken.revoke_all",
            subject=user,
            payload={"tokens": ids, "reason": reason},
        )
    return len(ids)


@transaction.atomic
def user_totp_activate(*, actor: Any, user: User, secret: str) -> None:
    """Give ``user`` a TOTP authenticator with ``secret`` (demo and tests; people use the MFA page).

    Does nothing if the user has one already.
    """
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP

    User.objects.select_for_update().filter(pk=user.pk).get()
    if Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        return
    TOTP.activate(user, secret)
    user.__dict__.pop("_csc_has_mfa", None)
    audit_record(actor=actor, action="mfa.totp_activate", subject=user, payload={})


def security_event_record(*, user: Any, action: str) -> None:
    """Audit a sign-in security change that allauth wrote (MFA, password, e-mail confirmation)."""
    with transaction.atomic():
        audit_record(actor=user, action=action, subject=user, payload={})


def records_anchor(*, actor: Any) -> dict[str, int]:
    """Put on the chain every covered row it has no digest for, in one ``audit.anchor`` event:
    the rows of a database from before record digests (issue 12), or of a table that became
    covered. A row whose digest differs from the recorded one is never anchored (that is an edit
    behind the app's back; ``audit_verify`` keeps naming it). Counts anchored rows by table."""
    from club import digests
    from club.audit import _lock_head
    from club.chainmath import recorded_digests
    from club.models import AuditEvent

    with transaction.atomic():
        _lock_head()  # no event is written while the rows are read
        recorded: dict[str, tuple[int, str]] = {}
        events = AuditEvent.objects.filter(payload__contains='"records":').order_by("seq")
        for seq, payload in events.values_list("seq", "payload").iterator(chunk_size=2000):
            recorded_digests(seq, payload, recorded)
        counts: dict[str, int] = {}
        for model in digests.covered_models():
            pk_name = model._meta.pk.attname
            missing = [
                row[pk_name]
                for row in digests.live_rows(model)
                if digests.key(model, row[pk_name]) not in recorded
            ]
            if missing:
                digests.register_rows(model, missing)
                counts[model._meta.db_table] = len(missing)
        if counts:
            audit_record(
                actor=actor,
                action="audit.anchor",
                subject=("club.auditchainhead", 1),
                payload={"rows": sum(counts.values()), "tables": counts},
            )
    return counts
