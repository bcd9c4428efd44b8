"""Claims on a guarantee (대위변제), the 구상채권 a paid claim opens against the enterprise, what is recovered of it
(구상) and its write-off (상각).

A claim goes ``requested`` (the bank asks, after the loan's default) -> ``prepared`` (a manager works out the amount
with ``core.engines.claims.claim_amount``) -> ``paid`` (another manager approves: the program's cash pays the bank)
or ``rejected``. A paid claim carries the 구상채권's running state (``recourse_*``: what the enterprise owes the
program, damages accrued up to ``recourse_since``), which each recovery moves with ``core.engines.claims.recover``.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.engines.claims import Recourse
from core.fields import won_field
from ledger.models import Journal

from .guarantees import Guarantee


class Claim(models.Model):
    """A bank's claim on a defaulted guarantee (대위변제 청구), and once paid the 구상채권 it opens. One open claim per
    guarantee (a rejected one leaves room for another)."""

    objects: models.Manager[Claim] = models.Manager()

    class State(models.TextChoices):
        REQUESTED = "requested", _("Requested by the bank (청구)")
        PREPARED = "prepared", _("Prepared (심사 완료)")
        PAID = "paid", _("Paid (대위변제 완료)")
        REJECTED = "rejected", _("Rejected (반려)")

    guarantee = models.ForeignKey(Guarantee, on_delete=models.PROTECT, related_name="claims")
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.REQUESTED)
    # The bank's request (청구): its own figures, kept as asked.
    requested_principal = won_field(_("principal claimed"))
    requested_interest = won_field(_("unpaid interest claimed"), default=0)
    requested_costs = won_field(_("bank's costs claimed"), default=0)
    requested_on = models.DateField(_("requested on"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    # Prepared by a manager with the engine (the amount paid on ``paid_on``).
    paid_on = models.DateField(_("payment date"), null=True, blank=True)
    principal = won_field(_("principal outstanding"), default=0)
    interest_days = models.PositiveIntegerField(_("days of unpaid interest"), null=True, blank=True)
    interest = won_field(_("unpaid interest (미수이자)"), default=0)
    costs = won_field(_("bank's costs accepted"), default=0)
    cap = won_field(_("guaranteed share (보증부분)"), default=0)
    amount = won_field(_("amount paid (대위변제금)"), default=0)
    prepared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    prepared_at = models.DateTimeField(null=True, blank=True)
    # Decided: approved (and paid) or rejected, by a manager other than the one who prepared it.
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    payment_key = models.CharField(_("idempotency key of the payment"), max_length=200, blank=True)
    journal = models.OneToOneField(Journal, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    rejected_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    rejected_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(_("decision reason"), blank=True)
    # The 구상채권 (from the payment on): what is owed, damages accrued up to (not including) ``recourse_since``.
    recourse_principal = won_field(_("구상원금 outstanding"), default=0)
    recourse_costs = won_field(_("구상비용 outstanding"), default=0)
    recourse_damages = won_field(_("지연손해금 accrued and unpaid"), default=0)
    damages_carry = models.DecimalField(
        max_digits=8, decimal_places=5, default=0,
        help_text=_("Damages accrued but not yet a whole won, in 365ths of a won (see core.engines.claims)."))
    recourse_since = models.DateField(_("damages accrued up to"), null=True, blank=True)
    written_off = won_field(_("principal and costs written off"), default=0)
    written_off_on = models.DateField(_("written off on"), null=True, blank=True)
    settled_on = models.DateField(_("settled on"), null=True, blank=True)

    class Meta:
        verbose_name = _("claim (대위변제)")
        verbose_name_plural = _("claims (대위변제)")
        constraints = [
            models.UniqueConstraint(fields=["guarantee"], condition=~Q(state="rejected"),
                                    name="claim_one_open_per_guarantee"),
            # Four eyes: whoever prepared the claim cannot approve or reject it.
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | Q(prepared_by__isnull=True)
                | ~Q(approved_by=F("prepared_by")), name="claim_four_eyes"),
            models.CheckConstraint(
                condition=Q(rejected_by__isnull=True) | Q(prepared_by__isnull=True)
                | ~Q(rejected_by=F("prepared_by")), name="claim_reject_four_eyes"),
            models.CheckConstraint(condition=Q(state__in=["requested", "prepared", "paid", "rejected"]),
                                   name="claim_state"),
            models.CheckConstraint(condition=Q(requested_principal__gt=0), name="claim_requested_principal_positive"),
            models.CheckConstraint(
                condition=Q(requested_interest__gte=0) & Q(requested_costs__gte=0) & Q(principal__gte=0)
                & Q(interest__gte=0) & Q(costs__gte=0) & Q(cap__gte=0) & Q(amount__gte=0)
                & Q(recourse_principal__gte=0) & Q(recourse_costs__gte=0) & Q(recourse_damages__gte=0)
                & Q(written_off__gte=0), name="claim_amounts_not_negative"),
            models.CheckConstraint(condition=Q(amount__lte=F("cap")), name="claim_amount_within_cap"),
            models.CheckConstraint(condition=Q(damages_carry__gte=0) & Q(damages_carry__lt=365),
                                   name="claim_damages_carry_below_one_won"),
            models.CheckConstraint(
                condition=~Q(state__in=["prepared", "paid"]) | (
                    Q(paid_on__isnull=False) & Q(prepared_by__isnull=False) & Q(amount__gt=0)),
                name="claim_prepared_has_amount"),
            models.CheckConstraint(
                condition=~Q(state="paid") | (
                    Q(journal__isnull=False) & Q(approved_by__isnull=False) & Q(recourse_since__isnull=False)),
                name="claim_paid_has_journal"),
        ]
        indexes = [models.Index(fields=["state"])]

    def __str__(self) -> str:
        return f"C{self.pk} G{self.guarantee_id} {self.amount} ({self.state})"

    def recourse(self) -> Recourse:
        """The 구상채권 as the engine knows it (a paid claim)."""
        assert self.recourse_since is not None, "only a paid claim has a 구상채권"
        return Recourse(principal=self.recourse_principal.amount, since=self.recourse_since,
                        costs=self.recourse_costs.amount, damages=self.recourse_damages.amount,
                        damages_carry=Decimal(self.damages_carry))

    @property
    def is_written_off(self) -> bool:
        return self.written_off_on is not None


class Recovery(models.Model):
    """Money recovered from the enterprise on a paid claim (구상), spent on costs, damages, then principal (민법 s479,
    ``core.engines.claims.RECOVERY_ORDER``). After a write-off it is income and takes nothing off the memorandum
    pair (``after_write_off``)."""

    objects: models.Manager[Recovery] = models.Manager()

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="recoveries")
    amount = won_field(_("amount"))
    received_on = models.DateField(_("received on"))
    accrued = won_field(_("damages accrued up to the recovery"), default=0)
    costs = won_field(_("paid to 구상비용"), default=0)
    damages = won_field(_("paid to 지연손해금"), default=0)
    principal = won_field(_("paid to 구상원금"), default=0)
    after_write_off = models.BooleanField(_("after the write-off"), default=False)
    memo = models.CharField(_("memo"), max_length=300, blank=True)
    journal = models.OneToOneField(Journal, on_delete=models.PROTECT, related_name="+")
    idempotency_key = models.CharField(_("idempotency key"), max_length=200)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("recovery (구상)")
        verbose_name_plural = _("recoveries (구상)")
        constraints = [
            models.UniqueConstraint(fields=["claim", "idempotency_key"], name="claim_recovery_unique_key"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="claim_recovery_amount_positive"),
            models.CheckConstraint(
                condition=Q(costs__gte=0) & Q(damages__gte=0) & Q(principal__gte=0) & Q(accrued__gte=0),
                name="claim_recovery_parts_not_negative"),
            models.CheckConstraint(condition=Q(amount=F("costs") + F("damages") + F("principal")),
                                   name="claim_recovery_parts_add_up"),
        ]

    def __str__(self) -> str:
        return f"V{self.pk} C{self.claim_id} {self.amount}"


class RecourseWriteOff(models.Model):
    """The write-off of an uncollectible 구상채권 (구상채권 상각): one manager asks, another approves; the memorandum
    pair is cleared. The debt is still owed: later recoveries are income."""

    objects: models.Manager[RecourseWriteOff] = models.Manager()

    class State(models.TextChoices):
        REQUESTED = "requested", _("Requested (상각 요청)")
        APPROVED = "approved", _("Approved, written off (상각 승인)")

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="write_offs")
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.REQUESTED)
    # Asked: what was outstanding then (principal and costs); approved: what was written off.
    amount = won_field(_("principal and costs written off"), default=0)
    principal = won_field(_("구상원금 written off"), default=0)
    costs = won_field(_("구상비용 written off"), default=0)
    damages = won_field(_("지연손해금 written off"), default=0)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField(_("reason"))
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(_("decision reason"), blank=True)
    written_off_on = models.DateField(_("written off on"), null=True, blank=True)
    journal = models.OneToOneField(Journal, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("write-off of a 구상채권")
        verbose_name_plural = _("write-offs of 구상채권")
        constraints = [
            models.CheckConstraint(condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("requested_by")),
                                   name="recourse_write_off_four_eyes"),
            models.UniqueConstraint(fields=["claim"], name="recourse_write_off_one_per_claim"),
            models.CheckConstraint(condition=Q(state__in=["requested", "approved"]),
                                   name="recourse_write_off_state"),
            models.CheckConstraint(
                condition=Q(amount__gte=0) & Q(principal__gte=0) & Q(costs__gte=0) & Q(damages__gte=0),
                name="recourse_write_off_not_negative"),
            models.CheckConstraint(
                condition=~Q(state="approved") | (Q(journal__isnull=False) & Q(written_off_on__isnull=False)
                                                  & Q(approved_by__isnull=False)),
                name="recourse_write_off_approved_has_journal"),
        ]

    def __str__(self) -> str:
        return f"RW{self.pk} C{self.claim_id} {self.state}"
