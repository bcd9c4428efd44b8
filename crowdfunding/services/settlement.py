"""Settling an award's tranches (보조금 정산): the enterprise reports how it spent a paid tranche (``spending_add``
with an evidence file, ``spending_remove``, ``tranche_report``); a manager settles it (``tranche_settle``: what is
accepted as spent goes Dr ``expense:awards`` / Cr ``award:<id>:advance``); what was not spent is due back, and comes
back to the joint fund (``tranche_return``: Dr ``cash`` / Cr ``award:<id>:advance``). When every tranche is closed
the award is settled. Awards, their approval and the payment of tranches are ``crowdfunding.services.awards``.

Rows are locked in the order of ``crowdfunding.locks``: the award, then its tranche.
"""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from djmoney.money import Money

from core.audit import audit_record, snapshot
from core.dates import Limit, check_date, check_money_date, today_limit
from core.db import transactional
from core.errors import IdempotencyConflict, NotFound
from core.inputs import KEY_FIELD, check_key
from core.money import KRW, format_won, won_input
from enterprises.models import User
from enterprises.roles import is_member
from ledger.services import credit, debit, journal_post

from .. import accounts as chart
from ..access import ACCESS
from ..actions import SPENDING_ADD, TRANCHE_REPORT, TRANCHE_RETURN, TRANCHE_SETTLE
from ..locks import lock_tranche
from ..models import Award, AwardTranche, Entry, SpendingItem
from .awards import (
    TRANCHE_AUDITED,
    TState,
    book_of,
    close_award_if_done,
    key_used_by_another,
    replayed,
    state_error,
    tranche_key,
)
from .common import fail

MAX_EVIDENCE_BYTES = 10 * 1024 * 1024  # 10 MB
# The evidence files accepted, by the first bytes of their content (never by their name).
EVIDENCE_SIGNATURES = (
    (b"%PDF-", "pdf"),
    (b"\xff\xd8\xff", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "png"),
)
SPENDING_AUDITED = ["tranche", "amount", "category", "description", "spent_on", "evidence_sha256"]


def _spending_snapshot(item: SpendingItem) -> dict[str, Any]:
    return {**snapshot(item, SPENDING_AUDITED), "evidence": str(item.evidence.name)}


def _lock_own_tranche(actor: User, tranche_id: int) -> tuple[Award, AwardTranche]:
    """A tranche of an award to an enterprise ``actor`` acts for; anyone else's is not found."""
    award, tranche = lock_tranche(tranche_id)
    enterprise_id = Entry.objects.filter(pk=award.entry_id).values_list("enterprise_id", flat=True).first()
    if not is_member(actor, enterprise_id):
        raise NotFound(_("No such award tranche."))
    return award, tranche


def _spent_total(tranche: AwardTranche) -> Decimal:
    total = SpendingItem.objects.filter(tranche=tranche).aggregate(total=Sum("amount"))["total"]
    return Decimal(total or 0)


def evidence_kind(head: bytes) -> str | None:
    """The evidence's type by the signature of its first bytes: "pdf", "jpg", "png", or None."""
    for signature, kind in EVIDENCE_SIGNATURES:
        if head.startswith(signature):
            return kind
    return None


def _check_evidence(evidence: Any) -> tuple[str, str]:
    """The evidence's type and SHA-256. Raises ValidationFailed naming ``evidence``."""
    if not isinstance(evidence, UploadedFile):
        raise fail("evidence", _("An evidence file is required."), _("a PDF, JPEG or PNG file"))
    if evidence.size is None or evidence.size == 0:
        raise fail("evidence", _("The evidence file is empty."), _("a PDF, JPEG or PNG file"))
    if evidence.size > MAX_EVIDENCE_BYTES:
        raise fail("evidence", _("The evidence file is larger than 10 MB."), _("at most 10 MB"))
    evidence.seek(0)
    kind = evidence_kind(evidence.read(16))
    if kind is None:
        raise fail("evidence", _("The evidence file is not a PDF, JPEG or PNG (judged by its content, not its "
                                 "name)."), _("a PDF, JPEG or PNG file"))
    evidence.seek(0)
    hashed = hashlib.sha256()
    for chunk in evidence.chunks():
        hashed.update(chunk)
    evidence.seek(0)
    return kind, hashed.hexdigest()


@transactional
def spending_add(*, actor: User, today: date, tranche_id: int, amount: Any, category: str, description: str,
                 spent_on: date, evidence: UploadedFile) -> SpendingItem:
    """A member of the awarded enterprise reports a line of how a paid tranche was spent (집행 내역): amount (the
    lines may not add up to more than the tranche), category, description, the day (not before the tranche was
    paid, not after today) and an evidence file (a PDF, JPEG or PNG of at most 10 MB, judged by its content; its
    SHA-256 is kept). Another enterprise's tranche is not found. Raises Forbidden, NotFound, InvalidState,
    ValidationFailed."""
    ACCESS.require(actor, "tranche.spending")
    value = won_input(amount, "amount")
    if category not in SpendingItem.Category.values:
        raise fail("category", _("Unknown spending category."),
                   _("one of %(choices)s") % {"choices": ", ".join(SpendingItem.Category.values)})
    text = (description or "").strip()
    if not text or len(text) > 300:
        raise fail("description", _("Say what the money was spent on."), _("1 to 300 characters"))
    kind, sha256 = _check_evidence(evidence)
    _award, tranche = _lock_own_tranche(actor, tranche_id)
    if tranche.state != TState.PAID:
        raise state_error(_("Spending is reported on a paid tranche until the report is submitted; this one's "
                             "state is %(state)s."), tranche)
    assert tranche.paid_on is not None
    check_date(spent_on, field="spent_on", earliest=[Limit(tranche.paid_on, _("the day the tranche was paid"))],
               latest=[today_limit(today)])
    room = tranche.amount.amount - _spent_total(tranche)
    if value > room:
        raise fail("amount", _("The spending reported would add up to more than the tranche of %(amount)s.")
                   % {"amount": format_won(tranche.amount.amount)},
                   _("at most %(room)s, what is left of the tranche") % {"room": format_won(room)})
    evidence.name = f"tranche-{tranche.pk}-{sha256[:16]}.{kind}"
    item = SpendingItem(tranche=tranche, amount=Money(value, KRW), category=category, description=text,
                        spent_on=spent_on, evidence=evidence, evidence_sha256=sha256, created_by=actor)
    try:
        item.save(force_insert=True)  # writes the file to the storage first
        audit_record(actor=actor, action=SPENDING_ADD, obj=item, after=_spending_snapshot(item))
    except BaseException:
        # Nothing of this write is kept: neither is its file (a file is no part of the transaction).
        if item.evidence.name:
            item.evidence.storage.delete(item.evidence.name)
        raise
    return item


@transactional
def spending_remove(*, actor: User, today: date, item_id: int) -> None:
    """A member of the awarded enterprise removes a line of its spending report, while the tranche is paid and not
    yet reported. Another enterprise's line is not found. Raises Forbidden, NotFound, InvalidState."""
    del today  # no rule reads it; the signature is every service's
    ACCESS.require(actor, "tranche.spending")
    tranche_id = SpendingItem.objects.filter(pk=item_id).values_list("tranche_id", flat=True).first()
    if tranche_id is None:
        raise NotFound(_("No such spending item."))
    try:
        _award, tranche = _lock_own_tranche(actor, tranche_id)
    except NotFound:
        raise NotFound(_("No such spending item.")) from None
    item = SpendingItem.objects.get(pk=item_id)
    if tranche.state != TState.PAID:
        raise state_error(_("The spending report was submitted; its lines can no longer change (the tranche's "
                             "state is %(state)s)."), tranche)
    before = _spending_snapshot(item)
    name, storage = str(item.evidence.name), item.evidence.storage
    item.delete()
    transaction.on_commit(lambda: storage.delete(name))  # the file goes only once the row is gone for good
    audit_record(actor=actor, action=SPENDING_ADD, obj=tranche, before={"removed": before},
                 after={"spending_total": _spent_total(tranche)})


@transactional
def tranche_report(*, actor: User, today: date, tranche_id: int) -> AwardTranche:
    """A member of the awarded enterprise submits the spending report of a paid tranche (its lines may not add up to
    more than the tranche); a manager then settles it. Another enterprise's tranche is not found. Raises Forbidden,
    NotFound, InvalidState, ValidationFailed."""
    del today  # no rule reads it; the signature is every service's
    ACCESS.require(actor, "tranche.report")
    _award, tranche = _lock_own_tranche(actor, tranche_id)
    if tranche.state != TState.PAID:
        raise state_error(_("Only a paid tranche's spending can be reported; this one's state is %(state)s."),
                           tranche)
    total = _spent_total(tranche)
    if total > tranche.amount.amount:
        raise fail("spending", _("The spending reported (%(total)s) is more than the tranche (%(amount)s).")
                   % {"total": format_won(total), "amount": format_won(tranche.amount.amount)},
                   _("must add up to at most the tranche, %(amount)s") % {"amount": format_won(tranche.amount.amount)})
    before = snapshot(tranche, TRANCHE_AUDITED)
    tranche.state = TState.REPORTED
    tranche.reported_at = timezone.now()
    tranche.save(update_fields=["state", "reported_at"])
    audit_record(actor=actor, action=TRANCHE_REPORT, obj=tranche, before=before,
                 after={**snapshot(tranche, TRANCHE_AUDITED), "spending_total": total})
    return tranche


@transactional
def tranche_settle(*, actor: User, today: date, tranche_id: int, accepted: Any = None) -> AwardTranche:
    """A manager settles a reported tranche (정산) on ``today``: what is accepted as spent (by default the report's
    total; never more than it) goes from the award's advance to ``expense:awards``; the rest is unspent and due back
    to the joint fund (the tranche is settled; with nothing unspent, closed). When every tranche is closed, the
    award is settled. Raises Forbidden, NotFound, InvalidState, ValidationFailed."""
    ACCESS.require(actor, "tranche.settle")
    value = None if accepted is None else won_input(accepted, "accepted", allow_zero=True)
    award, tranche = lock_tranche(tranche_id)
    if tranche.state != TState.REPORTED:
        raise state_error(_("Only a tranche whose spending was reported can be settled; this one's state is "
                             "%(state)s."), tranche)
    reported = _spent_total(tranche)
    amount = tranche.amount.amount
    spent = reported if value is None else value
    if spent > reported or spent > amount:
        limit = format_won(min(reported, amount))
        raise fail("accepted", _("At most the spending reported can be accepted (%(total)s).") % {"total": limit},
                   _("at most %(total)s, the spending reported") % {"total": limit})
    settled = None
    if spent > 0:
        book = book_of(award)
        _reserved, advance = chart.award_accounts(book, award.pk)
        settled = journal_post(
            lines=[debit(chart.account(book, chart.AWARD_EXPENSE), spent), credit(advance, spent)],
            kind="contest.tranche_settle", effective_date=today, idempotency_key=tranche_key(tranche, "settle"),
            actor=actor, memo=f"시상금 정산 #{award.pk} {tranche.number}차"[:500],
        ).journal
    before = snapshot(tranche, TRANCHE_AUDITED)
    tranche.spent, tranche.unspent = Money(spent, KRW), Money(amount - spent, KRW)
    tranche.state = TState.SETTLED if amount > spent else TState.CLOSED
    tranche.settled_on, tranche.settled_by = today, actor
    tranche.save(update_fields=["spent", "unspent", "state", "settled_on", "settled_by"])
    close_award_if_done(award)
    audit_record(actor=actor, action=TRANCHE_SETTLE, obj=tranche, before=before,
                 after={**snapshot(tranche, TRANCHE_AUDITED), "reported": reported,
                        "settle_journal": settled.pk if settled else None, "award_state": award.state})
    return tranche


@transactional
def tranche_return(*, actor: User, today: date, tranche_id: int, returned_on: date,
                   idempotency_key: str) -> tuple[AwardTranche, bool]:
    """A manager records the unspent money of a settled tranche as returned on ``returned_on`` (반환; not before the
    settlement, a date that moves money): it goes from the award's advance back to the joint fund's cash, and the
    tranche is closed (the award settled when every tranche is). Returns the tranche and whether it was recorded
    now (the same manager and key give the first one back). Raises Forbidden, NotFound, InvalidState,
    ValidationFailed, IdempotencyConflict."""
    ACCESS.require(actor, "tranche.return")
    key = check_key(idempotency_key)
    award, tranche = lock_tranche(tranche_id)
    journal_key = tranche_key(tranche, "return", key)
    if tranche.state == TState.CLOSED and replayed(tranche.return_journal_id, journal_key):
        assert tranche.return_journal is not None
        if tranche.return_journal.actor_id != actor.pk:
            raise key_used_by_another(key)
        if tranche.returned_on != returned_on:
            raise IdempotencyConflict(_("This idempotency key was already used for a different request."),
                                      fields={KEY_FIELD: [_("already used with another return date")]})
        return tranche, False
    if tranche.state != TState.SETTLED:
        raise state_error(_("Only a settled tranche with unspent money due back can record its return; this one's "
                             "state is %(state)s."), tranche)
    assert tranche.settled_on is not None
    check_money_date(returned_on, field="returned_on", today=today,
                     not_before=[Limit(tranche.settled_on, _("the settlement"))])
    book = book_of(award)
    _reserved, advance = chart.award_accounts(book, award.pk)
    unspent = tranche.unspent.amount
    posted = journal_post(
        lines=[debit(chart.account(book, chart.CASH), unspent), credit(advance, unspent)],
        kind="contest.tranche_return", effective_date=returned_on, idempotency_key=journal_key, actor=actor,
        memo=f"시상금 반환 #{award.pk} {tranche.number}차"[:500],
    )
    before = snapshot(tranche, TRANCHE_AUDITED)
    tranche.state = TState.CLOSED
    tranche.returned_on, tranche.return_journal = returned_on, posted.journal
    tranche.save(update_fields=["state", "returned_on", "return_journal"])
    close_award_if_done(award)
    audit_record(actor=actor, action=TRANCHE_RETURN, obj=tranche, before=before,
                 after={**snapshot(tranche, TRANCHE_AUDITED), "award_state": award.state})
    return tranche, True
