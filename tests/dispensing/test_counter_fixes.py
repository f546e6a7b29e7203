"""Counter defects found in use (issue 9, points 1 to 7): the proposed lot, the ID tick after a
refusal, one print action, name search, grams typed as digits, card tokens and idempotency keys
through the API."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pypdf import PdfReader

from club.errors import ServiceError
from club.quantities import parse_grams, parse_signed_grams
from dispensing.models import Dispensing
from dispensing.selectors import counter_panel
from members.cards import card_token
from members.services import card_issue
from tests.factories import auth_headers as auth
from tests.factories import dispense, make_lot, make_member

pytestmark = pytest.mark.django_db


def _checked_lot(page: str) -> str | None:
    for chunk in page.split('<input type="radio"')[1:]:
        tag = chunk.split(">")[0]
        if " checked" in tag:
            return tag.split('value="')[1].split('"')[0]
    return None


# 1. The proposed lot ------------------------------------------------------------------------------


def test_the_counter_proposes_the_first_lot_the_member_may_receive_fefo(client, clerk) -> None:
    strong = make_lot(grams="100", thc="18", best_before_days=30)  # first to expire, too strong
    late = make_lot(grams="100", thc="9", best_before_days=200)
    soon = make_lot(grams="100", thc="9", best_before_days=90)
    young = make_member(age=19)
    adult = make_member(age=30)
    assert counter_panel(young).proposed == soon.code  # not the strong lot, not the later one
    assert counter_panel(adult).proposed == strong.code  # an adult may take the strong one
    client.force_login(clerk)
    page = client.get(f"/counter/members/{young.number}/").content.decode()
    assert _checked_lot(page) == soon.code
    assert late.code in page


def test_a_member_who_may_receive_no_lot_is_told_why_and_enter_says_lot_required(
    client, clerk
) -> None:
    make_lot(grams="100", thc="18")
    young = make_member(age=19)
    client.force_login(clerk)
    page = client.get(f"/counter/members/{young.number}/").content.decode()
    assert _checked_lot(page) is None
    assert 'data-code="LOT_REQUIRED"' in page and 'data-code="THC_LIMIT_YOUNG_ADULT"' in page
    # The documented keystrokes submit the form with no lot: a clear code, never NOT_FOUND.
    refused = client.post(
        f"/counter/members/{young.number}/dispense/", {"grams": "2", "id_checked": "on"}
    ).content.decode()
    assert "<strong>LOT_REQUIRED</strong>" in refused and "NOT_FOUND" not in refused
    assert not Dispensing.objects.exists()


# 2. The ID tick survives a refusal for the same member, not a new scan ----------------------------


def test_the_id_check_stays_ticked_after_a_refusal_and_a_new_scan_clears_it(client, clerk) -> None:
    lot = make_lot(grams="100", thc="9")
    member = make_member()
    client.force_login(clerk)
    refused = client.post(
        f"/counter/members/{member.number}/dispense/",
        {"lot": lot.code, "grams": "30", "id_checked": "on"},  # above the day limit
    ).content.decode()
    assert "QUOTA_DAY_EXCEEDED" in refused
    assert 'name="id_checked" checked' in refused
    assert 'value="30"' in refused and _checked_lot(refused) == lot.code
    fresh = client.post("/counter/find/", {"q": str(member.number)}).content.decode()
    assert 'name="id_checked" autofocus' in fresh and 'name="id_checked" checked' not in fresh


# 3. One document, one key -------------------------------------------------------------------------


def test_receipt_and_leaflet_print_as_one_document_from_one_key(client, clerk) -> None:
    lot = make_lot(grams="100", thc="9")
    member = make_member()
    client.force_login(clerk)
    done = client.post(
        f"/counter/members/{member.number}/dispense/",
        {"lot": lot.code, "grams": "2", "id_checked": "on"},
    ).content.decode()
    d = Dispensing.objects.get()
    link = f"/counter/receipts/{d.receipt}/print.pdf"
    assert f'href="{link}"' in done and 'accesskey="p"' in done
    assert "/leaflet.pdf" not in done  # no second link that needs the mouse
    response = client.get(link)
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(__import__("io").BytesIO(response.content))
    assert len(reader.pages) == 2
    receipt_text, leaflet_text = (p.extract_text() for p in reader.pages)
    assert f"Receipt {d.receipt}" in receipt_text and "2.00 g" in receipt_text
    flat = " ".join(receipt_text.split())
    assert "For the member's own use only. Passing it on is an offence." in flat
    assert "Health warnings" in leaflet_text and "Weight: 2.00 g" in leaflet_text


# 4. Name search -----------------------------------------------------------------------------------


def test_name_search_keeps_the_query_counts_and_pages_past_ten(client, clerk) -> None:
    for i in range(30):
        make_member(first_name=f"Ann{i}", last_name="Vielfach")
    client.force_login(clerk)
    page = client.post("/counter/find/", {"q": "vielfach"}).content.decode()
    assert "data-keep-query" in page and 'data-matches="30"' in page
    assert "30 members match" in page
    assert page.count("<li>") == 25
    assert 'name="page" value="2"' in page and 'name="q" value="vielfach"' in page
    second = client.post("/counter/find/", {"q": "vielfach", "page": "2"}).content.decode()
    assert second.count("<li>") == 5


# 5. Grams are ASCII digits ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    ["1_0", "\uff11\uff10", "\u0661\u0660", "1e1", "Infinity", "NaN", "2.5.1", "2,5,1", " ", "+2"],
)
def test_grams_refuse_what_is_not_ascii_digits(raw: str) -> None:
    with pytest.raises(ServiceError) as exc:
        parse_grams(raw)
    assert exc.value.code == "GRAMS_INVALID"
    with pytest.raises(ServiceError):
        parse_signed_grams(raw)


def test_grams_with_three_decimals_are_told_so() -> None:
    with pytest.raises(ServiceError) as exc:
        parse_grams("2.555")
    assert "at most two decimals" in str(exc.value.message)
    assert parse_grams("2,55") == Decimal("2.55") and parse_grams(" 10 ") == Decimal("10")
    assert parse_signed_grams("-2,5") == Decimal("-2.5")


def test_the_counter_stores_nothing_for_underscored_grams(client, clerk) -> None:
    lot = make_lot(grams="100", thc="9")
    member = make_member()
    client.force_login(clerk)
    refused = client.post(
        f"/counter/members/{member.number}/dispense/",
        {"lot": lot.code, "grams": "1_0", "id_checked": "on"},
    ).content.decode()
    assert "GRAMS_INVALID" in refused and not Dispensing.objects.exists()


# 6. Card tokens through the API -------------------------------------------------------------------


def _post(client, clerk, **body):
    payload = {"member": 0, "lot": "", "grams": "2", "id_checked": True, **body}
    return client.post(
        "/api/v1/dispensings", payload, content_type="application/json", headers=auth(clerk)
    )


def test_the_api_resolves_the_card_token_and_refuses_bad_cards(client, clerk) -> None:
    lot = make_lot(grams="100", thc="9")
    member, other = make_member(), make_member()
    old = card_token(member)
    card_issue(actor=None, number=member.number)  # reissued: the old card is revoked
    member.refresh_from_db()
    cases = {
        "CARD_FORGED": old[:-3] + "xyz",
        "CARD_REVOKED": old,
        "CARD_MISMATCH": card_token(other),
    }
    for code, token in cases.items():
        r = _post(client, clerk, member=member.number, lot=lot.code, card_token=token)
        assert r.status_code == 422 and r.json()["code"] == code, (code, r.json())
    suspended = make_member(status="suspended")
    r = _post(
        client, clerk, member=suspended.number, lot=lot.code, card_token=card_token(suspended)
    )
    assert r.json()["code"] == "MEMBER_SUSPENDED"
    assert not Dispensing.objects.exists()
    # A client's own claim no longer counts; the server marks a resolved card.
    r = _post(client, clerk, member=member.number, lot=lot.code, card_scanned=True)
    assert r.status_code == 201 and not Dispensing.objects.get().card_scanned
    r = _post(client, clerk, member=member.number, lot=lot.code, card_token=card_token(member))
    assert r.status_code == 201
    assert Dispensing.objects.get(receipt=r.json()["receipt"]).card_scanned


# 7. Idempotency keys reused with another body -----------------------------------------------------


def test_an_idempotency_key_reused_with_another_body_is_refused(client, clerk) -> None:
    lot = make_lot(grams="100", thc="9")
    m73, m71 = make_member(), make_member()
    first = _post(client, clerk, member=m73.number, lot=lot.code, idempotency_key="K")
    assert first.status_code == 201
    again = _post(client, clerk, member=m73.number, lot=lot.code, idempotency_key="K")
    assert again.status_code == 201 and again.json()["replayed"] is True
    assert again.json()["receipt"] == first.json()["receipt"]
    for change in ({"member": m71.number}, {"grams": "3"}):
        body = {"member": m73.number, "lot": lot.code, "idempotency_key": "K", **change}
        r = _post(client, clerk, **body)
        assert r.status_code == 409 and r.json()["code"] == "IDEMPOTENCY_KEY_REUSED", change
    assert Dispensing.objects.count() == 1
    assert dispense(m73, lot, "2", key="K").replayed
