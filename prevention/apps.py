from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PreventionConfig(AppConfig):
    name = "prevention"
    verbose_name = _("Prevention")

    def ready(self) -> None:
        from club import navigation
        from club.demo import register_seeder
        from club.navigation import NavItem
        from club.roles import SIGNED_IN, Role
        from dispensing.documents import register_leaflet_help
        from members.selectors import register_exporter
        from prevention.demo import seed_prevention

        officer = Role.PREVENTION_OFFICER.value
        navigation.register(
            NavItem("prevention:desk", _("Prevention"), frozenset({officer, Role.BOARD.value}), 60)
        )
        navigation.register(NavItem("prevention:signals", _("Signals"), frozenset({officer}), 61))
        navigation.register(NavItem("prevention:help", _("Health and help"), SIGNED_IN, 13))
        navigation.register(
            NavItem("prevention:handouts", _("Handouts"), frozenset({Role.COUNTER.value}), 6)
        )
        register_seeder(70, seed_prevention)
        register_exporter(_export)
        register_leaflet_help(_leaflet_help)


def _export(user: Any) -> tuple[str, Any]:
    """What the prevention desk holds about a person: consent answers, contacts, attendance."""
    from prevention.models import Attendance, ConsentChange, Contact

    return "prevention", {
        "consent": list(
            ConsentChange.objects.filter(member__user=user).order_by("at").values("given", "at")
        ),
        "contacts": list(
            Contact.objects.filter(member__user=user)
            .order_by("on")
            .values("on", "topic", "referral__name")
        ),
        "events_attended": list(
            Attendance.objects.filter(member__user=user)
            .order_by("event__starts_at")
            .values("event__title", "event__starts_at")
        ),
    }


def _leaflet_help() -> list[str]:
    """The referral directory's services, one line each, for the dispensing leaflet."""
    from prevention.selectors import services_listed

    return [f"{s.name}: {s.contact} ({s.hours})" for s in services_listed()[:4]]
