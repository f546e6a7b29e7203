"""The demo club that `make run` serves. Known passwords and one shared TOTP secret, demo only."""

from __future__ import annotations

from typing import Any

from club.roles import Role

DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # noqa: S105 -- public demo secret

DEMO_CLUB: dict[str, Any] = {
    "name": "Grüner Kreis Berlin e.V.",
    "legal_form": "ev",
    "register_number": "VR 12345 B",
    "address": "Musterstraße 1\n10115 Berlin",
    "timezone": "Europe/Berlin",
    "currency": "EUR",
    "jurisdiction": "DE",
}
# A stricter club rule than the law, to show overrides in the demo: a two-week waiting period.
DEMO_OVERRIDES: dict[str, Any] = {"waiting_period_days": 14}

# (role, e-mail, password, first name, last name)
DEMO_USERS: list[tuple[Role, str, str, str, str]] = [
    (Role.BOARD, "board@csc.example", "demo-board-2026", "Bea", "Vorstand"),
    (Role.COUNTER, "counter@csc.example", "demo-counter-2026", "Carl", "Ausgabe"),
    (Role.GROWER, "grower@csc.example", "demo-grower-2026", "Greta", "Anbau"),
    (Role.TREASURER, "treasurer@csc.example", "demo-treasurer-2026", "Tom", "Kasse"),
    (
        Role.PREVENTION_OFFICER,
        "prevention@csc.example",
        "demo-prevention-2026",
        "Paula",
        "Prävention",
    ),
    (Role.MEMBER, "member@csc.example", "demo-member-2026", "Max", "Mitglied"),
]

# Each app adds its demo data with a seeder (registered in its AppConfig.ready), run in order by
# `manage.py seed_demo`. A seeder must be idempotent: running it again changes nothing.
_SEEDERS: list[tuple[int, Any]] = []


def register_seeder(order: int, seeder: Any) -> None:
    if all(s is not seeder for _, s in _SEEDERS):
        _SEEDERS.append((order, seeder))
        _SEEDERS.sort(key=lambda pair: pair[0])


def seeders() -> list[Any]:
    return [s for _, s in _SEEDERS]
