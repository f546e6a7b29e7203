"""Report runs: one row per report built (or being built), with its file and fingerprint."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportKind(models.TextChoices):
    ANNUAL_AUDIT = "annual_audit", _("Annual non-profit audit")
    AUTHORITY_ANNUAL = "authority_annual", _("Annual report to the authority")
    DISPENSING_EXPORT = "dispensing_export", _("Anonymised dispensing records")
    STOCK_MONTHLY = "stock_monthly", _("Monthly stock reconciliation")
    QUARTERLY = "quarterly", _("Quarterly report")
    MEMBER_REGISTER = "member_register", _("Member register extract")


class ReportState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ReportRun(models.Model):
    """A report of one kind for one period. The first request of a kind and period makes version
    1; asking again returns it, unless a new version is asked for (older versions stay)."""

    kind = models.CharField(max_length=30, choices=ReportKind.choices)
    period_start = models.DateField()
    period_end = models.DateField()
    version = models.PositiveIntegerField(default=1)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )  # None: the schedule asked
    language = models.CharField(max_length=8)
    state = models.CharField(max_length=10, choices=ReportState.choices, default="queued")
    progress = models.PositiveSmallIntegerField(default=0)
    attempts = models.PositiveIntegerField(default=0)
    queued_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    file = models.FileField(upload_to="reports/%Y/", blank=True)
    content_type = models.CharField(max_length=60, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    chain_seq = models.PositiveBigIntegerField(null=True, blank=True)
    chain_hash = models.CharField(max_length=64, blank=True)
    data: models.JSONField = models.JSONField(default=dict, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)  # sent to the authority

    class Meta:
        ordering = ("-queued_at", "-pk")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "period_start", "period_end", "version"],
                name="report_run_one_per_version",
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="report_run_period_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="report_run_progress_percent"
            ),
        ]
        indexes = [models.Index(fields=["state", "heartbeat_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.period_start}..{self.period_end} v{self.version}"
