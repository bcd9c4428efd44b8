"""Awards (시상): the contest's award table by final rank, awards decided (four eyes) and reserved out of the joint
fund, paid in tranches, and settled (보조금 정산): how each tranche was spent, and what was not spent returned."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.fields import won_field

from .contests import Contest
from .entries import Entry


class AwardTier(models.Model):
    """A line of the award table (시상 기준): the final ranks from ``rank_from`` to ``rank_to`` get an amount, or an
    amount the panel decides between ``amount_min`` and ``amount_max`` (equal: a fixed amount)."""

    objects: models.Manager[AwardTier] = models.Manager()

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="award_tiers")
    name = models.CharField(_("name"), max_length=100)
    rank_from = models.PositiveIntegerField(_("from rank"))
    rank_to = models.PositiveIntegerField(_("to rank"))
    amount_min = won_field(_("smallest amount"))
    amount_max = won_field(_("largest amount"))

    class Meta:
        verbose_name = _("award tier")
        verbose_name_plural = _("award tiers")
        ordering = ["rank_from"]
        constraints = [
            models.CheckConstraint(condition=Q(rank_from__gte=1) & Q(rank_to__gte=F("rank_from")),
                                   name="award_tier_ranks_in_order"),
            models.CheckConstraint(condition=Q(amount_min__gt=0) & Q(amount_max__gte=F("amount_min")),
                                   name="award_tier_amounts_in_order"),
        ]

    def __str__(self) -> str:
        return self.name


class Award(models.Model):
    """An award to a finalist: prepared by one manager (amount within its tier, the tranche plan), approved by
    another, which reserves the amount out of the joint fund's cash (never more than it holds)."""

    class State(models.TextChoices):
        PREPARED = "prepared", _("Prepared (결정 대기)")
        APPROVED = "approved", _("Approved (지급 중)")
        SETTLED = "settled", _("Settled (정산 완료)")
        CANCELLED = "cancelled", _("Cancelled")

    objects: models.Manager[Award] = models.Manager()

    contest = models.ForeignKey(Contest, on_delete=models.PROTECT, related_name="awards")
    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="awards")
    tier = models.ForeignKey(AwardTier, on_delete=models.PROTECT, related_name="awards")
    rank = models.PositiveIntegerField(_("final rank"))
    amount = won_field(_("amount"))
    paid = won_field(_("paid so far"), default=0)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PREPARED)
    prepared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    prepared_at = models.DateTimeField(auto_now_add=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    reserve_journal = models.OneToOneField("ledger.Journal", on_delete=models.PROTECT, null=True, blank=True,
                                           related_name="+")

    class Meta:
        verbose_name = _("award")
        verbose_name_plural = _("awards")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="award_amount_positive"),
            models.CheckConstraint(condition=Q(paid__gte=0) & Q(paid__lte=F("amount")), name="award_paid_within"),
            models.CheckConstraint(condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("prepared_by")),
                                   name="award_four_eyes"),
            models.UniqueConstraint(fields=["entry"], condition=~Q(state="cancelled"), name="award_one_per_entry"),
        ]

    def __str__(self) -> str:
        return f"{self.entry} {self.amount}"


class AwardTranche(models.Model):
    """A tranche of an award (분할 지급): planned with the award, paid by a manager, reported on by the enterprise,
    settled by a manager (what was spent is accepted; what was not must come back), closed when it has."""

    class State(models.TextChoices):
        PLANNED = "planned", _("Planned (지급 예정)")
        PAID = "paid", _("Paid (지급)")
        REPORTED = "reported", _("Spending reported (정산 보고)")
        SETTLED = "settled", _("Settled, unspent money due back (반환 대기)")
        CLOSED = "closed", _("Closed (정산 완료)")

    objects: models.Manager[AwardTranche] = models.Manager()

    award = models.ForeignKey(Award, on_delete=models.CASCADE, related_name="tranches")
    number = models.PositiveSmallIntegerField(_("number"))
    amount = won_field(_("amount"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PLANNED)
    paid_on = models.DateField(pgettext_lazy("award tranche", "paid on"), null=True, blank=True)
    paid_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+")
    pay_journal = models.OneToOneField("ledger.Journal", on_delete=models.PROTECT, null=True, blank=True,
                                       related_name="+")
    reported_at = models.DateTimeField(null=True, blank=True)
    spent = won_field(_("spent, as accepted"), default=0)
    unspent = won_field(_("unspent, due back (반환금)"), default=0)
    settled_on = models.DateField(pgettext_lazy("award tranche", "settled on"), null=True, blank=True)
    settled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    returned_on = models.DateField(_("returned on"), null=True, blank=True)
    return_journal = models.OneToOneField("ledger.Journal", on_delete=models.PROTECT, null=True, blank=True,
                                          related_name="+")

    class Meta:
        verbose_name = _("award tranche")
        verbose_name_plural = _("award tranches")
        ordering = ["award_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["award", "number"], name="award_tranche_number_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="award_tranche_amount_positive"),
            models.CheckConstraint(condition=Q(spent__gte=0) & Q(unspent__gte=0)
                                   & Q(spent__lte=F("amount")) & Q(unspent__lte=F("amount")),
                                   name="award_tranche_settlement_within"),
            models.CheckConstraint(condition=~Q(state__in=["settled", "closed"])
                                   | Q(spent=F("amount") - F("unspent")),
                                   name="award_tranche_settlement_adds_up"),
        ]

    def __str__(self) -> str:
        return f"{self.award} #{self.number}"


class SpendingItem(models.Model):
    """A line of an enterprise's report on how it spent a tranche (집행 내역): amount, category, evidence."""

    class Category(models.TextChoices):
        PERSONNEL = "personnel", _("Personnel (인건비)")
        MATERIALS = "materials", _("Materials and goods (재료비)")
        EQUIPMENT = "equipment", _("Equipment (장비비)")
        MARKETING = "marketing", _("Marketing (홍보비)")
        SERVICES = "services", _("Outside services (용역비)")
        RENT = "rent", _("Rent (임차료)")
        OTHER = "other", _("Other (기타)")

    objects: models.Manager[SpendingItem] = models.Manager()

    tranche = models.ForeignKey(AwardTranche, on_delete=models.CASCADE, related_name="spending")
    amount = won_field(_("amount"))
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    description = models.CharField(_("description"), max_length=300)
    spent_on = models.DateField(_("spent on"))
    evidence = models.FileField(_("evidence (증빙)"), upload_to="contests/evidence/%Y/%m/")
    evidence_sha256 = models.CharField(max_length=64)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("spending item")
        verbose_name_plural = _("spending items")
        ordering = ["spent_on", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="spending_item_amount_positive")]

    def __str__(self) -> str:
        return f"{self.tranche}: {self.description}"
