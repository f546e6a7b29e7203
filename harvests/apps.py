from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HarvestsConfig(AppConfig):
    name = "harvests"
    verbose_name = _("Harvests")

    def ready(self) -> None:
        from club import navigation
        from club.audit import register_created_crosscheck, register_crosscheck
        from club.demo import register_seeder
        from club.roles import Role
        from harvests.demo import seed_harvests
        from harvests.models import Batch, Harvest, Lot, Strain
        from harvests.selectors import stock_balance_problems

        register_seeder(30, seed_harvests)
        register_created_crosscheck(Strain, "strain.create")
        register_created_crosscheck(Batch, "batch.create")
        register_created_crosscheck(Harvest, "harvest.create")
        register_created_crosscheck(Lot, "lot.create")
        register_crosscheck(stock_balance_problems)
        navigation.register(
            navigation.NavItem(
                "harvests:dashboard",
                _("Cultivation"),
                frozenset({Role.GROWER.value, Role.BOARD.value}),
                30,
            )
        )
