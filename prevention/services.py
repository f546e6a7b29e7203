"""Every write of the prevention officer's desk: one transaction each, with its audit event.

The payloads carry ids, dates and choices, never a name or anything a member said.
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from club import errors
from club.audit import audit_record
from club.context import club_locale
from club.errors import ServiceError, StateConflict
from club.models import User
from club.roles import Role, user_roles, users_with_role
from club.services import lock_one, user_roles_set
from club.validation import bounded_date, full_clean_or_refuse, required_text
from members.models import Member, MemberStatus
from prevention.models import (
    Appointment,
    Article,
    Attendance,
    Certificate,
    CertificateReminder,
    ConceptVersion,
    ConsentChange,
    Contact,
    Handout,
    PeerEvent,
    Service,
    Topic,
)
from prevention.selectors import REMINDER_STEPS, consenting, current_officers

# A second print of the same article by the same clerk this soon is the same handout.
HANDOUT_REPEAT = dt.timedelta(seconds=10)


def _today() -> dt.date:
    return timezone.localdate()


def _refuse(field: str, message: str) -> ServiceError:
    return ServiceError(errors.INVALID_INPUT, message, status=400, fields={field: [message]})


def _choice(value: Any, choices: Any, field: str) -> str:
    if value not in choices.values:
        raise _refuse(field, _("Select a valid choice."))
    return str(value)


@transaction.atomic
def appointment_record(
    *, actor: Any, user_id: int, kind: str, effective_on: dt.date, decision: str
) -> Appointment:
    """The board appoints a prevention officer (who gets the role) or ends an appointment (who
    loses it). Locks the user row through ``user_roles_set``."""
    kind = _choice(kind, Appointment.Kind, "kind")
    decision = required_text(decision, "decision", limit=200)
    bounded_date(effective_on, "effective_on")
    user = lock_one(User.objects.filter(pk=user_id, is_active=True))
    is_officer = user.pk in {u.pk for u in current_officers()}
    if kind == Appointment.Kind.APPOINTED and is_officer:
        raise StateConflict("ALREADY_APPOINTED", _("This person is already appointed."))
    if kind == Appointment.Kind.ENDED and not is_officer:
        raise StateConflict("NOT_APPOINTED", _("This person is not appointed."))
    appointment = Appointment.objects.create(
        user=user,
        kind=kind,
        effective_on=effective_on,
        decision=decision,
        recorded_by=actor,
        recorded_at=timezone.now(),
    )
    roles = set(user_roles(user))
    if kind == Appointment.Kind.APPOINTED:
        roles.add(Role.PREVENTION_OFFICER.value)
    else:
        roles.discard(Role.PREVENTION_OFFICER.value)
    user_roles_set(actor=actor, user=user, roles=tuple(sorted(roles)))
    audit_record(
        actor=actor,
        action=f"prevention.appointment.{kind}",
        subject=appointment,
        payload={"user": user.pk, "effective_on": effective_on},
    )
    return appointment


@transaction.atomic
def certificate_record(
    *,
    actor: Any,
    user_id: int,
    course: str,
    issuer: str,
    issued_on: dt.date,
    expires_on: dt.date,
) -> Certificate:
    """A training certificate of an appointed officer."""
    if user_id not in {u.pk for u in current_officers()}:
        raise StateConflict("NOT_APPOINTED", _("This person is not appointed."))
    bounded_date(issued_on, "issued_on")
    bounded_date(expires_on, "expires_on")
    if issued_on > _today():
        raise _refuse("issued_on", _("This date lies in the future."))
    if expires_on <= issued_on:
        raise _refuse("expires_on", _("The certificate must expire after it was issued."))
    certificate = Certificate(
        user_id=user_id,
        course=required_text(course, "course", limit=200),
        issuer=required_text(issuer, "issuer", limit=200),
        issued_on=issued_on,
        expires_on=expires_on,
        recorded_by=actor,
        recorded_at=timezone.now(),
    )
    certificate.save()
    audit_record(
        actor=actor,
        action="prevention.certificate",
        subject=certificate,
        payload={"user": user_id, "issued_on": issued_on, "expires_on": expires_on},
    )
    return certificate


def _reminder_step(days_left: int) -> int | None:
    due = [step for step in REMINDER_STEPS if days_left <= step]
    return min(due) if due else None


def certificate_reminders_send(*, today: dt.date | None = None) -> int:
    """Mail each appointed officer (and the board) whose certificate lapses soon or has lapsed,
    once per step of ``REMINDER_STEPS``. Idempotent: a step already reminded is skipped."""
    today = today or _today()
    sent = 0
    for officer in current_officers():
        certificate = officer.prevention_certificates.order_by("-expires_on", "-pk").first()
        if certificate is None:
            continue
        step = _reminder_step((certificate.expires_on - today).days)
        if step is None:
            continue
        with transaction.atomic():
            Certificate.objects.select_for_update().filter(pk=certificate.pk).get()
            if certificate.reminders.filter(days_before__lte=step).exists():
                continue
            reminder = CertificateReminder.objects.create(
                certificate=certificate, days_before=step, sent_at=timezone.now()
            )
            audit_record(
                actor=None,
                action="prevention.certificate.reminder",
                subject=reminder,
                payload={"certificate": certificate.pk, "days_before": step},
            )
            transaction.on_commit(partial(_mail_reminder, certificate.pk, today))
        sent += 1
    return sent


def _mail_reminder(certificate_id: int, today: dt.date) -> None:
    certificate = Certificate.objects.select_related("user").get(pk=certificate_id)
    recipients = {certificate.user.email, *(u.email for u in users_with_role(Role.BOARD))}
    with translation.override(club_locale()[1]):
        context = {
            "certificate": certificate,
            "lapsed": certificate.expires_on <= today,
            "days": (certificate.expires_on - today).days,
        }
        subject = render_to_string("prevention/email/reminder_subject.txt", context).strip()
        body = render_to_string("prevention/email/reminder.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, sorted(r for r in recipients if r))


@transaction.atomic
def concept_publish(*, actor: Any, title: str, body: str, changes: str = "") -> ConceptVersion:
    """A new version of the health and youth-protection concept; earlier versions stay readable.
    Locks the latest version, so two publishers never take the same number."""
    latest = ConceptVersion.objects.select_for_update().order_by("-version").first()
    if latest and (latest.title, latest.body) == (str(title).strip(), str(body).strip()):
        # A double-clicked submit, or nothing changed: no new version.
        raise StateConflict("CONCEPT_UNCHANGED", _("This is the text of the current version."))
    version = ConceptVersion(
        version=(latest.version + 1) if latest else 1,
        title=required_text(title, "title", limit=200),
        body=required_text(body, "body", limit=50000),
        changes=required_text(changes, "changes", limit=500, required=False),
        published_by=actor,
        published_at=timezone.now(),
    )
    version.save()
    audit_record(
        actor=actor,
        action="prevention.concept.publish",
        subject=version,
        payload={"version": version.version},
    )
    return version


@transaction.atomic
def consent_set(*, actor: Any, number: int, given: bool) -> ConsentChange | None:
    """The member gives or withdraws consent to be contacted by the prevention officer. Locks the
    member row; the same answer twice writes nothing."""
    member = lock_one(Member.objects.filter(number=number))
    if member.user_id != getattr(actor, "pk", None):
        raise errors.not_found()  # only the member decides, for themselves
    if bool(consenting().filter(pk=member.pk).exists()) == bool(given):
        return None
    change = ConsentChange.objects.create(member=member, given=bool(given), at=timezone.now())
    audit_record(
        actor=actor,
        action="prevention.consent",
        subject=change,
        payload={"member": member.pk, "given": bool(given)},
    )
    return change


@transaction.atomic
def contact_record(
    *, actor: Any, number: int, on: dt.date, topic: str, referral_id: int | None = None
) -> Contact:
    """A contact with a member who consented: date, topic, referral. Refused for anyone else, so
    the officer cannot hold an individual record of a member who did not agree to it."""
    member = lock_one(Member.objects.filter(number=number))
    if not consenting().filter(pk=member.pk).exists():
        raise StateConflict(
            "NO_CONSENT", _("This member has not agreed to be contacted by the prevention officer.")
        )
    bounded_date(on, "on")
    if on > _today():
        raise _refuse("on", _("This date lies in the future."))
    topic = _choice(topic, Topic, "topic")
    referral = None
    if referral_id is not None:
        referral = Service.objects.filter(pk=referral_id, active=True).first()
        if referral is None:
            raise _refuse("referral", _("Select a valid choice."))
    contact = Contact.objects.create(
        member=member,
        on=on,
        topic=topic,
        referral=referral,
        recorded_by=actor,
        recorded_at=timezone.now(),
    )
    audit_record(
        actor=actor,
        action="prevention.contact",
        subject=contact,
        payload={"member": member.pk, "topic": topic, "referral": referral_id},
    )
    return contact


def _service_values(values: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": required_text(values.get("name"), "name", limit=200),
        "kind": _choice(values.get("kind"), Service.Kind, "kind"),
        "contact": required_text(values.get("contact"), "contact", limit=300),
        "languages": required_text(values.get("languages"), "languages", limit=200),
        "hours": required_text(values.get("hours"), "hours", limit=200),
        "active": bool(values.get("active", True)),
    }


@transaction.atomic
def service_save(*, actor: Any, service_id: int | None = None, **values: Any) -> Service:
    """Add a service to the referral directory, or change one (locked while it changes)."""
    clean = _service_values(values)
    same_name = Service.objects.select_for_update().filter(name__iexact=clean["name"])
    if same_name.exclude(pk=service_id or 0).exists():
        raise StateConflict("SERVICE_EXISTS", _("A service with this name is listed already."))
    if service_id is None:
        service = Service(**clean)
    else:
        service = lock_one(Service.objects.filter(pk=service_id))
        for name, value in clean.items():
            setattr(service, name, value)
    full_clean_or_refuse(service)
    service.save()
    audit_record(
        actor=actor,
        action="prevention.service.save",
        subject=service,
        payload={"active": service.active, "new": service_id is None},
    )
    return service


@transaction.atomic
def article_save(*, actor: Any, article_id: int | None = None, **values: Any) -> Article:
    """Write or change an article; one article per topic and language."""
    topic = _choice(values.get("topic"), Topic, "topic")
    language = values.get("language")
    if language not in dict(settings.LANGUAGES):
        raise _refuse("language", _("Select a valid choice."))
    others = Article.objects.select_for_update().filter(topic=topic, language=language)
    if article_id is None:
        article = Article(topic=topic, language=language)
    else:
        article = lock_one(Article.objects.filter(pk=article_id))
        others = others.exclude(pk=article_id)
        article.topic, article.language = topic, language
    if others.exists():
        raise StateConflict(
            "ARTICLE_EXISTS", _("There is already an article on this topic in this language.")
        )
    article.title = required_text(values.get("title"), "title", limit=200)
    article.body = required_text(values.get("body"), "body", limit=20000)
    article.published = bool(values.get("published"))
    article.updated_at = timezone.now()
    full_clean_or_refuse(article)
    article.save()
    audit_record(
        actor=actor,
        action="prevention.article.save",
        subject=article,
        payload={"topic": topic, "language": language, "published": article.published},
    )
    return article


@transaction.atomic
def handout_record(*, actor: Any, article_id: int) -> Handout:
    """The counter hands out or prints a published article. The same clerk printing the same
    article again within seconds (a double click) is the same handout."""
    article = lock_one(Article.objects.filter(pk=article_id, published=True))
    now = timezone.now()
    recent = (
        Handout.objects.filter(article=article, handed_by=actor, at__gte=now - HANDOUT_REPEAT)
        .order_by("-at")
        .first()
    )
    if recent is not None:
        return recent
    handout = Handout.objects.create(article=article, handed_by=actor, at=now)
    audit_record(
        actor=actor, action="prevention.handout", subject=handout, payload={"article": article.pk}
    )
    return handout


@transaction.atomic
def event_save(*, actor: Any, event_id: int | None = None, **values: Any) -> PeerEvent:
    """Plan an information evening, or change or cancel one."""
    starts_at = values.get("starts_at")
    if not isinstance(starts_at, dt.datetime):
        raise _refuse("starts_at", _("Enter a valid date/time."))
    bounded_date(starts_at, "starts_at")
    event = PeerEvent() if event_id is None else lock_one(PeerEvent.objects.filter(pk=event_id))
    title = required_text(values.get("title"), "title", limit=200)
    twin = PeerEvent.objects.filter(title__iexact=title, starts_at=starts_at).exclude(
        pk=event_id or 0
    )
    if twin.exists():
        raise StateConflict("EVENT_EXISTS", _("This evening is planned already."))
    event.title = title
    event.topic = _choice(values.get("topic"), Topic, "topic")
    event.starts_at = starts_at
    event.place = required_text(values.get("place"), "place", limit=300)
    event.description = required_text(
        values.get("description"), "description", limit=5000, required=False
    )
    event.cancelled = bool(values.get("cancelled"))
    full_clean_or_refuse(event)
    event.save()
    audit_record(
        actor=actor,
        action="prevention.event.save",
        subject=event,
        payload={"starts_at": event.starts_at, "cancelled": event.cancelled},
    )
    return event


@transaction.atomic
def attendance_record(*, actor: Any, event_id: int, number: int) -> Attendance:
    """A member attended an event (once). Locks the event."""
    event = lock_one(PeerEvent.objects.filter(pk=event_id))
    if event.cancelled:
        raise StateConflict("EVENT_CANCELLED", _("This event was cancelled."))
    if event.starts_at.date() > _today() + dt.timedelta(days=1):
        raise StateConflict("EVENT_NOT_YET", _("This event has not taken place yet."))
    member = Member.objects.filter(number=number, status=MemberStatus.ACTIVE).first()
    if member is None:
        raise _refuse("number", _("No active member has this number."))
    if event.attendances.filter(member=member).exists():
        raise StateConflict("ALREADY_ATTENDED", _("This member's attendance is recorded."))
    attendance = Attendance.objects.create(
        event=event, member=member, recorded_by=actor, recorded_at=timezone.now()
    )
    audit_record(
        actor=actor,
        action="prevention.attendance",
        subject=attendance,
        payload={"event": event.pk, "member": member.pk},
    )
    return attendance
