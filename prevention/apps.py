from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PreventionConfig(AppConfig):
    name = "prevention"
    verbose_name = _("Prevention")

    def ready(self) -> None:
        from club import navigation
        from club.roles import Role

        navigation.register(
            navigation.NavItem(
                "prevention:trends",
                _("Trends"),
                frozenset({Role.PREVENTION_OFFICER.value, Role.BOARD.value}),
                60,
            )
        )
