"""Digests of the records the audit chain covers (issue 12, point 2).

Two kinds of table are covered: every append-only table (the digest is over the row's full
content), and the mutable tables whose model lists the fields that carry the club's proof in
``AUDITED`` (a member's status and dates, a poll's text and result, a lot's grams and status...;
the digest is over the key and those fields). Every covered row a transaction writes is registered
when it is saved (``save``, ``bulk_create``, or ``register_rows`` after a queryset update); the next
``audit_record`` in that transaction puts the SHA-256 of each row's content into its event's
payload (``records``). ``audit_verify`` recomputes the digest of every live row and compares: a row
changed, deleted or inserted behind the app's back is named by table, key and the sequence of the
event that recorded it. The retention purge re-anchors the rows it blanks in its own event.

Personal data in a covered field (a model's ``ERASABLE`` and ``PERSONAL`` fields) enters the
digest as a pseudonym, the HMAC-SHA256 of its value under ``CSC_PSEUDONYM_KEY``, so that
``audit_export`` can hand an auditor the exact content each digest was taken over without a name,
an IBAN or a birth date in it, and without one that could be guessed back from its hash.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from decimal import Decimal
from functools import cache
from typing import Any

from django.db import models, transaction

from club.chainmath import canonical_json, record_digest, record_problems

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


@cache
def _pseudonym_key(configured: str, secret: str) -> bytes:
    if configured:
        return configured.encode()
    return hashlib.sha256(b"csc-pseudonym:" + secret.encode()).digest()


def pseudonym(value: Any) -> str:
    """The HMAC of a personal value: equal values give equal pseudonyms, nobody without the key
    can tell which value it stands for."""
    from django.conf import settings

    key = _pseudonym_key(settings.CSC_PSEUDONYM_KEY, settings.SECRET_KEY)
    return "hmac:" + hmac.new(key, canonical_json(value).encode(), hashlib.sha256).hexdigest()


@cache
def audited_fields(model: type[models.Model]) -> list[models.Field]:
    """The fields a model's digest is over: all of an append-only row, the key and ``AUDITED``
    of a mutable one; none for a table the chain does not cover."""
    from club.models import AppendOnlyModel, AuditEvent

    if model is AuditEvent:
        return []
    if issubclass(model, AppendOnlyModel):
        return list(model._meta.concrete_fields)
    names = getattr(model, "AUDITED", ())
    if not names:
        return []
    by_name = {f.name: f for f in model._meta.concrete_fields}
    return [f for f in model._meta.concrete_fields if f.primary_key] + [by_name[n] for n in names]


@cache
def personal_fields(model: type[models.Model]) -> frozenset[str]:
    names = (*getattr(model, "ERASABLE", ()), *getattr(model, "PERSONAL", ()))
    by_name = {f.name: f for f in model._meta.concrete_fields}
    return frozenset(by_name[name].attname for name in names)


def content(model: type[models.Model], values: dict[str, Any]) -> dict[str, Any]:
    """What a row's digest is taken over: its audited values, personal ones as pseudonyms."""
    personal = personal_fields(model)
    out: dict[str, Any] = {}
    for f in audited_fields(model):
        value = _normal(f, values.get(f.attname))
        if value is None:
            continue  # so a column added later, blank in older rows, leaves their digests alone
        out[f.attname] = pseudonym(value) if f.attname in personal else value
    return out


def digest(model: type[models.Model], values: dict[str, Any]) -> str:
    """SHA-256 of a row's content, given its values by attribute name."""
    return record_digest(content(model, values))


def instance_digest(instance: models.Model) -> str:
    fields = audited_fields(type(instance))
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
        model: type[models.Model] = type(instance)
        if instance.pk is not None and audited_fields(model):
            pending[key(type(instance), instance.pk)] = (mark, instance_digest(instance))


def register_rows(model: type[models.Model], pks: list[Any]) -> None:
    """Note rows changed in the database (the retention purge's erasure), read back as stored."""
    connection = transaction.get_connection()
    mark, pending = _mark(connection), _pending(connection)
    names = [f.attname for f in audited_fields(model)]
    rows = (
        row
        for start in range(0, len(pks), 5000)  # PostgreSQL takes at most 65535 parameters
        for row in model._base_manager.filter(pk__in=pks[start : start + 5000]).values(*names)
    )
    for row in rows:
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

    return [m for m in apps.get_models() if audited_fields(m)]


def register_saved(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    """``post_save`` of a mutable covered model: its new values go into the next event."""
    if getattr(sender, "AUDITED", ()) and not kwargs.get("raw"):
        register([instance])


def live_rows(model: type[models.Model]) -> Any:
    """Every live row of a covered model, as values by attribute name, in key order."""
    names = [f.attname for f in audited_fields(model)]
    return model._base_manager.values(*names).order_by("pk").iterator(chunk_size=2000)


def tables() -> dict[str, str]:
    return {m._meta.label_lower: m._meta.db_table for m in covered_models()}


def live_digests() -> Any:
    """(record key, table, key, digest now) of every live covered row."""
    for model in covered_models():
        table, pk_name = model._meta.db_table, model._meta.pk.attname
        for row in live_rows(model):
            pk = row[pk_name]
            yield key(model, pk), table, pk, digest(model, row)


def live_problems(recorded: dict[str, tuple[int, str]]) -> list[str]:
    """Compare every live covered row with the digest the chain last recorded for it."""
    return record_problems(recorded, live_digests(), tables())
