"""The prevention officer's anonymised trends (issue 14, point 2): groups under k are never shown,
no member is named, and only the officer and the board open the page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from club.roles import Role
from prevention.selectors import trends
from tests.factories import dispense, make_lot, make_member, make_user, set_rules

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()


def test_groups_under_k_are_never_shown_and_nobody_is_named(client) -> None:
    set_rules("DE")  # young adults up to 20, THC cap 10 % for them
    mild = make_lot(grams="500", thc="9")
    older = [make_member(age=35, first_name="Olga", last_name=f"Older{i}") for i in range(5)]
    young = [make_member(age=19, first_name="Yann", last_name=f"Young{i}") for i in range(4)]
    for m in older:
        dispense(m, mild, "2")
    for m in young:
        dispense(m, mild, "1")
    result = trends(today=TODAY)
    assert result.k == 5
    month = TODAY.replace(day=1)
    shown = {key: cell for key, cell in result.cells.items() if key[0] == month}
    by_band = {band: cell for (_m, band, _s), cell in shown.items()}
    older_cell = by_band["30-44"]
    assert older_cell.members == 5 and older_cell.grams == Decimal("10.00")
    young_cell = next(c for b, c in by_band.items() if b.startswith("young adults"))
    assert young_cell.members == 4 and young_cell.grams is None  # 4 < k: nothing shown
    assert result.young_high_thc_share is None  # 4 young adults: too few
    officer = make_user(roles=(Role.PREVENTION_OFFICER,), mfa=True)
    client.force_login(officer)
    page = client.get("/prevention/trends/").content.decode()
    assert "10.00 g" in page and "fewer than 5" in page
    for m in [*older, *young]:
        assert m.last_name not in page
    # A fifth young adult makes the group big enough.
    dispense(make_member(age=19), mild, "1")
    again = trends(today=TODAY)
    cell = next(
        c for (mo, b, _s), c in again.cells.items() if mo == month and b.startswith("young adults")
    )
    assert cell.members == 5 and cell.grams == Decimal("5.00")
    assert again.young_high_thc_share == Decimal("0.00")


def test_a_larger_k_hides_more(client) -> None:
    from club.services import club_update

    set_rules("DE")
    lot = make_lot(grams="500", thc="9")
    for _ in range(5):
        dispense(make_member(age=35), lot, "1")
    assert any(c.shown for c in trends(today=TODAY).cells.values())
    club_update(actor=None, trends_min_group=6)
    assert not any(c.shown for c in trends(today=TODAY).cells.values())
    near = trends(today=TODAY).near_limit
    assert near is None or near[0] == 0


@pytest.mark.parametrize(
    ("roles", "status"),
    [
        ((Role.PREVENTION_OFFICER,), 200),
        ((Role.BOARD,), 200),
        ((Role.COUNTER,), 403),
        ((Role.MEMBER,), 403),
        ((Role.TREASURER,), 403),
    ],
)
def test_only_the_officer_and_the_board_open_the_trends(client, club, roles, status) -> None:
    client.force_login(make_user(roles=roles, mfa=True))
    assert client.get("/prevention/trends/").status_code == status
