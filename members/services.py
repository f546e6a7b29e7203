"""Every write of the members app: one transaction each, with its audit event.

Locks: a service that checks the member cap locks the club row first (one admission at a time);
one that changes a member or an application locks that row.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from club import digests, errors
from club.audit import audit_record
from club.errors import ServiceError, StateConflict
from club.models import Club, User
from club.quantities import parse_grams
from club.roles import Role, user_roles
from club.selectors import rulebook_get
from club.sequences import next_value
from club.services import api_tokens_revoke_all, lock_one, user_create, user_roles_set
from club.validation import name_problem
from members import mail
from members.models import (
    APPLICATION_MOVES,
    Application,
    ApplicationDecision,
    ApplicationStatus,
    CardIssue,
    DocumentType,
    Forecast,
    IdentityCheck,
    Member,
    MemberDecision,
    MemberStatus,
)
from members.rules import (
    EMAIL_TAKEN,
    SPONSOR_REQUIRED,
    SPONSOR_TOO_NEW,
    SPONSOR_UNKNOWN,
    Problem,
    add_months,
    admission_problems,
    monthly_cap,
    sponsor_needed,
)

TEXT_VERSION = "2026-1"  # version of the statutes, privacy notice and declaration texts
PLACE_HOLDING = (MemberStatus.ACTIVE, MemberStatus.SUSPENDED)


def _today() -> dt.date:
    return timezone.localdate()


def _refuse(problems: dict[str, list[Any]]) -> ServiceError:
    first = next(iter(problems.values()))[0]
    return ServiceError(
        first.code, first.message, fields={k: [p.message for p in v] for k, v in problems.items()}
    )


def _lock_club() -> None:
    Club.objects.select_for_update().first()


def _capacity_left() -> int | None:
    cap = rulebook_get().max_members
    if cap is None:
        return None
    return cap - Member.objects.filter(status__in=PLACE_HOLDING).count()


def _sponsor(number: Any) -> Member | None:
    try:
        return Member.objects.filter(number=int(number)).first()
    except (TypeError, ValueError):
        return None


def _queue(app: Application) -> None:
    """Move a complete application to the board, or to the waiting list when the club is full."""
    left = _capacity_left()
    full = left is not None and left <= 0
    app.move_to(ApplicationStatus.WAITLISTED if full else ApplicationStatus.SUBMITTED)
    app.queued_at = timezone.now()


def _record_waitlisting(app: Application) -> None:
    """After saving a queued application: the waiting list is a decision too."""
    if app.status == ApplicationStatus.WAITLISTED:
        ApplicationDecision.objects.create(
            application=app,
            kind=ApplicationDecision.Kind.WAITLIST,
            reason=_("The club has reached its member cap."),
            decided_by=None,
            decided_at=timezone.now(),
        )


class AddressTaken(ServiceError):
    """The address of an application already has a sign-in (and nothing else was wrong)."""

    status = 409

    def __init__(self, email: str) -> None:
        super().__init__(EMAIL_TAKEN, _("This e-mail address is already registered."))
        self.email = email


def application_apply(**values: Any) -> None:
    """The public way to apply (the page and the API). It answers an address that already has a
    sign-in exactly as a new application, so nobody learns who is a member (as the password reset
    does): nothing is written and the address gets a mail saying what happened."""
    try:
        application_submit(**values)
    except AddressTaken as taken:
        email = taken.email
        language = values.get("language") or settings.LANGUAGE_CODE
        transaction.on_commit(lambda: mail.application_email_taken(email, language))


@transaction.atomic
def application_submit(
    *,
    first_name: str,
    last_name: str,
    date_of_birth: dt.date,
    email: str,
    address: str,
    residence_country: str,
    resident_since: dt.date,
    forecast_grams: Decimal | None,
    one_club_declared: bool,
    statutes_accepted: bool,
    privacy_accepted: bool,
    therapeutic_use: bool = False,
    sponsor_number: Any = None,
    password: str | None = None,
    language: str = "en",
) -> Application:
    """Take an application, create the applicant's sign-in (unverified) and queue it.

    Refuses with the rule's code and writes nothing. Locks the club row, so the member cap is
    checked one application at a time. An address that already has a sign-in is refused last,
    alone (``AddressTaken``), only when nothing else is wrong; public channels go through
    ``application_apply``, which answers it like any other application.
    """
    _lock_club()
    book = rulebook_get()
    today = _today()
    data = {
        "date_of_birth": date_of_birth,
        "residence_country": residence_country,
        "resident_since": resident_since,
        "forecast_grams": forecast_grams,
        "one_club_declared": one_club_declared,
        "statutes_accepted": statutes_accepted,
        "privacy_accepted": privacy_accepted,
    }
    problems = admission_problems(book, data, today=today)
    email = (email or "").strip().lower()
    email_taken = User.objects.filter(email__iexact=email).exists()
    for field, value in (
        ("first_name", first_name),
        ("last_name", last_name),
        ("address", address),
    ):
        if not (value or "").strip():
            problems.setdefault(field, []).append(
                Problem(errors.INVALID_INPUT, _("This field is required."))
            )
        elif field != "address" and name_problem(value):
            problems.setdefault(field, []).append(
                Problem(errors.INVALID_INPUT, str(name_problem(value)))
            )
    sponsor = None
    if sponsor_needed(book, therapeutic=therapeutic_use):
        if sponsor_number in (None, ""):
            problems.setdefault("sponsor_number", []).append(
                Problem(SPONSOR_REQUIRED, _("A member must endorse the application."))
            )
        else:
            sponsor = _sponsor(sponsor_number)
            if sponsor is None or sponsor.status != MemberStatus.ACTIVE:
                problems.setdefault("sponsor_number", []).append(
                    Problem(SPONSOR_UNKNOWN, _("No active member has this number."))
                )
            elif sponsor.admitted_on > add_months(today, -book.sponsor_min_membership_months):
                problems.setdefault("sponsor_number", []).append(
                    Problem(
                        SPONSOR_TOO_NEW,
                        _("The sponsor must have been a member for at least %(months)s months.")
                        % {"months": book.sponsor_min_membership_months},
                    )
                )
    if problems:
        raise _refuse(problems)
    if email_taken:
        raise AddressTaken(email)
    if forecast_grams is None:
        forecast_grams = Decimal("0")
    user = user_create(
        actor=None,
        email=email,
        password=password,
        first_name=first_name,
        last_name=last_name,
        email_verified=False,
    )
    now = timezone.now()
    app = Application(
        user=user,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        date_of_birth=date_of_birth,
        email=email,
        address=address.strip(),
        residence_country=residence_country.upper(),
        resident_since=resident_since,
        therapeutic_use=therapeutic_use,
        sponsor=sponsor,
        forecast_grams=forecast_grams,
        one_club_declared_at=now if one_club_declared else None,
        one_club_text_version=TEXT_VERSION if one_club_declared else "",
        statutes_accepted_at=now,
        statutes_version=TEXT_VERSION,
        privacy_accepted_at=now,
        privacy_version=TEXT_VERSION,
        status=ApplicationStatus.AWAITING_SPONSOR,
        language=language if language in ("en", "de", "es", "fr") else "",
    )
    if sponsor is None:
        _queue(app)
    app.full_clean()
    app.save()
    _record_waitlisting(app)
    audit_record(
        actor=user,
        action="application.create",
        subject=app,
        payload={
            "status": app.status,
            "sponsor": sponsor.number if sponsor else None,
            "forecast_grams": forecast_grams,
            "therapeutic": therapeutic_use,
        },
    )
    transaction.on_commit(lambda: mail.application_received(app.pk, language))
    if sponsor is not None:
        transaction.on_commit(lambda: mail.sponsor_asked(app.pk))
    return app


def _lock_application(application_id: int) -> Application:
    return lock_one(Application.objects.filter(pk=application_id))


@transaction.atomic
def application_sponsor_respond(
    *, sponsor_user: Any, application_id: int, confirm: bool, reason: str = ""
) -> Application:
    """The sponsor confirms or declines. Only the named sponsor may; others get 404.

    Locks the club row (cap check) and the application.
    """
    _lock_club()
    app = _lock_application(application_id)
    sponsor = getattr(sponsor_user, "member", None)
    if sponsor is None or app.sponsor_id != sponsor.pk:
        raise errors.not_found()
    if app.status != ApplicationStatus.AWAITING_SPONSOR:
        raise StateConflict("ALREADY_ANSWERED", _("This endorsement was already answered."))
    now = timezone.now()
    if confirm:
        app.sponsor_confirmed_at = now
        _queue(app)
        kind = ApplicationDecision.Kind.SPONSOR_CONFIRM
    else:
        app.move_to(ApplicationStatus.REJECTED)
        kind = ApplicationDecision.Kind.SPONSOR_DECLINE
    app.save()
    ApplicationDecision.objects.create(
        application=app, kind=kind, reason=reason, decided_by=sponsor_user, decided_at=now
    )
    _record_waitlisting(app)
    audit_record(
        actor=sponsor_user,
        action=f"application.{kind}",
        subject=app,
        payload={"status": app.status},
    )
    return app


@transaction.atomic
def identity_check_record(
    *,
    actor: Any,
    application_id: int,
    document_type: str,
    document_last_digits: str,
    age_confirmed: bool,
    residence_confirmed: bool,
) -> IdentityCheck:
    """Record that staff saw the applicant's official photo ID. No scan is kept.

    Locks the application.
    """
    app = _lock_application(application_id)
    if app.status not in (
        ApplicationStatus.SUBMITTED,
        ApplicationStatus.WAITLISTED,
        ApplicationStatus.AWAITING_SPONSOR,
    ):
        raise StateConflict("APPLICATION_CLOSED", _("This application is closed."))
    digits = (document_last_digits or "").strip().upper()
    if document_type not in DocumentType.values:
        raise ServiceError(
            errors.INVALID_INPUT,
            _("Choose the type of document."),
            status=400,
            fields={"document_type": [_("Choose the type of document.")]},
        )
    check = IdentityCheck(
        application=app,
        document_type=document_type,
        document_last_digits=digits,
        age_confirmed=bool(age_confirmed),
        residence_confirmed=bool(residence_confirmed),
        checked_by=actor,
        checked_at=timezone.now(),
    )
    from django.core.exceptions import ValidationError

    try:
        check.full_clean()
    except ValidationError as exc:
        raise ServiceError(
            errors.INVALID_INPUT,
            _("Enter the last 2 to 4 letters or digits of the document."),
            status=400,
            fields={k: [str(m) for m in v] for k, v in exc.message_dict.items()},
        ) from exc
    check.save()
    audit_record(
        actor=actor,
        action="application.identity_check",
        subject=app,
        payload={
            "check": check.pk,
            "document_type": document_type,
            "age_confirmed": check.age_confirmed,
            "residence_confirmed": check.residence_confirmed,
        },
    )
    return check


def member_register(
    *,
    actor: Any,
    user: Any,
    values: dict[str, Any],
    admitted_on: dt.date,
    kind: str,
    reason: str,
    application: Application | None = None,
    audit_extra: dict[str, Any] | None = None,
) -> Member:
    """Make ``user`` a member: number from the sequence, dates from the rulebook, the admission
    decision, the first forecast, the member role and the audit event. Call inside a transaction
    that holds the club lock (the member cap was checked by the caller)."""
    book = rulebook_get()
    member = Member(
        number=next_value("member_number"),
        user=user,
        application=application,
        first_name=values["first_name"],
        last_name=values["last_name"],
        date_of_birth=values["date_of_birth"],
        address=values["address"],
        residence_country=values["residence_country"],
        therapeutic_use=values.get("therapeutic_use", False),
        status=MemberStatus.ACTIVE,
        admitted_on=admitted_on,
        first_dispensing_on=admitted_on + dt.timedelta(days=book.waiting_period_days),
        min_membership_until=add_months(admitted_on, book.min_membership_months),
        legacy_number=values.get("legacy_number", ""),
        language=application.language if application else values.get("language", ""),
    )
    member.full_clean(exclude=["user", "application"])
    member.save()
    now = timezone.now()
    MemberDecision.objects.create(
        member=member,
        kind=kind,
        from_status="",
        to_status=MemberStatus.ACTIVE,
        effective_on=admitted_on,
        reason=reason,
        decided_by=actor,
        decided_at=now,
    )
    Forecast.objects.create(
        member=member,
        grams_per_month=values["forecast_grams"],
        valid_from=admitted_on,
        created_at=now,
        created_by=user,
    )
    roles = tuple(sorted(user_roles(user) | {Role.MEMBER.value}))
    user_roles_set(actor=actor, user=user, roles=roles)
    audit_record(
        actor=actor,
        action="member.admit",
        subject=member,
        payload={
            "number": member.number,
            "application": application.pk if application else None,
            "first_dispensing_on": member.first_dispensing_on,
            "min_membership_until": member.min_membership_until,
            **(audit_extra or {}),
        },
    )
    return member


@transaction.atomic
def application_decide(
    *, actor: Any, application_id: int, approve: bool, reason: str
) -> Member | None:
    """The board approves (admits) or rejects an application, with a reason.

    Approval needs a passing identity check, a confirmed sponsor where the rulebook asks for one,
    and a free place. Locks the club row (cap), then the application.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(
            errors.INVALID_INPUT,
            _("Give a reason."),
            status=400,
            fields={"reason": [_("Give a reason.")]},
        )
    _lock_club()
    app = _lock_application(application_id)
    now, today = timezone.now(), _today()
    member = None
    if approve:
        if ApplicationStatus.APPROVED not in APPLICATION_MOVES[app.status]:
            app.move_to(ApplicationStatus.APPROVED)  # raises ILLEGAL_STATUS_MOVE
        if app.status != ApplicationStatus.SUBMITTED:
            raise StateConflict(
                "NOT_READY", _("Only an application waiting for the board can be approved.")
            )
        check = app.identity_checks.order_by("-checked_at", "-pk").first()
        if check is None or not (check.age_confirmed and check.residence_confirmed):
            raise ServiceError(
                "IDENTITY_NOT_CHECKED", _("Check the applicant's official photo ID first.")
            )
        left = _capacity_left()
        if left is not None and left <= 0:
            raise ServiceError("MEMBER_CAP_REACHED", _("The club has reached its member cap."))
        app.move_to(ApplicationStatus.APPROVED)
        app.save()
        member = member_register(
            actor=actor,
            user=app.user,
            application=app,
            admitted_on=today,
            kind=MemberDecision.Kind.ADMIT,
            reason=reason,  # the board's own words, as the member's history shows them
            values={
                f: getattr(app, f)
                for f in (
                    "first_name",
                    "last_name",
                    "date_of_birth",
                    "address",
                    "residence_country",
                    "therapeutic_use",
                    "forecast_grams",
                )
            },
        )
        kind = ApplicationDecision.Kind.APPROVE
    else:
        app.move_to(ApplicationStatus.REJECTED)
        app.save()
        kind = ApplicationDecision.Kind.REJECT
    ApplicationDecision.objects.create(
        application=app, kind=kind, reason=reason, decided_by=actor, decided_at=now
    )
    audit_record(
        actor=actor,
        action=f"application.{kind}",
        subject=app,
        payload={"status": app.status, "member": member.number if member else None},
    )
    if member is not None:
        number = member.number
        transaction.on_commit(lambda: mail.member_admitted(number))
    else:
        transaction.on_commit(lambda: mail.application_rejected(app.pk))
    return member


@transaction.atomic
def application_withdraw(*, user: Any, application_id: int) -> Application:
    """The applicant withdraws their own application (someone else's is not found)."""
    app = _lock_application(application_id)
    if app.user_id != user.pk:
        raise errors.not_found()
    app.move_to(ApplicationStatus.WITHDRAWN)
    app.save()
    ApplicationDecision.objects.create(
        application=app,
        kind=ApplicationDecision.Kind.WITHDRAW,
        decided_by=user,
        decided_at=timezone.now(),
    )
    audit_record(actor=user, action="application.withdraw", subject=app, payload={})
    return app


STATUS_KINDS = {
    "suspend": (MemberStatus.SUSPENDED, MemberDecision.Kind.SUSPEND),
    "reinstate": (MemberStatus.ACTIVE, MemberDecision.Kind.REINSTATE),
    "end": (MemberStatus.ENDED, MemberDecision.Kind.END),
    "resign": (MemberStatus.ENDED, MemberDecision.Kind.RESIGN),
    "expel": (MemberStatus.EXPELLED, MemberDecision.Kind.EXPEL),
    "residence_left": (MemberStatus.ENDED, MemberDecision.Kind.RESIDENCE_LEFT),
}


def _lock_member(number: int) -> Member:
    return lock_one(Member.objects.filter(number=number))


@transaction.atomic
def member_status_change(
    *, actor: Any, number: int, action: str, reason: str, effective_on: dt.date | None = None
) -> MemberDecision:
    """Suspend, reinstate, end, expel a member, or record a resignation or a move abroad.

    A resignation takes effect no earlier than the end of the minimum membership: until then the
    member stays active with ``ends_on`` set, and ``member_endings_apply`` ends it on that day.
    Every other move takes effect today. Illegal moves raise ``ILLEGAL_STATUS_MOVE``.
    Locks the club row (the freed place is offered to the waiting list), then the member.
    """
    if action not in STATUS_KINDS:
        raise ServiceError(
            errors.INVALID_INPUT,
            _("Unknown action."),
            status=400,
            fields={"action": [_("Unknown action.")]},
        )
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(
            errors.INVALID_INPUT,
            _("Give a reason."),
            status=400,
            fields={"reason": [_("Give a reason.")]},
        )
    _lock_club()
    member = _lock_member(number)
    to, kind = STATUS_KINDS[action]
    today = _today()
    old = member.status
    effective = today
    if action == "resign":
        effective = max(effective_on or today, member.min_membership_until)
    if effective > today:
        if old != MemberStatus.ACTIVE and old != MemberStatus.SUSPENDED:
            member.move_to(to)  # raises: an ended membership cannot resign
        member.ends_on = effective
        member.save(update_fields=["ends_on"])
        new_status = old
    else:
        member.move_to(to)
        member.ends_on = today if to in (MemberStatus.ENDED, MemberStatus.EXPELLED) else None
        member.save(update_fields=["status", "ends_on"])
        new_status = to
    decision = MemberDecision.objects.create(
        member=member,
        kind=kind,
        from_status=old,
        to_status=to,
        effective_on=effective,
        reason=reason,
        decided_by=actor,
        decided_at=timezone.now(),
    )
    audit_record(
        actor=actor,
        action=f"member.{kind}",
        subject=member,
        payload={"from": old, "to": new_status, "effective_on": effective, "decision": decision.pk},
    )
    if new_status in (MemberStatus.ENDED, MemberStatus.EXPELLED):
        api_tokens_revoke_all(actor=actor, user=member.user, reason=f"member.{kind}")
        waitlist_advance(actor=actor)
    return decision


@transaction.atomic
def member_endings_apply(*, today: dt.date | None = None) -> int:
    """End the memberships whose resignation date has come (the daily job). Returns how many."""
    today = today or _today()
    count = 0
    _lock_club()
    for member in (
        Member.objects.select_for_update()
        .filter(ends_on__lte=today, status__in=PLACE_HOLDING)
        .order_by("pk")
    ):
        old = member.status
        member.move_to(MemberStatus.ENDED)
        member.save(update_fields=["status"])
        MemberDecision.objects.create(
            member=member,
            kind=MemberDecision.Kind.END,
            from_status=old,
            to_status=MemberStatus.ENDED,
            effective_on=member.ends_on or today,
            reason=_("The resignation took effect."),
            decided_by=None,
            decided_at=timezone.now(),
        )
        audit_record(
            actor=None,
            action="member.end",
            subject=member,
            payload={"from": old, "to": MemberStatus.ENDED},
        )
        api_tokens_revoke_all(actor=None, user=member.user, reason="member.end")
        count += 1
    if count:
        waitlist_advance(actor=None)
    return count


def waitlist_advance(*, actor: Any) -> list[Application]:
    """Offer free places to the waiting list, first come first served. Call with the club locked."""
    offered: list[Application] = []
    left = _capacity_left()
    pending = Application.objects.filter(status=ApplicationStatus.SUBMITTED).count()
    free = None if left is None else left - pending
    queue = (
        Application.objects.select_for_update()
        .filter(status=ApplicationStatus.WAITLISTED)
        .order_by("queued_at", "pk")
    )
    for app in queue:
        if free is not None and free <= 0:
            break
        app.move_to(ApplicationStatus.SUBMITTED)
        app.save(update_fields=["status"])
        ApplicationDecision.objects.create(
            application=app,
            kind=ApplicationDecision.Kind.OFFER,
            reason=_("A place became free."),
            decided_by=actor,
            decided_at=timezone.now(),
        )
        audit_record(actor=actor, action="application.offer", subject=app, payload={})
        app_id = app.pk
        transaction.on_commit(partial(mail.place_offered, app_id))
        offered.append(app)
        if free is not None:
            free -= 1
    return offered


@transaction.atomic
def forecast_record(*, actor: Any, number: int, grams_per_month: Any) -> Forecast:
    """A new monthly forecast for a member. Refused above the member's monthly limit.

    Locks the member row.
    """
    member = _lock_member(number)
    if member.status not in PLACE_HOLDING:
        raise StateConflict("MEMBER_NOT_ACTIVE", _("This membership has ended."))
    grams = parse_grams(grams_per_month, maximum=Decimal("10000"), field="grams_per_month")
    cap = monthly_cap(rulebook_get(), member.age_on(_today()))
    if cap is not None and grams > cap:
        raise ServiceError(
            "FORECAST_ABOVE_LIMIT",
            _("The forecast is above the monthly limit of %(cap)s g.") % {"cap": cap},
            fields={"grams_per_month": [_("Above the monthly limit.")]},
        )
    forecast = Forecast.objects.create(
        member=member,
        grams_per_month=grams,
        valid_from=_today(),
        created_at=timezone.now(),
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="member.forecast",
        subject=member,
        payload={"forecast": forecast.pk, "grams_per_month": grams},
    )
    return forecast


@transaction.atomic
def card_issue(*, actor: Any, number: int) -> CardIssue:
    """Issue a new card version; every older card stops working. Locks the member row."""
    member = _lock_member(number)
    if member.status not in PLACE_HOLDING:
        raise StateConflict("MEMBER_NOT_ACTIVE", _("This membership has ended."))
    member.card_version += 1
    member.save(update_fields=["card_version"])
    card = CardIssue.objects.create(
        member=member, version=member.card_version, issued_at=timezone.now(), issued_by=actor
    )
    audit_record(
        actor=actor, action="member.card_issue", subject=member, payload={"version": card.version}
    )
    return card


# --- Register import ---------------------------------------------------------------------------


@transaction.atomic
def import_job_create(*, actor: Any, filename: str, content: bytes) -> Any:
    """Store an uploaded register for its dry run. Nothing about members is written yet."""
    from members.models import ImportJob

    job = ImportJob.objects.create(created_by=actor, filename=filename[:200], content=content)
    audit_record(actor=actor, action="import.create", subject=job, payload={"bytes": len(content)})
    job_id = job.pk
    transaction.on_commit(lambda: _run_later(job_id))
    return job


def _run_later(job_id: int) -> None:
    from club import jobs
    from members.tasks import member_import_run

    jobs.job_send(member_import_run, job_id)


@transaction.atomic
def import_job_request_commit(*, actor: Any, job_id: int) -> Any:
    """Ask for the checked register to be written. Refused unless the dry run found no error.

    Locks the job row, so a double-clicked button queues one commit.
    """
    from members.models import ImportJob

    job = ImportJob.objects.select_for_update().filter(pk=job_id, created_by=actor).first()
    if job is None:
        raise errors.not_found()
    if job.state != ImportJob.State.CHECKED:
        raise StateConflict("IMPORT_NOT_CHECKED", _("Only a file without errors can be imported."))
    job.commit, job.state, job.done = True, ImportJob.State.QUEUED, 0
    job.queued_at = timezone.now()
    job.save(update_fields=["commit", "state", "done", "queued_at"])
    audit_record(actor=actor, action="import.commit_request", subject=job, payload={})
    transaction.on_commit(lambda: _run_later(job_id))
    return job


def import_jobs_recover() -> list[int]:
    """Send the task again for imports a dead worker or a lost message left behind."""
    from club import jobs
    from members.models import ImportJob

    stale = jobs.jobs_stale(ImportJob)
    for job_id in stale:
        _run_later(job_id)
    return stale


def import_job_run(*, job_id: int) -> str:
    """Check every row (dry run) and, when asked and every row is valid, write them all in one
    transaction. Returns the job's final state. Progress goes to the cache as it runs.

    The job is claimed by compare-and-set (``club.jobs``): a second delivery of the task finds
    it running and does nothing; a run whose worker died is taken over after the lease. The
    rows and the IMPORTED state commit together, so a crash never imports twice."""
    from club import jobs
    from club.models import User as UserModel
    from members.imports import RegisterError, check_row, progress_set, read_rows
    from members.models import ImportJob

    attempt = jobs.job_claim(ImportJob, job_id)
    if attempt is None:
        return str(ImportJob.objects.values_list("state", flat=True).get(pk=job_id))
    job = ImportJob.objects.get(pk=job_id)

    def finish(state: str, **values: Any) -> str:
        with transaction.atomic():
            jobs.job_finish(ImportJob, job_id, attempt, state=state, **values)
        return state

    try:
        rows = read_rows(job.filename, bytes(job.content))
    except RegisterError as exc:
        return finish(
            ImportJob.State.FAILED, report=[{"line": 0, "ok": False, "errors": [str(exc)]}]
        )
    book, today = rulebook_get(), _today()
    taken = set(UserModel.objects.values_list("email", flat=True))
    taken = {e.lower() for e in taken}
    seen: set[str] = set()
    total = len(rows)
    for i, row in enumerate(rows, start=1):
        check_row(row, book, today=today, seen_emails=seen, taken_emails=taken)
        if i % 25 == 0 or i == total:
            progress_set(job_id, i if not job.commit else i // 2, total)
            jobs.job_beat(ImportJob, job_id, attempt)
    report = [r.report() for r in rows][: ImportJob.REPORT_LIMIT]
    if any(r.errors for r in rows) or not rows:
        # A register with errors is never imported (a corrected file is a new job): erase it.
        return finish(ImportJob.State.INVALID, total=total, done=total, report=report, content=b"")
    if not job.commit:
        return finish(ImportJob.State.CHECKED, total=total, done=total, report=report)
    try:
        _import_rows(
            actor=job.created_by,
            job_id=job_id,
            attempt=attempt,
            rows=rows,
            total=total,
            report=report,
        )
    except jobs.LostClaim:
        return str(ImportJob.objects.values_list("state", flat=True).get(pk=job_id))
    except ServiceError as exc:
        return finish(
            ImportJob.State.FAILED,
            report=[{"line": 0, "ok": False, "errors": [str(exc.message)]}, *report],
        )
    return ImportJob.State.IMPORTED


@transaction.atomic
def _import_rows(
    *, actor: Any, job_id: int, attempt: int, rows: list[Any], total: int, report: list[Any]
) -> None:
    """Write every row or none, and mark the job IMPORTED in the same transaction (only if this
    attempt still holds it). Locks the club row (member cap)."""
    from club import jobs
    from members.imports import progress_set
    from members.models import ImportJob

    _lock_club()
    left = _capacity_left()
    if left is not None and left < len(rows):
        raise ServiceError(
            "MEMBER_CAP_REACHED", _("The register has more members than the club has places.")
        )
    for i, row in enumerate(rows, start=1):
        v = row.values
        user = user_create(
            actor=actor,
            email=v["email"],
            password=None,
            first_name=v["first_name"],
            last_name=v["last_name"],
            email_verified=True,
        )
        member = member_register(
            actor=actor,
            user=user,
            values=v,
            admitted_on=v["admitted_on"],
            kind=MemberDecision.Kind.IMPORT,
            reason=_("Imported from the club's register (line %(line)s).") % {"line": row.line},
            audit_extra={"import": job_id, "line": row.line},
        )
        number = member.number
        transaction.on_commit(partial(mail.member_admitted, number))
        if i % 25 == 0 or i == total:
            progress_set(job_id, total // 2 + i // 2, total)
    if not jobs.job_finish(
        ImportJob,
        job_id,
        attempt,
        state=ImportJob.State.IMPORTED,
        total=total,
        done=total,
        report=report,
        content=b"",  # the uploaded register is erased in the transaction that imports it
    ):
        raise jobs.LostClaim(f"import {job_id}")  # rolls the rows back: the other attempt imports


@transaction.atomic
def member_language_set(*, actor: Any, number: int, language: str) -> Member:
    """The language the club writes to the member in (invitations, letters). Locks the member."""
    from django.conf import settings

    if language not in {code for code, _name in settings.LANGUAGES}:
        raise ServiceError(errors.INVALID_INPUT, _("Choose one of the languages."), status=400)
    member = _lock_member(number)
    if member.language != language:
        member.language = language
        member.save(update_fields=["language"])
        audit_record(
            actor=actor, action="member.language", subject=member, payload={"language": language}
        )
    return member


# --- Retention ---------------------------------------------------------------------------------

ERASED_NAME = "—"
ERASED_BIRTH = dt.date(1900, 1, 1)


def personal_data_erase(*, member_ids: list[int], application_ids: list[int]) -> dict[str, int]:
    """Pseudonymise members and applications past their retention period: names, birth date,
    address, country, therapeutic use and e-mail go; the membership number stays as the
    pseudonym every kept record (dispensings, ballots, money) still points to. The sign-in is
    closed: e-mail addresses, second factors and tokens are deleted. Decision reasons and the
    identity check's digits are blanked (the one edit their tables allow).

    Runs inside the caller's transaction: the retention purge, which writes the audit event."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    from club.models import ApiToken, User
    from members.models import (
        Application,
        ApplicationDecision,
        IdentityCheck,
        Member,
        MemberDecision,
    )

    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("personal_data_erase runs inside the retention purge's transaction")
    members = Member.objects.select_for_update().filter(pk__in=member_ids)
    application_ids = sorted(
        set(application_ids)
        | set(members.exclude(application=None).values_list("application_id", flat=True))
    )
    user_ids = set(members.values_list("user_id", flat=True)) | set(
        Application.objects.filter(pk__in=application_ids).values_list("user_id", flat=True)
    )
    # A user who is still a member elsewhere in the club keeps the sign-in.
    user_ids -= set(
        Member.objects.exclude(pk__in=member_ids)
        .filter(user_id__in=user_ids)
        .values_list("user_id", flat=True)
    )
    counts = {
        "members": members.update(
            first_name=ERASED_NAME,
            last_name=ERASED_NAME,
            date_of_birth=ERASED_BIRTH,
            address="",
            residence_country="",
            therapeutic_use=False,
            language="",
            legacy_number="",
        ),
        "applications": Application.objects.filter(pk__in=application_ids).update(
            first_name=ERASED_NAME,
            last_name=ERASED_NAME,
            date_of_birth=ERASED_BIRTH,
            email="",
            address="",
            residence_country="",
            resident_since=ERASED_BIRTH,
            therapeutic_use=False,
        ),
        "member_decisions": MemberDecision.objects.filter(member_id__in=member_ids)
        .exclude(reason="")
        .erase("reason"),
        "application_decisions": ApplicationDecision.objects.filter(
            application_id__in=application_ids
        )
        .exclude(reason="")
        .erase("reason"),
        "identity_checks": IdentityCheck.objects.filter(application_id__in=application_ids)
        .exclude(document_last_digits="")
        .erase("document_last_digits"),
    }
    for user in User.objects.filter(pk__in=user_ids):
        user.email = f"erased-{user.pk}@erased.invalid"
        user.first_name = user.last_name = ""
        user.is_active = False
        user.set_unusable_password()
        user.save(update_fields=["email", "first_name", "last_name", "is_active", "password"])
    EmailAddress.objects.filter(user_id__in=user_ids).delete()
    Authenticator.objects.filter(user_id__in=user_ids).delete()
    # Tokens are revoked, not deleted: the chain's 'apitoken.create' events keep their rows.
    ApiToken.objects.filter(user_id__in=user_ids, revoked_at=None).update(revoked_at=timezone.now())
    counts["users"] = len(user_ids)
    # The chain covers birth date and country (as pseudonyms): the purge's event re-anchors them.
    digests.register_rows(Member, list(member_ids))
    return counts
