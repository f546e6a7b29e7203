"""Digests of the records the audit chain covers (issue 12, point 2).

Every append-only row a transaction writes is registered when it is saved (``save`` or
``bulk_create``); the next ``audit_record`` in that transaction puts the SHA-256 of each row's full
content into its event's payload (``records``). ``audit_verify`` recomputes the digest of every
live row and compares: a row changed, deleted or inserted behind the app's back is named by table
and key. The retention purge re-anchors the rows it blanks in its own event.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from typing import Any

from django.db import models, transaction

from club.chainmath import canonical_json

_PENDING = "_csc_pending_records"


def _normal(field: models.Field, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(field, models.DecimalField):
        number = value if isinstance(value, Decimal) else Decimal(str(value))
        return str(number.quantize(Decimal(1).scaleb(-(field.decimal_places or 0))))
    if isinstance(field, models.DateTimeField):
        if isinstance(value, str):
            value = dt.datetime.fromisoformat(value)
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(field, models.DateField):
        return value.isoformat() if not isinstance(value, str) else value
    if isinstance(field, models.BinaryField):
        return hashlib.sha256(bytes(value)).hexdigest()
    if isinstance(field, models.FileField):
        return str(getattr(value, "name", value) or "")
    if isinstance(field, models.JSONField):
        return value
    if isinstance(field, models.BooleanField):
        return bool(value)
    if isinstance(value, str | int | float):
        return value
    return str(value)  # UUIDs and the like, as their text


def digest(model: type[models.Model], values: dict[str, Any]) -> str:
    """SHA-256 of a row's content, given its values by attribute name."""
    content = {f.attname: _normal(f, values.get(f.attname)) for f in model._meta.concrete_fields}
    return hashlib.sha256(canonical_json(content).encode()).hexdigest()


def instance_digest(instance: models.Model) -> str:
    fields = instance._meta.concrete_fields
    return digest(type(instance), {f.attname: getattr(instance, f.attname) for f in fields})


def key(model: type[models.Model], pk: Any) -> str:
    return f"{model._meta.label_lower}:{pk}"


def _mark(connection: Any) -> object | None:
    """A token of the transaction now open (the outermost atomic block), so that rows noted in
    a transaction that was rolled back are never recorded by a later one."""
    blocks = getattr(connection, "atomic_blocks", None)
    if not blocks:
        return None
    outer = blocks[0]
    if not hasattr(outer, "_csc_mark"):
        outer._csc_mark = object()
    return outer._csc_mark


def _pending(connection: Any) -> dict[str, tuple[object | None, str]]:
    pending = getattr(connection, _PENDING, None)
    if pending is None:
        pending = {}
        setattr(connection, _PENDING, pending)
    return pending


def register(instances: Any) -> None:
    """Note rows this transaction wrote; the next audit event of the transaction records them."""
    connection = transaction.get_connection()
    mark, pending = _mark(connection), _pending(connection)
    for instance in instances:
        if instance.pk is not None and instance._meta.label_lower != "club.auditevent":
            pending[key(type(instance), instance.pk)] = (mark, instance_digest(instance))


def register_rows(model: type[models.Model], pks: list[Any]) -> None:
    """Note rows changed in the database (the retention purge's erasure), read back as stored."""
    connection = transaction.get_connection()
    mark, pending = _mark(connection), _pending(connection)
    names = [f.attname for f in model._meta.concrete_fields]
    for row in model._base_manager.filter(pk__in=pks).values(*names):
        pending[key(model, row[model._meta.pk.attname])] = (mark, digest(model, row))


def take() -> dict[str, str]:
    """The digests this transaction noted since its last audit event (older ones, of a
    transaction that was rolled back, are dropped)."""
    connection = transaction.get_connection()
    mark, pending = _mark(connection), _pending(connection)
    setattr(connection, _PENDING, {})
    return {k: d for k, (m, d) in pending.items() if m is mark and m is not None}


def covered_models() -> list[type[models.Model]]:
    from django.apps import apps

    from club.models import AppendOnlyModel, AuditEvent

    return [m for m in apps.get_models() if issubclass(m, AppendOnlyModel) and m is not AuditEvent]


def live_problems(recorded: dict[str, tuple[int, str]]) -> list[str]:
    """Compare every live covered row with the digest the chain last recorded for it."""
    problems: list[str] = []
    left = dict(recorded)
    for model in covered_models():
        names = [f.attname for f in model._meta.concrete_fields]
        table = model._meta.db_table
        for row in model._base_manager.values(*names).order_by("pk").iterator(chunk_size=2000):
            pk = row[model._meta.pk.attname]
            found = left.pop(key(model, pk), None)
            if found is None:
                problems.append(
                    f"{table} {pk}: not on the audit chain (written behind the app's back)"
                )
            elif found[1] != digest(model, row):
                problems.append(f"{table} {pk}: changed after audit event {found[0]}")
    labels = {m._meta.label_lower: m._meta.db_table for m in covered_models()}
    for record, (seq, _digest) in sorted(left.items()):
        label, pk = record.split(":", 1)
        if label in labels:
            problems.append(f"{labels[label]} {pk}: deleted (recorded by audit event {seq})")
    return problems
