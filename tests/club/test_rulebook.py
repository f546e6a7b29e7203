"""The presets carry RULES.md value by value; overrides may only tighten the law."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from club.errors import RULEBOOK_OVERRIDE_LOOSER, ServiceError
from club.rulebook import BASE, PRESETS, RULEBOOK_FIELDS, RULES, build_rulebook, check_overrides
from club.selectors import rulebook_get
from club.services import club_update

# Written out from RULES.md by hand, not derived from the code under test.
EXPECTED: dict[str, dict[str, object]] = {
    "DE": {  # KCanG
        "max_members": 500,
        "min_members": None,
        "min_age": 18,
        "young_adult_until_age": 20,
        "young_adult_month_grams": D("30"),
        "young_adult_max_thc_percent": D("10"),
        "day_grams": D("25"),
        "month_grams": D("50"),
        "year_grams": None,
        "waiting_period_days": 0,
        "min_membership_months": 3,
        "one_club_declaration_required": True,
        "declaration_retention_years": 3,
        "residence_country": "DE",
        "endorsement_required": False,
        "seeds_per_month": 7,
        "cuttings_per_month": 5,
        "propagation_mixed_per_month": 5,
        "flowering_plant_cap": None,
        "transport_notice_above_grams": D("25"),
        "transport_notice_working_days": 1,
        "transport_annual_divisor": 12,
        "in_person_dispensing_only": True,
        "free_dispensing_allowed": False,
        "proxy_voting_allowed": False,
        "statute_change_majority": "three_quarters",
        "record_retention_years": 5,
        "annual_report_due": "01-31",
        "id_check_every_dispensing": True,
        "premises_stock_cap_grams": None,
        "harm_reduction_fund_percent": None,
        "quarterly_report_required": False,
    },
    "ES": {  # Catalan template 13/2017, LO 1/2002
        "max_members": None,
        "min_age": 18,
        "young_adult_until_age": 20,
        "young_adult_month_grams": D("20"),
        "young_adult_max_thc_percent": None,
        "day_grams": None,
        "month_grams": D("60"),
        "year_grams": None,
        "waiting_period_days": 15,
        "min_membership_months": 0,
        "endorsement_required": True,
        "sponsor_min_membership_months": 1,
        "therapeutic_use_exempt_from_endorsement": True,
        "forecast_required": True,
        "assembly_notice_days": 15,
        "assemblies_per_year_min": 1,
        "extraordinary_assembly_request_percent": D("10"),
        "quorum_percent": D("33.33"),
        "statute_change_majority": "qualified",
        "residence_country": None,
        "one_club_declaration_required": False,
    },
    "MT": {  # Cap. 628
        "max_members": 500,
        "min_age": 18,
        "young_adult_until_age": None,
        "day_grams": D("7"),
        "month_grams": D("50"),
        "year_grams": None,
        "seeds_per_month": 20,
        "premises_stock_cap_grams": D("500"),
        "one_club_declaration_required": True,
        "quarterly_report_required": True,
        "harm_reduction_fund_percent": D("5"),
    },
    "UY": {  # Ley 19.172
        "max_members": 45,
        "min_members": 15,
        "min_age": 18,
        "year_grams": D("480"),
        "day_grams": None,
        "month_grams": None,
        "flowering_plant_cap": 99,
        "residence_country": "UY",
        "one_club_declaration_required": True,
    },
}


@pytest.mark.parametrize("preset", ["DE", "ES", "MT", "UY"])
def test_preset_values_match_rules_md(preset: str) -> None:
    book = build_rulebook(preset, {})
    for key, expected in EXPECTED[preset].items():
        assert getattr(book, key) == expected, f"{preset}.{key}"


def test_every_rule_has_a_field_and_a_base_value() -> None:
    assert {r.key for r in RULES} == RULEBOOK_FIELDS == set(BASE)
    for preset, values in PRESETS.items():
        assert set(values) <= set(BASE), preset


def test_custom_preset_lets_the_club_set_anything() -> None:
    clean, errors = check_overrides("CUSTOM", {"month_grams": "200", "min_age": "16"})
    assert errors == {}
    book = build_rulebook("CUSTOM", clean)
    assert book.month_grams == D("200") and book.min_age == 16


@pytest.mark.parametrize(
    ("preset", "key", "value"),
    [
        ("DE", "month_grams", "51"),  # above the law's 50 g
        ("DE", "day_grams", ""),  # removing the 25 g limit
        ("DE", "min_age", "17"),
        ("DE", "young_adult_max_thc_percent", "10.5"),
        ("DE", "min_membership_months", "2"),
        ("DE", "one_club_declaration_required", "false"),
        ("DE", "free_dispensing_allowed", "true"),
        ("DE", "residence_country", "AT"),
        ("ES", "waiting_period_days", "14"),
        ("ES", "endorsement_required", "false"),
        ("MT", "day_grams", "7.5"),
        ("UY", "year_grams", "500"),
        ("UY", "flowering_plant_cap", "100"),
    ],
)
def test_looser_override_refused(preset: str, key: str, value: str) -> None:
    _clean, errors = check_overrides(preset, {key: value})
    assert key in errors
    assert "looser" in errors[key][0]


@pytest.mark.parametrize(
    ("preset", "key", "value", "expected"),
    [
        ("DE", "month_grams", "40", D("40")),
        ("DE", "day_grams", "20,5", D("20.5")),  # a comma as decimal separator
        ("DE", "min_age", "21", 21),
        ("DE", "year_grams", "480", D("480")),  # the law sets none: any value is stricter
        ("ES", "waiting_period_days", "30", 30),
        ("DE", "proxy_voting_allowed", "true", True),  # BGB §38: the statutes may allow it
        ("DE", "lab_result_required_for_release", "true", True),
    ],
)
def test_stricter_override_applies(preset: str, key: str, value: str, expected: object) -> None:
    clean, errors = check_overrides(preset, {key: value})
    assert errors == {}
    assert getattr(build_rulebook(preset, clean), key) == expected


@pytest.mark.parametrize("value", ["abc", "-5", "1e999999", "NaN"])
def test_malformed_override_refused(value: str) -> None:
    _clean, errors = check_overrides("DE", {"month_grams": value})
    assert "month_grams" in errors


def test_unknown_rule_refused() -> None:
    _clean, errors = check_overrides("DE", {"beer_per_day": "1"})
    assert "beer_per_day" in errors


def test_young_adult_age_band() -> None:
    book = build_rulebook("DE", {})
    assert book.is_young_adult(18) and book.is_young_adult(20)
    assert not book.is_young_adult(21)
    assert not build_rulebook("MT", {}).is_young_adult(18)


@pytest.mark.django_db
def test_club_update_refuses_looser_override_and_writes_nothing(board) -> None:
    from club.models import AuditEvent, Club

    events = AuditEvent.objects.count()
    with pytest.raises(ServiceError) as exc:
        club_update(actor=board, overrides={"month_grams": "60", "day_grams": "20"})
    assert exc.value.code == RULEBOOK_OVERRIDE_LOOSER
    assert "month_grams" in exc.value.fields and "day_grams" not in exc.value.fields
    assert Club.objects.get().rule_overrides == {}
    assert AuditEvent.objects.count() == events


@pytest.mark.django_db
def test_club_update_stricter_override_is_the_effective_rulebook(board) -> None:
    club_update(actor=board, overrides={"month_grams": "40"})
    book = rulebook_get()
    assert book.month_grams == D("40")
    assert book.day_grams == D("25")
    assert book.overridden == frozenset({"month_grams"})


@pytest.mark.django_db
def test_switching_jurisdiction_rechecks_overrides(board) -> None:
    club_update(actor=board, jurisdiction="CUSTOM", overrides={"month_grams": "80"})
    with pytest.raises(ServiceError):
        club_update(actor=board, jurisdiction="DE")
    assert rulebook_get().preset == "CUSTOM"


@pytest.mark.django_db
def test_board_page_shows_the_looser_override_error(client, board) -> None:
    from club.forms import rule_field_name
    from club.models import Club

    client.force_login(board)
    page = client.get("/club/edit/")
    data = {k: v for k, v in page.context["form"].initial.items() if not k.startswith("rule__")}
    data[rule_field_name("month_grams")] = "75"
    response = client.post("/club/edit/", data)
    assert response.status_code == 200
    assert "looser than the law" in response.content.decode()
    assert Club.objects.get().rule_overrides == {}
    data[rule_field_name("month_grams")] = "45"
    response = client.post("/club/edit/", data)
    assert response.status_code == 302
    assert Club.objects.get().rule_overrides == {"month_grams": "45"}
