"""Every write of the governance app, each in one transaction with its audit event.

Ballots: one participation per member and poll is a unique constraint, so parallel submissions
for one member give exactly one ballot whatever the channel; the loser gets ``ALREADY_VOTED``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext

from club import errors
from club.audit import audit_record
from club.errors import ServiceError, StateConflict
from club.selectors import rulebook_get
from club.services import lock_one
from club.uploads import accepted_document
from club.validation import as_number, bounded_date, required_text
from governance.majority import decide
from governance.models import (
    Acceptance,
    AgendaItem,
    Assembly,
    AssemblyDocument,
    AssemblyStatus,
    CheckIn,
    Eligibility,
    Majority,
    Minutes,
    NamedBallot,
    PaperTally,
    Participation,
    Poll,
    PollExclusion,
    PollStatus,
    Proxy,
    SealedBallot,
    SecretBallot,
)
from governance.sealing import SealBroken, seal, unseal
from members.models import Member, MemberStatus

CONVENING_TOO_LATE = "CONVENING_TOO_LATE"
ONLINE_INFO_MISSING = "ONLINE_INFO_MISSING"
ITEM_NOT_ANNOUNCED = "ITEM_NOT_ANNOUNCED"
PROXY_NOT_ALLOWED = "PROXY_NOT_ALLOWED"
PROXY_CAP = "PROXY_CAP"
NOT_ELIGIBLE = "NOT_ELIGIBLE"
ALREADY_VOTED = "ALREADY_VOTED"
POLL_NOT_OPEN = "POLL_NOT_OPEN"
INVALID_CHOICE = "INVALID_CHOICE"
NO_PROXY = "NO_PROXY"
TALLY_EXCEEDS_PAPER = "TALLY_EXCEEDS_PAPER"


def _now() -> dt.datetime:
    return timezone.now()


def _member(number: Any) -> Member:
    value = number if isinstance(number, int) and 0 < number < 2**31 else as_number(number)
    if value is None:
        raise errors.not_found()
    return lock_one(Member.objects.filter(number=value))


# --- Assemblies ---------------------------------------------------------------------------------


@transaction.atomic
def assembly_create(
    *,
    actor: Any,
    title: str,
    kind: str,
    mode: str,
    starts_at: dt.datetime,
    place: str = "",
    online_info: str = "",
    chair_number: int | None = None,
    minute_taker_number: int | None = None,
) -> Assembly:
    if kind not in Assembly.Kind.values or mode not in Assembly.Mode.values:
        raise ServiceError(errors.INVALID_INPUT, _("Choose the kind and the form."), status=400)
    bounded_date(starts_at, "starts_at")
    assembly = Assembly.objects.create(
        title=required_text(title, "title", limit=200),
        kind=kind,
        mode=mode,
        starts_at=starts_at,
        place=(place or "")[:300],
        online_info=online_info or "",
        chair=_member(chair_number) if chair_number else None,
        minute_taker=_member(minute_taker_number) if minute_taker_number else None,
    )
    audit_record(
        actor=actor,
        action="assembly.create",
        subject=assembly,
        payload={"kind": kind, "mode": mode, "starts_at": starts_at},
    )
    return assembly


def _lock_assembly(assembly_id: int) -> Assembly:
    return lock_one(Assembly.objects.filter(pk=assembly_id))


def _status(assembly: Assembly, new: str, actor: Any) -> None:
    old = assembly.status
    assembly.move_to(new)
    assembly.save(update_fields=["status", "convened_at"])
    audit_record(
        actor=actor, action="assembly.status", subject=assembly, payload={"from": old, "to": new}
    )


@transaction.atomic
def agenda_item_add(*, actor: Any, assembly_id: int, title: str, text: str = "") -> AgendaItem:
    """Add an agenda item. One added after convening is marked not announced (BGB §32): no
    resolution can be taken on it. Locks the assembly."""
    assembly = _lock_assembly(assembly_id)
    if assembly.status in (AssemblyStatus.CLOSED, AssemblyStatus.MINUTES_PUBLISHED):
        raise StateConflict("ASSEMBLY_CLOSED", _("This assembly is closed."))
    position = assembly.items.count() + 1
    item = AgendaItem.objects.create(
        assembly=assembly,
        position=position,
        title=required_text(title, "title", limit=300),
        text=text or "",
        announced=assembly.status == AssemblyStatus.DRAFT,
    )
    audit_record(
        actor=actor,
        action="assembly.agenda_item",
        subject=assembly,
        payload={"item": item.pk, "announced": item.announced},
    )
    return item


@transaction.atomic
def document_add(
    *, actor: Any, assembly_id: int, title: str, content: bytes, filename: str
) -> AssemblyDocument:
    """Attach a document; its SHA-256 goes into the invitation so members can check it."""
    assembly = _lock_assembly(assembly_id)
    filename = accepted_document(content, filename)  # PDF or image, by content
    digest = hashlib.sha256(content).hexdigest()
    doc = AssemblyDocument(
        assembly=assembly,
        title=required_text(title, "title", limit=200),
        sha256=digest,
        uploaded_at=_now(),
    )
    doc.file.save(filename, ContentFile(content), save=False)
    doc.save()
    audit_record(
        actor=actor,
        action="assembly.document",
        subject=assembly,
        payload={"document": doc.pk, "sha256": digest},
    )
    return doc


def notice_deadline(starts_at: dt.datetime) -> dt.datetime:
    days = rulebook_get().assembly_notice_days or 0
    return starts_at - dt.timedelta(days=days)


@transaction.atomic
def assembly_convene(*, actor: Any, assembly_id: int, at: dt.datetime | None = None) -> Assembly:
    """Convene: refused later than the notice period before the assembly, and for a hybrid or
    online assembly without the instructions for taking part online (BGB §32). Every agenda item
    present now is announced; the invitations go out one member at a time after commit."""
    assembly = _lock_assembly(assembly_id)
    now = at or _now()  # ``at``: only for importing a past assembly
    if now > notice_deadline(assembly.starts_at):
        days = rulebook_get().assembly_notice_days
        if not days:
            message = _("Too late: the assembly has started already.")
        else:
            message = ngettext(
                "Too late: the invitation must go out %(days)s day before the assembly.",
                "Too late: the invitation must go out %(days)s days before the assembly.",
                days,
            ) % {"days": days}
        raise ServiceError(CONVENING_TOO_LATE, message)
    if assembly.mode != Assembly.Mode.IN_PERSON and not assembly.online_info.strip():
        raise ServiceError(
            ONLINE_INFO_MISSING, _("Say in the invitation how members take part online.")
        )
    if not assembly.items.exists():
        raise ServiceError(errors.INVALID_INPUT, _("Add the agenda first."), status=400)
    assembly.convened_at = now
    _status(assembly, AssemblyStatus.CONVENED, actor)
    assembly_id = assembly.pk
    transaction.on_commit(lambda: _invite_later(assembly_id))
    return assembly


def _invite_later(assembly_id: int) -> None:
    from governance.tasks import send_invitations

    send_invitations.delay(assembly_id)


def invitations_send(*, assembly_id: int) -> int:
    """Send the invitation to every active member who has none yet, one e-mail each, in the
    member's language. Safe to run again: each member is invited once."""
    from governance.mail import send_invitation
    from governance.models import Invitation

    sent = 0
    members = Member.objects.filter(status=MemberStatus.ACTIVE).select_related("user")
    for member in members.iterator():
        with transaction.atomic():
            language = member.language or settings.LANGUAGE_CODE
            try:
                with transaction.atomic():
                    invitation = Invitation.objects.create(
                        assembly_id=assembly_id, member=member, language=language, sent_at=_now()
                    )
            except IntegrityError:
                continue  # invited already
            audit_record(
                actor=None,
                action="assembly.invite",
                subject=invitation,
                payload={"assembly": assembly_id, "member": member.number},
            )
            send_invitation(assembly_id, member, language)
            sent += 1
    return sent


@transaction.atomic
def assembly_open(*, actor: Any, assembly_id: int) -> Assembly:
    assembly = _lock_assembly(assembly_id)
    _status(assembly, AssemblyStatus.OPEN, actor)
    return assembly


@transaction.atomic
def assembly_close(*, actor: Any, assembly_id: int) -> Assembly:
    assembly = _lock_assembly(assembly_id)
    if assembly.items.filter(polls__status=PollStatus.OPEN).exists():
        raise StateConflict("POLL_STILL_OPEN", _("Close the open polls first."))
    _status(assembly, AssemblyStatus.CLOSED, actor)
    return assembly


_NOT_ACTIVE: dict[str, tuple[str, Any]] = {
    MemberStatus.SUSPENDED: ("MEMBER_SUSPENDED", _lazy("This membership is suspended.")),
    MemberStatus.ENDED: ("MEMBER_ENDED", _lazy("This membership has ended.")),
    MemberStatus.EXPELLED: ("MEMBER_EXPELLED", _lazy("This member was expelled.")),
}


@transaction.atomic
def assembly_officers_set(
    *, actor: Any, assembly_id: int, chair_number: Any, minute_taker_number: Any
) -> Assembly:
    """The board names the chair and the minute-taker: two members present (checked in), named
    before the minutes are built, since the minutes carry them and they confirm them. Locks the
    assembly."""
    assembly = _lock_assembly(assembly_id)
    if assembly.status not in (
        AssemblyStatus.CONVENED,
        AssemblyStatus.OPEN,
        AssemblyStatus.CLOSED,
    ):
        raise StateConflict("ASSEMBLY_NOT_RUNNING", _("Name them at the assembly."))
    if Minutes.objects.filter(assembly=assembly).exists():
        raise StateConflict("MINUTES_BUILT", _("The minutes are built already."))
    chair, taker = _member(chair_number), _member(minute_taker_number)
    if chair.pk == taker.pk:
        raise ServiceError(
            errors.INVALID_INPUT,
            _("The chair and the minute-taker are two different people."),
            status=400,
        )
    present = set(
        CheckIn.objects.filter(assembly=assembly, member__in=[chair, taker]).values_list(
            "member_id", flat=True
        )
    )
    if present != {chair.pk, taker.pk}:
        raise ServiceError(
            "NOT_CHECKED_IN", _("The chair and the minute-taker must be present (checked in).")
        )
    assembly.chair, assembly.minute_taker = chair, taker
    assembly.save(update_fields=["chair", "minute_taker"])
    audit_record(
        actor=actor,
        action="assembly.officers",
        subject=assembly,
        payload={"chair": chair.number, "minute_taker": taker.number},
    )
    return assembly


@transaction.atomic
def check_in(*, actor: Any, assembly_id: int, member_number: int) -> CheckIn:
    assembly = _lock_assembly(assembly_id)
    if assembly.status not in (AssemblyStatus.CONVENED, AssemblyStatus.OPEN):
        raise StateConflict("ASSEMBLY_NOT_RUNNING", _("Check-in is possible only at the assembly."))
    member = _member(member_number)
    if member.status != MemberStatus.ACTIVE:
        code, message = _NOT_ACTIVE[member.status]
        raise ServiceError(code, message)
    entry, created = CheckIn.objects.get_or_create(
        assembly=assembly, member=member, defaults={"at": _now(), "by": actor}
    )
    if created:
        audit_record(
            actor=actor,
            action="assembly.check_in",
            subject=assembly,
            payload={"member": member.number},
        )
    return entry


@transaction.atomic
def proxy_record(
    *, actor: Any, assembly_id: int, grantor_number: int, holder_number: int, authorisation: str
) -> Proxy:
    """Record a proxy, only where the rulebook (statutes) allows proxies, within the cap per
    holder. Locks the assembly (the cap counts its proxies)."""
    book = rulebook_get()
    if not book.proxy_voting_allowed:
        raise ServiceError(PROXY_NOT_ALLOWED, _("The statutes do not allow proxy voting."))
    assembly = _lock_assembly(assembly_id)
    grantor, holder = _member(grantor_number), _member(holder_number)
    if grantor.pk == holder.pk:
        raise ServiceError(
            errors.INVALID_INPUT, _("A member cannot hold their own proxy."), status=400
        )
    for m in (grantor, holder):
        if m.status != MemberStatus.ACTIVE:
            raise ServiceError(NOT_ELIGIBLE, _("Only active members grant or hold proxies."))
    held = Proxy.objects.filter(assembly=assembly, holder=holder).count()
    if book.proxy_max_per_holder is not None and held >= book.proxy_max_per_holder:
        raise ServiceError(
            PROXY_CAP,
            _("A member may hold at most %(n)s proxies.") % {"n": book.proxy_max_per_holder},
        )
    if Proxy.objects.filter(assembly=assembly, grantor=grantor).exists():
        raise StateConflict("PROXY_EXISTS", _("This member has already given a proxy."))
    proxy = Proxy.objects.create(
        assembly=assembly,
        grantor=grantor,
        holder=holder,
        authorisation=required_text(authorisation, "authorisation", limit=5000),
        recorded_by=actor,
        recorded_at=_now(),
    )
    audit_record(
        actor=actor,
        action="assembly.proxy",
        subject=assembly,
        payload={"grantor": grantor.number, "holder": holder.number},
    )
    return proxy


# --- Polls --------------------------------------------------------------------------------------


@transaction.atomic
def poll_create(
    *,
    actor: Any,
    item_id: int,
    question: str,
    majority: str,
    visibility: str,
    kind: str = "motion",
    candidates: list[str] | None = None,
    seats: int = 1,
    quorum_percent: Any = None,
) -> Poll:
    """A poll on an agenda item. Refused on an item not announced in the invitation (BGB §32)."""
    item = lock_one(AgendaItem.objects.select_related("assembly").filter(pk=item_id))
    if not item.announced:
        raise ServiceError(
            ITEM_NOT_ANNOUNCED,
            _("This item was not announced in the invitation; no resolution can be taken on it."),
        )
    if (
        majority not in Majority.values
        or visibility not in Poll.Visibility.values
        or (kind not in Poll.Kind.values)
    ):
        raise ServiceError(
            errors.INVALID_INPUT, _("Choose the majority and the visibility."), status=400
        )
    names = [c.strip() for c in (candidates or []) if c and c.strip()]
    if kind == Poll.Kind.ELECTION and (not names or seats < 1 or seats > len(names)):
        raise ServiceError(
            errors.INVALID_INPUT, _("Name the candidates and the seats."), status=400
        )
    if quorum_percent in (None, ""):
        quorum = rulebook_get().quorum_percent
    else:
        from club.quantities import parse_percent

        quorum = parse_percent(quorum_percent, field="quorum_percent")
    poll = Poll.objects.create(
        item=item,
        question=required_text(question, "question", limit=5000),
        kind=kind,
        candidates=names,
        seats=seats,
        majority=majority,
        quorum_percent=quorum,
        visibility=visibility,
    )
    audit_record(
        actor=actor,
        action="poll.create",
        subject=poll,
        payload={
            "item": item.pk,
            "majority": majority,
            "visibility": visibility,
            "quorum_percent": quorum,
        },
    )
    return poll


def _lock_poll(poll_id: int) -> Poll:
    return lock_one(Poll.objects.select_related("item__assembly").filter(pk=poll_id))


@transaction.atomic
def poll_exclude(*, actor: Any, poll_id: int, member_number: int, reason: str) -> PollExclusion:
    """BGB §34: exclude a member from one poll, with the reason, before it opens."""
    poll = _lock_poll(poll_id)
    if poll.status != PollStatus.DRAFT:
        raise StateConflict("POLL_ALREADY_OPEN", _("Exclusions are set before the poll opens."))
    member = _member(member_number)
    exclusion = PollExclusion.objects.create(
        poll=poll, member=member, reason=required_text(reason, "reason", limit=5000)
    )
    audit_record(
        actor=actor, action="poll.exclude", subject=poll, payload={"member": member.number}
    )
    return exclusion


@transaction.atomic
def poll_open(*, actor: Any, poll_id: int) -> Poll:
    """Open a poll and freeze its voter roll: the active members now (suspended members do not
    vote), less those excluded. Someone admitted later cannot vote in it."""
    poll = _lock_poll(poll_id)
    if poll.item.assembly.status != AssemblyStatus.OPEN:
        raise StateConflict("ASSEMBLY_NOT_OPEN", _("Open the assembly first."))
    poll.move_to(PollStatus.OPEN)
    poll.opened_at = _now()
    poll.save(update_fields=["status", "opened_at"])
    excluded = set(poll.exclusions.values_list("member_id", flat=True))
    roll = [
        Eligibility(poll=poll, member_id=pk)
        for pk in Member.objects.filter(
            status=MemberStatus.ACTIVE, admitted_on__lte=timezone.localdate()
        ).values_list("pk", flat=True)
        if pk not in excluded
    ]
    Eligibility.objects.bulk_create(roll)
    audit_record(
        actor=actor,
        action="poll.open",
        subject=poll,
        payload={"entitled": len(roll), "excluded": len(excluded)},
    )
    return poll


def _participate(poll: Poll, member: Member, channel: str, holder: Member | None) -> None:
    if not Eligibility.objects.filter(poll=poll, member=member).exists():
        raise ServiceError(NOT_ELIGIBLE, _("This member may not vote in this poll."))
    try:
        with transaction.atomic():
            Participation.objects.create(poll=poll, member=member, channel=channel, holder=holder)
    except IntegrityError as exc:
        raise StateConflict(
            ALREADY_VOTED, _("This member has already voted in this poll.")
        ) from exc


def _receipt_code() -> str:
    return secrets.token_hex(6).upper()


@transaction.atomic
def ballot_cast(
    *, user: Any, poll_id: int, choice: str, on_behalf_of: int | None = None
) -> str | None:
    """Vote online, for oneself or for the member whose proxy one holds. Returns the receipt code
    of a secret ballot (None for a named one). One participation per member and poll: a second
    attempt, online or on paper, is refused with ``ALREADY_VOTED``.

    Locks the poll row, as ``poll_close`` does, so a ballot is either in before the close and
    counted, or refused with ``POLL_NOT_OPEN``. A secret choice is stored only sealed (see
    ``governance.models``); its audit event records the participation, never the choice."""
    poll = _lock_poll(poll_id)  # closing takes the same lock: no ballot slips in after the close
    if poll.status != PollStatus.OPEN:
        raise StateConflict(POLL_NOT_OPEN, _("This poll is not open."))
    if choice not in poll.choices_allowed():
        raise ServiceError(INVALID_CHOICE, _("This is not one of the choices."), status=400)
    voter = Member.objects.filter(user_id=getattr(user, "pk", 0) or 0).first()
    if voter is None or voter.status != MemberStatus.ACTIVE:
        raise ServiceError(NOT_ELIGIBLE, _("This member may not vote in this poll."))
    holder = None
    member: Member = voter
    if on_behalf_of is not None:
        grantor = Member.objects.filter(number=on_behalf_of).first()
        if (
            grantor is None
            or not Proxy.objects.filter(
                assembly=poll.item.assembly, grantor=grantor, holder=voter
            ).exists()
        ):
            raise ServiceError(NO_PROXY, _("You hold no proxy for this member."))
        member, holder = grantor, voter
    channel = Participation.Channel.PROXY if holder else Participation.Channel.ONLINE
    _participate(poll, member, channel, holder)
    code = None
    if poll.visibility == Poll.Visibility.SECRET:
        code = _receipt_code()
        SealedBallot.objects.create(
            poll=poll, sealed=seal(poll.pk, choice=choice, receipt_code=code)
        )
        payload: dict[str, Any] = {"channel": channel}  # never the choice, never the ballot
    else:
        NamedBallot.objects.create(poll=poll, member=member, choice=choice, cast_at=_now())
        payload = {"channel": channel, "member": member.number, "choice": choice}
    audit_record(actor=user, action="poll.ballot", subject=poll, payload=payload)
    return code


@transaction.atomic
def paper_ballot_issue(
    *, actor: Any, poll_id: int, member_number: int, on_behalf_of: int | None = None
) -> Participation:
    """Hand a paper ballot to a checked-in member in the room (blocks their online vote)."""
    poll = _lock_poll(poll_id)
    if poll.status != PollStatus.OPEN:
        raise StateConflict(POLL_NOT_OPEN, _("This poll is not open."))
    holder = _member(member_number)
    if not CheckIn.objects.filter(assembly=poll.item.assembly, member=holder).exists():
        raise ServiceError("NOT_CHECKED_IN", _("Check the member in first."))
    member, via = holder, None
    if on_behalf_of is not None:
        member = _member(on_behalf_of)
        if not Proxy.objects.filter(
            assembly=poll.item.assembly, grantor=member, holder=holder
        ).exists():
            raise ServiceError(NO_PROXY, _("You hold no proxy for this member."))
        via = holder
    _participate(poll, member, Participation.Channel.PAPER, via)
    audit_record(
        actor=actor, action="poll.paper_ballot", subject=poll, payload={"member": member.number}
    )
    return Participation.objects.get(poll=poll, member=member)


@transaction.atomic
def paper_tally_enter(
    *, actor: Any, poll_id: int, counts: dict[str, int | None]
) -> list[PaperTally]:
    """Enter the counted paper ballots. Never more than the paper ballots handed out. Locks the
    poll."""
    poll = _lock_poll(poll_id)
    if poll.status != PollStatus.OPEN:
        raise StateConflict(POLL_NOT_OPEN, _("This poll is not open."))
    allowed = set(poll.choices_allowed()) | {"invalid"}
    if any(k not in allowed or not isinstance(v, int) or v < 0 for k, v in counts.items()):
        raise ServiceError(INVALID_CHOICE, _("This is not one of the choices."), status=400)
    numbers = {k: int(v or 0) for k, v in counts.items()}
    issued = poll.participations.filter(channel=Participation.Channel.PAPER).count()
    entered = poll.paper_tallies.aggregate(n=Sum("count"))["n"] or 0
    if entered + sum(numbers.values()) > issued:
        raise ServiceError(
            TALLY_EXCEEDS_PAPER,
            _("More paper votes than paper ballots handed out (%(n)s).") % {"n": issued},
        )
    rows = [
        PaperTally.objects.create(poll=poll, choice=k, count=v, entered_by=actor, entered_at=_now())
        for k, v in numbers.items()
        if v
    ]
    audit_record(actor=actor, action="poll.paper_tally", subject=poll, payload={"counts": numbers})
    return rows


def present_or_represented(poll: Poll) -> int:
    """Entitled members who checked in or took part, plus those represented by a proxy."""
    assembly = poll.item.assembly
    roll = set(poll.roll.values_list("member_id", flat=True))
    present = set(CheckIn.objects.filter(assembly=assembly).values_list("member_id", flat=True))
    present |= set(poll.participations.values_list("member_id", flat=True))
    represented = {
        g
        for g, h in Proxy.objects.filter(assembly=assembly).values_list("grantor_id", "holder_id")
        if h in present
    }
    return len(roll & (present | represented))


def tally(poll: Poll) -> dict[str, int]:
    counts: dict[str, int] = {c: 0 for c in [*poll.choices_allowed(), "invalid"]}
    ballots = (
        poll.secret_ballots if poll.visibility == Poll.Visibility.SECRET else poll.named_ballots
    )
    for row in ballots.values("choice").annotate(n=Count("pk")).order_by():
        counts[row["choice"]] = counts.get(row["choice"], 0) + row["n"]
    for row in poll.paper_tallies.values("choice").annotate(n=Sum("count")).order_by():
        counts[row["choice"]] = counts.get(row["choice"], 0) + (row["n"] or 0)
    return counts


def _open_sealed_ballots(poll: Poll) -> int:
    """Write the sealed ballots out as secret ballots in random order, in this one transaction,
    and erase the sealed ones: every final ballot then shares the closing transaction and none
    keeps the order or the transaction of the vote that made it."""
    sealed = list(SealedBallot.objects.filter(poll=poll))
    try:
        opened = [unseal(poll.pk, bytes(s.sealed)) for s in sealed]
    except SealBroken as exc:
        raise StateConflict(
            "BALLOT_SEAL_BROKEN",
            _("A sealed ballot does not open with this server's key; the poll stays open."),
        ) from exc
    secrets.SystemRandom().shuffle(opened)
    SecretBallot.objects.bulk_create(
        [SecretBallot(poll=poll, choice=c, receipt_code=r) for c, r in opened]
    )
    SealedBallot.objects.filter(poll=poll).delete()
    return len(opened)


@transaction.atomic
def poll_close(*, actor: Any, poll_id: int) -> Poll:
    """Close the poll and compute its result: counts, quorum, majority, outcome. Locks the poll
    (as ``ballot_cast`` does); a secret poll's sealed ballots are opened and shuffled here."""
    poll = _lock_poll(poll_id)
    poll.move_to(PollStatus.CLOSED)
    poll.closed_at = _now()
    online_ballots = None
    if poll.visibility == Poll.Visibility.SECRET:
        online_ballots = _open_sealed_ballots(poll)
    counts = tally(poll)
    entitled = poll.roll.count()
    present = present_or_represented(poll)
    if poll.kind == Poll.Kind.MOTION:
        outcome = decide(
            poll.majority,
            yes=counts["yes"],
            no=counts["no"],
            abstain=counts["abstain"],
            entitled=entitled,
            present_or_represented=present,
            quorum_percent=poll.quorum_percent,
        )
        elected: list[str] = []
        adopted = outcome.adopted
    else:
        ranked = sorted(poll.candidates, key=lambda c: -counts.get(c, 0))
        elected = [c for c in ranked[: poll.seats] if counts.get(c, 0) > 0]
        # A tie at the last seat is not decided here: nobody takes a seat on a tie.
        if (
            len(ranked) > poll.seats
            and elected
            and counts.get(ranked[poll.seats], 0) == counts.get(elected[-1], 0)
        ):
            elected = elected[:-1]
        outcome = decide(
            "simple",
            yes=1,
            no=0,
            abstain=0,
            entitled=entitled,
            present_or_represented=present,
            quorum_percent=poll.quorum_percent,
        )
        adopted = outcome.quorum_met and bool(elected)
    poll.result = {
        "counts": counts,
        "entitled": entitled,
        "present_or_represented": present,
        "quorum_required": outcome.quorum_required,
        "quorum_met": outcome.quorum_met,
        "majority": poll.majority,
        "majority_reached": outcome.majority_reached,
        "explanation": outcome.explanation,
        "adopted": adopted,
        "elected": elected if outcome.quorum_met else [],
    }
    if online_ballots is not None:
        # Anyone can compare: every online or proxy participation left exactly one ballot.
        poll.result["online_ballots"] = online_ballots
        poll.result["online_participations"] = poll.participations.exclude(
            channel=Participation.Channel.PAPER
        ).count()
    poll.save(update_fields=["status", "closed_at", "result"])
    audit_record(actor=actor, action="poll.close", subject=poll, payload={"result": poll.result})
    return poll


@transaction.atomic
def acceptance_record(*, actor: Any, poll_id: int, candidate: str, accepted: bool) -> Acceptance:
    poll = _lock_poll(poll_id)
    if poll.status != PollStatus.CLOSED or candidate not in (poll.result or {}).get("elected", []):
        raise StateConflict("NOT_ELECTED", _("Only an elected candidate can accept."))
    row = Acceptance.objects.create(
        poll=poll, candidate=candidate, accepted=accepted, recorded_at=_now()
    )
    audit_record(
        actor=actor,
        action="poll.acceptance",
        subject=poll,
        payload={"candidate": candidate, "accepted": accepted},
    )
    return row


def receipt_counted(*, poll_id: int, code: str) -> bool | None:
    """A voter checks that a secret ballot with their receipt code was counted: True or False
    once the poll is closed, None while it is open (the ballots are still sealed)."""
    poll = Poll.objects.filter(pk=poll_id).only("status").first()
    if poll is None:
        return False
    if poll.status == PollStatus.OPEN:
        return None
    return SecretBallot.objects.filter(
        poll_id=poll_id, receipt_code=(code or "").strip().upper()[:16]
    ).exists()


__all__ = ["Decimal"]


def build_minutes_now(*, actor: Any, assembly_id: int) -> Any:
    """Queue the minutes build (a Celery task; in-process in the demo)."""
    from governance.tasks import build_minutes

    assembly = Assembly.objects.filter(pk=assembly_id).first()
    if assembly is None:
        raise errors.not_found()
    if assembly.status != AssemblyStatus.CLOSED:
        raise StateConflict("ASSEMBLY_NOT_CLOSED", _("Minutes follow a closed assembly."))
    transaction.on_commit(lambda: build_minutes.delay(assembly_id))
    return assembly


def member_governance_erase(*, member_ids: list[int]) -> dict[str, int]:
    """Blank the reasons a member was excluded from a vote (they may name private matters).
    Runs inside the retention purge's transaction, which writes the audit event."""
    from governance.models import PollExclusion

    return {
        "poll_exclusions": PollExclusion.objects.filter(member_id__in=member_ids)
        .exclude(reason="")
        .erase("reason")
    }
