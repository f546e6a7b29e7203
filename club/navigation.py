"""The navigation menu. Each app registers its entries in its AppConfig.ready()."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: Promise
    access: str | frozenset[str]
    order: int = 100


_ITEMS: list[NavItem] = []


def register(item: NavItem) -> None:
    if item not in _ITEMS:
        _ITEMS.append(item)
        _ITEMS.sort(key=lambda i: i.order)


def items() -> list[NavItem]:
    return list(_ITEMS)
