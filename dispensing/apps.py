from collections.abc import Iterator
from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DispensingConfig(AppConfig):
    name = "dispensing"
    verbose_name = _("Dispensing")

    def ready(self) -> None:
        from club import navigation
        from club.audit import register_created_crosscheck, register_crosscheck
        from club.demo import register_seeder
        from club.navigation import NavItem
        from club.roles import SIGNED_IN, Role
        from dispensing.demo import seed_dispensings
        from dispensing.models import Dispensing
        from members.selectors import register_exporter

        register_seeder(40, seed_dispensings)
        register_created_crosscheck(Dispensing, "dispensing.create")
        register_crosscheck(_every_dispensing_moved_stock)
        register_exporter(_export)
        navigation.register(
            NavItem(
                "dispensing:counter",
                _("Counter"),
                frozenset({Role.COUNTER.value, Role.BOARD.value}),
                5,
            )
        )
        navigation.register(NavItem("dispensing:my_quota", _("My quota"), SIGNED_IN, 11))
        navigation.register(
            NavItem("dispensing:log", _("Dispensing log"), frozenset({Role.BOARD.value}), 25)
        )


def _every_dispensing_moved_stock() -> Iterator[str]:
    """Cross-check: each dispensing's stock movement takes exactly its grams from its lot."""
    from dispensing.models import Dispensing

    for d in Dispensing.objects.select_related("stock_movement").iterator():
        m = d.stock_movement
        if m.lot_id != d.lot_id or m.grams != -d.grams or m.member_id != d.member_id:
            yield f"dispensing {d.receipt} does not match its stock movement {m.pk}"


def _export(user: Any) -> tuple[str, Any]:
    from dispensing.models import Dispensing

    rows = Dispensing.objects.filter(member__user=user).values(
        "receipt",
        "local_date",
        "grams",
        "strain_name",
        "thc_percent",
        "cbd_percent",
        "contribution",
        "currency",
    )
    return "dispensings", list(rows)
