"""What serving a member costs the database (issue 13), pinned as upper bounds on PostgreSQL in
real transactions (BEGIN and COMMIT count): a dispensing over the API in at most 12 statements,
authentication included, with one audit event; the counter panel in at most 8. No statement sums
a lot's history, and none is a savepoint."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from club.audit import audit_verify
from club.models import AuditEvent
from club.roles import Role
from dispensing.models import Dispensing
from tests.factories import auth_headers, dispense, make_club, make_lot, make_member, make_user

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def statements(fn: Callable[[], Any]) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return [q["sql"] for q in ctx.captured_queries]


def sums_lot_history(sql: list[str]) -> bool:
    return any("harvests_stockmovement" in s and "SUM(" in s.upper() for s in sql)


@pytest.fixture
def clerk() -> Any:
    from finance import chart

    chart.ensure()  # a transactional test starts from an emptied database
    make_club()
    return make_user(roles=(Role.COUNTER,), mfa=True)


def test_a_dispensing_takes_at_most_twelve_statements_and_one_audit_event(client, clerk) -> None:
    lot, member = make_lot(grams="500", thc="9"), make_member()
    history = make_lot(grams="500", thc="9")
    for day in range(1, 20):  # history on the member and the lot changes nothing below
        dispense(member, history, "1", at=dt.datetime(2026, 1, day, 12, tzinfo=dt.UTC))
    headers = auth_headers(clerk)
    # Plain, with a key, and the key again (a double click: answered, nothing written).
    for key, replayed, new_events in (("", False, 1), ("k-1", False, 1), ("k-1", True, 0)):
        body = {"member": member.number, "lot": lot.code, "grams": "1.5", "id_checked": True}
        if key:
            body["idempotency_key"] = key
        events = AuditEvent.objects.count()
        answers: list[Any] = []

        def post(body: dict[str, Any] = body, answers: list[Any] = answers) -> None:
            answers.append(
                client.post(
                    "/api/v1/dispensings", body, content_type="application/json", headers=headers
                )
            )

        sql = statements(post)
        assert answers[0].status_code == 201, answers[0].content
        assert answers[0].json()["replayed"] is replayed
        assert len(sql) <= 12, "\n".join(sql)
        assert not any(s.startswith(("SAVEPOINT", "RELEASE")) for s in sql)
        assert not sums_lot_history(sql)
        assert AuditEvent.objects.count() - events == new_events
    assert Dispensing.objects.filter(lot=lot).count() == 2
    assert audit_verify().ok


def test_the_counter_panel_takes_at_most_eight_statements(client, clerk) -> None:
    member = make_member()
    for n in range(6):  # lots and history do not add statements
        lot = make_lot(grams="100", thc="9")
        dispense(member, lot, "1", at=dt.datetime(2026, 2, n + 1, 12, tzinfo=dt.UTC))
    client.force_login(clerk)
    answers: list[Any] = []
    sql = statements(lambda: answers.append(client.get(f"/counter/members/{member.number}/")))
    assert answers[0].status_code == 200
    assert len(sql) <= 8, "\n".join(sql)
    assert not sums_lot_history(sql)
    assert b"99" in answers[0].content  # each lot's stock, as the lot keeps it


def test_one_audit_event_carries_the_dispensing_its_stock_its_booking_and_the_emptied_lot(
    clerk,
) -> None:
    """Priced per gram, a dispensing that empties its lot writes the movement, the dispensing,
    the ledger transaction and its legs, the lot's status and its change: one event holds the
    digests of them all. Its reversal is one event too."""
    from dispensing.services import dispensing_reverse
    from finance.services import gram_price_set
    from tests.finance.test_ledger import _adopted_poll

    gram_price_set(
        actor=None, valid_from=dt.date(2026, 1, 1), per_gram="6.50", poll_id=_adopted_poll().pk
    )
    lot, member = make_lot(grams="2", thc="9"), make_member()
    before = AuditEvent.objects.order_by("-seq").first()
    assert before is not None
    d = dispense(member, lot, "2").dispensing
    assert d.contribution == Decimal("13.00")
    events = list(AuditEvent.objects.filter(seq__gt=before.seq))
    assert [e.action for e in events] == ["dispensing.create"]
    records = set(__import__("json").loads(events[0].payload)["records"])
    tables = {r.split(":")[0] for r in records}
    assert {
        "dispensing.dispensing",
        "harvests.stockmovement",
        "harvests.lot",
        "harvests.lotstatuschange",
        "finance.transaction",
        "finance.leg",
    } <= tables
    dispensing_reverse(actor=None, receipt=d.receipt, reason="Wrong jar")
    after = list(AuditEvent.objects.filter(seq__gt=events[0].seq))
    assert [e.action for e in after] == ["dispensing.reverse"]
    assert audit_verify().ok
