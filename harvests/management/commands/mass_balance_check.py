import datetime as dt
from typing import Any

from django.core.management.base import CommandError
from django.utils import timezone

from club.management.base import ClubCommand
from harvests.selectors import mass_balance


class Command(ClubCommand):
    help = (
        "Check the mass balance (grown = dispensed + destroyed + stock + drying loss) up to "
        "the start of this month, or --until DATE; exits non-zero when a strain is flagged."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--until", type=dt.date.fromisoformat, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        until = options["until"] or timezone.localdate().replace(day=1)
        rows = mass_balance(until=until)
        for r in rows:
            mark = "FLAG" if r["flagged"] else "ok"
            self.stdout.write(
                f"{mark:4} {r['strain']}: grown {r['grown']} g, difference "
                f"{r['difference']} g, corrections {r['corrections']} g"
            )
        flagged = [r["strain"] for r in rows if r["flagged"]]
        if flagged:
            raise CommandError(f"mass balance flagged for: {', '.join(flagged)}")
