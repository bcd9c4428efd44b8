"""Pledges (후원) and their payments: made, cancelled, charged, released, and what the provider's webhooks say.

The services (what the tasks and the API call):

- ``pledge_create(*, campaign_id, actor, amount, reward_id, payment, idempotency_key, on_date) -> (Pledge, bool)``
- ``pledge_cancel(*, pledge_id, actor, on_date) -> Pledge``
- ``campaign_close(*, campaign_id, on_date) -> Campaign`` and ``campaigns_close_due(*, on_date) -> list[int]``
- ``pledge_release(*, pledge_id, on_date) -> Pledge`` (a failed campaign's reservation, called by the close)
- ``pledge_charge(*, pledge_id, on_date) -> Pledge`` and ``pledges_charge_due(*, on_date) -> list[int]``
- ``payment_webhook_apply(*, event, on_date) -> PaymentWebhook``

Beat (h-settlement's orchestrating task) runs ``campaigns_close_due`` then ``pledges_charge_due`` each day; their
tasks are in ``crowdfunding.tasks``.

The payment provider (``crowdfunding.gateway``) is always called OUTSIDE any transaction, never holding a lock: the
checks are made first without locks, then the provider is called, then one short transaction locks the rows in the
order of ``crowdfunding.locks`` (campaign, reward, backer total, pledge), checks again, writes. When the transaction
refuses (the last reward taken meanwhile, the backer's cap reached), what the provider did is undone (a billing key
deleted, a payment cancelled) and the refusal is answered. Every call to the provider carries an idempotency key
derived from the pledge (and the attempt), so a call sent again never charges twice.

Money: a keep-it-all pledge is charged at once and an all-or-nothing one when its campaign succeeded; each charge is
a journal in the contest's book, Dr ``provider:receivable`` / Cr ``campaign:<id>:pledges`` (key
``pledge:<id>:charge``); a refund is its mirror (key ``pledge:<id>:refund``).

Domain errors: ValidationFailed (400, naming the field), Forbidden and EmailNotVerified (403), NotFound,
InvalidState (409, naming the state or the rule: sold out, the backer's cap), IdempotencyConflict (422), and the
provider's PaymentDeclined (402), PaymentRejected (409), PaymentUnavailable (503), PaymentTimeout (504).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from django.db import IntegrityError
from django.utils.translation import gettext as _
from djmoney.money import Money

from core.audit import audit_record, snapshot
from core.db import run_retried
from core.errors import DomainError, IdempotencyConflict, InvalidState, NotFound
from core.inputs import KEY_FIELD, check_key
from core.money import KRW, format_won, won_input
from enterprises.backers import require_verified_email
from enterprises.models import User
from ledger.models import Journal
from ledger.services import credit, debit, journal_post

from .. import accounts as chart
from ..access import ACCESS
from ..actions import (
    CAMPAIGN_CLOSE,
    PLEDGE_CANCEL,
    PLEDGE_CHARGE,
    PLEDGE_CREATE,
    PLEDGE_DECLINE,
    PLEDGE_RELEASE,
    PLEDGE_WEBHOOK,
)
from ..gateway import PaymentDeclined, PaymentError, PaymentStatus, WebhookEvent, gateway
from ..locks import lock_backer_total, lock_campaign, lock_pledge, lock_reward
from ..models import (
    BackerTotal,
    Campaign,
    CampaignMode,
    CampaignType,
    PaymentWebhook,
    Pledge,
    PledgePayment,
    RewardTier,
)
from .common import fail
from .matching import plan_pledge_match, return_pledge_match, top_up_campaign, write_pledge_match

logger = logging.getLogger(__name__)
R = TypeVar("R")

PState = Pledge.State
CState = Campaign.State
Kind = PledgePayment.Kind
MAX_CHARGE_ATTEMPTS = 4  # the first charge and three daily retries (as Wadiz), then the pledge is cancelled
PLEDGE_AUDITED = ["campaign", "backer", "amount", "reward", "state", "order_id", "matched", "charge_attempts",
                  "next_charge_on", "failure_code", "charged_on", "cancelled_on", "cancel_reason"]


# --- small helpers -------------------------------------------------------------------------------------------------


def _hash(text: str, length: int = 40) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _in_transaction(work: Callable[[], R]) -> R:
    """``work`` in a transaction of its own, run again after a deadlock (``core.db.run_retried``)."""
    return run_retried(work)


def _refused(message: str, field: str, rule: str) -> InvalidState:
    return InvalidState(message, fields={field: [rule]})


def _campaign_state_error(campaign: Campaign, doing: str) -> InvalidState:
    return InvalidState(_("%(doing)s is not possible: the campaign is %(state)s.")
                        % {"doing": doing, "state": campaign.get_state_display()},
                        fields={"state": [_("is %(state)s") % {"state": campaign.state}]})


def _pledge_state_error(pledge: Pledge, doing: str) -> InvalidState:
    return InvalidState(_("%(doing)s is not possible: the pledge is %(state)s.")
                        % {"doing": doing, "state": pledge.get_state_display()},
                        fields={"state": [_("is %(state)s") % {"state": pledge.state}]})


def _money(amount: Decimal) -> Money:
    return Money(amount, KRW)


def open_campaign_accounts(campaign: Campaign) -> None:
    """The accounts a campaign's charges post to, opened at its launch (never in a race of first pledges)."""
    book = campaign.contest.book
    chart.opened(book, chart.PROVIDER_RECEIVABLE, "결제대행사 미수금 (Payment provider receivable)", "asset")
    chart.opened(book, chart.campaign_pledges_code(campaign.pk), f"캠페인 후원금 #{campaign.pk}", "liability")


def _post_charge(campaign: Campaign, pledge: Pledge, on_date: date, actor: Any) -> Journal:
    book = campaign.contest.book
    receivable = chart.opened(book, chart.PROVIDER_RECEIVABLE, "결제대행사 미수금 (Payment provider receivable)",
                              "asset")
    owed = chart.opened(book, chart.campaign_pledges_code(campaign.pk), f"캠페인 후원금 #{campaign.pk}", "liability")
    amount = pledge.amount.amount
    return journal_post(lines=[debit(receivable, amount), credit(owed, amount)], kind="campaign.pledge_charge",
                        effective_date=on_date, idempotency_key=f"pledge:{pledge.pk}:charge", actor=actor,
                        memo=f"후원 결제 {pledge.order_id}"[:500]).journal


def _post_refund(campaign: Campaign, pledge: Pledge, on_date: date, actor: Any) -> Journal:
    book = campaign.contest.book
    receivable = chart.account(book, chart.PROVIDER_RECEIVABLE)
    owed = chart.account(book, chart.campaign_pledges_code(campaign.pk))
    amount = pledge.amount.amount
    return journal_post(lines=[debit(owed, amount), credit(receivable, amount)], kind="campaign.pledge_refund",
                        effective_date=on_date, idempotency_key=f"pledge:{pledge.pk}:refund", actor=actor,
                        memo=f"후원 환불 {pledge.order_id}"[:500]).journal


@dataclass
class _Locked:
    campaign: Campaign
    reward: RewardTier | None
    total: BackerTotal
    pledge: Pledge


def _lock_for(pledge_id: int) -> _Locked:
    """The pledge's campaign, reward, backer total and the pledge, locked in that order. Raises NotFound."""
    found = Pledge.objects.filter(pk=pledge_id).values("campaign_id", "reward_id", "backer_id").first()
    if found is None:
        raise NotFound(_("No such pledge."))
    campaign = lock_campaign(found["campaign_id"])
    reward = lock_reward(found["reward_id"]) if found["reward_id"] else None
    total = lock_backer_total(found["campaign_id"], found["backer_id"])
    return _Locked(campaign, reward, total, lock_pledge(pledge_id))


def _release_counters(locked: _Locked, *, charged: bool, on_date: date, reason: str) -> None:
    """A pledge stops being live: the campaign's, the reward's and the backer's counters move back, and its match
    goes back to the funders it came from (``return_pledge_match``)."""
    campaign, pledge, total = locked.campaign, locked.pledge, locked.total
    amount = pledge.amount.amount
    campaign.pledged = _money(campaign.pledged.amount - amount)
    if charged:
        campaign.charged = _money(campaign.charged.amount - amount)
    total.pledged = _money(total.pledged.amount - amount)
    total.live_pledges -= 1
    if total.live_pledges == 0:
        campaign.backers -= 1
    campaign.save(update_fields=["pledged", "charged", "backers", "updated_at"])
    total.save(update_fields=["pledged", "live_pledges"])
    if locked.reward is not None:
        locked.reward.claimed -= 1
        locked.reward.save(update_fields=["claimed"])
    return_pledge_match(pledge=pledge, campaign=campaign, backer_total=total, on_date=on_date, reason=reason)


# --- making a pledge -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Checked:
    campaign: Campaign
    amount: Decimal
    reward_id: int | None
    payment: dict[str, str]


def _payment_fields(mode: str, payment: Any) -> dict[str, str]:
    """AON: {auth_key, customer_key} from the provider's billing checkout; KIA: {payment_key, order_id} from its
    payment checkout. Raises ValidationFailed naming ``payment.<field>``."""
    names = ("auth_key", "customer_key") if mode == CampaignMode.AON else ("payment_key", "order_id")
    if not isinstance(payment, Mapping):
        raise fail("payment", _("The payment is an object."),
                   _("an object with %(names)s") % {"names": ", ".join(names)})
    values = {}
    for name in names:
        value = payment.get(name)
        if not isinstance(value, str) or not value.strip() or len(value.strip()) > 64 * (1 + (name != "order_id")):
            raise fail(f"payment.{name}", _("The payment needs %(name)s from the payment page.") % {"name": name},
                       _("required: text of 1 to %(max)s characters from the provider's checkout")
                       % {"max": 64 * (1 + (name != "order_id"))})
        values[name] = value.strip()
    return values


def _within_dates(campaign: Campaign, on_date: date, doing: str) -> None:
    if campaign.state != CState.LIVE:
        raise _campaign_state_error(campaign, doing)
    if on_date < campaign.starts_on:
        raise _refused(_("The campaign starts on %(date)s.") % {"date": campaign.starts_on.isoformat()},
                       "starts_on", _("the campaign starts on %(date)s") % {"date": campaign.starts_on.isoformat()})
    if on_date > campaign.ends_on:
        raise _refused(_("The campaign ended on %(date)s.") % {"date": campaign.ends_on.isoformat()},
                       "ends_on", _("the campaign ended on %(date)s") % {"date": campaign.ends_on.isoformat()})


def _check_stock(reward: RewardTier) -> None:
    if reward.stock is not None and reward.claimed >= reward.stock:
        raise _refused(_("The reward %(title)s is sold out.") % {"title": reward.title}, "reward",
                       _("sold out: all %(stock)s taken") % {"stock": reward.stock})


def _check_cap(campaign: Campaign, pledged_before: Decimal, amount: Decimal) -> None:
    if campaign.max_per_backer is None:
        return
    cap = campaign.max_per_backer.amount
    if pledged_before + amount > cap:
        left = max(cap - pledged_before, Decimal(0))
        raise _refused(_("One backer may pledge at most %(cap)s to this campaign; you may add %(left)s.")
                       % {"cap": format_won(cap), "left": format_won(left)}, "amount",
                       _("at most %(cap)s per backer in this campaign (%(left)s left)")
                       % {"cap": format_won(cap), "left": format_won(left)})


def check_pledge_request(campaign_id: Any, actor: User, amount: Any, reward_id: Any, payment: Any,
                   on_date: date) -> _Checked:
    """Everything that can be checked without a lock, from rows read as they are now."""
    campaign = (Campaign.objects.select_related("entry", "contest__book").filter(pk=campaign_id).first()
                if _is_id(campaign_id) else None)
    if campaign is None or campaign.state == CState.DRAFT:
        raise NotFound(_("No such campaign."))
    value = won_input(amount, "amount")
    _within_dates(campaign, on_date, _("Pledging"))
    campaign_type = campaign.entry.campaign_type
    reward = None
    if reward_id is not None:
        if campaign_type != CampaignType.REWARD:
            raise fail("reward", _("A donation campaign has no rewards."), _("must be null: a donation campaign"))
        reward = RewardTier.objects.filter(pk=reward_id, campaign=campaign).first() if _is_id(reward_id) else None
        if reward is None:
            raise fail("reward", _("No such reward in this campaign."), _("a reward tier of this campaign"))
    if value < campaign.min_pledge.amount:
        raise fail("amount", _("The smallest pledge is %(min)s.") % {"min": format_won(campaign.min_pledge.amount)},
                   _("at least %(min)s") % {"min": format_won(campaign.min_pledge.amount)})
    if reward is not None and value < reward.price.amount:
        raise fail("amount", _("The reward %(title)s takes a pledge of at least %(price)s.")
                   % {"title": reward.title, "price": format_won(reward.price.amount)},
                   _("at least the reward's price, %(price)s") % {"price": format_won(reward.price.amount)})
    fields = _payment_fields(campaign.mode, payment)
    if reward is not None:
        _check_stock(reward)
    if campaign.max_per_backer is not None:  # checked again under the locks; here to refuse before the provider
        before = BackerTotal.objects.filter(campaign=campaign, backer=actor).values_list("pledged", flat=True).first()
        _check_cap(campaign, before if before is not None else Decimal(0), value)
    return _Checked(campaign, value, reward.pk if reward is not None else None, fields)


def _replayed(actor: User, key: str, checked: _Checked | None, campaign_id: Any, amount: Any,
              reward_id: Any) -> Pledge | None:
    """The backer's pledge made with ``key`` before, if any; with other content, IdempotencyConflict."""
    existing = Pledge.objects.filter(backer=actor, idempotency_key=key).first()
    if existing is None:
        return None
    same = (existing.campaign_id == campaign_id and existing.reward_id == reward_id
            and (checked.amount if checked else won_input(amount, "amount")) == existing.amount.amount)
    if not same:
        raise IdempotencyConflict(_("This idempotency key was already used for another pledge."),
                                  fields={KEY_FIELD: [_("already used for pledge %(id)s") % {"id": existing.pk}]})
    return existing


def pledge_create(*, campaign_id: int, actor: User, amount: Any, reward_id: int | None, payment: Any,
                  idempotency_key: str, on_date: date) -> tuple[Pledge, bool]:
    """A backer (its email verified) pledges ``amount`` to a live campaign within its dates, optionally claiming a
    reward of it (a donation campaign takes none): at least the campaign's smallest pledge and the reward's price,
    within the backer's cap over its live pledges, while the reward lasts. All or nothing: the card registered on
    the payment page becomes a billing key (nothing charged until the campaign succeeds); keep it all: the payment
    authorised on the page is confirmed for exactly ``amount`` (charged now, posted). Returns the pledge and whether
    it was made now (the same backer and key give the first pledge back; other content with the key: 422).

    Not a transaction itself: the provider is called between the checks and the one transaction that writes.
    Raises Forbidden, EmailNotVerified, ValidationFailed, NotFound, InvalidState, IdempotencyConflict,
    PaymentDeclined, PaymentRejected, PaymentUnavailable, PaymentTimeout."""
    ACCESS.require(actor, "pledge.create")
    require_verified_email(actor)
    key = check_key(idempotency_key)
    existing = _replayed(actor, key, None, campaign_id, amount, reward_id)
    if existing is not None:
        return existing, False
    checked = check_pledge_request(campaign_id, actor, amount, reward_id, payment, on_date)
    campaign = checked.campaign
    request_key = f"pledge:{actor.pk}:{_hash(key)}"
    provider = gateway()
    # What the provider does now (outside any transaction), and how to undo it if the transaction refuses.
    values: dict[str, Any] = {}
    undo: Callable[[], None]
    if campaign.mode == CampaignMode.AON:
        issued = provider.issue_billing_key(auth_key=checked.payment["auth_key"],
                                            customer_key=checked.payment["customer_key"],
                                            idempotency_key=f"{request_key}:issue")
        values = {"state": PState.RESERVED, "order_id": f"pledge-{_hash(request_key, 48)}",
                  "customer_key": issued.customer_key, "billing_key": issued.billing_key,
                  "card_masked": issued.card_number}

        def undo() -> None:
            provider.delete_billing_key(billing_key=issued.billing_key)
    else:
        paid = provider.confirm_payment(payment_key=checked.payment["payment_key"],
                                        order_id=checked.payment["order_id"], amount=checked.amount,
                                        idempotency_key=f"{request_key}:confirm")
        values = {"state": PState.CHARGED, "order_id": paid.order_id, "payment_key": paid.payment_key,
                  "card_masked": paid.card_number, "charged_on": on_date, "charge_attempts": 1}

        def undo() -> None:
            provider.cancel_payment(payment_key=paid.payment_key, reason="후원 접수 불가 (Pledge refused)",
                                    idempotency_key=f"{request_key}:undo")

    def write() -> tuple[Pledge, bool]:
        locked_campaign = lock_campaign(campaign.pk)
        replay = _replayed(actor, key, checked, campaign.pk, amount, checked.reward_id)
        if replay is not None:
            return replay, False
        _within_dates(locked_campaign, on_date, _("Pledging"))
        reward = lock_reward(checked.reward_id) if checked.reward_id is not None else None
        if reward is not None:
            _check_stock(reward)
        total = lock_backer_total(campaign.pk, actor.pk)
        _check_cap(locked_campaign, total.pledged.amount, checked.amount)
        # The counters as they will be, then the match planned on them, so that each row is written once.
        if total.live_pledges == 0:
            locked_campaign.backers += 1
        locked_campaign.pledged = _money(locked_campaign.pledged.amount + checked.amount)
        if values["state"] == PState.CHARGED:
            locked_campaign.charged = _money(locked_campaign.charged.amount + checked.amount)
        plan = plan_pledge_match(campaign=locked_campaign, book_id=campaign.contest.book_id, backer_id=actor.pk,
                                 amount=checked.amount)
        pledge = Pledge.objects.create(campaign=locked_campaign, backer=actor, amount=_money(checked.amount),
                                       reward=reward, idempotency_key=key, matched=_money(plan.total), **values)
        locked_campaign.matched = _money(locked_campaign.matched.amount + plan.total)
        locked_campaign.save(update_fields=["pledged", "charged", "backers", "matched", "updated_at"])
        if reward is not None:
            reward.claimed += 1
            reward.save(update_fields=["claimed"])
        total.pledged = _money(total.pledged.amount + checked.amount)
        total.matched = _money(total.matched.amount + plan.total)
        total.live_pledges += 1
        total.save(update_fields=["pledged", "matched", "live_pledges"])
        write_pledge_match(plan=plan, pledge=pledge, campaign=locked_campaign, on_date=on_date)
        if pledge.state == PState.CHARGED:
            _post_charge(campaign, pledge, on_date, actor)
            PledgePayment.objects.create(pledge=pledge, kind=Kind.CHARGE, amount=pledge.amount,
                                         provider_key=pledge.payment_key, on_date=on_date)
        else:
            PledgePayment.objects.create(pledge=pledge, kind=Kind.BILLING_KEY, provider_key=pledge.billing_key,
                                         on_date=on_date)
        audit_record(actor=actor, action=PLEDGE_CREATE, obj=pledge, after=snapshot(pledge, PLEDGE_AUDITED))
        return pledge, True

    try:
        return _in_transaction(write)
    except (DomainError, IntegrityError):
        # Refused after the provider acted (sold out, the cap, the campaign closed meanwhile): undo it there.
        if Pledge.objects.filter(backer=actor, idempotency_key=key).exists():
            raise  # the same request, made meanwhile by a twin: its pledge holds what the provider did
        try:
            undo()
        except PaymentError:
            logger.exception("pledge refused, and undoing it at the provider failed (order %s)",
                             values.get("order_id"))
        raise


# --- cancelling ----------------------------------------------------------------------------------------------------


def pledge_cancel(*, pledge_id: int, actor: User, on_date: date) -> Pledge:
    """The backer cancels its pledge before the deadline (the campaign live, ``on_date`` <= its last day): a
    reserved one is cancelled (its billing key deleted at the provider), a charged one refunded (the payment
    cancelled at the provider; the charge's journal mirrored). The counters and the reward go back. Raises
    Forbidden, NotFound (not its pledge), InvalidState, PaymentRejected, PaymentUnavailable, PaymentTimeout."""
    ACCESS.require(actor, "pledge.cancel")
    pledge = Pledge.objects.select_related("campaign").filter(pk=pledge_id, backer=actor).first() if _is_id(
        pledge_id) else None
    if pledge is None:
        raise NotFound(_("No such pledge."))
    doing = _("Cancelling the pledge")
    if pledge.state in (PState.CANCELLED, PState.REFUNDED):
        return pledge  # done already (a retried request)
    if pledge.state not in (PState.RESERVED, PState.CHARGED):
        raise _pledge_state_error(pledge, doing)
    campaign = pledge.campaign
    if campaign.state != CState.LIVE or on_date > campaign.ends_on:
        raise InvalidState(_("The campaign's deadline has passed (%(date)s); its pledges can no longer be "
                             "cancelled.") % {"date": campaign.ends_on.isoformat()},
                           fields={"state": [_("the campaign is %(state)s, ending %(date)s")
                                             % {"state": campaign.state, "date": campaign.ends_on.isoformat()}]})
    provider = gateway()
    kind, provider_key = Kind.BILLING_KEY_DELETED, pledge.billing_key
    if pledge.state == PState.RESERVED:
        provider.delete_billing_key(billing_key=pledge.billing_key)
    else:
        cancelled = provider.cancel_payment(payment_key=pledge.payment_key, reason="후원자 취소 (Cancelled by backer)",
                                            idempotency_key=f"pledge:{pledge.pk}:cancel")
        last = cancelled.cancellations[-1] if cancelled.cancellations else None
        kind = Kind.VOID if last is not None and last.kind == "VOID" else Kind.REFUND
        provider_key = last.transaction_key if last is not None else pledge.payment_key

    def write() -> Pledge:
        locked = _lock_for(pledge.pk)
        current = locked.pledge
        if current.state not in (PState.RESERVED, PState.CHARGED):
            return current  # a webhook got there first
        before = snapshot(current, PLEDGE_AUDITED)
        charged = current.state == PState.CHARGED
        _release_counters(locked, charged=charged, on_date=on_date, reason="후원 취소 (cancelled by the backer)")
        current.state = PState.REFUNDED if charged else PState.CANCELLED
        current.cancelled_on, current.cancel_reason = on_date, "backer"
        current.save(update_fields=["state", "cancelled_on", "cancel_reason", "updated_at"])
        if charged:
            _post_refund(locked.campaign, current, on_date, actor)
        PledgePayment.objects.create(pledge=current, kind=kind, amount=current.amount if charged else _money(
            Decimal(0)), provider_key=provider_key, on_date=on_date)
        audit_record(actor=actor, action=PLEDGE_CANCEL, obj=current, before=before,
                     after=snapshot(current, PLEDGE_AUDITED))
        return current

    return _in_transaction(write)


# --- the deadline --------------------------------------------------------------------------------------------------


def campaign_close(*, campaign_id: int, on_date: date) -> Campaign:
    """A live campaign whose last day passed (``ends_on`` < ``on_date``) closes. All or nothing: it succeeded when
    pledged + matched reached its target (a top-up pool pays first: ``top_up_campaign``), and its reserved pledges
    are charged from the day after its last (``next_charge_on``); otherwise it failed and every reserved pledge is
    released (billing key deleted, nothing charged, its match given back). Keep it all: "succeeded" means closed
    with what it has (every pledge was charged at once). A campaign closed already is given back as it is; a failed
    one's reservations still held are released again. Raises NotFound, InvalidState (not live, or its last day not
    passed)."""

    def write() -> Campaign:
        campaign = lock_campaign(campaign_id)
        if campaign.state in (CState.SUCCEEDED, CState.FAILED, CState.SETTLED):
            return campaign
        if campaign.state != CState.LIVE:
            raise _campaign_state_error(campaign, _("Closing the campaign"))
        if campaign.ends_on >= on_date:
            raise InvalidState(_("The campaign runs until %(date)s.") % {"date": campaign.ends_on.isoformat()},
                               fields={"ends_on": [_("not passed: %(date)s") % {"date": campaign.ends_on.isoformat()}]})
        before = snapshot(campaign, ["state", "closed_on", "pledged", "matched", "target"])
        top_up_campaign(campaign=campaign, on_date=on_date)  # a top-up pool may carry it to its target
        reached = campaign.pledged.amount + campaign.matched.amount >= campaign.target.amount
        if campaign.mode == CampaignMode.KIA or reached:
            campaign.state = CState.SUCCEEDED
        else:
            campaign.state = CState.FAILED
        campaign.closed_on = on_date
        campaign.save(update_fields=["state", "closed_on", "updated_at"])
        if campaign.mode == CampaignMode.AON and campaign.state == CState.SUCCEEDED:
            Pledge.objects.filter(campaign=campaign, state=PState.RESERVED).update(
                next_charge_on=campaign.ends_on + timedelta(days=1))
        audit_record(actor=None, action=CAMPAIGN_CLOSE, obj=campaign, before=before,
                     after={**snapshot(campaign, ["state", "closed_on"]), "reached": reached})
        return campaign

    closed = _in_transaction(write)
    if closed.state == CState.FAILED:
        for pledge_id in Pledge.objects.filter(campaign=closed, state=PState.RESERVED).values_list("pk", flat=True):
            pledge_release(pledge_id=pledge_id, on_date=on_date)
    return closed


def campaigns_close_due(*, on_date: date) -> list[int]:
    """Close every live campaign whose last day passed, and finish releasing a failed campaign's reservations (a
    close that stopped halfway). Returns the campaigns' ids."""
    due = set(Campaign.objects.filter(state=CState.LIVE, ends_on__lt=on_date).values_list("pk", flat=True))
    due |= set(Pledge.objects.filter(campaign__state=CState.FAILED, state=PState.RESERVED)
               .values_list("campaign_id", flat=True))
    for campaign_id in sorted(due):
        try:
            campaign_close(campaign_id=campaign_id, on_date=on_date)
        except PaymentError:
            logger.exception("closing campaign %s: the provider failed; the next run goes on", campaign_id)
    return sorted(due)


def pledge_release(*, pledge_id: int, on_date: date) -> Pledge:
    """A reserved pledge of a failed campaign is released: its billing key deleted at the provider, nothing
    charged, its counters moved back. A pledge not reserved is given back as it is. Raises NotFound,
    PaymentUnavailable, PaymentTimeout."""
    pledge = Pledge.objects.filter(pk=pledge_id).first()
    if pledge is None:
        raise NotFound(_("No such pledge."))
    if pledge.state != PState.RESERVED:
        return pledge
    gateway().delete_billing_key(billing_key=pledge.billing_key)

    def write() -> Pledge:
        locked = _lock_for(pledge_id)
        current = locked.pledge
        if current.state != PState.RESERVED or locked.campaign.state != CState.FAILED:
            return current
        before = snapshot(current, PLEDGE_AUDITED)
        _release_counters(locked, charged=False, on_date=on_date, reason="목표 미달 예약 해제 (campaign failed)")
        current.state, current.cancelled_on, current.cancel_reason = PState.RELEASED, on_date, "campaign failed"
        current.save(update_fields=["state", "cancelled_on", "cancel_reason", "updated_at"])
        PledgePayment.objects.create(pledge=current, kind=Kind.BILLING_KEY_DELETED, provider_key=current.billing_key,
                                     on_date=on_date)
        audit_record(actor=None, action=PLEDGE_RELEASE, obj=current, before=before,
                     after=snapshot(current, PLEDGE_AUDITED))
        return current

    return _in_transaction(write)


# --- charge runs ---------------------------------------------------------------------------------------------------


def _apply_charge(locked: _Locked, payment_key: str, on_date: date, attempts: int) -> None:
    pledge, campaign = locked.pledge, locked.campaign
    pledge.state, pledge.charged_on, pledge.payment_key = PState.CHARGED, on_date, payment_key
    pledge.charge_attempts, pledge.next_charge_on = attempts, None
    pledge.failure_code = pledge.failure_message = ""
    pledge.save(update_fields=["state", "charged_on", "payment_key", "charge_attempts", "next_charge_on",
                               "failure_code", "failure_message", "updated_at"])
    campaign.charged = _money(campaign.charged.amount + pledge.amount.amount)
    campaign.save(update_fields=["charged", "updated_at"])
    _post_charge(campaign, pledge, on_date, None)
    PledgePayment.objects.create(pledge=pledge, kind=Kind.CHARGE, amount=pledge.amount, provider_key=payment_key,
                                 on_date=on_date)


def pledge_charge(*, pledge_id: int, on_date: date) -> Pledge:
    """Charge a reserved (or retrying) pledge of a succeeded all-or-nothing campaign that is due (``next_charge_on``
    <= ``on_date``): its billing key, for its amount, with the provider idempotency key
    ``pledge:<id>:charge:<attempt>``. Approved: charged and posted. Declined: retrying, again the next day; after the
    4th attempt (the first and three daily retries) cancelled, its counters moved back and its billing key deleted.
    No answer (timeout, unavailable): nothing changes; the next run sends the same attempt with the same key, so a
    charge that went through is found, never made twice. A pledge not due is given back as it is. Raises NotFound."""
    pledge = Pledge.objects.select_related("campaign").filter(pk=pledge_id).first()
    if pledge is None:
        raise NotFound(_("No such pledge."))
    campaign = pledge.campaign
    due = (pledge.state in (PState.RESERVED, PState.RETRYING) and campaign.state == CState.SUCCEEDED
           and campaign.mode == CampaignMode.AON and pledge.next_charge_on is not None
           and pledge.next_charge_on <= on_date)
    if not due:
        return pledge
    attempt = pledge.charge_attempts + 1
    provider = gateway()
    try:
        paid = provider.charge_billing_key(billing_key=pledge.billing_key, customer_key=pledge.customer_key,
                                           amount=pledge.amount.amount, order_id=pledge.order_id,
                                           order_name=campaign.title[:100],
                                           idempotency_key=f"pledge:{pledge.pk}:charge:{attempt}")
    except PaymentDeclined as declined:
        return _declined(pledge.pk, attempt, declined, on_date)
    except PaymentError:
        logger.warning("charging pledge %s (attempt %s): no answer from the provider; the next run tries again",
                       pledge.pk, attempt, exc_info=True)
        return pledge

    def write() -> Pledge:
        locked = _lock_for(pledge.pk)
        current = locked.pledge
        if current.state not in (PState.RESERVED, PState.RETRYING):
            return current  # a webhook applied this charge already
        before = snapshot(current, PLEDGE_AUDITED)
        _apply_charge(locked, paid.payment_key, on_date, attempt)
        audit_record(actor=None, action=PLEDGE_CHARGE, obj=current, before=before,
                     after=snapshot(current, PLEDGE_AUDITED))
        return current

    return _in_transaction(write)


def _declined(pledge_id: int, attempt: int, declined: PaymentDeclined, on_date: date) -> Pledge:
    def write() -> Pledge:
        locked = _lock_for(pledge_id)
        current = locked.pledge
        if current.state not in (PState.RESERVED, PState.RETRYING) or current.charge_attempts >= attempt:
            return current
        before = snapshot(current, PLEDGE_AUDITED)
        current.charge_attempts = attempt
        current.failure_code = declined.provider_code[:60]
        current.failure_message = declined.provider_message[:300]
        if attempt >= MAX_CHARGE_ATTEMPTS:
            _release_counters(locked, charged=False, on_date=on_date,
                              reason=f"결제 {attempt}회 거절 (charge declined {attempt} times)")
            current.state, current.next_charge_on = PState.CANCELLED, None
            current.cancelled_on, current.cancel_reason = on_date, f"charge declined {attempt} times"
        else:
            current.state = PState.RETRYING
            current.next_charge_on = on_date + timedelta(days=1)
        current.save()
        PledgePayment.objects.create(pledge=current, kind=Kind.DECLINE, amount=current.amount,
                                     code=current.failure_code, message=current.failure_message, on_date=on_date)
        audit_record(actor=None, action=PLEDGE_DECLINE, obj=current, before=before,
                     after=snapshot(current, PLEDGE_AUDITED))
        return current

    pledge = _in_transaction(write)
    if pledge.state == PState.CANCELLED:
        try:
            gateway().delete_billing_key(billing_key=pledge.billing_key)
        except PaymentError:
            logger.exception("pledge %s cancelled; its billing key could not be deleted now", pledge.pk)
    return pledge


def pledges_charge_due(*, on_date: date) -> list[int]:
    """Charge every due pledge (``pledge_charge``) of the succeeded all-or-nothing campaigns. Returns their ids."""
    due = list(Pledge.objects.filter(state__in=[PState.RESERVED, PState.RETRYING], next_charge_on__lte=on_date,
                                     campaign__state=CState.SUCCEEDED, campaign__mode=CampaignMode.AON)
               .order_by("pk").values_list("pk", flat=True))
    for pledge_id in due:
        pledge_charge(pledge_id=pledge_id, on_date=on_date)
    return due


# --- webhooks ------------------------------------------------------------------------------------------------------


def payment_webhook_apply(*, event: WebhookEvent, on_date: date) -> PaymentWebhook:
    """Record a verified webhook once per event id (a replay changes nothing) and apply its status to the pledge,
    found by payment key or order id (a billing key for BILLING_KEY_DELETED), never moving it backwards: DONE
    charges a pledge waiting for its charge (one whose charge timed out on our side) and is ``already`` for a charged
    one and ``stale`` for one cancelled, released or refunded; CANCELED refunds a charged pledge in our books. Raises
    nothing the caller must handle (an unknown payment is recorded as ``unknown``)."""
    payload = dict(event.data)

    def write() -> PaymentWebhook:
        found = PaymentWebhook.objects.filter(event_id=event.event_id).first()
        if found is not None:
            return found
        pledge_id = _pledge_of(event)
        outcome: str = PaymentWebhook.Outcome.UNKNOWN
        pledge = None
        if pledge_id is not None:
            locked = _lock_for(pledge_id)
            pledge = locked.pledge
            outcome = _apply_event(locked, event, on_date)
        return PaymentWebhook.objects.create(event_id=event.event_id, event_type=event.event_type[:60],
                                             payload=payload, pledge=pledge, outcome=outcome)

    try:
        return _in_transaction(write)
    except IntegrityError:  # the same event, delivered twice at once: the first one recorded it
        return PaymentWebhook.objects.get(event_id=event.event_id)


def _pledge_of(event: WebhookEvent) -> int | None:
    if event.payment is not None:
        payment = event.payment
        found = (Pledge.objects.filter(payment_key=payment.payment_key).values_list("pk", flat=True).first()
                 if payment.payment_key else None)
        return found or Pledge.objects.filter(order_id=payment.order_id).values_list("pk", flat=True).first()
    if event.billing_key:
        return Pledge.objects.filter(billing_key=event.billing_key).values_list("pk", flat=True).first()
    return None


def _apply_event(locked: _Locked, event: WebhookEvent, on_date: date) -> str:
    Outcome = PaymentWebhook.Outcome
    pledge = locked.pledge
    ended = (PState.CANCELLED, PState.RELEASED, PState.REFUNDED)
    if event.payment is None:  # BILLING_KEY_DELETED
        return Outcome.ALREADY if pledge.state in ended or pledge.state == PState.CHARGED else Outcome.STALE
    status = event.payment.status
    before = snapshot(pledge, PLEDGE_AUDITED)
    if status == PaymentStatus.DONE:
        if pledge.state == PState.CHARGED:
            return Outcome.ALREADY
        if pledge.state in ended:
            return Outcome.STALE
        if locked.campaign.state != CState.SUCCEEDED:
            return Outcome.STALE
        _apply_charge(locked, event.payment.payment_key, on_date, pledge.charge_attempts + 1)
    elif status == PaymentStatus.CANCELED:
        if pledge.state in (PState.REFUNDED, PState.CANCELLED, PState.RELEASED):
            return Outcome.ALREADY
        if pledge.state != PState.CHARGED:
            return Outcome.STALE
        _release_counters(locked, charged=True, on_date=on_date, reason="결제사 취소 (cancelled at the provider)")
        pledge.state, pledge.cancelled_on, pledge.cancel_reason = PState.REFUNDED, on_date, "cancelled at provider"
        pledge.save(update_fields=["state", "cancelled_on", "cancel_reason", "updated_at"])
        _post_refund(locked.campaign, pledge, on_date, None)
        last = event.payment.cancellations[-1] if event.payment.cancellations else None
        PledgePayment.objects.create(pledge=pledge, kind=Kind.VOID if last and last.kind == "VOID" else Kind.REFUND,
                                     amount=pledge.amount, provider_key=last.transaction_key if last else "",
                                     on_date=on_date)
    else:  # PARTIAL_CANCELED, ABORTED, EXPIRED, IN_PROGRESS: nothing we do follows from them
        return Outcome.ALREADY if pledge.state in ended or status == PaymentStatus.IN_PROGRESS else Outcome.STALE
    audit_record(actor=None, action=PLEDGE_WEBHOOK, obj=pledge, before=before,
                 after={**snapshot(pledge, PLEDGE_AUDITED), "event": event.event_id, "status": str(status)})
    return Outcome.APPLIED
