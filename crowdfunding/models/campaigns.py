"""Campaigns (펀딩 캠페인): an advanced entry's crowdfunding during the contest's funding phase, its reward tiers, its
citizens' pledges, what the payment provider did with them, and the provider's webhooks.

The counters a pledge moves (a campaign's pledged, matched and backers; a reward's claimed stock; a backer's totals
in a campaign) live on rows locked by the pledge's transaction and are checked by constraints there, so no race can
oversell a reward or take a campaign below zero.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.fields import won_field
from enterprises.models import Enterprise

from .contests import Contest
from .entries import Entry


class CampaignMode(models.TextChoices):
    """How pledges are paid, fixed at launch."""

    AON = "aon", _("All or nothing (목표 달성 시 결제)")
    KIA = "kia", _("Keep it all (즉시 결제)")


CAMPAIGN_STATES = ["draft", "live", "succeeded", "failed", "settled"]


class Campaign(models.Model):
    """The crowdfunding campaign of an entry that passed screening. Edited by its enterprise until launch; live from
    ``starts_on`` to the end of ``ends_on`` (within the contest's funding phase); at its deadline an all-or-nothing
    campaign succeeds (its reserved pledges are charged from the next day) or fails (nothing is charged); a
    keep-it-all one has charged each pledge at once. Settling it computes the payout to the enterprise."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft (준비 중)")
        LIVE = "live", _("Live (진행 중)")
        SUCCEEDED = "succeeded", _("Succeeded, charging (성공: 결제 진행)")
        FAILED = "failed", _("Failed (목표 미달)")
        SETTLED = "settled", _("Settled (정산 완료)")

    objects: models.Manager[Campaign] = models.Manager()

    entry = models.OneToOneField(Entry, on_delete=models.PROTECT, related_name="campaign")
    contest = models.ForeignKey(Contest, on_delete=models.PROTECT, related_name="campaigns")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="campaigns")
    title = models.CharField(_("title"), max_length=200)
    story = models.TextField(_("story (소개)"), max_length=20000, blank=True)
    mode = models.CharField(_("payment mode"), max_length=3, choices=CampaignMode.choices, default=CampaignMode.AON)
    target = won_field(_("target (목표 금액)"))
    min_pledge = won_field(_("smallest pledge (최소 후원금)"), default=1000)
    max_per_backer = won_field(_("most one backer may pledge (1인 한도)"), null=True, blank=True,
                               help_text=_("Empty: no limit."))
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.DRAFT)
    # Live counters (moved under this row's lock by every pledge, cancel, decline and refund)
    pledged = won_field(_("pledged (live pledges)"), default=0)
    charged = won_field(_("charged"), default=0)
    matched = won_field(_("matched (매칭액)"), default=0)
    backers = models.PositiveIntegerField(_("backers"), default=0)
    launched_at = models.DateTimeField(_("launched at"), null=True, blank=True)
    launched_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    closed_on = models.DateField(_("deadline passed on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        constraints = [
            models.CheckConstraint(condition=Q(state__in=CAMPAIGN_STATES), name="campaign_state_known"),
            models.CheckConstraint(condition=Q(mode__in=["aon", "kia"]), name="campaign_mode_known"),
            models.CheckConstraint(condition=Q(target__gt=0), name="campaign_target_positive"),
            models.CheckConstraint(condition=Q(min_pledge__gt=0), name="campaign_min_pledge_positive"),
            models.CheckConstraint(condition=Q(max_per_backer__isnull=True) | Q(max_per_backer__gte=F("min_pledge")),
                                   name="campaign_max_per_backer_above_min"),
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="campaign_dates_in_order"),
            models.CheckConstraint(condition=Q(pledged__gte=0) & Q(charged__gte=0) & Q(matched__gte=0),
                                   name="campaign_counters_not_negative"),
            models.CheckConstraint(condition=Q(state="draft") | Q(launched_at__isnull=False),
                                   name="campaign_launched_has_time"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_state_display(self) -> str:  # type: ignore[no-redef]  # django-stubs declares the generated one
        """The state as people read it. A keep-it-all campaign has no success or failure (each pledge was charged at
        once): once its deadline passed it reads closed (마감), though it is stored as ``succeeded`` like an
        all-or-nothing campaign that reached its target (what the settlement and the charges key on)."""
        if self.state == self.State.SUCCEEDED and self.mode == CampaignMode.KIA:
            return str(KIA_CLOSED)
        return str(self.State(self.state).label) if self.state in self.State.values else str(self.state)


# What a closed keep-it-all campaign's state reads (``Campaign.get_state_display``).
KIA_CLOSED = _("Closed (마감)")


class RewardTier(models.Model):
    """A reward (리워드) a pledge of at least ``price`` may claim; ``stock`` None is unlimited. ``claimed`` counts
    the live pledges holding one, moved under this row's lock; a constraint keeps it within the stock."""

    objects: models.Manager[RewardTier] = models.Manager()

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="rewards")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=4000, blank=True)
    price = won_field(_("price (최소 후원금)"))
    stock = models.PositiveIntegerField(_("stock (수량)"), null=True, blank=True, help_text=_("Empty: unlimited."))
    claimed = models.PositiveIntegerField(_("claimed"), default=0)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("reward tier")
        verbose_name_plural = _("reward tiers")
        ordering = ["position", "price", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gt=0), name="reward_price_positive"),
            models.CheckConstraint(condition=Q(stock__isnull=True) | Q(claimed__lte=F("stock")),
                                   name="reward_never_oversold"),
        ]

    def __str__(self) -> str:
        return self.title


class BackerTotal(models.Model):
    """One backer's live totals in one campaign: what the per-backer caps, the unique backer count and quadratic
    funding read. Moved under the campaign's lock with each of the backer's pledges."""

    objects: models.Manager[BackerTotal] = models.Manager()

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="backer_totals")
    backer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="campaign_totals")
    pledged = won_field(_("pledged"), default=0)
    matched = won_field(_("matched"), default=0)
    live_pledges = models.PositiveIntegerField(_("live pledges"), default=0)

    class Meta:
        verbose_name = _("backer total")
        verbose_name_plural = _("backer totals")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "backer"], name="backer_total_unique"),
            models.CheckConstraint(condition=Q(pledged__gte=0) & Q(matched__gte=0), name="backer_total_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.backer} @ {self.campaign}"


PLEDGE_STATES = ["reserved", "charged", "retrying", "cancelled", "released", "refunded"]
LIVE_PLEDGE_STATES = ("reserved", "charged", "retrying")


class Pledge(models.Model):
    """A citizen's pledge (후원) to a campaign.

    All or nothing: ``reserved`` (a billing key held, nothing charged) until the deadline; then ``charged`` from the
    next day, or ``retrying`` after a declined charge (retried daily for 3 days, then ``cancelled``); ``released``
    when the campaign fails. Keep it all: ``charged`` at once. Before the deadline the backer may cancel: a reserved
    pledge is ``cancelled`` (its billing key removed), a charged one ``refunded``. A pledge's match follows it: one
    that stops being live returns its match to the pool.
    """

    class State(models.TextChoices):
        RESERVED = "reserved", _("Reserved (결제 예약)")
        CHARGED = "charged", _("Charged (결제 완료)")
        RETRYING = "retrying", _("Charge declined, retrying (결제 재시도)")
        CANCELLED = "cancelled", _("Cancelled (취소)")
        RELEASED = "released", _("Released, campaign failed (예약 해제)")
        REFUNDED = "refunded", _("Refunded (환불)")

    class Method(models.TextChoices):
        CARD = "card", _("Card (카드)")

    objects: models.Manager[Pledge] = models.Manager()

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="pledges")
    backer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="pledges")
    amount = won_field(_("amount"))
    reward = models.ForeignKey(RewardTier, verbose_name=_("reward"), on_delete=models.PROTECT, null=True, blank=True,
                               related_name="pledges")
    state = models.CharField(_("state"), max_length=20, choices=State.choices)
    method = models.CharField(_("payment method"), max_length=10, choices=Method.choices, default=Method.CARD)
    order_id = models.CharField(_("order id (주문번호)"), max_length=64, unique=True)
    customer_key = models.CharField(_("customer key"), max_length=64, blank=True)
    billing_key = models.CharField(_("billing key"), max_length=200, blank=True)
    payment_key = models.CharField(_("payment key"), max_length=200, blank=True)
    card_masked = models.CharField(_("card"), max_length=40, blank=True)
    matched = won_field(_("matched"), default=0)
    charge_attempts = models.PositiveSmallIntegerField(_("charge attempts"), default=0)
    next_charge_on = models.DateField(_("next charge on"), null=True, blank=True)
    failure_code = models.CharField(_("last failure code"), max_length=60, blank=True)
    failure_message = models.CharField(_("last failure message"), max_length=300, blank=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=200)
    charged_on = models.DateField(_("charged on"), null=True, blank=True)
    cancelled_on = models.DateField(_("cancelled or refunded on"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("pledge")
        verbose_name_plural = _("pledges")
        constraints = [
            models.CheckConstraint(condition=Q(state__in=PLEDGE_STATES), name="pledge_state_known"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="pledge_amount_positive"),
            models.CheckConstraint(condition=Q(matched__gte=0), name="pledge_matched_not_negative"),
            models.CheckConstraint(condition=~Q(state="charged") | Q(charged_on__isnull=False),
                                   name="pledge_charged_has_date"),
            models.UniqueConstraint(fields=["backer", "idempotency_key"], name="pledge_unique_key_per_backer"),
        ]
        indexes = [models.Index(fields=["campaign", "state"]), models.Index(fields=["state", "next_charge_on"])]

    def __str__(self) -> str:
        return f"{self.order_id} {self.amount}"

    @property
    def is_live(self) -> bool:
        return self.state in LIVE_PLEDGE_STATES


class PledgePayment(models.Model):
    """What the payment provider did for a pledge, one row per call or webhook that changed something: the trail a
    settlement's figures (charged, failed, refunded) and a backer's receipt are read from."""

    class Kind(models.TextChoices):
        BILLING_KEY = "billing_key", _("Billing key issued (빌링키 발급)")
        CHARGE = "charge", _("Charged (결제)")
        DECLINE = "decline", _("Charge declined (결제 거절)")
        VOID = "void", _("Voided (승인 취소)")
        REFUND = "refund", _("Refunded (환불)")
        BILLING_KEY_DELETED = "billing_key_deleted", _("Billing key removed (빌링키 삭제)")

    objects: models.Manager[PledgePayment] = models.Manager()

    pledge = models.ForeignKey(Pledge, on_delete=models.PROTECT, related_name="payments")
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    amount = won_field(_("amount"), default=0)
    provider_key = models.CharField(_("provider key"), max_length=200, blank=True)
    code = models.CharField(_("code"), max_length=60, blank=True)
    message = models.CharField(_("message"), max_length=300, blank=True)
    on_date = models.DateField(_("on"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("pledge payment")
        verbose_name_plural = _("pledge payments")
        ordering = ["created_at", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gte=0), name="pledge_payment_not_negative")]

    def __str__(self) -> str:
        return f"{self.pledge} {self.kind} {self.amount}"


class PaymentWebhook(models.Model):
    """A webhook the payment provider sent, kept once per event id (a replay is recognised and changes nothing),
    with what it did: applied, or ignored because the pledge had already moved past it."""

    class Outcome(models.TextChoices):
        APPLIED = "applied", _("Applied")
        ALREADY = "already", _("Already so")
        STALE = "stale", _("Ignored: the pledge has moved on")
        UNKNOWN = "unknown", _("Ignored: no such payment")

    objects: models.Manager[PaymentWebhook] = models.Manager()

    event_id = models.CharField(_("event id"), max_length=100, unique=True)
    event_type = models.CharField(_("event type"), max_length=60)
    payload = models.JSONField(_("payload"))
    pledge = models.ForeignKey(Pledge, on_delete=models.PROTECT, null=True, blank=True, related_name="webhooks")
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("payment webhook")
        verbose_name_plural = _("payment webhooks")

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id}"


__all__ = [
    "CAMPAIGN_STATES",
    "LIVE_PLEDGE_STATES",
    "PLEDGE_STATES",
    "BackerTotal",
    "Campaign",
    "CampaignMode",
    "PaymentWebhook",
    "Pledge",
    "PledgePayment",
    "RewardTier",
]
