from typing import Any

from django.apps import apps
from django.core import mail
from django.db import transaction
from django.test.utils import override_settings

from club.demo import DEMO_CLUB, DEMO_OVERRIDES, DEMO_TOTP_SECRET, DEMO_USERS, seeders
from club.management.base import ClubCommand
from club.models import User
from club.roles import STAFF_ROLES, Role
from club.selectors import club_get
from club.services import club_create, user_create, user_totp_activate


def seed_club() -> None:
    if club_get() is None:
        club_create(actor=None, overrides=DEMO_OVERRIDES, **DEMO_CLUB)
    for role, email, password, first, last in DEMO_USERS:
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            user = user_create(
                actor=None,
                email=email,
                password=password,
                first_name=first,
                last_name=last,
                roles=(role.value,),
                email_verified=True,
            )
        if role in STAFF_ROLES:
            user_totp_activate(actor=None, user=user, secret=DEMO_TOTP_SECRET)


# Counted through the app registry: the apps that seed these sit above this one.
SUMMARY = (
    ("members.Member", "members"),
    ("members.Application", "applications"),
    ("harvests.Lot", "lots"),
    ("dispensing.Dispensing", "dispensings"),
    ("governance.Assembly", "assemblies"),
)


def _summary() -> str:
    counts = [f"{apps.get_model(label)._default_manager.count()} {name}" for label, name in SUMMARY]
    return "The demo club holds " + ", ".join(counts) + "."


class Command(ClubCommand):
    help = "Load the demo club. Running it again changes nothing."

    def handle(self, *args: Any, **options: Any) -> None:
        # The demo's own e-mails (invitations, admissions) are counted, not printed: the console
        # would scroll the logins out of sight.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            mail.outbox = []
            with transaction.atomic():
                seed_club()
                for seeder in seeders():
                    seeder()
            sent = len(mail.outbox)
            mail.outbox = []
        club = club_get()
        self.stdout.write(
            "\n"
            + _summary()
            + (f"\n{sent} demo e-mails were sent while seeding (not shown)." if sent else "")
        )
        self.stdout.write(
            f"\nDemo club: {club}  (jurisdiction {club.jurisdiction if club else '-'})"
        )
        self.stdout.write("Demo logins (e-mail / password):")
        for role, email, password, *_ in DEMO_USERS:
            self.stdout.write(f"  {Role(role).label:<20} {email:<26} {password}")
        self.stdout.write(
            f"Staff roles sign in with a TOTP code. Secret for every demo staff login: "
            f"{DEMO_TOTP_SECRET}\n  (add it to an authenticator app, or run `make totp` for the "
            f"current code)\n"
        )
