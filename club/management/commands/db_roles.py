"""`manage.py db_roles`: give the app's database role its rights (run as the owner; `migrate`
does it too)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from club.dbroles import db_roles_grant


class Command(BaseCommand):
    help = "Grant the app's database role (CSC_DB_APP_ROLE) its rights on every table."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--role", default="", help="the role (default: CSC_DB_APP_ROLE)")

    def handle(self, *args: Any, **options: Any) -> None:
        if not db_roles_grant(options["role"] or None):
            raise CommandError("Name the app role (CSC_DB_APP_ROLE or --role) on PostgreSQL.")
        self.stdout.write("Granted.")
