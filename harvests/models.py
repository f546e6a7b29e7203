"""Strains, batches, harvests, lab results, lots and the stock ledger; destruction, recalls,
incidents, propagation material and transports.

Every record here is append-only except the current stage of a batch and the status of a lot,
which change only through ``move_to`` (illegal moves refused) and leave a change record. A lot's
stock is never stored: it is the sum of its stock movements.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

import pgtrigger
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from club.models import AppendOnlyModel
from club.states import check_move
from club.triggers import StrictTrigger


def grams_field(verbose_name: Any = None, **kwargs: Any) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=10, decimal_places=2, **kwargs)


def percent_field(verbose_name: Any = None, **kwargs: Any) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=5, decimal_places=2, **kwargs)


class Strain(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    thc_min = percent_field(_("THC from (%)"))
    thc_max = percent_field(_("THC to (%)"))
    cbd_min = percent_field(_("CBD from (%)"))
    cbd_max = percent_field(_("CBD to (%)"))
    created_at = models.DateTimeField(auto_now_add=True)

    AUDITED = ("name", "thc_min", "thc_max", "cbd_min", "cbd_max")  # club.digests

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    thc_min__gte=0, thc_min__lte=models.F("thc_max"), thc_max__lte=100
                ),
                name="strain_thc_range",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    cbd_min__gte=0, cbd_min__lte=models.F("cbd_max"), cbd_max__lte=100
                ),
                name="strain_cbd_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Stage(models.TextChoices):
    PROPAGATION = "propagation", _("Propagation")
    VEGETATIVE = "vegetative", _("Vegetative")
    FLOWERING = "flowering", _("Flowering")
    HARVESTED = "harvested", _("Harvested")
    CLOSED = "closed", _("Closed")
    DESTROYED = "destroyed", _("Destroyed")


STAGE_MOVES: dict[str, frozenset[str]] = {
    Stage.PROPAGATION: frozenset({Stage.VEGETATIVE, Stage.DESTROYED}),
    Stage.VEGETATIVE: frozenset({Stage.FLOWERING, Stage.DESTROYED}),
    Stage.FLOWERING: frozenset({Stage.HARVESTED, Stage.DESTROYED}),
    Stage.HARVESTED: frozenset({Stage.CLOSED}),
    Stage.CLOSED: frozenset(),
    Stage.DESTROYED: frozenset(),
}


class PlanDecision(AppendOnlyModel):
    """The board's recorded decision to grow above declared demand plus the tolerance."""

    reason = models.TextField()
    excess_grams = grams_field()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"plan decision {self.pk}"


class Batch(models.Model):
    code = models.CharField(max_length=20, unique=True)
    strain = models.ForeignKey(Strain, on_delete=models.PROTECT, related_name="batches")
    plants = models.PositiveIntegerField(_("plants"))
    started_on = models.DateField(_("started on"))
    period_start = models.DateField(_("serves from (month)"))
    period_end = models.DateField(_("serves until (month)"))
    expected_yield_grams = grams_field(_("expected yield (g)"))
    stage = models.CharField(max_length=20, choices=Stage.choices, default=Stage.PROPAGATION)
    plan_decision = models.ForeignKey(
        PlanDecision, null=True, blank=True, on_delete=models.PROTECT, related_name="batches"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    # Covered by the audit chain (club.digests): what the grow is and where it stands.
    AUDITED = (
        "code",
        "strain",
        "plants",
        "started_on",
        "period_start",
        "period_end",
        "expected_yield_grams",
        "stage",
        "plan_decision",
    )

    class Meta:
        ordering = ["-started_on", "code"]
        constraints = [
            models.CheckConstraint(condition=models.Q(plants__gt=0), name="batch_has_plants"),
            models.CheckConstraint(
                condition=models.Q(expected_yield_grams__gte=0), name="batch_yield_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="batch_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    def move_to(self, new: str) -> None:
        check_move(what=str(_("batch")), choices=Stage, moves=STAGE_MOVES, old=self.stage, new=new)
        self.stage = new


class BatchStageChange(AppendOnlyModel):
    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="stage_changes")
    from_stage = models.CharField(max_length=20)
    to_stage = models.CharField(max_length=20)
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.batch_id} {self.to_stage}"


class Harvest(AppendOnlyModel):
    """Wet and dry weight of a batch's harvest. Drying loss is derived (wet - dry)."""

    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="harvests")
    harvested_on = models.DateField(_("harvested on"))
    wet_grams = grams_field(_("wet weight (g)"))
    dry_grams = grams_field(_("dry weight (g)"))
    dried_on = models.DateField(_("dried on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta(AppendOnlyModel.Meta):
        constraints = [
            models.CheckConstraint(
                condition=models.Q(dry_grams__gt=0, dry_grams__lte=models.F("wet_grams")),
                name="harvest_dry_within_wet",
            ),
            models.CheckConstraint(
                condition=models.Q(dried_on__gte=models.F("harvested_on")),
                name="harvest_dried_after_harvest",
            ),
        ]

    def __str__(self) -> str:
        return f"harvest {self.pk}"

    @property
    def drying_loss_grams(self) -> Decimal:
        return self.wet_grams - self.dry_grams


class LabResult(AppendOnlyModel):
    harvest = models.ForeignKey(Harvest, on_delete=models.PROTECT, related_name="lab_results")
    laboratory = models.CharField(_("laboratory"), max_length=200)
    tested_on = models.DateField(_("tested on"))
    thc_percent = percent_field(_("THC (%)"))
    cbd_percent = percent_field(_("CBD (%)"))
    contaminants_passed = models.BooleanField(_("free of contaminants"))
    certificate = models.FileField(_("certificate"), upload_to="lab/%Y/", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta(AppendOnlyModel.Meta):
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    thc_percent__gte=0,
                    thc_percent__lte=100,
                    cbd_percent__gte=0,
                    cbd_percent__lte=100,
                ),
                name="lab_percent_range",
            ),
        ]

    def __str__(self) -> str:
        return f"lab {self.pk}"


class ProductType(models.TextChoices):
    FLOWER = "flower", _("Flower (marijuana)")
    RESIN = "resin", _("Resin (hashish)")


class LotStatus(models.TextChoices):
    QUARANTINE = "quarantine", _("Quarantine")
    RELEASED = "released", _("Released")
    DEPLETED = "depleted", _("Depleted")
    RECALLED = "recalled", _("Recalled")


LOT_MOVES: dict[str, frozenset[str]] = {
    LotStatus.QUARANTINE: frozenset({LotStatus.RELEASED, LotStatus.RECALLED}),
    LotStatus.RELEASED: frozenset({LotStatus.DEPLETED, LotStatus.RECALLED}),
    # A reversed dispensing can bring stock back into a depleted lot.
    LotStatus.DEPLETED: frozenset({LotStatus.RELEASED, LotStatus.RECALLED}),
    LotStatus.RECALLED: frozenset(),
}


class Lot(models.Model):
    code = models.CharField(max_length=20, unique=True)
    harvest = models.ForeignKey(Harvest, on_delete=models.PROTECT, related_name="lots")
    lab_result = models.ForeignKey(
        LabResult, null=True, blank=True, on_delete=models.PROTECT, related_name="lots"
    )
    product_type = models.CharField(max_length=10, choices=ProductType.choices)
    grams = grams_field(_("grams put in"))
    thc_percent = percent_field(_("THC (%)"))
    cbd_percent = percent_field(_("CBD (%)"))
    harvest_date = models.DateField(_("harvest date"))
    best_before = models.DateField(_("best before"))
    status = models.CharField(
        max_length=12, choices=LotStatus.choices, default=LotStatus.QUARANTINE
    )
    # What is in the lot now: the balance after its last stock movement, updated with every
    # movement under the lot's lock, so no read sums the lot's history. The database refuses a
    # movement whose balance does not follow the one before or differs from this.
    stock = grams_field(_("in stock (g)"), default=Decimal("0"))
    created_at = models.DateTimeField(auto_now_add=True)

    # Covered by the audit chain (club.digests): every gram and every THC figure of a lot.
    AUDITED = (
        "code",
        "harvest",
        "lab_result",
        "product_type",
        "grams",
        "thc_percent",
        "cbd_percent",
        "harvest_date",
        "best_before",
        "status",
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(grams__gt=0), name="lot_grams_positive"),
            models.CheckConstraint(
                condition=models.Q(best_before__gt=models.F("harvest_date")),
                name="lot_best_before_after_harvest",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    def move_to(self, new: str) -> None:
        check_move(what=str(_("lot")), choices=LotStatus, moves=LOT_MOVES, old=self.status, new=new)
        self.status = new


class LotStatusChange(AppendOnlyModel):
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="status_changes")
    from_status = models.CharField(max_length=12)
    to_status = models.CharField(max_length=12)
    reason = models.TextField(blank=True)
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.lot_id} {self.to_status}"


class MovementKind(models.TextChoices):
    HARVEST_IN = "harvest_in", _("Into the lot from the harvest")
    DISPENSING_OUT = "dispensing_out", _("Dispensed")
    DISPENSING_REVERSAL = "dispensing_reversal", _("Dispensing reversed")
    DESTRUCTION = "destruction", _("Destroyed")
    CORRECTION = "correction", _("Correction")


_BALANCE_FOLLOWS = """
    IF NEW.balance_after IS NULL THEN
        RAISE EXCEPTION 'a stock movement of lot % without the balance after it', NEW.lot_id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    SELECT balance_after INTO prev FROM harvests_stockmovement
        WHERE lot_id = NEW.lot_id ORDER BY id DESC LIMIT 1;
    IF NOT FOUND THEN
        prev := 0;
    ELSIF prev IS NULL THEN  -- movements from before balances were kept: their sum, once
        SELECT COALESCE(SUM(grams), 0) INTO prev FROM harvests_stockmovement
            WHERE lot_id = NEW.lot_id;
    END IF;
    IF NEW.balance_after <> prev + NEW.grams THEN
        RAISE EXCEPTION 'stock of lot %: % after a movement of % does not follow %',
            NEW.lot_id, NEW.balance_after, NEW.grams, prev
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF NEW.balance_after IS DISTINCT FROM (SELECT stock FROM harvests_lot WHERE id = NEW.lot_id)
    THEN
        RAISE EXCEPTION 'stock of lot %: the lot does not hold the balance %',
            NEW.lot_id, NEW.balance_after USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
"""


class StockMovement(AppendOnlyModel):
    """The stock ledger of a lot: grams in (+) and out (-), each with the lot's balance after it
    (the running sum, checked by the database on PostgreSQL and by ``audit_verify``)."""

    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(max_length=20, choices=MovementKind.choices)
    grams = grams_field()
    member = models.ForeignKey(
        "members.Member", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reference = models.CharField(max_length=40, blank=True)
    reason = models.TextField(blank=True)
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    # The lot's stock after this movement (blank only on movements from before it was kept).
    balance_after = grams_field(null=True, blank=True)

    class Meta(AppendOnlyModel.Meta):
        indexes = [
            models.Index(fields=["lot", "at"]),
            models.Index(fields=["kind", "at"]),
            models.Index(fields=["lot", "id"], name="movement_lot_order"),
        ]
        triggers: ClassVar[list[pgtrigger.Trigger]] = [
            *AppendOnlyModel.Meta.triggers,
            StrictTrigger(
                name="balance_follows",
                operation=pgtrigger.Insert,
                when=pgtrigger.Before,
                declare=[("prev", "numeric")],
                func=_BALANCE_FOLLOWS,
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(balance_after__gte=0) | models.Q(balance_after__isnull=True),
                name="movement_balance_not_negative",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(kind__in=["harvest_in", "dispensing_reversal"], grams__gt=0)
                    | models.Q(kind__in=["dispensing_out", "destruction"], grams__lt=0)
                    | (models.Q(kind="correction") & ~models.Q(grams=0))
                ),
                name="movement_sign_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lot_id} {self.kind} {self.grams}"


class Destruction(AppendOnlyModel):
    """What was destroyed, how, why and before whom: a lot's grams, a batch, or propagation
    material."""

    lot = models.ForeignKey(
        Lot, null=True, blank=True, on_delete=models.PROTECT, related_name="destructions"
    )
    batch = models.ForeignKey(
        Batch, null=True, blank=True, on_delete=models.PROTECT, related_name="destructions"
    )
    strain = models.ForeignKey(
        Strain, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    grams = grams_field(default=Decimal("0"))
    seeds = models.PositiveIntegerField(default=0)
    cuttings = models.PositiveIntegerField(default=0)
    plants = models.PositiveIntegerField(default=0)
    reason = models.TextField()
    method = models.CharField(max_length=200)
    witness = models.CharField(max_length=200)
    destroyed_on = models.DateField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta(AppendOnlyModel.Meta):
        constraints = [
            models.CheckConstraint(condition=models.Q(grams__gte=0), name="destruction_grams"),
        ]

    def __str__(self) -> str:
        return f"destruction {self.pk}"


class Recall(AppendOnlyModel):
    """KCanG §26(4): a lot recalled for a health risk."""

    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="recalls")
    reason = models.TextField()
    recalled_at = models.DateTimeField()
    recalled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    def __str__(self) -> str:
        return f"recall {self.lot_id}"


class Incident(AppendOnlyModel):
    """KCanG §26(5): suspected loss or diversion, and its report to the authority."""

    class Kind(models.TextChoices):
        LOSS = "loss", _("Loss")
        THEFT = "theft", _("Theft")
        DIVERSION = "diversion", _("Suspected diversion")

    kind = models.CharField(max_length=12, choices=Kind.choices)
    lot = models.ForeignKey(
        Lot, null=True, blank=True, on_delete=models.PROTECT, related_name="incidents"
    )
    grams_missing = grams_field()
    description = models.TextField()
    noticed_on = models.DateField()
    reported_to_authority_on = models.DateField(null=True, blank=True)
    authority_reference = models.CharField(max_length=100, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"incident {self.pk}"


class PropagationKind(models.TextChoices):
    SEED = "seed", _("Seeds")
    CUTTING = "cutting", _("Cuttings")


class PropagationMovement(AppendOnlyModel):
    """Seeds and cuttings received (with the supplier, §26(1)), handed out (§20), used or destroyed.
    Stock on hand per strain and kind is the sum of ``count``."""

    class Direction(models.TextChoices):
        RECEIVED = "received", _("Received")
        HANDED_OUT = "handed_out", _("Handed out")
        PLANTED = "planted", _("Planted by the club")
        DESTROYED = "destroyed", _("Destroyed")

    strain = models.ForeignKey(Strain, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=PropagationKind.choices)
    direction = models.CharField(max_length=12, choices=Direction.choices)
    count = models.IntegerField()
    supplier = models.CharField(max_length=200, blank=True)
    member = models.ForeignKey(
        "members.Member", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    non_member = models.BooleanField(default=False)
    on = models.DateField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta(AppendOnlyModel.Meta):
        indexes = [models.Index(fields=["member", "on"])]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(direction="received", count__gt=0)
                    | (~models.Q(direction="received") & models.Q(count__lt=0))
                ),
                name="propagation_sign_matches_direction",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.direction} {self.count}"


class Transport(AppendOnlyModel):
    """KCanG §22(3): a transport of cannabis between the club's sites."""

    grams = grams_field()
    strains = models.ManyToManyField(Strain, related_name="+")
    accompanying_member = models.ForeignKey(
        "members.Member", on_delete=models.PROTECT, related_name="+"
    )
    on = models.DateField()
    start = models.CharField(max_length=300)
    destination = models.CharField(max_length=300)
    notice_sent_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta(AppendOnlyModel.Meta):
        constraints = [
            models.CheckConstraint(condition=models.Q(grams__gt=0), name="transport_grams"),
        ]

    def __str__(self) -> str:
        return f"transport {self.pk}"
