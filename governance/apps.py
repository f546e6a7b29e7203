from typing import Any

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
        from members.selectors import register_exporter

        register_exporter(_export)
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


def _export(user: Any) -> tuple[str, Any]:
    """A member's part in the club's governance: assemblies attended, proxies given and held,
    the polls they took part in and how (online, paper, proxy), and their choice only where the
    vote was by name. A secret ballot's choice is not linked to anyone, so it is not here."""
    from governance.models import CheckIn, NamedBallot, Participation, Proxy

    member = {"member__user": user}
    return "governance", {
        "assemblies_attended": list(
            CheckIn.objects.filter(**member)
            .order_by("at")
            .values("assembly__title", "assembly__starts_at", "at")
        ),
        "proxies_given": list(
            Proxy.objects.filter(grantor__user=user)
            .order_by("recorded_at")
            .values("assembly__title", "holder__number", "recorded_at")
        ),
        "proxies_held": list(
            Proxy.objects.filter(holder__user=user)
            .order_by("recorded_at")
            .values("assembly__title", "grantor__number", "recorded_at")
        ),
        "polls_taken_part_in": list(
            Participation.objects.filter(**member)
            .order_by("pk")
            .values("poll__question", "poll__visibility", "channel")
        ),
        "votes_by_name": list(
            NamedBallot.objects.filter(**member)
            .order_by("cast_at")
            .values("poll__question", "choice", "cast_at")
        ),
    }
