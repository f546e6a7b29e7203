"""The club, its users, API tokens, and the audit chain that every write extends."""

from __future__ import annotations

import zoneinfo
from typing import Any, ClassVar

import pgtrigger
from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from club.errors import AppendOnlyError
from club.triggers import StrictProtect, no_truncate

# --- Append-only records ---------------------------------------------------------


class AppendOnlyQuerySet(models.QuerySet):
    """Bulk edits and deletes are refused: append-only tables are corrected by reversal."""

    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError(f"{self.model.__name__} is append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(f"{self.model.__name__} is append-only")

    def bulk_update(self, *args: Any, **kwargs: Any) -> int:
        raise AppendOnlyError(f"{self.model.__name__} is append-only")

    def erase(self, *columns: str) -> int:
        """Blank personal columns past their retention period: the one edit an append-only table
        allows, and only on the columns its model names in ``ERASABLE`` (the database trigger
        allows nothing else either). The rows' new digests go on the next audit event."""
        from club import digests

        allowed = getattr(self.model, "ERASABLE", ())
        if not columns or not set(columns) <= set(allowed):
            raise AppendOnlyError(f"{self.model.__name__}: {columns} are not erasable")
        pks = list(self.values_list("pk", flat=True))
        count = super().update(**dict.fromkeys(columns, ERASED))
        digests.register_rows(self.model, pks)
        return count

    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> list[Any]:
        from club import digests

        created = super().bulk_create(objs, *args, **kwargs)
        digests.register(created)
        return created


# What an erased personal column holds: blank, which fits every text column whatever its length.
ERASED = ""


def erasable_triggers(*columns: str) -> list[pgtrigger.Trigger]:
    """Triggers of an append-only table whose ``columns`` hold personal data: DELETE is refused,
    and UPDATE too, unless it changes nothing but these columns, each to ``ERASED``. The row's
    other values (and so the figures and links it proves) stay as they were."""
    names = ", ".join(f"'{c}'" for c in columns)
    others_changed = (
        f"(to_jsonb(OLD) - ARRAY[{names}]::text[]) IS DISTINCT FROM "
        f"(to_jsonb(NEW) - ARRAY[{names}]::text[])"
    )
    not_erasure = " OR ".join(
        f'(NEW."{c}" IS DISTINCT FROM OLD."{c}" AND NEW."{c}" IS DISTINCT FROM \'{ERASED}\')'
        for c in columns
    )
    return [
        StrictProtect(name="append_only", operation=pgtrigger.Delete),
        no_truncate(),
        StrictProtect(
            name="append_only_but_erasure",
            operation=pgtrigger.Update,
            condition=pgtrigger.Condition(f"({others_changed} OR {not_erasure})"),
        ),
    ]


class AppendOnlyModel(models.Model):
    """Base of every ledger: rows are inserted once, never updated or deleted.

    The model refuses it on every database; on PostgreSQL a trigger refuses it too, so raw SQL
    and other clients cannot get around it either.
    """

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True
        triggers: ClassVar[list[pgtrigger.Trigger]] = [
            StrictProtect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete),
            no_truncate(),
        ]

    def save(self, *args: Any, **kwargs: Any) -> None:
        from club import digests

        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} is append-only")
        super().save(*args, **kwargs)
        digests.register([self])

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(f"{type(self).__name__} is append-only")


# --- Users ----------------


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractUser):
    """A person who signs in with an e-mail address; roles are groups (club.roles)."""

    username = None  # type: ignore[assignment]
    email = models.EmailField(_("e-mail address"), unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects: ClassVar[UserManager] = UserManager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self) -> str:
        return f"user {self.pk}"


# --- The club ----------------


class Jurisdiction(models.TextChoices):
    DE = "DE", _("Germany (KCanG)")
    ES = "ES", _("Spain (Catalan template)")
    MT = "MT", _("Malta (Cap. 628)")
    UY = "UY", _("Uruguay (Ley 19.172)")
    CUSTOM = "CUSTOM", _("Custom")


class LegalForm(models.TextChoices):
    EV = "ev", _("Registered association (e.V.)")
    EG = "eg", _("Cooperative (eG)")
    ASSOCIATION = "association", _("Non-profit association")
    OTHER = "other", _("Other")


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("Unknown time zone."), code="invalid")


class Club(models.Model):
    """The one club this installation runs. Its rulebook: its preset plus stricter overrides."""

    singleton = models.BooleanField(default=True, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=200)
    legal_form = models.CharField(_("legal form"), max_length=20, choices=LegalForm.choices)
    register_number = models.CharField(_("register number"), max_length=100, blank=True)
    address = models.TextField(_("address"), blank=True)
    timezone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Berlin", validators=[validate_timezone]
    )
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_("The language of documents and background jobs (minutes, reports)."),
    )
    jurisdiction = models.CharField(_("jurisdiction"), max_length=10, choices=Jurisdiction.choices)
    rule_overrides = models.JSONField(_("rule overrides"), default=dict, blank=True)
    trends_min_group = models.PositiveSmallIntegerField(
        _("smallest group in anonymised trends"),
        default=5,
        validators=[MinValueValidator(2), MaxValueValidator(100)],
        help_text=_("Groups with fewer members are not shown, so nobody is singled out."),
    )
    api_token_days = models.PositiveSmallIntegerField(
        _("API tokens expire after (days)"),
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_("A new token works this many days; then its owner makes a new one."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    # Covered by the audit chain (club.digests): the law it runs under and its stricter rules.
    AUDITED = ("jurisdiction", "rule_overrides", "currency", "timezone")

    class Meta:
        verbose_name = _("club")
        constraints = [
            models.CheckConstraint(condition=models.Q(singleton=True), name="club_is_singleton"),
            models.CheckConstraint(
                condition=models.Q(currency__regex=r"^[A-Z]{3}$"), name="club_currency_iso"
            ),
        ]

    def __str__(self) -> str:
        return self.name


# --- API tokens ----------------


class ApiToken(models.Model):
    """A personal bearer token. Only its SHA-256 is stored; the token is shown once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # The token stops working at this time (the club's ``api_token_days`` after creation) ...
    expires_at = models.DateTimeField(null=True)
    # ... or when its owner's password changes: a digest of the password hash it was made under.
    password_stamp = models.CharField(max_length=16, default="")

    class Meta:
        verbose_name = _("API token")

    def __str__(self) -> str:
        return f"{self.prefix}…"

    @property
    def expired(self) -> bool:
        return self.expires_at is None or self.expires_at <= timezone.now()


# --- Audit chain ----------------


class AuditEvent(AppendOnlyModel):
    """One link of the hash chain. Written only by club.audit.audit_record."""

    seq = models.PositiveBigIntegerField(unique=True)
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=64)
    subject_type = models.CharField(max_length=64)
    subject_id = models.CharField(max_length=64)
    payload = models.TextField()  # canonical JSON, kept byte for byte as hashed
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta(AppendOnlyModel.Meta):
        verbose_name = _("audit event")
        ordering = ["seq"]
        indexes = [models.Index(fields=["subject_type", "subject_id"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"


class AuditChainHead(models.Model):
    """The one row every audit write locks, so the chain is extended strictly one at a time."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)
    # The hash before the last event's: PostgreSQL extends the chain in one statement that
    # moves the head and returns both (club.audit).
    prev_hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="audit_head_single")]

    def __str__(self) -> str:
        return f"head #{self.seq}"


from club.sequences import Counter  # noqa: E402,F401  (registered with the club app)


class Checkpoint(AppendOnlyModel):
    """The chain head at a moment, signed with a key the database does not hold (Ed25519). An
    auditor who keeps one can later prove the chain up to ``seq`` was not recomputed."""

    seq = models.PositiveBigIntegerField()
    hash = models.CharField(max_length=64)
    at = models.DateTimeField()
    public_key = models.CharField(max_length=64)  # hex, 32 bytes
    signature = models.CharField(max_length=128)  # hex, 64 bytes

    class Meta(AppendOnlyModel.Meta):
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"checkpoint #{self.seq}"
