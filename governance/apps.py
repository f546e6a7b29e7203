from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GovernanceConfig(AppConfig):
    name = "governance"
    verbose_name = _("Governance")

    def ready(self) -> None:
        from club import navigation
        from club.audit import register_created_crosscheck
        from club.demo import register_seeder
        from club.navigation import NavItem
        from club.roles import Role
        from governance.demo import seed_governance
        from governance.models import Assembly, Poll

        register_seeder(35, seed_governance)  # before dispensing: fees and prices need it
        register_created_crosscheck(Assembly, "assembly.create")
        register_created_crosscheck(Poll, "poll.create")
        navigation.register(
            NavItem(
                "governance:list",
                _("Assemblies"),
                frozenset({Role.MEMBER.value, Role.BOARD.value}),
                12,
            )
        )
        navigation.register(
            NavItem("governance:board_list", _("Run assemblies"), frozenset({Role.BOARD.value}), 26)
        )
