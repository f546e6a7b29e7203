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
