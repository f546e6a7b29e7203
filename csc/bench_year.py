"""A year of a large club for `make bench`: 5,000 members and about 500,000 dispensings in 2025,
written with set-based SQL (PostgreSQL), then the annual reports built in a separate process
so their time and peak memory are their own."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import time
from pathlib import Path

MEMBERS = int(os.environ.get("CSC_BENCH_MEMBERS", "5000"))
DISPENSINGS = int(os.environ.get("CSC_BENCH_DISPENSINGS", "500000"))
YEAR = 2025


def build() -> dict[str, int]:
    import time_machine
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction

    from club.models import User
    from finance import chart
    from members.models import Forecast, Member
    from tests.factories import make_lot, make_strain, set_rules

    set_rules("DE")
    chart.ensure()
    admitted = dt.date(YEAR - 1, 1, 1)
    password = make_password(None)
    with transaction.atomic():
        users = User.objects.bulk_create(
            User(
                email=f"bench{i}@bench.example",
                first_name=f"B{i}",
                last_name="Bench",
                password=password,
            )
            for i in range(MEMBERS)
        )
        members = Member.objects.bulk_create(
            Member(
                number=100_000 + i,
                user=u,
                first_name=u.first_name,
                last_name=u.last_name,
                date_of_birth=dt.date(1960 + i % 46, 1 + i % 12, 1 + i % 28),
                address="Benchweg 1",
                residence_country="DE",
                status="active",
                admitted_on=admitted,
                first_dispensing_on=admitted,
                min_membership_until=admitted,
            )
            for i, u in enumerate(users)
        )
        Forecast.objects.bulk_create(
            Forecast(
                member=m,
                grams_per_month=10 + m.number % 30,
                valid_from=admitted,
                created_at=dt.datetime(YEAR - 1, 1, 1, tzinfo=dt.UTC),
            )
            for m in members
        )
    with time_machine.travel(dt.datetime(YEAR - 1, 12, 1, 12, tzinfo=dt.UTC), tick=True):
        lots = [
            make_lot(grams="200000", thc="9", strain=make_strain(f"Bench {n}")) for n in range(8)
        ]
    seconds = int(365 * 24 * 3600 / DISPENSINGS)
    with transaction.atomic(), connection.cursor() as cursor:
        # A bulk load, as the database's superuser: the per-row balance check (which wants the
        # lot to hold each balance as it is written) is off for it; the lots' stock is set after.
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            """
            INSERT INTO harvests_stockmovement
                (lot_id, kind, grams, member_id, reference, reason, at, balance_after)
            SELECT lot_id, 'dispensing_out', grams, member_id, reference, '', at,
                   200000 + SUM(grams) OVER (PARTITION BY lot_id ORDER BY g)
            FROM (
                SELECT g, (%(lots)s::bigint[])[1 + g %% cardinality(%(lots)s::bigint[])] AS lot_id,
                       -(0.5 + (g %% 7) * 0.5) AS grams,
                       (%(members)s::bigint[])[1 + g %% cardinality(%(members)s::bigint[])]
                           AS member_id,
                       'bench:' || g AS reference,
                       timestamptz '2025-01-01 09:00+00' + g * (%(seconds)s * interval '1 second')
                           AS at
                FROM generate_series(0, %(n)s - 1) AS g
            ) AS load
            ORDER BY g
            """,
            {
                "lots": [lot.pk for lot in lots],
                "members": [m.pk for m in members],
                "seconds": seconds,
                "n": DISPENSINGS,
            },
        )
        cursor.execute(
            """
            INSERT INTO dispensing_dispensing (receipt, member_id, lot_id, grams, strain_name,
                thc_percent, cbd_percent, contribution_per_gram, contribution, currency,
                id_checked, card_scanned, dispensed_at, local_date, stock_movement_id)
            SELECT 10000000 + substr(m.reference, 7)::bigint, m.member_id, m.lot_id, -m.grams,
                   s.name, 9, 1, 10, -m.grams * 10, 'EUR', true, true, m.at,
                   (m.at AT TIME ZONE 'Europe/Berlin')::date, m.id
            FROM harvests_stockmovement m
            JOIN harvests_lot l ON l.id = m.lot_id
            JOIN harvests_harvest h ON h.id = l.harvest_id
            JOIN harvests_batch b ON b.id = h.batch_id
            JOIN harvests_strain s ON s.id = b.strain_id
            WHERE m.reference LIKE 'bench:%%'
            """
        )
        cursor.execute(
            "UPDATE harvests_lot l SET stock = (SELECT SUM(grams) FROM harvests_stockmovement m"
            " WHERE m.lot_id = l.id)"
        )
        cursor.execute("SET LOCAL session_replication_role = origin")
        cursor.execute("ANALYZE")
    return {"members": MEMBERS, "dispensings": DISPENSINGS}


def report(kind: str, period: str) -> tuple[float, float, str]:
    """Build a report in a child process (`manage.py report_build`): seconds, peak MB, line."""
    from django.db import connection

    s = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "csc.settings.test",
        "DATABASE_URL": f"postgres://{s['USER']}:{s['PASSWORD'] or 'x'}@{s['HOST'] or '127.0.0.1'}:"
        f"{s['PORT'] or 5432}/{s['NAME']}",
    }
    env.pop("REDIS_URL", None)  # in-process: the child builds it itself
    start = time.perf_counter()
    done = subprocess.run(  # noqa: S603 (our own interpreter and arguments)
        [sys.executable, "manage.py", "report_build", kind, period],
        cwd=Path(__file__).resolve().parents[1],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - start
    line = (
        (done.stdout or done.stderr).strip().splitlines()[-1]
        if (done.stdout or done.stderr)
        else ""
    )
    match = re.search(r"peak memory (\d+) MB", line)
    return elapsed, float(match[1]) if match else -1.0, line


def run() -> list[tuple[str, float, float, int, str]]:
    start = time.perf_counter()
    sizes = build()
    built = time.perf_counter() - start
    print(
        f"\nbench year: {sizes['members']:,} members, {sizes['dispensings']:,} dispensings "
        f"written in {built:.0f} s"
    )
    rows = []
    for kind, target_s in (
        ("annual_audit", 20),
        ("authority_annual", 20),
        ("dispensing_export", 20),
    ):
        seconds, peak, line = report(kind, str(YEAR))
        rows.append((kind, seconds, peak, target_s, line))
    return rows
