"""The base of csc's management commands: they run in the club's timezone and language."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from club.context import club_context


class ClubCommand(BaseCommand):
    def execute(self, *args: Any, **options: Any) -> Any:
        with club_context():
            return super().execute(*args, **options)
