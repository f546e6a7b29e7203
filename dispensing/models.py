"""Dispensings and their reversals: append-only, with the snapshots the law asks for.

A member's used quota is never stored: it is the sum of their dispensings that were not
reversed, counted by the club-local date each was made on.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from club.models import AppendOnlyModel


class Dispensing(AppendOnlyModel):
    receipt = models.PositiveBigIntegerField(_("receipt number"), unique=True)
    member = models.ForeignKey(
        "members.Member", on_delete=models.PROTECT, related_name="dispensings"
    )
    lot = models.ForeignKey("harvests.Lot", on_delete=models.PROTECT, related_name="dispensings")
    grams = models.DecimalField(max_digits=7, decimal_places=2)
    # Snapshots, so the record reads the same whatever changes later (KCanG §26(1) no. 5).
    strain_name = models.CharField(max_length=100)
    thc_percent = models.DecimalField(max_digits=5, decimal_places=2)
    cbd_percent = models.DecimalField(max_digits=5, decimal_places=2)
    contribution_per_gram = models.DecimalField(max_digits=9, decimal_places=2)
    contribution = models.DecimalField(max_digits=11, decimal_places=2)
    currency = models.CharField(max_length=3)
    id_checked = models.BooleanField()
    card_scanned = models.BooleanField(default=False)
    dispensed_at = models.DateTimeField()
    local_date = models.DateField()  # the club-local day it counts on
    counter_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    idempotency_key = models.CharField(max_length=100, null=True, blank=True, unique=True)
    stock_movement = models.OneToOneField(
        "harvests.StockMovement", on_delete=models.PROTECT, related_name="dispensing"
    )

    class Meta(AppendOnlyModel.Meta):
        ordering = ["-dispensed_at"]
        indexes = [
            models.Index(fields=["member", "local_date"]),
            models.Index(fields=["local_date"]),
            models.Index(fields=["lot", "local_date"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(grams__gt=0), name="dispensing_grams_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(contribution__gte=0), name="dispensing_contribution_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"receipt {self.receipt}"


class Reversal(AppendOnlyModel):
    """The correction of a dispensing: names the original and a reason; gives back stock and
    quota. The original is never changed."""

    dispensing = models.OneToOneField(Dispensing, on_delete=models.PROTECT, related_name="reversal")
    reason = models.TextField()
    reversed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    reversed_at = models.DateTimeField()
    stock_movement = models.OneToOneField(
        "harvests.StockMovement", on_delete=models.PROTECT, related_name="reversal"
    )

    def __str__(self) -> str:
        return f"reversal of {self.dispensing_id}"
