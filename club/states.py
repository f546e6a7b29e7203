"""The one way a status changes: a table of allowed moves, and a refusal for every other."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import models
from django.utils.translation import gettext as _

from club.errors import StateConflict

ILLEGAL_STATUS_MOVE = "ILLEGAL_STATUS_MOVE"


def label(choices: type[models.TextChoices], value: str) -> str:
    return str(dict(choices.choices).get(value, value))


def check_move(
    *,
    what: str,
    choices: type[models.TextChoices],
    moves: Mapping[str, frozenset[str]],
    old: str,
    new: str,
) -> None:
    """Raise ``ILLEGAL_STATUS_MOVE`` (409) unless ``moves`` allows ``old`` to ``new``."""
    if new not in moves[old]:
        raise StateConflict(
            ILLEGAL_STATUS_MOVE,
            _("This %(kind)s cannot move from %(old)s to %(new)s.")
            % {"kind": what, "old": label(choices, old), "new": label(choices, new)},
        )
