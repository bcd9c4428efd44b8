"""Capital: calls to investors (출자 요청) with a line per investor, recorded when each pays, and disbursements of
the capital to the service provider in tranches (사업비 지급)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.fields import won_field
from ledger.models import Journal

from .contracts import Contract, Investment


class CapitalCall(models.Model):
    """A call for capital (출자 요청), shared among the investors in proportion to what each has still to pay in."""

    objects: models.Manager[CapitalCall] = models.Manager()

    class State(models.TextChoices):
        OPEN = "open", _("Open (납입 대기)")
        PAID = "paid", _("Paid (납입 완료)")

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="capital_calls")
    number = models.PositiveSmallIntegerField(_("number"))
    amount = won_field(_("amount"))
    call_on = models.DateField(_("called on"))
    due_on = models.DateField(_("due on"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    idempotency_key = models.CharField(_("idempotency key"), max_length=200)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("capital call")
        verbose_name_plural = _("capital calls")
        ordering = ["contract", "number"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "number"], name="bond_call_number_unique"),
            models.UniqueConstraint(fields=["contract", "idempotency_key"], name="bond_call_key_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="bond_call_amount_positive"),
            models.CheckConstraint(condition=Q(state__in=["open", "paid"]), name="bond_call_state"),
            models.CheckConstraint(condition=Q(due_on__gte=models.F("call_on")), name="bond_call_due_after_call"),
        ]

    def __str__(self) -> str:
        return f"{self.contract} call {self.number}"


class CapitalCallLine(models.Model):
    """One investor's share of a call, and its payment (the journal that took it into the contract's cash)."""

    objects: models.Manager[CapitalCallLine] = models.Manager()

    call = models.ForeignKey(CapitalCall, on_delete=models.PROTECT, related_name="lines")
    investment = models.ForeignKey(Investment, on_delete=models.PROTECT, related_name="call_lines")
    amount = won_field(_("amount"))
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    journal = models.OneToOneField(Journal, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    payment_key = models.CharField(_("idempotency key of the payment"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")

    class Meta:
        verbose_name = _("capital call line")
        verbose_name_plural = _("capital call lines")
        ordering = ["call", "investment__position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["call", "investment"], name="bond_call_line_one_per_investor"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="bond_call_line_amount_positive"),
            models.CheckConstraint(
                condition=(Q(paid_on__isnull=True) & Q(journal__isnull=True))
                | (Q(paid_on__isnull=False) & Q(journal__isnull=False)), name="bond_call_line_paid_has_journal"),
        ]

    def __str__(self) -> str:
        return f"{self.call} / {self.investment.investor}"


class Disbursement(models.Model):
    """A tranche of capital paid to the service provider (사업비 지급)."""

    objects: models.Manager[Disbursement] = models.Manager()

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="disbursements")
    number = models.PositiveSmallIntegerField(_("number"))
    amount = won_field(_("amount"))
    paid_on = models.DateField(_("paid on"))
    journal = models.OneToOneField(Journal, on_delete=models.PROTECT, related_name="+")
    memo = models.CharField(_("memo"), max_length=300, blank=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=200)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("disbursement")
        verbose_name_plural = _("disbursements")
        ordering = ["contract", "number"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "number"], name="bond_disbursement_number_unique"),
            models.UniqueConstraint(fields=["contract", "idempotency_key"], name="bond_disbursement_key_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="bond_disbursement_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.contract} disbursement {self.number}"
