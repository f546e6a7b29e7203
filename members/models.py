"""Applications, identity checks, members, their decisions, forecasts and cards.

Decisions, identity checks, forecasts and card issues are append-only; an application's and a
member's current status change only through their ``move_to`` method, which refuses illegal moves,
and every move is a decision record with a reason and an actor.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import ClassVar

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from club.models import AppendOnlyModel, erasable_triggers
from club.states import check_move


class ApplicationStatus(models.TextChoices):
    AWAITING_SPONSOR = "awaiting_sponsor", _("Awaiting the sponsor")
    SUBMITTED = "submitted", _("Waiting for the board")
    WAITLISTED = "waitlisted", _("On the waiting list")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


S = ApplicationStatus
APPLICATION_MOVES: dict[str, frozenset[str]] = {
    S.AWAITING_SPONSOR: frozenset({S.SUBMITTED, S.WAITLISTED, S.REJECTED, S.WITHDRAWN}),
    S.SUBMITTED: frozenset({S.APPROVED, S.REJECTED, S.WAITLISTED, S.WITHDRAWN}),
    S.WAITLISTED: frozenset({S.SUBMITTED, S.REJECTED, S.WITHDRAWN}),
    S.APPROVED: frozenset(),
    S.REJECTED: frozenset(),
    S.WITHDRAWN: frozenset(),
}


class Application(models.Model):
    """An application for membership. Personal data kept to what admission and the law ask."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    date_of_birth = models.DateField(_("date of birth"))
    email = models.EmailField(_("e-mail address"))
    address = models.TextField(_("address"))
    residence_country = models.CharField(_("country of residence"), max_length=2)
    resident_since = models.DateField(_("resident there since"))
    therapeutic_use = models.BooleanField(_("therapeutic use"), default=False)
    sponsor = models.ForeignKey(
        "Member", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sponsor_confirmed_at = models.DateTimeField(null=True, blank=True)
    forecast_grams = models.DecimalField(
        _("forecast (grams per month)"),
        max_digits=7,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    one_club_declared_at = models.DateTimeField(null=True, blank=True)
    one_club_text_version = models.CharField(max_length=20, blank=True)
    statutes_accepted_at = models.DateTimeField()
    statutes_version = models.CharField(max_length=20)
    privacy_accepted_at = models.DateTimeField()
    privacy_version = models.CharField(max_length=20)
    status = models.CharField(max_length=20, choices=ApplicationStatus.choices)
    language = models.CharField(max_length=8, blank=True)  # for letters to the applicant
    created_at = models.DateTimeField(auto_now_add=True)
    queued_at = models.DateTimeField(null=True, blank=True)  # waitlist order

    AUDITED = ("status",)  # covered by the audit chain (club.digests)

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["status", "queued_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(forecast_grams__gte=0), name="application_forecast_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"application {self.pk}"

    def move_to(self, new: str) -> None:
        """Change the status, or raise ``ILLEGAL_STATUS_MOVE``. The caller saves and records it."""
        check_move(
            what=str(_("application")),
            choices=ApplicationStatus,
            moves=APPLICATION_MOVES,
            old=self.status,
            new=new,
        )
        self.status = new


class ApplicationDecision(AppendOnlyModel):
    class Kind(models.TextChoices):
        APPROVE = "approve", _("Approve")
        REJECT = "reject", _("Reject")
        WAITLIST = "waitlist", _("Put on the waiting list")
        OFFER = "offer", _("Offer a free place")
        SPONSOR_CONFIRM = "sponsor_confirm", _("Sponsor confirmed")
        SPONSOR_DECLINE = "sponsor_decline", _("Sponsor declined")
        WITHDRAW = "withdraw", _("Withdrawn by the applicant")

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="decisions")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField()

    # Personal data the retention purge blanks (club.models.erasable_triggers).
    ERASABLE: ClassVar[tuple[str, ...]] = ("reason",)

    class Meta(AppendOnlyModel.Meta):
        triggers = erasable_triggers("reason")
        ordering = ["decided_at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.application_id}"


class DocumentType(models.TextChoices):
    ID_CARD = "id_card", _("Identity card")
    PASSPORT = "passport", _("Passport")
    RESIDENCE_PERMIT = "residence_permit", _("Residence permit")


class IdentityCheck(AppendOnlyModel):
    """Who saw which document, and what it confirmed. No scan, only the last digits."""

    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="identity_checks"
    )
    document_type = models.CharField(max_length=20, choices=DocumentType.choices)
    document_last_digits = models.CharField(
        max_length=4, validators=[RegexValidator(r"^[A-Z0-9]{2,4}$")]
    )
    age_confirmed = models.BooleanField()
    residence_confirmed = models.BooleanField()
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    checked_at = models.DateTimeField()

    # Personal data the retention purge blanks (club.models.erasable_triggers).
    ERASABLE: ClassVar[tuple[str, ...]] = ("document_last_digits",)

    class Meta(AppendOnlyModel.Meta):
        triggers = erasable_triggers("document_last_digits")
        ordering = ["checked_at", "pk"]

    def __str__(self) -> str:
        return f"identity check {self.pk}"


class MemberStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    ENDED = "ended", _("Ended")
    EXPELLED = "expelled", _("Expelled")


M = MemberStatus
MEMBER_MOVES: dict[str, frozenset[str]] = {
    M.ACTIVE: frozenset({M.SUSPENDED, M.ENDED, M.EXPELLED}),
    M.SUSPENDED: frozenset({M.ACTIVE, M.ENDED, M.EXPELLED}),
    M.ENDED: frozenset(),
    M.EXPELLED: frozenset(),
}


class Member(models.Model):
    number = models.PositiveIntegerField(_("membership number"), unique=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="member"
    )
    application = models.OneToOneField(
        Application, null=True, blank=True, on_delete=models.PROTECT, related_name="member"
    )
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    date_of_birth = models.DateField(_("date of birth"))
    address = models.TextField(_("address"))
    residence_country = models.CharField(_("country of residence"), max_length=2)
    therapeutic_use = models.BooleanField(default=False)
    status = models.CharField(max_length=20, choices=MemberStatus.choices)
    admitted_on = models.DateField(_("admitted on"))
    first_dispensing_on = models.DateField(_("first dispensing possible on"))
    min_membership_until = models.DateField(_("minimum membership until"))
    ends_on = models.DateField(_("membership ends on"), null=True, blank=True)
    card_version = models.PositiveIntegerField(default=0)
    language = models.CharField(max_length=8, blank=True)  # for letters; blank: the club's
    legacy_number = models.CharField(max_length=40, blank=True)

    # Covered by the audit chain (club.digests): what decides whether, when and how much a
    # member may be dispensed, and whether they may vote.
    AUDITED = (
        "number",
        "user",
        "date_of_birth",
        "residence_country",
        "therapeutic_use",
        "status",
        "admitted_on",
        "first_dispensing_on",
        "min_membership_until",
        "ends_on",
    )
    PERSONAL = ("date_of_birth", "residence_country")

    class Meta:
        ordering = ["number"]
        indexes = [
            models.Index(fields=["status"]),
            models.Index(fields=["last_name", "first_name"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(first_dispensing_on__gte=models.F("admitted_on")),
                name="member_first_dispensing_after_admission",
            ),
        ]

    def __str__(self) -> str:
        return f"member {self.number}"

    def move_to(self, new: str) -> None:
        """Change the status, or raise ``ILLEGAL_STATUS_MOVE``. The caller saves and records it."""
        check_move(
            what=str(_("membership")),
            choices=MemberStatus,
            moves=MEMBER_MOVES,
            old=self.status,
            new=new,
        )
        self.status = new

    def age_on(self, day: dt.date) -> int:
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class MemberDecision(AppendOnlyModel):
    """Every change of a membership: admission, suspension, reinstatement, end, expulsion."""

    class Kind(models.TextChoices):
        ADMIT = "admit", _("Admitted")
        SUSPEND = "suspend", _("Suspended")
        REINSTATE = "reinstate", _("Reinstated")
        RESIGN = "resign", _("Resigned")
        END = "end", _("Ended")
        EXPEL = "expel", _("Expelled")
        RESIDENCE_LEFT = "residence_left", _("Residence left the country")
        IMPORT = "import", _("Imported from a register")

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="decisions")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    effective_on = models.DateField()
    reason = models.TextField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField()

    # Personal data the retention purge blanks (club.models.erasable_triggers).
    ERASABLE: ClassVar[tuple[str, ...]] = ("reason",)

    class Meta(AppendOnlyModel.Meta):
        triggers = erasable_triggers("reason")
        ordering = ["decided_at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.member_id}"


class Forecast(AppendOnlyModel):
    """A member's declared monthly consumption. The latest one is the current one."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="forecasts")
    grams_per_month = models.DecimalField(max_digits=7, decimal_places=2)
    valid_from = models.DateField()
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta(AppendOnlyModel.Meta):
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["member", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(grams_per_month__gte=0), name="forecast_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"forecast {self.member_id} {self.grams_per_month}"


class CardIssue(AppendOnlyModel):
    """A card version handed out. A newer version revokes every older one."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="cards")
    version = models.PositiveIntegerField()
    issued_at = models.DateTimeField()
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta(AppendOnlyModel.Meta):
        constraints = [
            models.UniqueConstraint(fields=["member", "version"], name="card_version_unique")
        ]

    def __str__(self) -> str:
        return f"card {self.member_id} v{self.version}"


class ImportJob(models.Model):
    """A register import: parsed, checked (dry run), then written all at once or not at all."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        CHECKED = "checked", _("Checked")
        INVALID = "invalid", _("Has errors")
        IMPORTED = "imported", _("Imported")
        FAILED = "failed", _("Failed")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    filename = models.CharField(max_length=200)
    content = models.BinaryField()
    commit = models.BooleanField(default=False)
    state = models.CharField(max_length=20, choices=State.choices, default=State.QUEUED)
    # club.jobs: the claim's compare-and-set and the heartbeat a dead worker stops sending.
    attempts = models.PositiveIntegerField(default=0)
    queued_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    report: models.JSONField = models.JSONField(default=list)

    REPORT_LIMIT: ClassVar[int] = 5000

    def __str__(self) -> str:
        return f"import {self.pk}"
