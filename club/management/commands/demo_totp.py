import time
from typing import Any

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.conf import settings
from django.core.management.base import CommandError

from club.demo import DEMO_TOTP_SECRET
from club.management.base import ClubCommand


class Command(ClubCommand):
    help = "Print the current TOTP code of the demo staff logins (demo installations only)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.CSC_DEMO:
            raise CommandError("only for the demo installation")
        counter = int(time.time()) // 30
        self.stdout.write(format_hotp_value(hotp_value(DEMO_TOTP_SECRET, counter)))
