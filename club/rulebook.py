"""The jurisdiction rulebook: presets from RULES.md and the club's stricter overrides.

Code never hard-codes a limit: it asks ``club.selectors.rulebook_get()`` for the effective
``Rulebook``. Each rule says which direction is stricter, so an override that loosens the law is
refused. ``None`` for a limit means the preset sets none.

Sources (see RULES.md): DE — Konsumcannabisgesetz (KCanG) §§16, 19-23, 25, 26 and BGB §§32-38;
ES — Catalan law 13/2017 (annulled; the sector's template) and LO 1/2002; MT — Cap. 628;
UY — Ley 19.172, Decreto 120/014.
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, ngettext


class Strictness(enum.Enum):
    LOWER = "lower"  # a smaller number is stricter (caps, limits)
    HIGHER = "higher"  # a larger number is stricter (minimum age, waiting days, notice)
    REQUIRE = "require"  # True is stricter (a duty the club may add)
    FORBID = "forbid"  # False is stricter (a permission the club may withdraw)
    FIXED = "fixed"  # set by the law; the club cannot change it where the preset sets it
    FREE = "free"  # left to the statutes


@dataclass(frozen=True)
class Unit:
    """A unit in singular and plural ("1 working day", "2 working days"), in the active
    language; ``str()`` gives the plural, for labels."""

    singular: str
    plural: str

    def for_value(self, value: object) -> str:
        n = value if isinstance(value, int) and not isinstance(value, bool) else 2
        return ngettext(self.singular, self.plural, n)

    def __str__(self) -> str:
        return ngettext(self.singular, self.plural, 2)


@dataclass(frozen=True)
class Rule:
    key: str
    label: Promise
    kind: type
    strictness: Strictness
    unit: Unit | Promise | str = ""

    def unit_for(self, value: object) -> str:
        """The unit to print after ``value``, in the right number."""
        return self.unit.for_value(value) if isinstance(self.unit, Unit) else str(self.unit)


G = _("g")
PCT = "%"
DAYS = Unit(gettext_noop("day"), gettext_noop("days"))
MONTHS = Unit(gettext_noop("month"), gettext_noop("months"))
YEARS = Unit(gettext_noop("year"), gettext_noop("years"))
WORKING_DAYS = Unit(gettext_noop("working day"), gettext_noop("working days"))


def _plural_units_for_makemessages() -> None:  # pragma: no cover - never called
    """makemessages finds plural forms only in ngettext calls; these are the units above."""
    ngettext("day", "days", 1)
    ngettext("month", "months", 1)
    ngettext("year", "years", 1)
    ngettext("working day", "working days", 1)


RULES: tuple[Rule, ...] = (
    Rule("max_members", _("Maximum number of members"), int, Strictness.LOWER),
    Rule("min_members", _("Minimum number of members"), int, Strictness.HIGHER),
    Rule("min_age", _("Minimum age"), int, Strictness.HIGHER, YEARS),
    Rule(
        "young_adult_until_age",
        _("Young adult up to and including age"),
        int,
        Strictness.HIGHER,
        YEARS,
    ),
    Rule(
        "young_adult_month_grams",
        _("Young adult: grams per calendar month"),
        Decimal,
        Strictness.LOWER,
        G,
    ),
    Rule(
        "young_adult_max_thc_percent",
        _("Young adult: maximum THC content"),
        Decimal,
        Strictness.LOWER,
        PCT,
    ),
    Rule("day_grams", _("Grams per day"), Decimal, Strictness.LOWER, G),
    Rule("month_grams", _("Grams per calendar month"), Decimal, Strictness.LOWER, G),
    Rule("year_grams", _("Grams per year"), Decimal, Strictness.LOWER, G),
    Rule(
        "waiting_period_days",
        _("Waiting period before the first dispensing"),
        int,
        Strictness.HIGHER,
        DAYS,
    ),
    Rule("min_membership_months", _("Minimum membership"), int, Strictness.HIGHER, MONTHS),
    Rule(
        "one_club_declaration_required",
        _("Declaration of membership in one club only"),
        bool,
        Strictness.REQUIRE,
    ),
    Rule(
        "declaration_retention_years",
        _("Keep the one-club declaration for"),
        int,
        Strictness.HIGHER,
        YEARS,
    ),
    Rule("residence_country", _("Residence required in country"), str, Strictness.FIXED),
    Rule("min_residence_months", _("Minimum residence"), int, Strictness.HIGHER, MONTHS),
    Rule("endorsement_required", _("Endorsement by a member required"), bool, Strictness.REQUIRE),
    Rule(
        "sponsor_min_membership_months",
        _("Sponsor's minimum membership"),
        int,
        Strictness.HIGHER,
        MONTHS,
    ),
    Rule(
        "therapeutic_use_exempt_from_endorsement",
        _("Therapeutic users need no endorsement"),
        bool,
        Strictness.FORBID,
    ),
    Rule("forecast_required", _("Signed consumption forecast required"), bool, Strictness.REQUIRE),
    Rule(
        "forecast_caps_dispensing",
        _("Dispensing capped at the member's forecast"),
        bool,
        Strictness.REQUIRE,
    ),
    Rule(
        "id_check_every_dispensing",
        _("Card and photo ID checked at every dispensing"),
        bool,
        Strictness.REQUIRE,
    ),
    Rule(
        "in_person_dispensing_only",
        _("Dispensing in person on the premises only"),
        bool,
        Strictness.REQUIRE,
    ),
    Rule(
        "free_dispensing_allowed", _("Dispensing free of charge allowed"), bool, Strictness.FORBID
    ),
    Rule(
        "lab_result_required_for_release",
        _("Passing lab result required to release a lot"),
        bool,
        Strictness.REQUIRE,
    ),
    Rule("seeds_per_month", _("Seeds per person per month"), int, Strictness.LOWER),
    Rule("cuttings_per_month", _("Cuttings per person per month"), int, Strictness.LOWER),
    Rule(
        "propagation_mixed_per_month",
        _("Seeds and cuttings mixed per person per month"),
        int,
        Strictness.LOWER,
    ),
    Rule(
        "plan_tolerance_percent",
        _("Cultivation plan may exceed declared demand by"),
        Decimal,
        Strictness.FREE,
        PCT,
    ),
    Rule(
        "annual_quantity_grams",
        _("Annual quantity of the permit"),
        Decimal,
        Strictness.FREE,
        G,
    ),
    Rule("flowering_plant_cap", _("Flowering plants at most"), int, Strictness.LOWER),
    Rule(
        "premises_stock_cap_grams",
        _("Dried cannabis on the premises at most"),
        Decimal,
        Strictness.LOWER,
        G,
    ),
    Rule(
        "transport_notice_above_grams",
        _("Transport notice needed above"),
        Decimal,
        Strictness.LOWER,
        G,
    ),
    Rule(
        "transport_notice_working_days",
        _("Transport notice ahead"),
        int,
        Strictness.HIGHER,
        WORKING_DAYS,
    ),
    Rule(
        "transport_annual_divisor",
        _("One transport carries at most the annual quantity divided by"),
        int,
        Strictness.HIGHER,
    ),
    Rule(
        "assembly_notice_days", _("Notice before a general assembly"), int, Strictness.HIGHER, DAYS
    ),
    Rule(
        "assemblies_per_year_min", _("General assemblies per year at least"), int, Strictness.HIGHER
    ),
    Rule(
        "extraordinary_assembly_request_percent",
        _("Share of members who can force an extraordinary assembly"),
        Decimal,
        Strictness.LOWER,
        PCT,
    ),
    Rule(
        "quorum_percent",
        _("Default quorum (present or represented)"),
        Decimal,
        Strictness.FREE,
        PCT,
    ),
    Rule("proxy_voting_allowed", _("Proxy voting allowed"), bool, Strictness.FREE),
    Rule("proxy_max_per_holder", _("Proxies per holder at most"), int, Strictness.LOWER),
    Rule("statute_change_majority", _("Majority for a statute change"), str, Strictness.FIXED),
    Rule("record_retention_years", _("Keep the records for"), int, Strictness.HIGHER, YEARS),
    Rule("annual_report_due", _("Annual report due (month-day)"), str, Strictness.FIXED),
    Rule(
        "quarterly_report_required",
        _("Quarterly report to the authority"),
        bool,
        Strictness.REQUIRE,
    ),
    Rule(
        "harm_reduction_fund_percent",
        _("Share of income to a harm-reduction fund"),
        Decimal,
        Strictness.HIGHER,
        PCT,
    ),
)
RULES_BY_KEY: dict[str, Rule] = {rule.key: rule for rule in RULES}


@dataclass(frozen=True)
class Rulebook:
    """The effective rules of a club: a preset with the club's overrides applied."""

    preset: str
    max_members: int | None
    min_members: int | None
    min_age: int
    young_adult_until_age: int | None
    young_adult_month_grams: Decimal | None
    young_adult_max_thc_percent: Decimal | None
    day_grams: Decimal | None
    month_grams: Decimal | None
    year_grams: Decimal | None
    waiting_period_days: int
    min_membership_months: int
    one_club_declaration_required: bool
    declaration_retention_years: int | None
    residence_country: str | None
    min_residence_months: int
    endorsement_required: bool
    sponsor_min_membership_months: int
    therapeutic_use_exempt_from_endorsement: bool
    forecast_required: bool
    forecast_caps_dispensing: bool
    id_check_every_dispensing: bool
    in_person_dispensing_only: bool
    free_dispensing_allowed: bool
    lab_result_required_for_release: bool
    seeds_per_month: int | None
    cuttings_per_month: int | None
    propagation_mixed_per_month: int | None
    plan_tolerance_percent: Decimal | None
    annual_quantity_grams: Decimal | None
    flowering_plant_cap: int | None
    premises_stock_cap_grams: Decimal | None
    transport_notice_above_grams: Decimal | None
    transport_notice_working_days: int
    transport_annual_divisor: int | None
    assembly_notice_days: int | None
    assemblies_per_year_min: int | None
    extraordinary_assembly_request_percent: Decimal | None
    quorum_percent: Decimal | None
    proxy_voting_allowed: bool
    proxy_max_per_holder: int | None
    statute_change_majority: str | None
    record_retention_years: int | None
    annual_report_due: str | None
    quarterly_report_required: bool
    harm_reduction_fund_percent: Decimal | None
    overridden: frozenset[str] = field(default=frozenset())

    def is_young_adult(self, age: int) -> bool:
        return self.young_adult_until_age is not None and age <= self.young_adult_until_age

    def as_dict(self) -> dict[str, Any]:
        """Plain values for the API: decimals as strings, as API.md asks."""
        out: dict[str, Any] = {}
        for rule in RULES:
            value = getattr(self, rule.key)
            out[rule.key] = str(value) if isinstance(value, Decimal) else value
        return out


D = Decimal

# The law's values per preset, from RULES.md. A key missing from a preset takes BASE's value.
BASE: dict[str, Any] = {
    "max_members": None,
    "min_members": None,
    "min_age": 18,
    "young_adult_until_age": None,
    "young_adult_month_grams": None,
    "young_adult_max_thc_percent": None,
    "day_grams": None,
    "month_grams": None,
    "year_grams": None,
    "waiting_period_days": 0,
    "min_membership_months": 0,
    "one_club_declaration_required": False,
    "declaration_retention_years": None,
    "residence_country": None,
    "min_residence_months": 0,
    "endorsement_required": False,
    "sponsor_min_membership_months": 0,
    "therapeutic_use_exempt_from_endorsement": False,
    "forecast_required": False,
    "forecast_caps_dispensing": False,
    # DESIGN.md invariant 3: card and ID are checked at every dispensing, in every preset.
    "id_check_every_dispensing": True,
    "in_person_dispensing_only": False,
    "free_dispensing_allowed": True,
    "lab_result_required_for_release": False,
    "seeds_per_month": None,
    "cuttings_per_month": None,
    "propagation_mixed_per_month": None,
    # DESIGN.md invariant 6: a plan may exceed demand by the club's tolerance (10 % unless set).
    "plan_tolerance_percent": Decimal("10"),
    "annual_quantity_grams": None,  # fixed by the club's permit (KCanG §13(3)); the club sets it
    "flowering_plant_cap": None,
    "premises_stock_cap_grams": None,
    "transport_notice_above_grams": None,
    "transport_notice_working_days": 0,
    "transport_annual_divisor": None,
    "assembly_notice_days": None,
    "assemblies_per_year_min": None,
    "extraordinary_assembly_request_percent": None,
    "quorum_percent": None,
    "proxy_voting_allowed": True,
    "proxy_max_per_holder": None,
    "statute_change_majority": None,
    "record_retention_years": None,
    "annual_report_due": None,
    "quarterly_report_required": False,
    "harm_reduction_fund_percent": None,
}

PRESETS: dict[str, dict[str, Any]] = {
    # KCanG §16 (members), §19 (dispensing), §20 (seeds, cuttings), §22 (transport),
    # §25 (no free dispensing), §26 (records); BGB §33 (statutes), §38 (proxies).
    "DE": {
        "max_members": 500,
        "young_adult_until_age": 20,
        "young_adult_month_grams": D("30"),
        "young_adult_max_thc_percent": D("10"),
        "day_grams": D("25"),
        "month_grams": D("50"),
        "min_membership_months": 3,
        "one_club_declaration_required": True,
        "declaration_retention_years": 3,
        "residence_country": "DE",
        "in_person_dispensing_only": True,
        "free_dispensing_allowed": False,
        "seeds_per_month": 7,
        "cuttings_per_month": 5,
        "propagation_mixed_per_month": 5,
        "transport_notice_above_grams": D("25"),
        "transport_notice_working_days": 1,
        "transport_annual_divisor": 12,
        "proxy_voting_allowed": False,
        "statute_change_majority": "three_quarters",
        "record_retention_years": 5,
        "annual_report_due": "01-31",
    },
    # Catalan law 13/2017 (the sector's template) and LO 1/2002 (associations).
    "ES": {
        "young_adult_until_age": 20,
        "young_adult_month_grams": D("20"),
        "month_grams": D("60"),
        "waiting_period_days": 15,
        "endorsement_required": True,
        "sponsor_min_membership_months": 1,
        "therapeutic_use_exempt_from_endorsement": True,
        "forecast_required": True,
        "assembly_notice_days": 15,
        "assemblies_per_year_min": 1,
        "extraordinary_assembly_request_percent": D("10"),
        "quorum_percent": D("33.33"),
        "statute_change_majority": "qualified",
    },
    # Cap. 628 (ARUC).
    "MT": {
        "max_members": 500,
        "day_grams": D("7"),
        "month_grams": D("50"),
        "one_club_declaration_required": True,
        "seeds_per_month": 20,
        "premises_stock_cap_grams": D("500"),
        "quarterly_report_required": True,
        "harm_reduction_fund_percent": D("5"),
    },
    # Ley 19.172, Decreto 120/014.
    "UY": {
        "max_members": 45,
        "min_members": 15,
        "year_grams": D("480"),
        "one_club_declaration_required": True,
        "residence_country": "UY",
        "flowering_plant_cap": 99,
    },
    # All values set by the club; no law binds them here.
    "CUSTOM": {},
}


def preset_values(preset: str) -> dict[str, Any]:
    if preset not in PRESETS:
        raise KeyError(preset)
    return {**BASE, **PRESETS[preset]}


def parse_value(rule: Rule, raw: Any) -> Any:
    """Turn a stored or typed override into the rule's type. Raises ValueError."""
    if raw is None or raw == "":
        return None
    if rule.kind is bool:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in {"true", "1", "yes", "on"}:
            return True
        if text in {"false", "0", "no", "off"}:
            return False
        raise ValueError(raw)
    if rule.kind is int:
        if isinstance(raw, bool):
            raise ValueError(raw)
        whole = int(str(raw).strip())
        if whole < 0:
            raise ValueError(raw)
        return whole
    if rule.kind is Decimal:
        try:
            number = Decimal(str(raw).strip().replace(",", "."))
        except InvalidOperation as exc:
            raise ValueError(raw) from exc
        if not number.is_finite() or number < 0:
            raise ValueError(raw)
        return number
    return str(raw).strip()


def is_looser(rule: Rule, law: Any, value: Any, preset: str) -> bool:
    """Whether ``value`` would loosen the preset's ``law`` value for ``rule``."""
    if preset == "CUSTOM":
        return False
    s = rule.strictness
    if s is Strictness.FREE:
        return False
    if s is Strictness.FIXED:
        return law is not None and value != law
    if s is Strictness.REQUIRE:
        return bool(law) and not value
    if s is Strictness.FORBID:
        return not law and bool(value)
    if law is None:
        return False  # the law sets no limit here; any club value is at least as strict
    if value is None:
        return True  # removing a limit the law sets
    if s is Strictness.LOWER:
        return bool(value > law)
    return bool(value < law)  # HIGHER


def check_overrides(
    preset: str, raw: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Parse and check overrides against the preset.

    Returns the overrides in storable form (decimals as strings) and the errors by rule key.
    """
    law = preset_values(preset)
    clean: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for key, raw_value in raw.items():
        rule = RULES_BY_KEY.get(key)
        if rule is None:
            errors[key] = [str(_("Unknown rule."))]
            continue
        try:
            value = parse_value(rule, raw_value)
        except (ValueError, TypeError):
            errors[key] = [str(_("This value is not valid for this rule."))]
            continue
        if value == law[key]:
            continue  # not an override
        if is_looser(rule, law[key], value, preset):
            errors[key] = [
                str(
                    _("%(rule)s: %(value)s would be looser than the law (%(law)s).")
                    % {
                        "rule": rule.label,
                        "value": "—" if value is None else value,
                        "law": "—" if law[key] is None else law[key],
                    }
                )
            ]
            continue
        clean[key] = str(value) if isinstance(value, Decimal) else value
    return clean, errors


def build_rulebook(preset: str, overrides: dict[str, Any]) -> Rulebook:
    """The effective rulebook. Stored overrides were checked on write; they are re-parsed here."""
    values = preset_values(preset)
    applied: set[str] = set()
    for key, raw in overrides.items():
        rule = RULES_BY_KEY.get(key)
        if rule is None:
            continue
        values[key] = parse_value(rule, raw)
        applied.add(key)
    return Rulebook(preset=preset, overridden=frozenset(applied), **values)


RULEBOOK_FIELDS = frozenset(
    f.name for f in dataclasses.fields(Rulebook) if f.name not in {"preset", "overridden"}
)
