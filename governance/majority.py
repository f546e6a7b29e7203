"""Majority rules and quorum, as pure functions (RULES.md: BGB §§32-33, LO 1/2002).

Votes cast are yes + no: abstentions and invalid votes do not count, except where a rule says
otherwise (the absolute majority counts abstentions; the Spanish qualified majority is measured
against those present or represented). A tie is always rejected.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal


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
    cast = yes + no
    if rule == "simple":
        return yes > no, f"yes {yes} > no {no}"
    if rule == "absolute":
        valid = yes + no + abstain
        return yes * 2 > valid, f"yes {yes} > half of {valid} valid votes"
    if rule == "two_thirds":
        return cast > 0 and yes * 3 >= cast * 2 and yes > no, f"yes {yes} ≥ 2/3 of {cast}"
    if rule == "three_quarters":
        return cast > 0 and yes * 4 >= cast * 3 and yes > no, f"yes {yes} ≥ 3/4 of {cast}"
    if rule == "unanimous":
        return yes > 0 and no == 0, f"yes {yes}, no {no}"
    if rule == "qualified_es":
        return yes * 2 > present_or_represented, (
            f"yes {yes} > half of {present_or_represented} present or represented"
        )
    raise ValueError(rule)


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
