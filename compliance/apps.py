from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _ensure_schedules(sender: Any, **kwargs: Any) -> None:
    from compliance.schedules import schedules_ensure

    schedules_ensure()


class ComplianceConfig(AppConfig):
    name = "compliance"

    def ready(self) -> None:
        from club import navigation
        from club.audit import register_crosscheck
        from club.demo import register_seeder
        from club.roles import Role
        from compliance.demo import seed_reports
        from compliance.services import report_files_mismatches

        register_seeder(95, seed_reports)  # last: the reports read everything else
        register_crosscheck(report_files_mismatches)
        post_migrate.connect(_ensure_schedules, sender=self, dispatch_uid="csc_schedules")
        navigation.register(
            navigation.NavItem(
                "compliance:reports",
                _("Reports"),
                frozenset({Role.BOARD.value, Role.TREASURER.value}),
                80,
            )
        )
