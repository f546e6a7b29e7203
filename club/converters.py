"""Path converters. ``<id:...>`` is a number that fits the database: Django's ``<int:...>``
takes any run of digits, and a number past bigint made PostgreSQL fail with a 500."""

from __future__ import annotations


class IdConverter:
    regex = "[0-9]{1,9}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)
