from typing import Any

from club.management.base import ClubCommand
from members.services import member_endings_apply


class Command(ClubCommand):
    help = "End the memberships whose resignation date has come (also run daily by Celery beat)."

    def handle(self, *args: Any, **options: Any) -> None:
        count = member_endings_apply()
        self.stdout.write(f"{count} memberships ended")
