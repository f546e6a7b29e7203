"""Demo cultivation: three strains, batches in every stage, harvests with lab results, and
released lots with stock."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from club.demo import DEMO_USERS
from club.models import User
from harvests.models import Strain
from harvests.services import (
    batch_create,
    batch_destroy,
    batch_move,
    harvest_record,
    lab_result_record,
    lot_create,
    lot_release,
    propagation_receive,
    strain_create,
)
from members.rules import add_months

STRAINS = [
    ("Nordlicht", "12", "16", "0.5", "1.5"),
    ("Sanfte Welle", "5", "9", "4", "8"),
    ("Zitronenhain", "14", "19", "0.1", "0.8"),
]


def seed_harvests() -> None:
    if Strain.objects.exists():
        return
    today = timezone.localdate()
    board = User.objects.get(email=DEMO_USERS[0][1])
    grower = User.objects.get(email=DEMO_USERS[2][1])
    strains = [
        strain_create(actor=grower, name=n, thc_min=a, thc_max=b, cbd_min=c, cbd_max=d)
        for n, a, b, c, d in STRAINS
    ]
    month = today.replace(day=1)

    def batch(
        strain: Strain, plants: int, days_ago: int, grams: str, stages: list[str], serves: int
    ) -> str:
        """``serves``: the month the yield is for, counted from this month."""
        started = today - dt.timedelta(days=days_ago)
        period = add_months(month, serves)
        b = batch_create(
            actor=board,
            strain_id=strain.pk,
            plants=plants,
            started_on=started,
            period_start=period,
            period_end=period,
            expected_yield_grams=grams,
            decision_reason="Demo: first season, building a small reserve",
        )
        for stage in stages:
            batch_move(actor=grower, code=b.code, to=stage)
        return b.code

    def harvested(
        strain: Strain, wet: str, dry: str, thc: str, cbd: str, lots: list[tuple], serves: int
    ) -> None:
        code = batch(strain, 6, 140, dry, ["vegetative", "flowering"], serves)
        h = harvest_record(
            actor=grower,
            batch_code=code,
            harvested_on=today - dt.timedelta(days=30),
            wet_grams=wet,
            dry_grams=dry,
            dried_on=today - dt.timedelta(days=16),
        )
        lab_result_record(
            actor=grower,
            harvest_id=h.pk,
            laboratory="Labor Berlin-Mitte GmbH",
            tested_on=today - dt.timedelta(days=12),
            thc_percent=thc,
            cbd_percent=cbd,
            contaminants_passed=True,
        )
        for product, grams, release in lots:
            lot = lot_create(
                actor=grower,
                harvest_id=h.pk,
                product_type=product,
                grams=grams,
                best_before=today + dt.timedelta(days=300),
            )
            if release:
                lot_release(actor=grower, code=lot.code)

    harvested(
        strains[0],
        "2400",
        "600",
        "14.2",
        "0.9",
        [("flower", "450", True), ("resin", "40", True)],
        -2,
    )
    harvested(strains[1], "1800", "420", "7.5", "6.1", [("flower", "400", True)], -1)
    harvested(strains[2], "1500", "360", "17.8", "0.4", [("flower", "300", False)], 0)
    batch(strains[2], 4, 70, "230", ["vegetative", "flowering"], 1)
    batch(strains[0], 4, 35, "230", ["vegetative"], 2)
    batch(strains[1], 4, 7, "220", [], 3)
    gone = batch(strains[2], 4, 50, "100", ["vegetative"], 4)
    batch_destroy(
        actor=grower,
        code=gone,
        reason="Spider mites",
        method="Composted, mixed with soil",
        witness="Bea Vorstand",
        destroyed_on=today - dt.timedelta(days=20),
        wet_grams="800",
    )
    propagation_receive(
        actor=grower,
        strain_id=strains[0].pk,
        kind="seed",
        count=40,
        supplier="Samenhandel Nord GmbH, Hamburg",
        on=today - dt.timedelta(days=90),
    )
