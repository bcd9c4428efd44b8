"""Contests (소셜 크라우드펀딩 대회): opening one with its book, its partner institutions and what they pay into the
joint fund (공동기금), and its phases, which move one way only: draft -> call (공모) -> screening (서류심사) ->
funding (펀딩, when the contest has one) -> final (본선) -> awards (시상) -> closed.

A phase moves by a manager's action (``contest_advance``) or by Celery beat the day after the phase's end date
(``contests_advance_due``). Two gates hold a contest where it is until the judging is done: it leaves screening only
once the screening round's advance list is confirmed, and the final only once the final round's is (when the
contest has such a round).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_slug
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from djmoney.money import Money

from core.audit import audit_record, snapshot
from core.dates import check_date, check_money_date, epoch_limit
from core.db import transactional
from core.errors import DomainError, IdempotencyConflict, InvalidState
from core.inputs import KEY_FIELD, check_key, digest
from core.money import KRW, won_input
from enterprises.models import Enterprise, Institution, Province, User
from ledger.models import Book
from ledger.services import credit, debit, journal_post

from .. import accounts as chart
from ..access import ACCESS
from ..actions import CONTEST_ADVANCE, CONTEST_CONTRIBUTION, CONTEST_CREATE, CONTEST_PARTNER
from ..locks import lock_contest
from ..models import (
    PHASE_ORDER,
    AdvanceList,
    Contest,
    ContestPartner,
    JointFundContribution,
    Phase,
    PhaseChange,
    Round,
    RoundKind,
)
from .common import fail, phase_index

logger = logging.getLogger(__name__)

MAX_DESCRIPTION = 10_000
MAX_DISTRICT = 50  # Enterprise.district's length


# --- opening a contest ---------------------------------------------------------------------------------------------


def _check_text(value: Any, field: str, *, max_length: int, required: bool = True) -> str:
    text = value.strip() if isinstance(value, str) else None
    if text is None or (required and not text) or len(text) > max_length:
        raise fail(field, _("Bad %(field)s.") % {"field": field},
                   _("text of 1 to %(max)s characters") % {"max": max_length} if required
                   else _("text of at most %(max)s characters") % {"max": max_length})
    return text


def _check_choices(values: Any, field: str, known: Sequence[str], *, allow_empty: bool) -> list[str]:
    """A list of strings, each one of ``known``, in order and without repeats. Raises ValidationFailed."""
    if isinstance(values, str) or not isinstance(values, list | tuple):
        raise fail(field, _("%(field)s must be a list.") % {"field": field}, _("a list"))
    unknown = sorted({str(value) for value in values if value not in known})
    if unknown or (not values and not allow_empty):
        raise fail(field, _("%(field)s names something unknown.") % {"field": field},
                   _("choose from %(known)s; unknown: %(unknown)s")
                   % {"known": ", ".join(known), "unknown": ", ".join(unknown) or "-"})
    return sorted(set(values), key=list(known).index)


def _check_districts(values: Any, provinces: list[str]) -> list[str]:
    """District names (시/군/구) as enterprises record them; only with the provinces they lie in (a name like 중구 is
    a district of several cities). Raises ValidationFailed."""
    if isinstance(values, str) or not isinstance(values, list | tuple):
        raise fail("eligible_districts", _("eligible_districts must be a list."), _("a list"))
    districts: list[str] = []
    for value in values:
        name = value.strip() if isinstance(value, str) else ""
        if not name or len(name) > MAX_DISTRICT:
            raise fail("eligible_districts", _("A district is named by its name, such as 중구."),
                       _("each a name of 1 to %(max)s characters") % {"max": MAX_DISTRICT})
        if name not in districts:
            districts.append(name)
    if districts and not provinces:
        raise fail("eligible_districts", _("Districts are named within the eligible provinces."),
                   _("name eligible_provinces too: a district name such as 중구 is found in several cities"))
    return districts


def _check_dates(*, call_opens_on: date, call_closes_on: date, screening_ends_on: date,
                 funding_ends_on: date | None, final_ends_on: date, awards_end_on: date) -> None:
    """The phase dates in the order of the contest's constraints; the later date of a pair out of order is named.
    Raises ValidationFailed."""
    check_date(call_opens_on, field="call_opens_on", earliest=[epoch_limit()])
    pairs: list[tuple[str, date, str, date, bool]] = [  # later field, its date, earlier field, its date, may equal
        ("call_closes_on", call_closes_on, "call_opens_on", call_opens_on, True),
        ("screening_ends_on", screening_ends_on, "call_closes_on", call_closes_on, False),
    ]
    if funding_ends_on is not None:
        pairs += [("funding_ends_on", funding_ends_on, "screening_ends_on", screening_ends_on, False),
                  ("final_ends_on", final_ends_on, "funding_ends_on", funding_ends_on, False)]
    else:
        pairs.append(("final_ends_on", final_ends_on, "screening_ends_on", screening_ends_on, False))
    pairs.append(("awards_end_on", awards_end_on, "final_ends_on", final_ends_on, True))
    for later, later_on, earlier, earlier_on, may_equal in pairs:
        if later_on < earlier_on or (later_on == earlier_on and not may_equal):
            rule = (_("must be on or after %(field)s (%(date)s)") if may_equal
                    else _("must be after %(field)s (%(date)s)")) % {"field": earlier,
                                                                      "date": earlier_on.isoformat()}
            raise fail(later, _("The contest's phase dates are out of order."), rule)


@transactional
def contest_create(
    *,
    actor: User | None,
    today: date,
    code: str,
    name: str,
    host: Institution,
    eligible_kinds: Sequence[str],
    call_opens_on: date,
    call_closes_on: date,
    screening_ends_on: date,
    final_ends_on: date,
    awards_end_on: date,
    target_max: Any,
    funding_ends_on: date | None = None,
    target_min: Any = 0,
    eligible_provinces: Sequence[str] = (),
    eligible_districts: Sequence[str] = (),
    previous_stage: Contest | None = None,
    description: str = "",
) -> Contest:
    """Open a contest in its draft phase (공고 전), with its book (``contest-<code>``) and chart of accounts
    (``crowdfunding.accounts``). The phase dates must be in order (call opens <= call closes < screening ends <
    funding ends, when there is a crowdfunding phase, < final ends <= awards end); the eligible kinds enterprise
    kinds (at least one), the provinces known ones, districts named only with their provinces; the target range
    0 <= target_min <= target_max, target_max above zero. A later stage of a staged program names the contest of
    the stage before (``previous_stage``): its stage is that one's plus one, and only that contest's award winners
    may enter it. ``actor`` None is the system (the demo loader). Raises ValidationFailed, Forbidden."""
    del today  # the dates are the contest's own: a contest may be recorded after it began
    if actor is not None:
        ACCESS.require(actor, "contest.create")
    code = _check_text(code, "code", max_length=50)
    try:
        validate_slug(code)
    except DjangoValidationError:
        raise fail("code", _("A contest's code is a slug."),
                   _("letters, digits, hyphens and underscores only")) from None
    name = _check_text(name, "name", max_length=200)
    description = _check_text(description, "description", max_length=MAX_DESCRIPTION, required=False)
    if not isinstance(host, Institution) or host.pk is None:
        raise fail("host", _("The host must be an institution."), _("an institution"))
    kinds = _check_choices(eligible_kinds, "eligible_kinds", Enterprise.Kind.values, allow_empty=False)
    provinces = _check_choices(eligible_provinces, "eligible_provinces", Province.values, allow_empty=True)
    districts = _check_districts(eligible_districts, provinces)
    _check_dates(call_opens_on=call_opens_on, call_closes_on=call_closes_on, screening_ends_on=screening_ends_on,
                 funding_ends_on=funding_ends_on, final_ends_on=final_ends_on, awards_end_on=awards_end_on)
    low = won_input(target_min, "target_min", allow_zero=True)
    high = won_input(target_max, "target_max")
    if high < low:
        raise fail("target_max", _("The largest target is below the smallest."),
                   _("must be at least target_min (%(min)s)") % {"min": low})
    stage = 1
    if previous_stage is not None:
        if not isinstance(previous_stage, Contest) or previous_stage.pk is None:
            raise fail("previous_stage", _("The previous stage must be a contest."), _("a contest"))
        stage = previous_stage.stage + 1
    used = fail("code", _("A contest with this code exists."), _("already used"))
    if Contest.objects.filter(code=code).exists():
        raise used
    try:
        with transaction.atomic():  # a concurrent contest with the same code: its book's code is taken
            book = Book.objects.create(code=f"contest-{code}", name=name)
    except IntegrityError:
        raise used from None
    chart.open_contest_accounts(book)
    contest = Contest.objects.create(
        code=code, name=name, description=description, host=host, book=book, phase=Phase.DRAFT,
        eligible_kinds=kinds, eligible_provinces=provinces, eligible_districts=districts, stage=stage,
        previous_stage=previous_stage, call_opens_on=call_opens_on, call_closes_on=call_closes_on,
        screening_ends_on=screening_ends_on, funding_ends_on=funding_ends_on, final_ends_on=final_ends_on,
        awards_end_on=awards_end_on, target_min=Money(low, KRW), target_max=Money(high, KRW),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(actor=actor, action=CONTEST_CREATE, obj=contest, after=snapshot(contest))
    return contest


# --- partners and the joint fund -----------------------------------------------------------------------------------


def _require_open(contest: Contest, doing: str) -> None:
    """InvalidState (409) naming the phase when the contest is closed."""
    if contest.phase == Phase.CLOSED:
        raise InvalidState(
            _("%(doing)s is not possible: the contest is closed.") % {"doing": doing},
            fields={"phase": [_("is %(phase)s") % {"phase": contest.phase}]},
        )


@transactional
def contest_partner_add(
    *,
    actor: User | None,
    today: date,
    contest_id: int,
    institution: Institution,
    pledged: Any = 0,
) -> tuple[ContestPartner, bool]:
    """Make ``institution`` a partner of the contest (참여기관), with what it pledged to the joint fund (약정액); the
    host may be one too. Adding an institution already a partner changes its pledge. Returns the partner and whether
    it is new. Not once the contest is closed. Raises ValidationFailed, NotFound, InvalidState, Forbidden."""
    del today  # no rule reads it; the signature is every service's
    if actor is not None:
        ACCESS.require(actor, "contest.partner")
    amount = won_input(pledged, "pledged", allow_zero=True)
    if not isinstance(institution, Institution) or institution.pk is None:
        raise fail("institution", _("A partner must be an institution."), _("an institution"))
    contest = lock_contest(contest_id)
    _require_open(contest, _("Adding a partner"))
    partner = ContestPartner.objects.filter(contest=contest, institution=institution).first()
    if partner is None:
        partner = ContestPartner.objects.create(contest=contest, institution=institution, pledged=Money(amount, KRW))
        audit_record(actor=actor, action=CONTEST_PARTNER, obj=partner, after=snapshot(partner))
        return partner, True
    if partner.pledged.amount != amount:
        before = snapshot(partner)
        partner.pledged = Money(amount, KRW)
        partner.save(update_fields=["pledged"])
        audit_record(actor=actor, action=CONTEST_PARTNER, obj=partner, before=before, after=snapshot(partner))
    return partner, False


def _check_replay(existing: JointFundContribution, actor: Any, *, partner_id: int, amount: Decimal,
                  on: date) -> None:
    """A contribution recorded again with a key already used: the same caller with the same content gets the first
    one back; another caller, or other content, is a conflict. Raises IdempotencyConflict."""
    if existing.created_by_id != getattr(actor, "pk", None):
        raise IdempotencyConflict(
            _("This idempotency key was already used by someone else; use a new one."),
            fields={KEY_FIELD: [_("already used by another user")]},
        )
    if existing.partner_id != partner_id or existing.amount.amount != amount or existing.received_on != on:
        raise IdempotencyConflict(
            _("This idempotency key was already used for a different request."),
            fields={KEY_FIELD: [_("already used with another partner, amount or date")]},
        )


@transactional
def contribution_record(
    *,
    actor: User | None,
    today: date,
    contest_id: int,
    partner_id: int,
    amount: Any,
    received_on: date,
    idempotency_key: str,
    memo: str = "",
) -> tuple[JointFundContribution, bool]:
    """Money a partner paid into the joint fund on ``received_on`` (not in the future, within the back-dating
    window): the fund's cash up, the partner's contributions (``contribution:<institution id>``) up, in one balanced
    journal. ``partner_id`` is a partner (``ContestPartner``) of this contest. Returns the contribution and whether
    it is new (the same caller, key and content give the first one back). Not once the contest is closed. Raises
    ValidationFailed, NotFound, InvalidState, IdempotencyConflict, Forbidden."""
    if actor is not None:  # None: the system (the demo loader)
        ACCESS.require(actor, "contest.contribution")
    key = check_key(idempotency_key)
    value = won_input(amount, "amount")
    memo = _check_text(memo, "memo", max_length=300, required=False)
    contest = lock_contest(contest_id)
    partner = (ContestPartner.objects.select_related("institution")
               .filter(pk=partner_id, contest=contest).first() if isinstance(partner_id, int) else None)
    if partner is None:
        raise fail("partner", _("No such partner of this contest."), _("must be a partner of the contest"))
    existing = JointFundContribution.objects.filter(contest=contest, idempotency_key=key).first()
    if existing is not None:
        _check_replay(existing, actor, partner_id=partner.pk, amount=value, on=received_on)
        return existing, False
    _require_open(contest, _("Recording a contribution"))
    check_money_date(received_on, field="received_on", today=today)
    book = contest.book
    posted = journal_post(
        lines=[debit(chart.account(book, chart.CASH), value),
               credit(chart.contribution_account(book, partner.institution_id, partner.institution.name), value)],
        kind="contest.contribution", effective_date=received_on,
        idempotency_key=f"contest:{contest.pk}:contribution:{digest(key)}", actor=actor, memo=memo,
    )
    if not posted.created:  # the same key, committed by a concurrent call while this one waited
        existing = JointFundContribution.objects.get(journal=posted.journal)
        _check_replay(existing, actor, partner_id=partner.pk, amount=value, on=received_on)
        return existing, False
    contribution = JointFundContribution.objects.create(
        contest=contest, partner=partner, amount=Money(value, KRW), received_on=received_on, journal=posted.journal,
        memo=memo, idempotency_key=key, created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(actor=actor, action=CONTEST_CONTRIBUTION, obj=contribution, after=snapshot(contribution))
    return contribution, True


# --- phases --------------------------------------------------------------------------------------------------------


def next_phase(contest: Contest, phase: str) -> str | None:
    """The phase after ``phase`` for this contest (funding skipped when it has none); None after closed."""
    index = phase_index(phase) + 1
    if index < len(PHASE_ORDER) and PHASE_ORDER[index] == Phase.FUNDING and contest.funding_ends_on is None:
        index += 1
    return PHASE_ORDER[index] if index < len(PHASE_ORDER) else None


def phase_ends_on(contest: Contest, phase: str) -> date | None:
    """The last day of ``phase``: beat moves the contest on the day after it. None for closed."""
    ends = {
        Phase.DRAFT: contest.call_opens_on - timedelta(days=1),
        Phase.CALL: contest.call_closes_on,
        Phase.SCREENING: contest.screening_ends_on,
        Phase.FUNDING: contest.funding_ends_on or contest.screening_ends_on,
        Phase.FINAL: contest.final_ends_on,
        Phase.AWARDS: contest.awards_end_on,
    }
    return ends.get(Phase(phase))


# Leaving these phases needs the advance list of the round of that kind confirmed, when the contest has the round.
GATES = {Phase.SCREENING: RoundKind.SCREENING, Phase.FINAL: RoundKind.FINAL}


def gate_closed(contest: Contest, phase: str) -> InvalidState | None:
    """Why the contest may not leave ``phase`` yet (its round's advance list is not confirmed), or None."""
    kind = GATES.get(Phase(phase))
    if kind is None or not Round.objects.filter(contest=contest, kind=kind).exists():
        return None
    if AdvanceList.objects.filter(round__contest=contest, round__kind=kind,
                                  state=AdvanceList.State.CONFIRMED).exists():
        return None
    label = RoundKind(kind).label
    return InvalidState(
        _("The contest cannot leave its %(phase)s phase before the advance list of its %(round)s round is "
          "confirmed.") % {"phase": Phase(phase).label, "round": label},
        fields={"phase": [_("leaving %(phase)s needs the %(kind)s round's advance list confirmed")
                          % {"phase": phase, "kind": kind}]},
    )


def _step(contest: Contest, actor: User | None, today: date) -> str:
    """Move the (locked) contest one phase on, recording the change. Returns the phase it left."""
    left = contest.phase
    following = next_phase(contest, left)
    assert following is not None
    contest.phase = following
    PhaseChange.objects.create(contest=contest, from_phase=left, to_phase=following, on_date=today,
                               changed_by=actor if getattr(actor, "is_authenticated", False) else None)
    return left


def _record_moves(contest: Contest, actor: User | None, before: dict[str, Any], passed: list[str]) -> None:
    contest.save(update_fields=["phase"])
    audit_record(actor=actor, action=CONTEST_ADVANCE, obj=contest, before=before,
                 after={"phase": contest.phase, "passed": passed})


@transactional
def contest_advance(*, actor: User | None, today: date, contest_id: int, to_phase: str | None = None) -> Contest:
    """Move the contest's phase one step on, or on to ``to_phase`` (later than the current one: a phase never moves
    backwards), through each phase between; funding is skipped when the contest has no crowdfunding phase (and
    cannot be named). Leaving screening needs the screening round's advance list confirmed, and leaving the final
    the final round's, when the contest has that round; a move that would pass such a gate is refused whole. Draft
    entries left when the call closes stay drafts (they can no longer be submitted). Each phase entered is recorded
    (``PhaseChange``, dated ``today``). ``actor`` None is beat. Raises ValidationFailed, NotFound, InvalidState,
    Forbidden."""
    if actor is not None:
        ACCESS.require(actor, "contest.advance")
    if to_phase is not None and to_phase not in PHASE_ORDER:
        raise fail("to_phase", _("Unknown phase."),
                   _("must be one of %(phases)s") % {"phases": ", ".join(PHASE_ORDER)})
    contest = lock_contest(contest_id)
    current = contest.phase
    if current == Phase.CLOSED:
        raise InvalidState(_("The contest is closed: its phase cannot move any more."),
                           fields={"phase": [_("is %(phase)s") % {"phase": current}]})
    target = to_phase or next_phase(contest, current)
    assert target is not None
    if phase_index(target) <= phase_index(current):
        raise InvalidState(
            _("A phase never moves backwards: the contest is in its %(phase)s phase, and %(target)s is not later.")
            % {"phase": contest.get_phase_display(), "target": Phase(target).label},
            fields={"phase": [_("is %(phase)s; to_phase must be later") % {"phase": current}]},
        )
    if target == Phase.FUNDING and contest.funding_ends_on is None:
        raise fail("to_phase", _("This contest has no crowdfunding phase."),
                   _("the contest has no funding phase (no funding_ends_on)"))
    before = {"phase": current}
    passed: list[str] = []
    while contest.phase != target:
        refused = gate_closed(contest, contest.phase)
        if refused is not None:
            raise refused
        passed.append(_step(contest, actor, today))
    _record_moves(contest, actor, before, passed)
    return contest


@transactional
def _advance_due(*, contest_id: int, today: date) -> tuple[str, bool, bool]:
    """Move one contest through every phase whose end date is before ``today``, stopping at a gate. Returns its
    phase, whether it moved, and whether it waits at a gate."""
    contest = lock_contest(contest_id)
    before = {"phase": contest.phase}
    passed: list[str] = []
    held = False
    while contest.phase != Phase.CLOSED:
        ends_on = phase_ends_on(contest, contest.phase)
        if ends_on is None or ends_on >= today:
            break
        refused = gate_closed(contest, contest.phase)
        if refused is not None:
            logger.info("contest %s waits in its %s phase: %s", contest.pk, contest.phase, refused.message)
            held = True
            break
        passed.append(_step(contest, None, today))
    if passed:
        _record_moves(contest, None, before, passed)
    return contest.phase, bool(passed), held


def contests_advance_due(*, today: date) -> list[tuple[int, str]]:
    """Beat, daily: every contest not closed moves on through each phase whose end date (draft: the day before the
    call opens; call: call_closes_on; screening: screening_ends_on; funding: funding_ends_on; final: final_ends_on;
    awards: awards_end_on) is before ``today``, stopping at a gate (an advance list not confirmed). Each contest in
    a transaction of its own: one that fails is logged and does not hold the others back. Returns ``(contest id,
    phase)`` for each contest that moved (the phase it reached) or that waits at a gate past its phase's end date
    (the phase it waits in). Run again the same day, it moves nothing more."""
    report: list[tuple[int, str]] = []
    for contest in list(Contest.objects.exclude(phase=Phase.CLOSED).order_by("pk")):
        ends_on = phase_ends_on(contest, contest.phase)
        if ends_on is None or ends_on >= today:
            continue
        try:
            phase, moved, held = _advance_due(contest_id=contest.pk, today=today)
        except DomainError as exc:
            logger.warning("contest %s not advanced: %s", contest.pk, exc)
            continue
        except Exception:  # one contest's failure must not hold the others back; it is logged
            logger.exception("contest %s not advanced", contest.pk)
            continue
        if moved or held:
            report.append((contest.pk, phase))
    return report
