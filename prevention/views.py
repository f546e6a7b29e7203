"""The prevention officer's desk, the member's "Health and help" page, and the counter's handouts.

Only the officer sees anything about an individual member, and only about members who consent
to be contacted; the board sees the desk's records (appointment, certificate, directory, library,
events) and the anonymised trends, never a signal or a contact.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from club.documents import pdf_render
from club.pages import call_service, form_page
from club.roles import SIGNED_IN, Role, acts_as, role_required
from dispensing.selectors import club_today
from members.selectors import member_of_user
from prevention import forms as f
from prevention import selectors, services
from prevention.models import Article, ConceptVersion, Handout, PeerEvent, Service
from prevention.selectors import trends

DESK = (Role.PREVENTION_OFFICER, Role.BOARD)


@role_required(*DESK)
def trends_page(request: HttpRequest) -> HttpResponse:
    """Anonymised consumption trends: no member is named, no group under k is shown."""
    return render(request, "prevention/trends.html", {"t": trends(today=club_today())})


@role_required(*DESK)
def desk(request: HttpRequest) -> HttpResponse:
    today = club_today()
    officers = selectors.current_officers()
    return render(
        request,
        "prevention/desk.html",
        {
            "officers": [selectors.certificate_status(u, today=today) for u in officers],
            "appointments": selectors.appointments()[:10],
            "concept": selectors.concept_current(),
            "services": Service.objects.order_by("-active", "name"),
            "articles": Article.objects.annotate(handed_out=Count("handouts")),
            "events": PeerEvent.objects.annotate(attended=Count("attendances"))[:20],
            "is_officer": acts_as(request.user, Role.PREVENTION_OFFICER),
            "is_board": acts_as(request.user, Role.BOARD),
        },
    )


@role_required(Role.BOARD)
def appointment_new(request: HttpRequest) -> HttpResponse:
    return form_page(
        request,
        f.AppointmentForm,
        title=gettext_lazy("Appoint or end the prevention officer"),
        intro=gettext_lazy(
            "Record the board's decision. An appointed officer gets the prevention officer's "
            "role; an ended appointment takes it away."
        ),
        done="prevention:desk",
        initial={"effective_on": club_today()},
        action=lambda d: services.appointment_record(actor=request.user, **d),
    )


@role_required(*DESK)
def certificate_new(request: HttpRequest) -> HttpResponse:
    return form_page(
        request,
        f.CertificateForm,
        title=gettext_lazy("Record a training certificate"),
        done="prevention:desk",
        form_kwargs={"officers": selectors.current_officers()},
        action=lambda d: services.certificate_record(actor=request.user, **d),
    )


@role_required(Role.PREVENTION_OFFICER)
def concept_new(request: HttpRequest) -> HttpResponse:
    current = selectors.concept_current()
    initial = {"title": current.title, "body": current.body} if current else {}
    return form_page(
        request,
        f.ConceptForm,
        title=gettext_lazy("Publish a new version of the concept"),
        intro=gettext_lazy(
            "Members read the newest version; every earlier version stays readable."
        ),
        done="prevention:concept",
        back="prevention:desk",
        initial=initial,
        action=lambda d: services.concept_publish(actor=request.user, **d),
    )


@role_required(SIGNED_IN)
def concept(request: HttpRequest, version: int | None = None) -> HttpResponse:
    versions = ConceptVersion.objects.order_by("-version")
    shown = versions.filter(version=version).first() if version else versions.first()
    if version and shown is None:
        raise Http404
    return render(
        request,
        "prevention/concept.html",
        {"shown": shown, "versions": versions.only("version", "published_at", "changes")},
    )


# The officer's editable records: the model, its form, the page's title and the service that
# saves it (with the keyword naming the record to change).
_EDITABLE: dict[str, tuple[Any, Any, Any, Any, str]] = {
    "service": (
        Service,
        f.ServiceForm,
        gettext_lazy("Counselling or treatment service"),
        services.service_save,
        "service_id",
    ),
    "article": (
        Article,
        f.ArticleForm,
        gettext_lazy("Information article"),
        services.article_save,
        "article_id",
    ),
    "event": (
        PeerEvent,
        f.EventForm,
        gettext_lazy("Information evening"),
        services.event_save,
        "event_id",
    ),
}


def _edit(request: HttpRequest, kind: str, pk: int | None = None) -> HttpResponse:
    """A new record (``pk`` None) or a change to one, through its service."""
    model, form_class, title, save, key = _EDITABLE[kind]
    initial: dict[str, Any] = {"language": request.LANGUAGE_CODE}
    if pk is not None:
        found = get_object_or_404(model, pk=pk)
        initial = {}
        for name in form_class.base_fields:
            value = getattr(found, name)
            initial[name] = timezone.localtime(value) if isinstance(value, dt.datetime) else value
    return form_page(
        request,
        form_class,
        title=title,
        done="prevention:desk",
        initial=initial,
        action=lambda d: save(actor=request.user, **{key: pk}, **d),
    )


@role_required(Role.PREVENTION_OFFICER)
def service_new(request: HttpRequest) -> HttpResponse:
    return _edit(request, "service")


@role_required(Role.PREVENTION_OFFICER)
def service_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _edit(request, "service", pk)


@role_required(Role.PREVENTION_OFFICER)
def article_new(request: HttpRequest) -> HttpResponse:
    return _edit(request, "article")


@role_required(Role.PREVENTION_OFFICER)
def article_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _edit(request, "article", pk)


@role_required(Role.PREVENTION_OFFICER)
def event_new(request: HttpRequest) -> HttpResponse:
    return _edit(request, "event")


@role_required(Role.PREVENTION_OFFICER)
def event_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _edit(request, "event", pk)


@role_required(SIGNED_IN)
def article(request: HttpRequest, pk: int) -> HttpResponse:
    """A published article, for anyone signed in; a draft only for the officer."""
    found = get_object_or_404(Article, pk=pk)
    if not found.published and not acts_as(request.user, Role.PREVENTION_OFFICER):
        raise Http404
    return render(request, "prevention/article.html", {"article": found})


@role_required(Role.PREVENTION_OFFICER)
def event_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(PeerEvent, pk=pk)
    form = f.AttendanceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = call_service(
            request,
            services.attendance_record,
            actor=request.user,
            event_id=event.pk,
            number=form.cleaned_data["number"],
            success=_("Attendance recorded."),
        )
        if done is not None:
            return redirect("prevention:event_attendance", pk=event.pk)
    attendances = event.attendances.select_related("member").order_by("member__number")
    return render(
        request,
        "prevention/event_attendance.html",
        {"event": event, "form": form, "attendances": attendances},
    )


@role_required(Role.PREVENTION_OFFICER)
def signals_page(request: HttpRequest) -> HttpResponse:
    """The officer only: signals and contacts of members who consent to be contacted."""
    return render(
        request,
        "prevention/signals.html",
        {
            "signals": selectors.signals(today=club_today()),
            "contacts": selectors.contacts_of_consenting(),
            "consenting": selectors.consenting().count(),
            "months": selectors.SIGNAL_MONTHS,
            "near_percent": int(selectors.NEAR_SHARE * 100),
            "factor": selectors.RISE_FACTOR,
        },
    )


@role_required(Role.PREVENTION_OFFICER)
def contact_new(request: HttpRequest, number: int) -> HttpResponse:
    member = selectors.consenting().filter(number=number).first()
    if member is None:
        raise Http404  # without consent the officer sees nothing individual
    return form_page(
        request,
        f.ContactForm,
        title=_("Record a contact with member no. %(number)s") % {"number": member.number},
        intro=gettext_lazy("Record only the date, the topic and any referral: no clinical detail."),
        done="prevention:signals",
        initial={"on": club_today()},
        action=lambda d: services.contact_record(actor=request.user, number=number, **d),
    )


@role_required(Role.PREVENTION_OFFICER)
def contact_find(request: HttpRequest) -> HttpResponse:
    number = (request.GET.get("number") or "").strip()
    known = number.isdigit() and len(number) < 10
    if known and selectors.consenting().filter(number=int(number)).exists():
        return redirect("prevention:contact_new", number=int(number))
    messages.error(request, _("No member with this number has agreed to be contacted."))
    return redirect("prevention:signals")


@role_required(SIGNED_IN)
def help_page(request: HttpRequest) -> HttpResponse:
    """The member's page: the directory, the library, the evenings, the concept and the consent."""
    member = member_of_user(request.user)
    language = (member.language if member else "") or request.LANGUAGE_CODE
    return render(
        request,
        "prevention/help.html",
        {
            "member": member,
            "consent": selectors.consent_of(member) if member else False,
            "services": selectors.services_listed(),
            "articles": selectors.articles_for(language),
            "events": PeerEvent.objects.filter(
                cancelled=False, starts_at__gte=timezone.now()
            ).order_by("starts_at")[:5],
            "concept": selectors.concept_current(),
            "officers": selectors.current_officers(),
        },
    )


@role_required(SIGNED_IN)
@require_POST
def consent(request: HttpRequest) -> HttpResponse:
    member = member_of_user(request.user)
    if member is None:
        raise Http404
    given = request.POST.get("given") == "1"
    call_service(
        request,
        services.consent_set,
        actor=request.user,
        number=member.number,
        given=given,
        success=_("Your answer is saved.")
        if given
        else _("Your consent is withdrawn: the prevention officer sees nothing about you."),
    )
    return redirect("prevention:help")


@role_required(Role.COUNTER, Role.PREVENTION_OFFICER)
def handouts(request: HttpRequest) -> HttpResponse:
    published = Article.objects.filter(published=True).annotate(handed_out=Count("handouts"))
    return render(request, "prevention/handouts.html", {"articles": published})


@role_required(Role.COUNTER, Role.PREVENTION_OFFICER)
@require_POST
def handout(request: HttpRequest, pk: int) -> HttpResponse:
    """Log the handout and give the article as a PDF to print."""
    done: Handout | None = call_service(
        request, services.handout_record, actor=request.user, article_id=pk
    )
    if done is None:
        return redirect("prevention:handouts")
    article = done.article
    data = pdf_render(
        "prevention/article_pdf.html",
        {"article": article, "services": selectors.services_listed()},
        title=article.title,
    )
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="article-{article.pk}.pdf"'
    return response
