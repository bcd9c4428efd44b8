"""Outcome payments (성과보상금 지급) from the city's budget, prepared by one manager and approved by another, and
distributions (배분) of the contract's cash to its investors, each with a line per investor."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.fields import won_field
from ledger.models import Journal

from .contracts import Contract, Investment
from .outcomes import EvaluationPoint


class OutcomePayment(models.Model):
    """The outcome payment due at an evaluation point, as ``core.engines.bonds.payment_due`` worked it out from the
    confirmed results (``breakdown``: each metric's achievement and payment), prepared by a manager and approved
    (and posted from the city's budget) by another."""

    objects: models.Manager[OutcomePayment] = models.Manager()

    class State(models.TextChoices):
        PREPARED = "prepared", _("Prepared (지급 준비)")
        PAID = "paid", _("Approved and paid (지급 완료)")

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="payments")
    point = models.ForeignKey(EvaluationPoint, on_delete=models.PROTECT, related_name="payments")
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PREPARED)
    final = models.BooleanField(_("final"))
    earned = won_field(_("earned under the terms"))
    payable = won_field(_("payable at this point"))
    already_paid = won_field(_("already paid"))
    cap_left = won_field(_("budget cap left"))
    amount = won_field(_("amount due (지급액)"))
    capped = models.BooleanField(_("held down by the budget cap"), default=False)
    overpaid = won_field(_("interim payments beyond what the final result earned"), default=0)
    breakdown = models.JSONField(_("by metric"), default=list)
    paid_on = models.DateField(_("payment date"))
    prepared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    prepared_at = models.DateTimeField()
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    payment_key = models.CharField(_("idempotency key of the approval"), max_length=200, blank=True)
    journal = models.OneToOneField(Journal, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("outcome payment")
        verbose_name_plural = _("outcome payments")
        ordering = ["contract", "paid_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["point"], name="bond_payment_one_per_point"),
            models.UniqueConstraint(fields=["contract"], condition=Q(state="prepared"),
                                    name="bond_payment_one_prepared_per_contract"),
            models.CheckConstraint(condition=Q(state__in=["prepared", "paid"]), name="bond_payment_state"),
            models.CheckConstraint(
                condition=Q(earned__gte=0) & Q(payable__gte=0) & Q(already_paid__gte=0) & Q(cap_left__gte=0)
                & Q(amount__gte=0) & Q(overpaid__gte=0), name="bond_payment_amounts_not_negative"),
            models.CheckConstraint(condition=Q(amount__lte=F("cap_left")), name="bond_payment_within_cap"),
            # Four eyes: whoever prepared the payment cannot approve it.
            models.CheckConstraint(condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("prepared_by")),
                                   name="bond_payment_four_eyes"),
            models.CheckConstraint(
                condition=~Q(state="paid") | (Q(approved_by__isnull=False) & (Q(journal__isnull=False) | Q(amount=0))),
                name="bond_payment_paid_has_journal"),
        ]

    def __str__(self) -> str:
        return f"{self.contract} {self.point.name}: {self.amount}"


class Distribution(models.Model):
    """A distribution (배분) of the contract's cash to its investors, pro rata to paid-in capital or by class
    (``steps``: what each step of ``core.engines.bonds.CLASS_ORDER`` took)."""

    objects: models.Manager[Distribution] = models.Manager()

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="distributions")
    number = models.PositiveSmallIntegerField(_("number"))
    amount = won_field(_("amount"))
    paid_on = models.DateField(_("paid on"))
    mode = models.CharField(_("distribution"), max_length=10)
    steps = models.JSONField(_("steps"), default=list)
    journal = models.OneToOneField(Journal, on_delete=models.PROTECT, related_name="+")
    idempotency_key = models.CharField(_("idempotency key"), max_length=200)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("distribution")
        verbose_name_plural = _("distributions")
        ordering = ["contract", "number"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "number"], name="bond_distribution_number_unique"),
            models.UniqueConstraint(fields=["contract", "idempotency_key"], name="bond_distribution_key_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="bond_distribution_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.contract} distribution {self.number}"


class DistributionLine(models.Model):
    """One investor's share of a distribution, by step (principal, senior return, the rest)."""

    objects: models.Manager[DistributionLine] = models.Manager()

    distribution = models.ForeignKey(Distribution, on_delete=models.PROTECT, related_name="lines")
    investment = models.ForeignKey(Investment, on_delete=models.PROTECT, related_name="distribution_lines")
    amount = won_field(_("amount"))
    principal = won_field(_("principal returned"), default=0)
    senior_return = won_field(_("senior return"), default=0)
    rest = won_field(_("rest"), default=0)

    class Meta:
        verbose_name = _("distribution line")
        verbose_name_plural = _("distribution lines")
        ordering = ["distribution", "investment__position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["distribution", "investment"], name="bond_distribution_line_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="bond_distribution_line_positive"),
            models.CheckConstraint(
                condition=Q(principal__gte=0) & Q(senior_return__gte=0) & Q(rest__gte=0)
                & Q(amount=F("principal") + F("senior_return") + F("rest")), name="bond_distribution_line_adds_up"),
        ]

    def __str__(self) -> str:
        return f"{self.distribution} / {self.investment.investor}"
