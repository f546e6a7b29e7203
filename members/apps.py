from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = _("Members")

    def ready(self) -> None:
        from club import navigation
        from club.audit import register_created_crosscheck
        from club.demo import register_seeder
        from club.navigation import NavItem
        from club.roles import SIGNED_IN, Role
        from members.demo import seed_members
        from members.models import Application, Member

        register_seeder(20, seed_members)
        register_created_crosscheck(Application, "application.create")
        register_created_crosscheck(Member, "member.admit")
        board = frozenset({Role.BOARD.value})
        navigation.register(NavItem("members:portal", _("My membership"), SIGNED_IN, 10))
        navigation.register(NavItem("members:applications", _("Applications"), board, 20))
        navigation.register(
            NavItem(
                "members:list",
                _("Members"),
                frozenset({Role.BOARD.value, Role.COUNTER.value, Role.TREASURER.value}),
                21,
            )
        )
        navigation.register(
            NavItem(
                "members:card_check",
                _("Card check"),
                frozenset({Role.BOARD.value, Role.COUNTER.value}),
                22,
            )
        )
