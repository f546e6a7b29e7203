"""General assemblies: agenda, documents, invitations, check-ins, proxies, polls, ballots,
results and minutes.

One member, one vote: a unique constraint allows one participation per member and poll,
whatever the channel (online, paper in the room, by proxy). A secret ballot has no link to the
member: no foreign key, no time, and a random primary key. While the poll is open each choice is
kept only sealed (``SealedBallot``, encrypted under a key that is not in the database); closing
the poll opens them all and writes the ``SecretBallot`` rows anew, shuffled, in the one closing
transaction, and erases the sealed ones. So no system column (``xmin``, ``ctid``, SQLite's
``rowid``), no physical order and no audit event ties a final ballot to the vote that made it.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from club.models import AppendOnlyModel, erasable_triggers
from club.states import check_move


class AssemblyStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    CONVENED = "convened", _("Convened")
    OPEN = "open", _("In session")
    CLOSED = "closed", _("Closed")
    MINUTES_PUBLISHED = "minutes_published", _("Minutes published")


ASSEMBLY_MOVES: dict[str, frozenset[str]] = {
    AssemblyStatus.DRAFT: frozenset({AssemblyStatus.CONVENED}),
    AssemblyStatus.CONVENED: frozenset({AssemblyStatus.OPEN}),
    AssemblyStatus.OPEN: frozenset({AssemblyStatus.CLOSED}),
    AssemblyStatus.CLOSED: frozenset({AssemblyStatus.MINUTES_PUBLISHED}),
    AssemblyStatus.MINUTES_PUBLISHED: frozenset(),
}


class Assembly(models.Model):
    class Kind(models.TextChoices):
        ORDINARY = "ordinary", _("Ordinary")
        EXTRAORDINARY = "extraordinary", _("Extraordinary")

    class Mode(models.TextChoices):
        IN_PERSON = "in_person", _("In person")
        HYBRID = "hybrid", _("Hybrid")
        ONLINE = "online", _("Online")

    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    mode = models.CharField(max_length=16, choices=Mode.choices)
    starts_at = models.DateTimeField(_("starts at"))
    place = models.CharField(_("place"), max_length=300, blank=True)
    online_info = models.TextField(_("how to take part online"), blank=True)
    chair = models.ForeignKey(
        "members.Member", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    minute_taker = models.ForeignKey(
        "members.Member", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        max_length=20, choices=AssemblyStatus.choices, default=AssemblyStatus.DRAFT
    )
    convened_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    # Covered by the audit chain (club.digests).
    AUDITED = ("kind", "mode", "starts_at", "chair", "minute_taker", "status", "convened_at")

    class Meta:
        ordering = ["-starts_at"]

    def __str__(self) -> str:
        return self.title

    def move_to(self, new: str) -> None:
        check_move(
            what=str(_("assembly")),
            choices=AssemblyStatus,
            moves=ASSEMBLY_MOVES,
            old=self.status,
            new=new,
        )
        self.status = new


class AgendaItem(AppendOnlyModel):
    assembly = models.ForeignKey(Assembly, on_delete=models.PROTECT, related_name="items")
    position = models.PositiveIntegerField()
    title = models.CharField(max_length=300)
    text = models.TextField(blank=True)
    # BGB §32: only items named in the invitation may be resolved on.
    announced = models.BooleanField()

    class Meta(AppendOnlyModel.Meta):
        ordering = ["position"]

    def __str__(self) -> str:
        return self.title


class AssemblyDocument(AppendOnlyModel):
    assembly = models.ForeignKey(Assembly, on_delete=models.PROTECT, related_name="documents")
    title = models.CharField(max_length=200)
    file = models.FileField(upload_to="assemblies/%Y/")
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.title


class Invitation(AppendOnlyModel):
    """One e-mail to one member (never one mail to all)."""

    assembly = models.ForeignKey(Assembly, on_delete=models.PROTECT, related_name="invitations")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    language = models.CharField(max_length=8)
    sent_at = models.DateTimeField()

    class Meta(AppendOnlyModel.Meta):
        constraints = [
            models.UniqueConstraint(fields=["assembly", "member"], name="one_invitation_per_member")
        ]

    def __str__(self) -> str:
        return f"invitation {self.assembly_id}/{self.member_id}"


class CheckIn(AppendOnlyModel):
    assembly = models.ForeignKey(Assembly, on_delete=models.PROTECT, related_name="check_ins")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta(AppendOnlyModel.Meta):
        constraints = [
            models.UniqueConstraint(fields=["assembly", "member"], name="one_check_in_per_member")
        ]

    def __str__(self) -> str:
        return f"check-in {self.member_id}"


class Proxy(AppendOnlyModel):
    assembly = models.ForeignKey(Assembly, on_delete=models.PROTECT, related_name="proxies")
    grantor = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    holder = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    authorisation = models.TextField()  # how the grant was given (signed form, e-mail, …)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta(AppendOnlyModel.Meta):
        constraints = [
            models.UniqueConstraint(fields=["assembly", "grantor"], name="one_proxy_per_grantor"),
            models.CheckConstraint(
                condition=~models.Q(grantor=models.F("holder")), name="proxy_not_to_self"
            ),
        ]

    def __str__(self) -> str:
        return f"proxy {self.grantor_id}->{self.holder_id}"


class Majority(models.TextChoices):
    SIMPLE = "simple", _("Simple majority of votes cast")
    ABSOLUTE = "absolute", _("Absolute majority (more than half, abstentions counted)")
    TWO_THIRDS = "two_thirds", _("Two thirds of votes cast")
    THREE_QUARTERS = "three_quarters", _("Three quarters of votes cast")
    UNANIMOUS = "unanimous", _("Unanimous")
    QUALIFIED_ES = "qualified_es", _("Qualified: yes above half of those present or represented")


class PollStatus(models.TextChoices):
    DRAFT = "draft", _("Prepared")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


POLL_MOVES: dict[str, frozenset[str]] = {
    PollStatus.DRAFT: frozenset({PollStatus.OPEN}),
    PollStatus.OPEN: frozenset({PollStatus.CLOSED}),
    PollStatus.CLOSED: frozenset(),
}


class Poll(models.Model):
    class Kind(models.TextChoices):
        MOTION = "motion", _("Motion (yes, no, abstain)")
        ELECTION = "election", _("Election")

    class Visibility(models.TextChoices):
        NAMED = "named", _("Named")
        SECRET = "secret", _("Secret")

    item = models.ForeignKey(AgendaItem, on_delete=models.PROTECT, related_name="polls")
    question = models.TextField(_("exact text of the motion"))
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.MOTION)
    candidates = models.JSONField(default=list, blank=True)
    seats = models.PositiveIntegerField(default=1)
    majority = models.CharField(max_length=20, choices=Majority.choices)
    quorum_percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    visibility = models.CharField(max_length=8, choices=Visibility.choices)
    status = models.CharField(max_length=8, choices=PollStatus.choices, default=PollStatus.DRAFT)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    result = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    # Covered by the audit chain (club.digests): the motion as put and its result.
    AUDITED = (
        "item",
        "question",
        "kind",
        "candidates",
        "seats",
        "majority",
        "quorum_percent",
        "visibility",
        "status",
        "opened_at",
        "closed_at",
        "result",
    )

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.question[:60]

    def move_to(self, new: str) -> None:
        check_move(
            what=str(_("poll")), choices=PollStatus, moves=POLL_MOVES, old=self.status, new=new
        )
        self.status = new

    def choices_allowed(self) -> list[str]:
        if self.kind == self.Kind.MOTION:
            return ["yes", "no", "abstain"]
        return [*self.candidates, "abstain"]


class PollExclusion(AppendOnlyModel):
    """BGB §34: a member does not vote on a matter between them and the club."""

    poll = models.ForeignKey(Poll, on_delete=models.PROTECT, related_name="exclusions")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()

    # Personal data the retention purge blanks (club.models.erasable_triggers).
    ERASABLE: ClassVar[tuple[str, ...]] = ("reason",)

    class Meta(AppendOnlyModel.Meta):
        triggers = erasable_triggers("reason")
        constraints = [
            models.UniqueConstraint(fields=["poll", "member"], name="one_exclusion_per_member")
        ]

    def __str__(self) -> str:
        return f"excluded {self.member_id}"


class Eligibility(AppendOnlyModel):
    """The voter roll, frozen when the poll opens."""

    poll = models.ForeignKey(Poll, on_delete=models.PROTECT, related_name="roll")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")

    class Meta(AppendOnlyModel.Meta):
        constraints = [
            models.UniqueConstraint(fields=["poll", "member"], name="one_roll_entry_per_member")
        ]

    def __str__(self) -> str:
        return f"eligible {self.member_id}"


class Participation(AppendOnlyModel):
    """That a member took part in a poll, and how; never what they chose in a secret poll."""

    class Channel(models.TextChoices):
        ONLINE = "online", _("Online")
        PAPER = "paper", _("Paper ballot in the room")
        PROXY = "proxy", _("By proxy")

    poll = models.ForeignKey(Poll, on_delete=models.PROTECT, related_name="participations")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    holder = models.ForeignKey(
        "members.Member", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta(AppendOnlyModel.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["poll", "member"], name="one_participation_per_member_and_poll"
            )
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.channel}"


class SecretBallot(AppendOnlyModel):
    """A secret vote. Deliberately no member, no time, and a random key (see the module)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    poll = models.ForeignKey(Poll, on_delete=models.PROTECT, related_name="secret_ballots")
    choice = models.CharField(max_length=200)
    receipt_code = models.CharField(max_length=16, unique=True)

    class Meta(AppendOnlyModel.Meta):
        ordering = ["receipt_code"]

    def __str__(self) -> str:
        return f"ballot {self.receipt_code}"


class SealedBallot(models.Model):
    """A secret vote while its poll is open: the choice and receipt, encrypted under a key derived
    from the server's secret and the poll (``governance.sealing``). Erased when the poll closes,
    after it was written out as a shuffled ``SecretBallot``; the one table of votes that is not
    append-only, because keeping it would keep the link to the voting transaction."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    poll = models.ForeignKey(Poll, on_delete=models.PROTECT, related_name="sealed_ballots")
    sealed = models.BinaryField()

    def __str__(self) -> str:
        return "sealed ballot"


class NamedBallot(AppendOnlyModel):
    poll = models.ForeignKey(Poll, on_delete=models.PROTECT, related_name="named_ballots")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    choice = models.CharField(max_length=200)
    cast_at = models.DateTimeField()

    class Meta(AppendOnlyModel.Meta):
        constraints = [
            models.UniqueConstraint(fields=["poll", "member"], name="one_named_ballot_per_member")
        ]

    def __str__(self) -> str:
        return f"{self.member_id}: {self.choice}"


class PaperTally(AppendOnlyModel):
    """The count of paper ballots from the room, entered by staff after counting."""

    poll = models.ForeignKey(Poll, on_delete=models.PROTECT, related_name="paper_tallies")
    choice = models.CharField(max_length=200)
    count = models.PositiveIntegerField()
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    entered_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.choice}: {self.count}"


class Acceptance(AppendOnlyModel):
    """An elected person's acceptance (or refusal) of the office."""

    poll = models.ForeignKey(Poll, on_delete=models.PROTECT, related_name="acceptances")
    candidate = models.CharField(max_length=200)
    accepted = models.BooleanField()
    recorded_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.candidate}: {self.accepted}"


class Minutes(models.Model):
    assembly = models.OneToOneField(Assembly, on_delete=models.PROTECT, related_name="minutes")
    pdf = models.FileField(upload_to="minutes/%Y/")
    sha256 = models.CharField(max_length=64)
    built_at = models.DateTimeField()
    chair_confirmed_at = models.DateTimeField(null=True, blank=True)
    minute_taker_confirmed_at = models.DateTimeField(null=True, blank=True)

    # Covered by the audit chain (club.digests).
    AUDITED = (
        "assembly",
        "pdf",
        "sha256",
        "built_at",
        "chair_confirmed_at",
        "minute_taker_confirmed_at",
    )

    def __str__(self) -> str:
        return f"minutes {self.assembly_id}"
