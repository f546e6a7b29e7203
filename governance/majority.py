"""Majority rules and quorum, as pure functions (RULES.md: BGB §§32-33, LO 1/2002).

Votes cast are yes + no: abstentions and invalid votes do not count, except where a rule says
otherwise (the absolute majority counts abstentions; the Spanish qualified majority is measured
against those present or represented). A tie is always rejected.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

_CHOICE_LABELS = {
    "yes": gettext_lazy("Yes"),
    "no": gettext_lazy("No"),
    "abstain": gettext_lazy("Abstain"),
    "invalid": gettext_lazy("Invalid"),
}


def choice_label(value: object) -> str:
    """A poll choice as people read it: yes/no/abstain/invalid in the active language, or a
    candidate's name as it stands."""
    return str(_CHOICE_LABELS.get(str(value), value))


@dataclass(frozen=True)
class Outcome:
    quorum_required: int
    quorum_met: bool
    majority_reached: bool
    adopted: bool
    explanation: str


def quorum_needed(entitled: int, quorum_percent: Decimal | None) -> int:
    if not quorum_percent:
        return 0
    return math.ceil(entitled * quorum_percent / 100)


def majority_reached(
    rule: str, *, yes: int, no: int, abstain: int, present_or_represented: int
) -> tuple[bool, str]:
    """Whether the rule is met, and why, in the active language, with the comparison as it came
    out ("yes 2 < 2/3 of 5" when it failed, never the sign of the rule itself)."""
    cast = yes + no
    if rule == "simple":
        ok = yes > no
        return ok, _("yes %(yes)s %(sign)s no %(no)s") % {
            "yes": yes,
            "no": no,
            "sign": ">" if ok else ("=" if yes == no else "<"),
        }
    if rule == "absolute":
        valid = yes + no + abstain
        ok = yes * 2 > valid
        return ok, _("yes %(yes)s %(sign)s half of %(valid)s valid votes") % {
            "yes": yes,
            "valid": valid,
            "sign": ">" if ok else "≤",
        }
    if rule in ("two_thirds", "three_quarters"):
        num, den = (2, 3) if rule == "two_thirds" else (3, 4)
        share = cast > 0 and yes * den >= cast * num
        ok = share and yes > no
        return ok, _("yes %(yes)s %(sign)s %(share)s of %(cast)s votes cast") % {
            "yes": yes,
            "cast": cast,
            "share": f"{num}/{den}",
            "sign": "≥" if share else "<",
        }
    if rule == "unanimous":
        ok = yes > 0 and no == 0
        return ok, _("yes %(yes)s, no %(no)s") % {"yes": yes, "no": no}
    if rule == "qualified_es":
        ok = yes * 2 > present_or_represented
        return ok, _("yes %(yes)s %(sign)s half of %(n)s present or represented") % {
            "yes": yes,
            "n": present_or_represented,
            "sign": ">" if ok else "≤",
        }
    raise ValueError(rule)


def explain(result: dict) -> str:
    """A stored result's explanation, in the active language (the stored text is in the
    language of whoever closed the poll)."""
    counts = result.get("counts", {})
    majority = result.get("majority")
    if not majority or "yes" not in counts:
        return str(result.get("explanation", ""))
    return majority_reached(
        majority,
        yes=counts.get("yes", 0),
        no=counts.get("no", 0),
        abstain=counts.get("abstain", 0),
        present_or_represented=result.get("present_or_represented", 0),
    )[1]


def decide(
    rule: str,
    *,
    yes: int,
    no: int,
    abstain: int,
    entitled: int,
    present_or_represented: int,
    quorum_percent: Decimal | None,
) -> Outcome:
    need = quorum_needed(entitled, quorum_percent)
    quorum = present_or_represented >= need
    reached, why = majority_reached(
        rule, yes=yes, no=no, abstain=abstain, present_or_represented=present_or_represented
    )
    return Outcome(
        quorum_required=need,
        quorum_met=quorum,
        majority_reached=reached,
        adopted=quorum and reached,
        explanation=why,
    )
