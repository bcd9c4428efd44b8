"""Matching pools (매칭 펀드): money partner institutions put into a contest to add to its campaigns by a rule, the
matches drawn from them, and what is given back to the funders at the end; and each campaign's settlement (정산).

A pool's money is in the contest's book: each funder's share of it on its own no-overdraft account (``PoolFunder
.account``), so a pool is never overdrawn however many pledges race for its last won, and a match drawn from several
funders says how much came from each.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.fields import won_field
from enterprises.models import Institution
from ledger.models import Account, Journal

from .campaigns import Campaign, Pledge
from .contests import Contest


class PoolRule(models.TextChoices):
    MATCH = "match", _("Pledge matching (후원 매칭)")
    TOP_UP = "top_up", _("Top-up to the target (목표 채움)")
    QUADRATIC = "quadratic", _("Quadratic funding (이차 매칭)")


class MatchingPool(models.Model):
    """A pool and its rule.

    - ``match`` (as Goteo): each pledge is matched by ``min(pledge, cap_per_pledge) x factor``, within the caps per
      campaign (an amount or a percent of its target) and per backer, and what the pool holds; only once a campaign
      has reached ``trigger_percent`` of its target and ``trigger_backers`` backers (as Crowdfunder UK).
    - ``top_up`` (as Busan): a campaign that reached ``top_up_threshold_percent`` of its target by its deadline gets
      the rest of its target.
    - ``quadratic`` (Gitcoin's linear QF): at the deadline the pool is shared by the campaigns' quadratic weights,
      at most ``qf_cap_per_campaign`` each, the excess shared again.

    ``campaigns`` empty: every campaign of the contest. Amounts are rounded down to ``unit`` won.
    """

    class State(models.TextChoices):
        OPEN = "open", _("Open (운영 중)")
        SETTLED = "settled", _("Settled (정산 완료)")

    objects: models.Manager[MatchingPool] = models.Manager()

    contest = models.ForeignKey(Contest, on_delete=models.PROTECT, related_name="matching_pools")
    name = models.CharField(_("name"), max_length=200)
    rule = models.CharField(_("rule"), max_length=20, choices=PoolRule.choices)
    campaigns = models.ManyToManyField(Campaign, verbose_name=_("campaigns"), blank=True, related_name="pools",
                                       help_text=_("Empty: every campaign of the contest."))
    factor = models.DecimalField(_("match factor (매칭 배수)"), max_digits=7, decimal_places=4, default=1)
    cap_per_pledge = won_field(_("cap per pledge"), null=True, blank=True)
    cap_per_campaign = won_field(_("cap per campaign"), null=True, blank=True)
    # xgettext:no-python-format (a percent sign, not a placeholder)
    cap_per_campaign_percent = models.DecimalField(_("cap per campaign, % of its target"), max_digits=5,
                                                   decimal_places=2, null=True, blank=True)
    cap_per_backer = won_field(_("cap per backer"), null=True, blank=True)
    # xgettext:no-python-format (a percent sign, not a placeholder)
    trigger_percent = models.DecimalField(_("matching starts at % of the target"), max_digits=5, decimal_places=2,
                                          default=0)
    trigger_backers = models.PositiveIntegerField(_("matching starts at backers"), default=0)
    # xgettext:no-python-format (a percent sign, not a placeholder)
    top_up_threshold_percent = models.DecimalField(_("top-up threshold, % of the target"), max_digits=5,
                                                   decimal_places=2, null=True, blank=True)
    qf_cap_per_campaign = won_field(_("quadratic cap per campaign"), null=True, blank=True)
    unit = models.PositiveSmallIntegerField(_("rounding unit (won)"), default=1)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.OPEN)
    settled_on = models.DateField(_("settled on"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("matching pool")
        verbose_name_plural = _("matching pools")
        constraints = [
            models.CheckConstraint(condition=Q(rule__in=PoolRule.values), name="pool_rule_known"),
            models.CheckConstraint(condition=Q(state__in=["open", "settled"]), name="pool_state_known"),
            models.CheckConstraint(condition=Q(factor__gt=0), name="pool_factor_positive"),
            models.CheckConstraint(condition=Q(unit__in=[1, 10]), name="pool_unit_one_or_ten"),
            models.CheckConstraint(condition=Q(trigger_percent__gte=0) & Q(trigger_percent__lte=100),
                                   name="pool_trigger_percent_in_range"),
            models.CheckConstraint(condition=Q(cap_per_campaign_percent__isnull=True)
                                   | (Q(cap_per_campaign_percent__gt=0) & Q(cap_per_campaign_percent__lte=1000)),
                                   name="pool_cap_percent_in_range"),
            models.CheckConstraint(condition=~Q(rule="top_up") | (Q(top_up_threshold_percent__gt=0)
                                                                  & Q(top_up_threshold_percent__lte=100)),
                                   name="pool_top_up_names_threshold"),
            models.CheckConstraint(condition=(Q(cap_per_pledge__isnull=True) | Q(cap_per_pledge__gt=0))
                                   & (Q(cap_per_campaign__isnull=True) | Q(cap_per_campaign__gt=0))
                                   & (Q(cap_per_backer__isnull=True) | Q(cap_per_backer__gt=0))
                                   & (Q(qf_cap_per_campaign__isnull=True) | Q(qf_cap_per_campaign__gt=0)),
                                   name="pool_caps_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class PoolFunder(models.Model):
    """An institution funding a pool (one of several), in the pool's funder order (``position``): its money in the
    pool is the balance of its own no-overdraft ``account`` in the contest's book."""

    objects: models.Manager[PoolFunder] = models.Manager()

    pool = models.ForeignKey(MatchingPool, on_delete=models.CASCADE, related_name="funders")
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="+")
    committed = won_field(_("committed (약정액)"), default=0)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    account = models.OneToOneField(Account, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("pool funder")
        verbose_name_plural = _("pool funders")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["pool", "institution"], name="pool_funder_unique"),
            models.CheckConstraint(condition=Q(committed__gte=0), name="pool_funder_committed_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.pool} · {self.institution}"


class PoolFunding(models.Model):
    """Money a funder paid into a pool (매칭 재원 입금)."""

    objects: models.Manager[PoolFunding] = models.Manager()

    funder = models.ForeignKey(PoolFunder, on_delete=models.PROTECT, related_name="fundings")
    amount = won_field(_("amount"))
    received_on = models.DateField(_("received on"))
    journal = models.OneToOneField(Journal, on_delete=models.PROTECT, related_name="+")
    memo = models.CharField(_("memo"), max_length=300, blank=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=200)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("pool funding")
        verbose_name_plural = _("pool fundings")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="pool_funding_positive"),
            models.UniqueConstraint(fields=["funder", "idempotency_key"], name="pool_funding_unique_key"),
        ]

    def __str__(self) -> str:
        return f"{self.funder} {self.amount}"


class Match(models.Model):
    """Money drawn from one funder of a pool for a campaign: for a pledge (``kind`` pledge: it follows its pledge,
    returned if the pledge stops being live), or at the deadline (top-up, quadratic). ``held`` until the campaign
    settles (``paid``) or it goes back to its funder (``returned``)."""

    class Kind(models.TextChoices):
        PLEDGE = "pledge", _("Pledge match")
        TOP_UP = "top_up", _("Top-up")
        QUADRATIC = "quadratic", _("Quadratic match")

    class State(models.TextChoices):
        HELD = "held", _("Held")
        PAID = "paid", _("Paid to the campaign")
        RETURNED = "returned", _("Returned to the pool")

    objects: models.Manager[Match] = models.Manager()

    pool = models.ForeignKey(MatchingPool, on_delete=models.PROTECT, related_name="matches")
    funder = models.ForeignKey(PoolFunder, on_delete=models.PROTECT, related_name="matches")
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="matches")
    pledge = models.ForeignKey(Pledge, on_delete=models.PROTECT, null=True, blank=True, related_name="matches")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    amount = won_field(_("amount"))
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.HELD)
    on_date = models.DateField(_("on"))
    journal = models.ForeignKey(Journal, on_delete=models.PROTECT, related_name="+")
    returned_journal = models.ForeignKey(Journal, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("match")
        verbose_name_plural = _("matches")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="match_positive"),
            models.CheckConstraint(condition=Q(kind="pledge", pledge__isnull=False)
                                   | (~Q(kind="pledge") & Q(pledge__isnull=True)), name="match_pledge_iff_kind"),
            models.CheckConstraint(condition=~Q(state="returned") | Q(returned_journal__isnull=False),
                                   name="match_returned_has_journal"),
        ]
        indexes = [models.Index(fields=["campaign", "state"])]

    def __str__(self) -> str:
        return f"{self.pool} -> {self.campaign} {self.amount}"


class PoolReturn(models.Model):
    """Unspent pool money given back to a funder when its pool settles (in proportion to what each put in)."""

    objects: models.Manager[PoolReturn] = models.Manager()

    funder = models.ForeignKey(PoolFunder, on_delete=models.PROTECT, related_name="returns")
    amount = won_field(_("amount"))
    on_date = models.DateField(_("on"))
    journal = models.OneToOneField(Journal, on_delete=models.PROTECT, related_name="+")
    # The bank sent it to the funder (반환금 지급): the day, and the journal that paid funder:<inst>:payable out.
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    paid_journal = models.OneToOneField(Journal, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("pool return")
        verbose_name_plural = _("pool returns")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="pool_return_positive"),
            models.CheckConstraint(condition=Q(paid_on__isnull=True, paid_journal__isnull=True)
                                   | Q(paid_on__isnull=False, paid_journal__isnull=False),
                                   name="pool_return_paid_iff_journal"),
            models.CheckConstraint(condition=Q(paid_on__isnull=True) | Q(paid_on__gte=F("on_date")),
                                   name="pool_return_paid_after_return"),
        ]

    def __str__(self) -> str:
        return f"{self.funder} {self.amount}"


class CampaignSettlement(models.Model):
    """A campaign's settlement (캠페인 정산) at its end: what was pledged, charged, declined and refunded, the fees,
    the matching and the top-up, and the net payout to the enterprise (paid by a bank file)."""

    objects: models.Manager[CampaignSettlement] = models.Manager()

    campaign = models.OneToOneField(Campaign, on_delete=models.PROTECT, related_name="settlement")
    succeeded = models.BooleanField(_("succeeded"))
    pledged = won_field(_("pledged"), default=0)
    charged = won_field(_("charged"), default=0)
    failed = won_field(_("failed charges"), default=0)
    refunded = won_field(_("refunded"), default=0)
    platform_fee = won_field(_("platform fee"), default=0)
    payment_fee = won_field(_("payment fee"), default=0)
    matched = won_field(_("matched"), default=0)
    top_up = won_field(_("top-up"), default=0)
    quadratic = won_field(_("quadratic match"), default=0)
    net_payout = won_field(_("net payout (지급액)"), default=0)
    settled_on = models.DateField(_("settled on"))
    journal = models.ForeignKey(Journal, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    paid_out_on = models.DateField(_("paid out on"), null=True, blank=True)
    payout_journal = models.ForeignKey(Journal, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("campaign settlement")
        verbose_name_plural = _("campaign settlements")
        constraints = [
            models.CheckConstraint(condition=Q(pledged__gte=0) & Q(charged__gte=0) & Q(failed__gte=0)
                                   & Q(refunded__gte=0) & Q(platform_fee__gte=0) & Q(payment_fee__gte=0)
                                   & Q(matched__gte=0) & Q(top_up__gte=0) & Q(quadratic__gte=0)
                                   & Q(net_payout__gte=0), name="campaign_settlement_not_negative"),
            models.CheckConstraint(condition=Q(paid_out_on__isnull=True) | Q(payout_journal__isnull=False),
                                   name="campaign_settlement_paid_has_journal"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign} {self.net_payout}"
