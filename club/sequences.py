"""Numbers from a database sequence (membership numbers, batch and lot codes, receipts).

Unique, not gap-free: a rolled-back transaction may skip a number. PostgreSQL uses a real
SEQUENCE (no lock between writers); other databases use a counter row locked for the update
(SQLite's IMMEDIATE transactions serialize writers anyway).
"""

from __future__ import annotations

import re

from django.db import ProgrammingError, connection, models, transaction

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,40}$")
# The sequences club/migrations/0007_sequences creates (keep the two lists the same).
MIGRATED = frozenset({"batch_code", "lot_code", "receipt", "member_number"})


class Counter(models.Model):
    name = models.CharField(max_length=48, primary_key=True)
    value = models.PositiveBigIntegerField(default=0)

    class Meta:
        app_label = "club"

    def __str__(self) -> str:
        return f"{self.name}={self.value}"


def next_value(name: str) -> int:
    """The next number of sequence ``name`` (created on first use, starting at 1)."""
    if not _NAME.match(name):
        raise ValueError(f"bad sequence name {name!r}")
    if connection.vendor == "postgresql":
        sequence = f"csc_seq_{name}"
        with connection.cursor() as cursor:
            if name in MIGRATED:  # created by migrate: no savepoint around the hot path
                cursor.execute("SELECT nextval(%s)", [sequence])
                return int(cursor.fetchone()[0])
            try:
                with transaction.atomic():  # a savepoint: a missing sequence aborts only it
                    cursor.execute("SELECT nextval(%s)", [sequence])
                    return int(cursor.fetchone()[0])
            except ProgrammingError:
                # First use: create it, so no DDL runs on the hot path once it exists.
                cursor.execute(f"CREATE SEQUENCE IF NOT EXISTS {sequence}")
                cursor.execute("SELECT nextval(%s)", [sequence])
                return int(cursor.fetchone()[0])
    with transaction.atomic():
        Counter.objects.bulk_create([Counter(name=name, value=0)], ignore_conflicts=True)
        counter = Counter.objects.select_for_update().get(name=name)
        counter.value += 1
        counter.save(update_fields=["value"])
        return counter.value
