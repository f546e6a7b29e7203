"""Assembly pages: members read the agenda and documents, vote while a poll is open and read the
results and minutes; the board prepares, convenes and runs the assembly live."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from club.errors import ServiceError
from club.pages import call_service
from club.roles import Role, acts_as, role_required
from club.uploads import attachment
from club.validation import as_number
from governance import services
from governance.minutes import minutes_confirm
from governance.models import (
    Assembly,
    AssemblyStatus,
    Majority,
    Minutes,
    Participation,
    Poll,
    PollStatus,
)
from governance.services import present_or_represented, receipt_counted
from members.selectors import member_of_user

MEMBERS = (Role.MEMBER, Role.BOARD)


def _assembly(assembly_id: int, *, board: bool) -> Assembly:
    qs = Assembly.objects.prefetch_related("items__polls", "documents")
    if not board:
        qs = qs.exclude(status=AssemblyStatus.DRAFT)  # members see convened assemblies only
    assembly = qs.filter(pk=assembly_id).first()
    if assembly is None:
        raise Http404
    return assembly


@role_required(*MEMBERS)
def assembly_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    visible = Assembly.objects.exclude(status=AssemblyStatus.DRAFT)
    return render(
        request,
        "governance/list.html",
        {
            "upcoming": visible.filter(starts_at__gte=now - dt.timedelta(hours=12)).order_by(
                "starts_at"
            ),
            "past": visible.filter(starts_at__lt=now - dt.timedelta(hours=12)),
        },
    )


def _detail(
    request: HttpRequest, assembly: Assembly, *, receipt_code: str | None = None, **extra: Any
) -> HttpResponse:
    member = member_of_user(request.user)
    voted: set[int] = set()
    proxies: list[Any] = []
    if member is not None:
        voted = set(
            Participation.objects.filter(member=member, poll__item__assembly=assembly).values_list(
                "poll_id", flat=True
            )
        )
        proxies = list(
            assembly.proxies.filter(holder=member).select_related("grantor").order_by("pk")
        )
    return render(
        request,
        "governance/detail.html",
        {
            "assembly": assembly,
            "member": member,
            "minutes": Minutes.objects.filter(assembly=assembly).first(),
            "officer": _is_officer(assembly, member),
            "voted": voted,
            "proxies": proxies,
            # Shown once, in the answer to the vote itself: never kept in the session, where it
            # would sit next to the voter's id.
            "receipt_code": receipt_code,
            **extra,
        },
    )


@role_required(*MEMBERS)
def assembly_detail(request: HttpRequest, assembly_id: int) -> HttpResponse:
    assembly = _assembly(assembly_id, board=acts_as(request.user, Role.BOARD))
    checked: bool | None = None
    checked_poll = None
    if request.method == "POST":
        # A receipt is checked by POST, so it never stands in an address or an access log.
        checked_poll = _int(request.POST.get("poll"))
        if checked_poll is not None:
            checked = receipt_counted(
                poll_id=checked_poll, code=request.POST.get("receipt", "")[:20]
            )
    return _detail(request, assembly, checked=checked, checked_poll=checked_poll)


@role_required(*MEMBERS)
@require_POST
def vote(request: HttpRequest, poll_id: int) -> HttpResponse:
    poll = Poll.objects.select_related("item__assembly").filter(pk=poll_id).first()
    if poll is None or poll.item.assembly.status == AssemblyStatus.DRAFT:
        raise Http404
    behalf = request.POST.get("on_behalf_of") or None
    try:
        code = services.ballot_cast(
            user=request.user,
            poll_id=poll.pk,
            choice=request.POST.get("choice", ""),
            on_behalf_of=as_number(behalf),
        )
    except ServiceError as exc:
        messages.error(request, str(exc.message))
        return redirect("governance:detail", assembly_id=poll.item.assembly_id)
    messages.success(request, _("Your vote was counted."))
    assembly = _assembly(poll.item.assembly_id, board=False)
    return _detail(request, assembly, receipt_code=code, voted_poll=poll.pk)


def _file(field: Any, name: str) -> Any:
    return attachment(field, name)


@role_required(*MEMBERS)
def document(request: HttpRequest, assembly_id: int, document_id: int) -> HttpResponse:
    board = acts_as(request.user, Role.BOARD)  # the role check that also demands MFA
    doc = _assembly(assembly_id, board=board).documents.filter(pk=document_id).first()
    if doc is None:
        raise Http404
    return _file(doc.file, (doc.file.name or "document").rsplit("/", 1)[-1])


def _is_officer(assembly: Assembly, member: Any) -> bool:
    return member is not None and member.pk in (assembly.chair_id, assembly.minute_taker_id)


@role_required(*MEMBERS)
def minutes_pdf(request: HttpRequest, assembly_id: int) -> HttpResponse:
    """Published minutes for members; before publication only for the board and for the chair
    and the minute-taker, who confirm them."""
    board = acts_as(request.user, Role.BOARD)
    assembly = _assembly(assembly_id, board=board)
    minutes = Minutes.objects.filter(assembly=assembly).first()
    may_read = (
        board
        or assembly.status == AssemblyStatus.MINUTES_PUBLISHED
        or _is_officer(assembly, member_of_user(request.user))
    )
    if minutes is None or not may_read:
        raise Http404
    return _file(minutes.pdf, f"minutes-{assembly.pk}.pdf")


@role_required(*MEMBERS)
@require_POST
def minutes_confirm_view(request: HttpRequest, assembly_id: int) -> HttpResponse:
    """The chair or the minute-taker confirms the minutes from the assembly's page."""
    assembly = _assembly(assembly_id, board=False)
    if not _is_officer(assembly, member_of_user(request.user)):
        raise Http404
    call_service(
        request,
        minutes_confirm,
        actor=request.user,
        assembly_id=assembly.pk,
        success=_("Thank you: your confirmation is recorded."),
    )
    return redirect("governance:detail", assembly_id=assembly.pk)


# --- The board ----------------------------------------------------------------------------------


@role_required(Role.BOARD)
def board_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        starts = parse_datetime(request.POST.get("starts_at", "") or "")
        if starts is not None and timezone.is_naive(starts):
            starts = timezone.make_aware(starts)
        if starts is None:
            messages.error(request, _("Enter the date and time."))
        else:
            assembly = call_service(
                request,
                services.assembly_create,
                actor=request.user,
                title=request.POST.get("title", ""),
                kind=request.POST.get("kind", ""),
                mode=request.POST.get("mode", ""),
                starts_at=starts,
                place=request.POST.get("place", ""),
                online_info=request.POST.get("online_info", ""),
            )
            if assembly is not None:
                return redirect("governance:board_detail", assembly_id=assembly.pk)
    return render(
        request,
        "governance/board_list.html",
        {
            "assemblies": Assembly.objects.all(),
            "kinds": Assembly.Kind.choices,
            "modes": Assembly.Mode.choices,
        },
    )


@role_required(Role.BOARD)
def board_detail(request: HttpRequest, assembly_id: int) -> HttpResponse:
    assembly = _assembly(assembly_id, board=True)
    polls = [p for item in assembly.items.all() for p in item.polls.all()]
    turnout = {
        p.pk: {
            "voted": p.participations.count(),
            "entitled": p.roll.count(),
            "present": present_or_represented(p),
        }
        for p in polls
        if p.status != PollStatus.DRAFT
    }
    status = assembly.status
    minutes = Minutes.objects.filter(assembly=assembly).first()
    running = status in (AssemblyStatus.CONVENED, AssemblyStatus.OPEN)
    can = {  # only what the assembly's state allows is offered
        "convene": status == AssemblyStatus.DRAFT,
        "open": status == AssemblyStatus.CONVENED,
        "close": status == AssemblyStatus.OPEN,
        "build_minutes": status == AssemblyStatus.CLOSED and minutes is None,
        "confirm_minutes": status == AssemblyStatus.CLOSED and minutes is not None,
        "edit_agenda": status in (AssemblyStatus.DRAFT, AssemblyStatus.CONVENED),
        "check_in": running,
        "proxy": running,
        "officers": (running or status == AssemblyStatus.CLOSED) and minutes is None,
        "new_poll": status in (AssemblyStatus.CONVENED, AssemblyStatus.OPEN, AssemblyStatus.DRAFT),
        "open_poll": status == AssemblyStatus.OPEN,
    }
    return render(
        request,
        "governance/board_detail.html",
        {
            "assembly": assembly,
            "can": can,
            "minutes": minutes,
            "present": assembly.check_ins.select_related("member").order_by("member__number"),
            "polls": polls,
            "turnout": turnout,
            "majorities": Majority.choices,
            "check_ins": assembly.check_ins.count(),
            "proxies": assembly.proxies.select_related("grantor", "holder"),
        },
    )


def _int(value: Any) -> int | None:
    return as_number(value)


@role_required(Role.BOARD)
@require_POST
def board_action(request: HttpRequest, assembly_id: int) -> HttpResponse:
    """One endpoint for the live controls; each ``op`` calls one service."""
    _assembly(assembly_id, board=True)
    p, user = request.POST, request.user
    upload: Any = request.FILES.get("file")
    poll_id = _int(p.get("poll"))
    if (
        poll_id is not None
        and not Poll.objects.filter(pk=poll_id, item__assembly_id=assembly_id).exists()
    ):
        raise Http404
    ops: dict[str, Any] = {
        "convene": lambda: services.assembly_convene(actor=user, assembly_id=assembly_id),
        "open": lambda: services.assembly_open(actor=user, assembly_id=assembly_id),
        "close": lambda: services.assembly_close(actor=user, assembly_id=assembly_id),
        "minutes": lambda: services.build_minutes_now(actor=user, assembly_id=assembly_id),
        "confirm_minutes": lambda: minutes_confirm(actor=user, assembly_id=assembly_id),
        "officers": lambda: services.assembly_officers_set(
            actor=user,
            assembly_id=assembly_id,
            chair_number=_int(p.get("chair")),
            minute_taker_number=_int(p.get("minute_taker")),
        ),
        "item": lambda: services.agenda_item_add(
            actor=user, assembly_id=assembly_id, title=p.get("title", ""), text=p.get("text", "")
        ),
        "document": lambda: services.document_add(
            actor=user,
            assembly_id=assembly_id,
            title=p.get("title", ""),
            content=upload.read() if upload else b"",
            filename=str(upload.name) if upload else "",
        ),
        "poll": lambda: services.poll_create(
            actor=user,
            item_id=_int(p.get("item")) or 0,
            question=p.get("question", ""),
            majority=p.get("majority", ""),
            visibility=p.get("visibility", ""),
            kind=p.get("kind", "motion"),
            candidates=[c for c in p.get("candidates", "").split("\n") if c.strip()],
            seats=_int(p.get("seats")) or 1,
            quorum_percent=p.get("quorum_percent") or None,
        ),
        "exclude": lambda: services.poll_exclude(
            actor=user,
            poll_id=poll_id or 0,
            member_number=_int(p.get("member")) or 0,
            reason=p.get("reason", ""),
        ),
        "poll_open": lambda: services.poll_open(actor=user, poll_id=poll_id or 0),
        "poll_close": lambda: services.poll_close(actor=user, poll_id=poll_id or 0),
        "check_in": lambda: services.check_in(
            actor=user, assembly_id=assembly_id, member_number=_int(p.get("member")) or 0
        ),
        "proxy": lambda: services.proxy_record(
            actor=user,
            assembly_id=assembly_id,
            grantor_number=_int(p.get("grantor")) or 0,
            holder_number=_int(p.get("holder")) or 0,
            authorisation=p.get("authorisation", ""),
        ),
        "paper": lambda: services.paper_ballot_issue(
            actor=user,
            poll_id=poll_id or 0,
            member_number=_int(p.get("member")) or 0,
            on_behalf_of=_int(p.get("on_behalf_of")),
        ),
        "tally": lambda: services.paper_tally_enter(
            actor=user,
            poll_id=poll_id or 0,
            counts={
                k[6:]: (_int(v) if str(v).strip() else 0)
                for k, v in p.items()
                if k.startswith("count_")
            },
        ),
        "accept": lambda: services.acceptance_record(
            actor=user,
            poll_id=poll_id or 0,
            candidate=p.get("candidate", ""),
            accepted=p.get("accepted") == "yes",
        ),
    }
    op = ops.get(p.get("op", ""))
    if op is None:
        messages.error(request, _("Unknown action."))
    else:
        call_service(request, lambda: op(), success=_("Saved."))
    return redirect("governance:board_detail", assembly_id=assembly_id)
