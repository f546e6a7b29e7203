"""Assembly defects found in use (issue 9, points 10 to 16, 19 and 22): ballots after close, the
secrecy of secret ballots against anyone reading the database, chair and minute-taker, the club's
timezone and language in tasks, check-in, state-driven actions and messages, MFA for staff who are
also members, draft polls, and the page after voting."""

from __future__ import annotations

import datetime as dt
import io
import zoneinfo
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone, translation
from pypdf import PdfReader

from club.audit import audit_verify
from club.errors import ServiceError
from club.models import AuditEvent
from club.roles import Role
from club.services import api_token_create
from governance.models import (
    Assembly,
    AssemblyDocument,
    AssemblyStatus,
    Participation,
    SealedBallot,
    SecretBallot,
)
from governance.services import (
    assembly_close,
    assembly_convene,
    assembly_officers_set,
    ballot_cast,
    build_minutes_now,
    check_in,
    document_add,
    poll_close,
    poll_create,
    poll_open,
)
from governance.tasks import build_minutes
from tests.factories import make_assembly, make_member, make_user, set_rules

pytestmark = pytest.mark.django_db


def _code(fn, *args, **kwargs) -> str:
    with pytest.raises(ServiceError) as exc:
        fn(*args, **kwargs)
    return exc.value.code


def _secret_poll(assembly: Assembly, majority: str = "simple") -> Any:
    return poll_create(
        actor=None,
        item_id=assembly.items.order_by("position")[0].pk,
        question="Elect the auditors?",
        majority=majority,
        visibility="secret",
    )


def _vote_in_order(n: int) -> tuple[Any, list[str]]:
    set_rules("DE")
    voters = [make_member(card=False) for _ in range(n)]
    assembly = make_assembly()
    poll = _secret_poll(assembly)
    poll_open(actor=None, poll_id=poll.pk)
    receipts = [
        ballot_cast(user=v.user, poll_id=poll.pk, choice=["yes", "no", "abstain"][i % 3])
        for i, v in enumerate(voters)
    ]
    return poll, [r for r in receipts if r]


# 11. Secret ballots cannot be joined back to their voters -----------------------------------------


def test_while_open_a_secret_choice_is_stored_only_sealed(club) -> None:
    poll, receipts = _vote_in_order(3)
    assert not SecretBallot.objects.filter(poll=poll).exists()
    sealed = list(SealedBallot.objects.filter(poll=poll))
    assert len(sealed) == 3
    for row in sealed:
        blob = bytes(row.sealed)
        assert not any(r.encode() in blob for r in receipts)
        assert b"yes" not in blob and b"abstain" not in blob
    # The vote's audit event records the participation only.
    events = AuditEvent.objects.filter(action="poll.ballot")
    assert events.count() == 3
    for e in events:
        text = str(e.payload)
        assert "yes" not in text and "abstain" not in text
        assert not any(r in text for r in receipts)


def test_after_close_no_system_column_or_order_links_a_ballot_to_its_voter(club) -> None:
    poll, receipts = _vote_in_order(10)
    assert len(set(receipts)) == 10
    result = poll_close(actor=None, poll_id=poll.pk).result or {}
    assert result["online_ballots"] == result["online_participations"] == 10
    assert not SealedBallot.objects.exists()
    table = SecretBallot._meta.db_table
    with connection.cursor() as cur:
        order = "ctid" if connection.vendor == "postgresql" else "rowid"
        sql = f"SELECT receipt_code FROM {table} WHERE poll_id = %s ORDER BY {order}"  # noqa: S608
        cur.execute(sql, [poll.pk])
        physical = [r[0] for r in cur.fetchall()]
    assert sorted(physical) == sorted(receipts)
    # Shuffled at the close: the physical order is not the voting order (chance 1 in 10!).
    assert physical != receipts
    assert audit_verify().ok


@pytest.mark.postgres
def test_after_close_every_secret_ballot_shares_the_closing_transaction(club) -> None:
    poll, _receipts = _vote_in_order(6)
    poll_close(actor=None, poll_id=poll.pk)

    def xmins(sql: str, params: list[Any]) -> list[int]:
        with connection.cursor() as cur:
            cur.execute(sql, params)
            return [int(r[0]) for r in cur.fetchall()]

    ballots = xmins("SELECT xmin::text FROM governance_secretballot WHERE poll_id = %s", [poll.pk])
    assert len(ballots) == 6 and len(set(ballots)) == 1
    closing = ballots[0]
    voting = xmins(
        "SELECT xmin::text FROM governance_participation WHERE poll_id = %s", [poll.pk]
    ) + xmins("SELECT xmin::text FROM club_auditevent WHERE action = 'poll.ballot'", [])
    assert len(voting) == 12
    # No vote's transaction is the ballots' transaction; every ballot is equally near (or far)
    # from every vote's transaction, so "same, adjacent or nearby xmin" joins find nothing.
    assert closing not in voting
    distances = {abs(closing - x) for x in voting}
    assert all(d >= 1 for d in distances)
    close_events = AuditEvent.objects.filter(action="poll.close")
    assert close_events.count() == 1 and close_events.get().actor_id is None


def test_a_web_vote_keeps_no_receipt_in_the_session_and_shows_you_voted(client, club) -> None:
    set_rules("DE")
    voter = make_member(card=False)
    assembly = make_assembly()
    poll = _secret_poll(assembly)
    poll_open(actor=None, poll_id=poll.pk)
    client.force_login(voter.user)
    page = client.post(f"/polls/{poll.pk}/vote/", {"choice": "yes"})
    assert page.status_code == 200
    html = page.content.decode()
    receipt = html.split('data-testid="receipt">')[1].split("<")[0]
    assert len(receipt) == 12
    assert f'data-voted="{poll.pk}"' in html and "data-copy=" in html
    session = client.session
    assert all(receipt not in str(v) for v in session.values())
    again = client.get(f"/assemblies/{assembly.pk}/").content.decode()
    assert f'data-voted="{poll.pk}"' in again
    assert f'action="/polls/{poll.pk}/vote/"' not in again  # not the form again
    assert receipt not in again  # shown once, never stored with the voter
    # The receipt is checked by POST (never in an address or an access log), after the close.
    pending = client.post(f"/assemblies/{assembly.pk}/", {"poll": poll.pk, "receipt": receipt})
    assert 'data-checked="pending"' in pending.content.decode()
    poll_close(actor=None, poll_id=poll.pk)
    counted = client.post(f"/assemblies/{assembly.pk}/", {"poll": poll.pk, "receipt": receipt})
    assert 'data-checked="yes"' in counted.content.decode()


# 10. No ballot after the close --------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_closing_while_fifty_ballots_arrive_leaves_tally_equal_to_stored_ballots() -> None:
    import threading

    from django.db import connections

    set_rules("DE")
    voters = [make_member(card=False) for _ in range(50)]
    assembly = make_assembly()
    poll = _secret_poll(assembly)
    poll_open(actor=None, poll_id=poll.pk)
    barrier = threading.Barrier(51)
    outcomes: dict[int, Any] = {}
    failures: list[BaseException] = []
    lock = threading.Lock()

    def vote(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            out: Any = ballot_cast(user=voters[i].user, poll_id=poll.pk, choice="yes")
        except ServiceError as exc:
            out = exc.code
        except BaseException as exc:  # any other error fails the test below
            with lock:
                failures.append(exc)
            return
        finally:
            connections.close_all()
        with lock:
            outcomes[i] = out

    def close() -> None:
        try:
            barrier.wait(timeout=30)
            poll_close(actor=None, poll_id=poll.pk)
        except BaseException as exc:
            with lock:
                failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=vote, args=(i,)) for i in range(50)]
    threads.append(threading.Thread(target=close))
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread did not finish"
    assert failures == []
    assert len(outcomes) == 50
    receipts = {o for o in outcomes.values() if o not in ("POLL_NOT_OPEN",)}
    refused = [o for o in outcomes.values() if o == "POLL_NOT_OPEN"]
    assert len(receipts) + len(refused) == 50
    poll.refresh_from_db()
    stored = set(SecretBallot.objects.filter(poll=poll).values_list("receipt_code", flat=True))
    assert stored == receipts  # every receipt handed out was counted, none after the close
    assert poll.result["counts"]["yes"] == len(stored)
    assert Participation.objects.filter(poll=poll).count() == len(stored)
    assert not SealedBallot.objects.exists()


# 12. Chair and minute-taker -----------------------------------------------------------------------


def _closed_assembly_with_officers() -> tuple[Assembly, Any, Any]:
    set_rules("DE")
    chair, taker, voter = (make_member(card=False) for _ in range(3))
    assembly = make_assembly()
    for m in (chair, taker):
        check_in(actor=None, assembly_id=assembly.pk, member_number=m.number)
    assert (
        _code(
            assembly_officers_set,
            actor=None,
            assembly_id=assembly.pk,
            chair_number=chair.number,
            minute_taker_number=voter.number,  # not present
        )
        == "NOT_CHECKED_IN"
    )
    assembly_officers_set(
        actor=None,
        assembly_id=assembly.pk,
        chair_number=chair.number,
        minute_taker_number=taker.number,
    )
    assembly_close(actor=None, assembly_id=assembly.pk)
    build_minutes_now(actor=None, assembly_id=assembly.pk)
    build_minutes.delay(assembly.pk).get()
    assembly.refresh_from_db()
    return assembly, chair, taker


def test_the_board_names_chair_and_minute_taker_and_they_confirm_from_their_page(
    client, club
) -> None:
    assembly, chair, taker = _closed_assembly_with_officers()
    text = PdfReader(io.BytesIO(assembly.minutes.pdf.read())).pages[0].extract_text()
    assert (
        chair.full_name in text
        and taker.full_name in text
        and "—" not in text.split("Chair")[1][:5]
    )
    for officer in (chair, taker):
        client.force_login(officer.user)
        page = client.get(f"/assemblies/{assembly.pk}/").content.decode()
        assert "data-officer" in page
        assert client.get(f"/assemblies/{assembly.pk}/minutes.pdf").status_code == 200
        client.post(f"/assemblies/{assembly.pk}/minutes/confirm/")
    assembly.refresh_from_db()
    assert assembly.status == AssemblyStatus.MINUTES_PUBLISHED
    # Nobody names officers after the minutes are built.
    assert (
        _code(
            assembly_officers_set,
            actor=None,
            assembly_id=assembly.pk,
            chair_number=chair.number,
            minute_taker_number=taker.number,
        )
        == "ASSEMBLY_NOT_RUNNING"
    )


def test_other_members_cannot_read_or_confirm_unpublished_minutes(client, club) -> None:
    assembly, _chair, _taker = _closed_assembly_with_officers()
    other = make_member(card=False)
    client.force_login(other.user)
    assert client.get(f"/assemblies/{assembly.pk}/minutes.pdf").status_code == 404
    assert client.post(f"/assemblies/{assembly.pk}/minutes/confirm/").status_code == 404


# 13. Tasks and commands in the club's timezone and language ---------------------------------------


def test_task_built_minutes_show_the_club_local_time_and_language(club) -> None:
    club.language = "de"
    club.save()
    set_rules("DE")
    chair, taker = make_member(card=False), make_member(card=False)
    berlin = zoneinfo.ZoneInfo("Europe/Berlin")
    starts = dt.datetime(2027, 1, 15, 21, 0, tzinfo=berlin)  # 20:00 UTC
    from governance.services import agenda_item_add, assembly_create

    assembly = assembly_create(
        actor=None, title="JHV", kind="ordinary", mode="in_person", starts_at=starts, place="Raum"
    )
    agenda_item_add(actor=None, assembly_id=assembly.pk, title="Kasse")
    assembly_convene(actor=None, assembly_id=assembly.pk)
    from governance.services import assembly_open as open_

    open_(actor=None, assembly_id=assembly.pk)
    for m in (chair, taker):
        check_in(actor=None, assembly_id=assembly.pk, member_number=m.number)
    assembly_officers_set(
        actor=None,
        assembly_id=assembly.pk,
        chair_number=chair.number,
        minute_taker_number=taker.number,
    )
    assembly_close(actor=None, assembly_id=assembly.pk)
    with translation.override("en"), timezone.override(zoneinfo.ZoneInfo("UTC")):
        build_minutes.delay(assembly.pk).get()
        assert translation.get_language() == "en"  # restored after the task
    assembly.refresh_from_db()
    text = PdfReader(io.BytesIO(assembly.minutes.pdf.read())).pages[0].extract_text()
    assert "21:00" in text and "20:00" not in text
    assert "Protokoll" in text or "Versammlung" in text


def test_management_commands_run_in_the_club_timezone_and_language(club) -> None:
    from club.management.base import ClubCommand

    club.language = "es"
    club.timezone = "America/Montevideo"
    club.save()
    seen: dict[str, str] = {}

    class Probe(ClubCommand):
        def handle(self, *args: Any, **options: Any) -> None:
            seen["tz"] = timezone.get_current_timezone_name()
            seen["lang"] = translation.get_language()

    Probe().execute(no_color=True, force_color=False, skip_checks=True, stdout=io.StringIO())
    assert seen == {"tz": "America/Montevideo", "lang": "es"}


# 14. Check-in refuses members who are not active --------------------------------------------------


def test_check_in_refuses_members_who_are_not_active(club) -> None:
    set_rules("DE")
    assembly = make_assembly()
    for status, code in (
        ("suspended", "MEMBER_SUSPENDED"),
        ("ended", "MEMBER_ENDED"),
        ("expelled", "MEMBER_EXPELLED"),
    ):
        member = make_member(status=status, card=False)
        assert (
            _code(check_in, actor=None, assembly_id=assembly.pk, member_number=member.number)
            == code
        )
    assert not assembly.check_ins.exists()


# 15. Actions by state, and messages ---------------------------------------------------------------


def test_the_board_page_offers_only_what_the_state_allows(client, board) -> None:
    set_rules("DE")
    client.force_login(board)
    draft = make_assembly(convene=False, open_=False)
    page = client.get(f"/board/assemblies/{draft.pk}/").content.decode()
    assert 'value="convene"' in page
    for op in ("open", "close", "minutes", "confirm_minutes", "check_in", "poll_open"):
        assert f'value="{op}"' not in page, op
    running = make_assembly()
    _secret_poll(running)
    page = client.get(f"/board/assemblies/{running.pk}/").content.decode()
    assert 'value="close"' in page and 'value="check_in"' in page and 'value="poll_open"' in page
    assert 'value="convene"' not in page and 'value="minutes"' not in page


def test_messages_read_as_sentences(club) -> None:
    set_rules("DE")
    assembly = make_assembly(days_ahead=-1, convene=False, open_=False)
    with translation.override("en"):
        with pytest.raises(ServiceError) as exc:
            assembly_convene(actor=None, assembly_id=assembly.pk)
        assert "None" not in str(exc.value.message)
        assert "started already" in str(exc.value.message)
        with pytest.raises(ServiceError) as exc:
            from governance.services import assembly_close as close_

            close_(actor=None, assembly_id=assembly.pk)
        assert str(exc.value.message).startswith("This assembly cannot move")
    from governance.majority import decide

    rejected = decide(
        "two_thirds",
        yes=2,
        no=3,
        abstain=0,
        entitled=5,
        present_or_represented=5,
        quorum_percent=None,
    )
    assert not rejected.adopted and "<" in rejected.explanation and "≥" not in rejected.explanation


# 16. Staff who are also members meet the MFA wall on assembly files -------------------------------


def test_a_board_member_without_mfa_gets_no_draft_document_or_unpublished_minutes(
    client, club
) -> None:
    set_rules("DE")
    draft = make_assembly(convene=False, open_=False)
    doc = document_add(
        actor=None, assembly_id=draft.pk, title="Budget", content=b"%PDF-1.4 x", filename="b.pdf"
    )
    assembly, _chair, _taker = _closed_assembly_with_officers()
    no_mfa = make_user(roles=(Role.BOARD, Role.MEMBER), mfa=False)
    with_mfa = make_user(roles=(Role.BOARD, Role.MEMBER), mfa=True)
    urls = [
        f"/assemblies/{draft.pk}/documents/{doc.pk}/",
        f"/assemblies/{assembly.pk}/minutes.pdf",
    ]
    client.force_login(no_mfa)
    assert [client.get(u).status_code for u in urls] == [404, 404]
    client.force_login(with_mfa)
    assert [client.get(u).status_code for u in urls] == [200, 200]
    assert AssemblyDocument.objects.count() == 1


# 19. Draft assemblies and their polls are the board's only ----------------------------------------


def test_members_cannot_read_a_draft_assembly_poll(client, club) -> None:
    set_rules("DE")
    draft = make_assembly(convene=False, open_=False)
    poll = _secret_poll(draft)
    member = make_member(card=False)
    board = make_user(roles=(Role.BOARD,), mfa=True)
    for user, status in ((member.user, 404), (board, 200)):
        token = api_token_create(user=user, name="t")[1]
        r = client.get(
            f"/api/v1/polls/{poll.pk}/result", headers={"Authorization": f"Bearer {token}"}
        )
        assert r.status_code == status
        r = client.post(
            f"/api/v1/polls/{poll.pk}/ballots",
            {"choice": "yes"},
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert r.status_code in (404, 409, 403, 422)
        if user is member.user:
            assert r.status_code == 404
