"""The treasurer's pages (the board reads them): accounts and the year's income statement, the
journal, arrears, payments and expenses; and the member's own account."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from club.errors import ServiceError
from club.pages import refusal_on_form
from club.roles import SIGNED_IN, Role, role_required
from club.uploads import attachment
from finance import selectors
from finance.expenses import expense_record
from finance.fees import arrears, member_balance, payment_record
from finance.forms import ExpenseForm, PaymentForm
from finance.models import Expense
from members.models import Member
from members.selectors import member_of_user

READERS = (Role.TREASURER, Role.BOARD)


@role_required(*READERS)
def overview(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    year = dt.date(today.year, 1, 1)
    return render(
        request,
        "finance/overview.html",
        {
            "balances": selectors.account_balances(),
            "statement": selectors.income_statement(start=year, end=today),
            "year": today.year,
            "arrears": len(arrears()),
        },
    )


@role_required(*READERS)
def journal(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.journal(), 50).get_page(request.GET.get("page"))
    return render(request, "finance/journal.html", {"page": page})


@role_required(*READERS)
def arrears_list(request: HttpRequest) -> HttpResponse:
    return render(request, "finance/arrears.html", {"rows": arrears()})


def _form_page(request: HttpRequest, form: Any, title: str, book: Any) -> HttpResponse:
    if request.method == "POST" and form.is_valid():
        try:
            book(form.cleaned_data)
        except ServiceError as exc:
            refusal_on_form(form, exc, with_code=True)
        else:
            messages.success(request, _("Booked."))
            return redirect("finance:overview")
    return render(request, "finance/form.html", {"form": form, "title": title})


@role_required(Role.TREASURER)
def payment_new(request: HttpRequest) -> HttpResponse:
    form = PaymentForm(request.POST or None, initial={"received_on": timezone.localdate()})
    return _form_page(
        request,
        form,
        _("Record a payment"),
        lambda d: payment_record(actor=request.user, **d),
    )


@role_required(Role.TREASURER)
def expense_new(request: HttpRequest) -> HttpResponse:
    form = ExpenseForm(
        request.POST or None, request.FILES or None, initial={"spent_on": timezone.localdate()}
    )

    def book(data: dict[str, Any]) -> Any:
        upload = data.pop("document", None)
        return expense_record(
            actor=request.user,
            document=upload.read() if upload else None,
            filename=str(upload.name) if upload else "",
            **data,
        )

    return _form_page(request, form, _("Book an expense"), book)


@role_required(*READERS)
def expense_document(request: HttpRequest, expense_id: int) -> Any:
    expense = Expense.objects.filter(pk=expense_id).first()
    if expense is None or not expense.document:
        raise Http404
    return attachment(expense.document, str(expense.document.name).rsplit("/", 1)[-1])


@role_required(SIGNED_IN)
def my_account(request: HttpRequest) -> HttpResponse:
    member = member_of_user(request.user)
    if member is None:
        raise Http404
    return render(
        request,
        "finance/my_account.html",
        {
            "member": member,
            "balance": member_balance(member),
            "rows": selectors.member_statement(member),
        },
    )


def _period(request: HttpRequest) -> tuple[dt.date, dt.date, Any]:
    """The months the treasurer chose (?from=2026-01&to=2026-12); the last twelve by default."""
    from finance.forms import PeriodForm
    from members.rules import add_months

    today = timezone.localdate()
    form = PeriodForm(request.GET or None)
    start, last = add_months(today.replace(day=1), -11), today.replace(day=1)
    if form.is_valid():
        start = form.cleaned_data.get("from") or start
        last = form.cleaned_data.get("to") or last
    end = add_months(last, 1) - dt.timedelta(days=1)
    return start, max(end, start), form


@role_required(*READERS)
def cost(request: HttpRequest) -> HttpResponse:
    start, end, form = _period(request)
    data = selectors.cost_per_gram(start=start, end=end)
    top = max([max(m["income"], m["costs"]) for m in data["months"]] + [Decimal("1")])
    for m in data["months"]:
        m["income_pct"] = int(m["income"] * 100 / top)
        m["costs_pct"] = int(m["costs"] * 100 / top)
    return render(
        request,
        "finance/cost.html",
        {"data": data, "form": form, "from": f"{start:%Y-%m}", "to": f"{end:%Y-%m}"},
    )


@role_required(*READERS)
def journal_export(request: HttpRequest, fmt: str) -> HttpResponse:
    header = ["transaction", "booked_on", "description", "account", "debit", "credit", "member"]
    rows = (
        [
            tx.pk,
            tx.booked_on.isoformat(),
            tx.description,
            leg.account.code,
            str(leg.amount) if leg.amount > 0 else "",
            str(-leg.amount) if leg.amount < 0 else "",
            leg.member.number if leg.member else "",
        ]
        for tx in selectors.journal().order_by("booked_on", "pk")
        for leg in tx.legs.all()
    )
    return _export(fmt, "journal", header, rows)


@role_required(*READERS)
def members_export(request: HttpRequest, fmt: str) -> HttpResponse:
    header = ["number", "last_name", "first_name", "status", "balance"]
    balances = selectors.member_balances()
    rows = (
        [m.number, m.last_name, m.first_name, m.status, str(balances.get(m.pk, Decimal("0.00")))]
        for m in Member.objects.order_by("number")
    )
    return _export(fmt, "member-accounts", header, rows)


def _export(fmt: str, name: str, header: list[str], rows: Any) -> HttpResponse:
    from club.exports import csv_response, xlsx_response

    makers = {"csv": csv_response, "xlsx": xlsx_response}
    if fmt not in makers:
        raise Http404
    return makers[fmt](name, header, rows)


@role_required(*READERS)
def fees(request: HttpRequest) -> HttpResponse:
    from finance.models import FeeSchedule, GramPrice

    return render(
        request,
        "finance/fees.html",
        {
            "schedules": FeeSchedule.objects.select_related("adopted_by").order_by("-valid_from"),
            "prices": GramPrice.objects.select_related("adopted_by").order_by("-valid_from"),
        },
    )


@role_required(Role.TREASURER)
@require_POST
def fees_charge_now(request: HttpRequest) -> HttpResponse:
    """The daily fee run, now (before the annual assembly, or after the schedule changed). It
    charges only what is due and not yet charged, so a second click charges nothing."""
    from finance.fees import fees_charge

    made = fees_charge()
    if made:
        messages.success(
            request,
            ngettext("%(n)s fee charged.", "%(n)s fees charged.", made) % {"n": made},
        )
    else:
        messages.info(request, _("Every fee that is due is charged already."))
    return redirect("finance:fees")


@role_required(*READERS)
def sepa(request: HttpRequest) -> HttpResponse:
    from finance.models import SepaRun

    return render(
        request,
        "finance/sepa.html",
        {
            "runs": SepaRun.objects.prefetch_related("collections").order_by("-created_at"),
            "today": timezone.localdate(),
        },
    )


@role_required(Role.TREASURER)
@require_POST
def sepa_run_new(request: HttpRequest) -> HttpResponse:
    """The treasurer builds a direct debit file of every open balance (the board reads)."""
    from finance.sepa import sepa_run_create

    try:
        day = dt.date.fromisoformat(request.POST.get("collection_date", "")[:10])
    except ValueError:
        messages.error(request, _("Enter the collection date."))
        return redirect("finance:sepa")
    try:
        sepa_run_create(actor=request.user, collection_date=day)
    except ServiceError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The direct debit file is ready."))
    return redirect("finance:sepa")


@role_required(*READERS)
def sepa_file(request: HttpRequest, run_id: int) -> Any:
    from finance.models import SepaRun

    run = SepaRun.objects.filter(pk=run_id).first()
    if run is None:
        raise Http404
    return attachment(run.file, str(run.file.name).rsplit("/", 1)[-1])


def _treasurer_form(
    request: HttpRequest, form_class: Any, title: str, book: Any, **initial: Any
) -> HttpResponse:
    form = form_class(request.POST or None, initial=initial or None)
    return _form_page(request, form, title, book)


@role_required(Role.TREASURER)
def fee_schedule_new(request: HttpRequest) -> HttpResponse:
    from finance.fees import fee_schedule_set
    from finance.forms import FeeScheduleForm

    return _treasurer_form(
        request,
        FeeScheduleForm,
        _("A new fee schedule"),
        lambda d: fee_schedule_set(actor=request.user, **d),
    )


@role_required(Role.TREASURER)
def gram_price_new(request: HttpRequest) -> HttpResponse:
    from finance.forms import GramPriceForm
    from finance.services import gram_price_set

    return _treasurer_form(
        request,
        GramPriceForm,
        _("A new contribution per gram"),
        lambda d: gram_price_set(actor=request.user, **{**d, "per_gram": d["per_gram"] or "0"}),
    )


@role_required(Role.TREASURER)
def mandate_new(request: HttpRequest) -> HttpResponse:
    from finance.forms import MandateForm
    from finance.sepa import mandate_record

    return _treasurer_form(
        request,
        MandateForm,
        _("A direct debit mandate"),
        lambda d: mandate_record(actor=request.user, **d),
    )


@role_required(Role.TREASURER)
def creditor_edit(request: HttpRequest) -> HttpResponse:
    from finance.forms import CreditorForm
    from finance.models import SepaCreditor
    from finance.sepa import sepa_creditor_set

    current = SepaCreditor.objects.first()
    initial = (
        {
            "name": current.name,
            "iban": current.iban,
            "bic": current.bic,
            "creditor_id": current.creditor_id,
        }
        if current
        else {}
    )
    return _treasurer_form(
        request,
        CreditorForm,
        _("The club as creditor"),
        lambda d: sepa_creditor_set(actor=request.user, **d),
        **initial,
    )


@role_required(Role.TREASURER)
def sepa_return_new(request: HttpRequest) -> HttpResponse:
    from finance.forms import ReturnForm
    from finance.sepa import sepa_return_record

    return _treasurer_form(
        request,
        ReturnForm,
        _("A returned direct debit"),
        lambda d: sepa_return_record(actor=request.user, **d),
    )


@role_required(Role.TREASURER)
def transaction_reverse_page(request: HttpRequest, transaction_id: int) -> HttpResponse:
    from finance.forms import ReversalForm
    from finance.services import transaction_reverse

    return _treasurer_form(
        request,
        ReversalForm,
        _("Reverse transaction %(n)s") % {"n": transaction_id},
        lambda d: transaction_reverse(actor=request.user, transaction_id=transaction_id, **d),
    )


@role_required(Role.BOARD)
def fee_reduction_new(request: HttpRequest) -> HttpResponse:
    from finance.fees import fee_reduction_grant
    from finance.forms import FeeReductionForm

    return _treasurer_form(
        request,
        FeeReductionForm,
        _("Grant the reduced fee"),
        lambda d: fee_reduction_grant(actor=request.user, **d),
    )


@role_required(Role.TREASURER)
def booking_new(request: HttpRequest) -> HttpResponse:
    from finance.forms import BookingForm
    from finance.services import money, transaction_record

    def book(d: dict[str, Any]) -> Any:
        amount = money(d["amount"])
        return transaction_record(
            actor=request.user,
            booked_on=d["booked_on"],
            description=d["description"],
            legs=[(d["debit"], amount), (d["credit"], -amount)],
        )

    return _treasurer_form(
        request, BookingForm, _("Book a transaction"), book, booked_on=timezone.localdate()
    )
