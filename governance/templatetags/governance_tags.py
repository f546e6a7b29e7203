from __future__ import annotations

from typing import Any

from django import template

from governance.majority import choice_label as _choice_label
from governance.majority import explain

register = template.Library()


@register.filter
def explained(result: Any) -> str:
    """A poll result's explanation in the page's language."""
    return explain(result or {})


@register.filter
def choice_label(value: Any) -> str:
    return _choice_label(value)
