"""The prevention officer's desk (KCanG §23; issue 14): the appointment and training certificate,
the club's health and youth-protection concept, members' consent to be contacted and the contacts
recorded, the referral directory, the information library and its handouts, and peer events.

Nothing here holds clinical detail: a contact records a date, a topic from a fixed list and the
service a member was referred to. A handout is logged without the member it went to.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from club.models import AppendOnlyModel
from members.models import Member


class Topic(models.TextChoices):
    SAFER_USE = "safer_use", _("Safer use")
    YOUNG_ADULTS = "young_adults", _("THC and young adults")
    DRIVING = "driving", _("Driving")
    PREGNANCY = "pregnancy", _("Pregnancy and breastfeeding")
    MIXING = "mixing", _("Mixing with alcohol or tobacco")
    DEPENDENCE = "dependence", _("Signs of dependence")
    REDUCTION = "reduction", _("Cutting down")
    OTHER = "other", _("Other")


class Appointment(AppendOnlyModel):
    """The board's decision that appoints a prevention officer, or ends the appointment."""

    class Kind(models.TextChoices):
        APPOINTED = "appointed", _("Appointed")
        ENDED = "ended", _("Appointment ended")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="prevention_appointments"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    effective_on = models.DateField(_("effective on"))
    decision = models.CharField(_("board decision"), max_length=200)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()


class Certificate(AppendOnlyModel):
    """A prevention officer's training certificate (KCanG §23(4): proof of specific training)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="prevention_certificates"
    )
    course = models.CharField(_("course"), max_length=200)
    issuer = models.CharField(_("issued by"), max_length=200)
    issued_on = models.DateField(_("issued on"))
    expires_on = models.DateField(_("expires on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta(AppendOnlyModel.Meta):
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_on__gt=models.F("issued_on")),
                name="certificate_expires_after_issue",
            )
        ]


class CertificateReminder(AppendOnlyModel):
    """A reminder sent before (or when) a certificate lapses: one per certificate and step."""

    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="reminders")
    days_before = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField()

    class Meta(AppendOnlyModel.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["certificate", "days_before"], name="one_reminder_per_step"
            )
        ]


class ConceptVersion(AppendOnlyModel):
    """One published version of the club's health and youth-protection concept."""

    version = models.PositiveIntegerField(unique=True)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), max_length=50000)
    changes = models.CharField(_("what changed"), max_length=500, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField()


class ConsentChange(AppendOnlyModel):
    """A member gives or withdraws consent to be contacted by the prevention officer; the latest
    row is the member's current answer."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="prevention_consents")
    given = models.BooleanField()
    at = models.DateTimeField()

    class Meta(AppendOnlyModel.Meta):
        indexes = [models.Index(fields=["member", "-at"])]


class Service(models.Model):
    """A counselling or treatment service in the referral directory."""

    class Kind(models.TextChoices):
        COUNSELLING = "counselling", _("Addiction counselling")
        TREATMENT = "treatment", _("Treatment")
        HELPLINE = "helpline", _("Helpline")
        SELF_HELP = "self_help", _("Self-help group")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    contact = models.CharField(_("contact"), max_length=300)
    languages = models.CharField(_("languages"), max_length=200)
    hours = models.CharField(_("opening hours"), max_length=200)
    active = models.BooleanField(_("listed"), default=True)

    AUDITED = ("name", "kind", "contact", "languages", "hours", "active")  # club.digests

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Contact(AppendOnlyModel):
    """The officer spoke with a consenting member: when, about what, and where they were referred.
    No clinical detail, no free text."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="prevention_contacts")
    on = models.DateField(_("date"))
    topic = models.CharField(_("topic"), max_length=20, choices=Topic.choices)
    referral = models.ForeignKey(
        Service,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referrals",
        verbose_name=_("referred to"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()


class Article(models.Model):
    """A short harm-reduction article, one per topic and language."""

    topic = models.CharField(_("topic"), max_length=20, choices=Topic.choices)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), max_length=20000)
    published = models.BooleanField(_("published"), default=False)
    updated_at = models.DateTimeField()

    AUDITED = ("topic", "language", "title", "body", "published")  # club.digests

    class Meta:
        ordering = ["topic", "language"]
        constraints = [
            models.UniqueConstraint(fields=["topic", "language"], name="one_article_per_language")
        ]

    def __str__(self) -> str:
        return self.title


class Handout(AppendOnlyModel):
    """The counter handed out or printed an article (who and when, not to whom)."""

    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="handouts")
    handed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField()


class PeerEvent(models.Model):
    """An information evening: members learn from each other and from invited counsellors."""

    title = models.CharField(_("title"), max_length=200)
    topic = models.CharField(_("topic"), max_length=20, choices=Topic.choices)
    starts_at = models.DateTimeField(_("starts at"))
    place = models.CharField(_("place"), max_length=300)
    description = models.TextField(_("description"), max_length=5000, blank=True)
    cancelled = models.BooleanField(_("cancelled"), default=False)

    AUDITED = ("title", "topic", "starts_at", "place", "cancelled")  # club.digests

    class Meta:
        ordering = ["-starts_at"]

    def __str__(self) -> str:
        return self.title


class Attendance(AppendOnlyModel):
    """A member attended a peer event."""

    event = models.ForeignKey(PeerEvent, on_delete=models.PROTECT, related_name="attendances")
    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="prevention_attendances"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta(AppendOnlyModel.Meta):
        constraints = [
            models.UniqueConstraint(fields=["event", "member"], name="one_attendance_per_member")
        ]
