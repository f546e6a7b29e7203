"""`make bench`: times the hot paths on a throw-away database and prints a table.

Speed targets live here, not in timed assertions. Uses DATABASE_URL when set (PostgreSQL),
otherwise a temporary SQLite file.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable


def _timed(fn: Callable[[], object], n: int) -> list[float]:
    out = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def _row(name: str, samples: list[float], target_ms: float) -> str:
    p50 = statistics.median(samples)
    p95 = sorted(samples)[max(0, int(len(samples) * 0.95) - 1)]
    verdict = "ok" if p95 <= target_ms else "SLOW"
    cells = f"{len(samples):>5} | {p50:>8.2f} | {p95:>8.2f} | {target_ms:>8.1f} | {verdict:<4}"
    return f"| {name:<34} | {cells} |"


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "csc.settings.test")
    import django

    django.setup()
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]  # create_test_db returns the new one
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from itertools import count

        from club.audit import audit_record, audit_verify
        from club.roles import Role
        from club.selectors import rulebook_get
        from club.services import api_token_create
        from dispensing.services import dispensing_record
        from members.cards import card_token
        from tests.factories import make_club, make_lot, make_member, make_user

        make_club()
        board = make_user(roles=(Role.BOARD, Role.MEMBER), mfa=True)
        _, token = api_token_create(user=board, name="bench")
        clerk = make_user(roles=(Role.COUNTER,), mfa=True)
        lot = make_lot(grams="100000", thc="9")
        members = [make_member(card=True) for _ in range(50)]
        serial = count()

        def dispense_one() -> None:
            member = members[next(serial) % len(members)]
            dispensing_record(
                actor=clerk,
                member_number=member.number,
                lot_code=lot.code,
                grams="0.5",
                id_checked=True,
            )

        counter = Client()
        counter.force_login(clerk)
        tokens = [card_token(m) for m in members]

        def append() -> None:
            with transaction.atomic():
                audit_record(
                    actor=board,
                    action="bench.event",
                    subject=("bench", 1),
                    payload={"grams": "2.5"},
                )

        client = Client()
        client.force_login(board)
        bearer = {"Authorization": f"Bearer {token}"}
        rows = [
            _row("audit_record (one transaction)", _timed(append, 500), 10),
            _row("rulebook_get", _timed(rulebook_get, 1000), 2),
            _row(
                "GET /api/v1/club (bearer)",
                _timed(lambda: client.get("/api/v1/club", headers=bearer), 200),
                25,
            ),
            _row("GET / dashboard (board)", _timed(lambda: client.get("/"), 100), 60),
            _row("dispensing_record (service)", _timed(dispense_one, 300), 25),
            _row(
                "counter: scan card -> panel",
                _timed(
                    lambda: counter.post("/counter/find/", {"q": tokens[next(serial) % 50]}), 100
                ),
                60,
            ),
        ]
        start = time.perf_counter()
        result = audit_verify()
        elapsed = time.perf_counter() - start
        print(f"\ncsc bench on {connection.vendor}  (times in ms; target is the p95 budget)\n")
        print(
            "| path                               |     n |      p50 |      p95 |   target | ok   |"
        )
        print(
            "|------------------------------------|-------|----------|----------|----------|------|"
        )
        for row in rows:
            print(row)
        print(
            f"\naudit_verify: {result.events} events in {elapsed * 1000:.1f} ms "
            f"({result.events / elapsed:,.0f} events/s), ok={result.ok}"
        )
        if connection.vendor != "postgresql":
            print(
                "\nannual reports and the club at scale: skipped, they need PostgreSQL "
                "(DATABASE_URL=postgres://postgres@127.0.0.1:5432/csc make bench)"
            )
            return
        from csc import bench_year

        reports = bench_year.run()
        print(
            "\n| report (2025, built in its own process) |  seconds | peak MB | target s | ok   |"
        )
        print("|-----------------------------------------|----------|---------|----------|------|")
        for kind, seconds, peak, target, line in reports:
            verdict = "ok" if seconds <= target and 0 < peak <= 500 else "SLOW"
            print(f"| {kind:<39} | {seconds:>8.1f} | {peak:>7.0f} | {target:>8} | {verdict:<4} |")
            if "done" not in line:
                print(f"  ! {line}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    if connection.vendor == "postgresql":
        from csc import bench_scale

        bench_scale.run()


if __name__ == "__main__":
    main()
