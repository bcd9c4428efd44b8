"""Interest subsidies (이차보전): the city's subsidy budget paid into a program, and the runs that pay the subsidy of
a period (a month or a quarter, by the program's ``subsidy_period``) on every guaranteed loan in its window.

A run is prepared (its lines computed by ``core.engines.subsidies``) by one manager or by beat, and approved by
another manager, which pays it: one journal, ``expense:subsidies`` against the no-overdraft ``subsidy:budget``. One
run per program and period (a cancelled one aside): preparing the same period again gives the run back unchanged.

Periods are stored as their first and last day (both included), as statements show them; the engine's half-open
``[period_start, period_end + 1 day)`` is the same span.

States of a run::

    prepared -> paid (approved by a second manager)
    prepared -> cancelled (a manager; the period may then be prepared anew)
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.fields import won_field
from enterprises.models import Enterprise, Institution
from ledger.models import Journal

from .guarantees import Guarantee
from .programs import MAX_RATE, GuaranteeProgram, SubsidyPayee


class SubsidyPeriod(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")


class SubsidyBudget(models.Model):
    """The city's interest-subsidy budget paid into a program (이차보전 예산 입금): ``subsidy:budget`` up,
    ``subsidy:appropriation`` up, in one journal."""

    objects: models.Manager[SubsidyBudget] = models.Manager()

    program = models.ForeignKey(GuaranteeProgram, on_delete=models.PROTECT, related_name="subsidy_budget")
    amount = won_field(_("amount"))
    received_on = models.DateField(_("received on"))
    journal = models.OneToOneField(Journal, on_delete=models.PROTECT, related_name="+")
    memo = models.CharField(_("memo"), max_length=300, blank=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=200)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("interest subsidy budget entry")
        verbose_name_plural = _("interest subsidy budget entries")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="subsidy_budget_amount_positive"),
            models.UniqueConstraint(fields=["program", "idempotency_key"], name="subsidy_budget_unique_key"),
        ]

    def __str__(self) -> str:
        return f"{self.program} {self.amount} ({self.received_on})"


class SubsidyRun(models.Model):
    """One program's interest subsidies for one period (이차보전금 지급), prepared by one manager (or by beat) and
    approved and paid by another."""

    objects: models.Manager[SubsidyRun] = models.Manager()

    class State(models.TextChoices):
        PREPARED = "prepared", _("Prepared (작성)")
        PAID = "paid", _("Approved and paid (승인·지급)")
        CANCELLED = "cancelled", _("Cancelled (취소)")

    program = models.ForeignKey(GuaranteeProgram, on_delete=models.PROTECT, related_name="subsidy_runs")
    period = models.CharField(_("period kind"), max_length=10, choices=SubsidyPeriod.choices)
    period_start = models.DateField(_("first day"))
    period_end = models.DateField(_("last day"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PREPARED)
    subsidy_rate = models.DecimalField(_("interest subsidy rate (이차보전)"), max_digits=7, decimal_places=5)
    subsidy_months = models.PositiveSmallIntegerField(_("interest subsidy months"))
    payee = models.CharField(_("paid to"), max_length=10, choices=SubsidyPayee.choices)
    rounding_unit = models.PositiveSmallIntegerField(_("rounding unit (won)"))
    rounding_mode = models.CharField(_("rounding mode"), max_length=10)
    total = won_field(_("total"), default=0)
    total_exact = models.DecimalField(_("total before rounding"), max_digits=30, decimal_places=8, default=0)
    line_count = models.PositiveIntegerField(_("lines"), default=0)
    prepared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", help_text=_("Empty: prepared by the system (beat)."))
    prepared_at = models.DateTimeField(_("prepared at"))
    prepared_on = models.DateField(_("prepared on (business day)"))
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    approval_key = models.CharField(_("approval idempotency key"), max_length=200, blank=True)
    journal = models.OneToOneField(Journal, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    cancelled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)

    class Meta:
        verbose_name = _("interest subsidy run")
        verbose_name_plural = _("interest subsidy runs")
        constraints = [
            # One run per program and period: preparing it again finds it (a cancelled run makes room for another).
            models.UniqueConstraint(fields=["program", "period_start"], condition=~Q(state="cancelled"),
                                    name="subsidy_run_one_per_period"),
            models.CheckConstraint(condition=Q(period_end__gte=F("period_start")), name="subsidy_run_period_order"),
            models.CheckConstraint(condition=Q(period__in=SubsidyPeriod.values), name="subsidy_run_period_kind"),
            models.CheckConstraint(condition=Q(total__gte=0), name="subsidy_run_total_not_negative"),
            models.CheckConstraint(condition=Q(subsidy_rate__gte=0) & Q(subsidy_rate__lte=MAX_RATE),
                                   name="subsidy_run_rate_in_range"),
            models.CheckConstraint(condition=Q(state__in=["prepared", "paid", "cancelled"]), name="subsidy_run_state"),
            # Four eyes: whoever prepared cannot approve (a run beat prepared has no preparer).
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | Q(prepared_by__isnull=True) | ~Q(approved_by=F("prepared_by")),
                name="subsidy_run_four_eyes"),
            # Paid: approved, on a day, with its journal (a run of nothing to pay has none).
            models.CheckConstraint(
                condition=~Q(state="paid") | (Q(approved_by__isnull=False) & Q(paid_on__isnull=False)
                                              & (Q(journal__isnull=False) | Q(total=0))),
                name="subsidy_run_paid_is_approved"),
        ]
        indexes = [models.Index(fields=["program", "-period_start"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.program} {self.period_start}~{self.period_end} {self.total} ({self.state})"


class SubsidyLine(models.Model):
    """One guarantee's subsidy in a run: the days counted (in both the period and the guarantee's window), the
    balance-days (잔액 적수: the sum of the loan's balance over those days), the rate (the subsidy rate, never above
    the loan's own) and the amount, rounded once by the program's rule."""

    objects: models.Manager[SubsidyLine] = models.Manager()

    run = models.ForeignKey(SubsidyRun, on_delete=models.PROTECT, related_name="lines")
    guarantee = models.ForeignKey(Guarantee, on_delete=models.PROTECT, related_name="subsidy_lines")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="+")
    bank = models.ForeignKey(Institution, verbose_name=_("bank"), on_delete=models.PROTECT, related_name="+")
    payee = models.CharField(_("paid to"), max_length=10, choices=SubsidyPayee.choices)
    window_start = models.DateField(_("subsidised from"))
    window_end = models.DateField(_("subsidised until (excluded)"))
    days = models.PositiveSmallIntegerField(_("days counted"))
    won_days = models.DecimalField(_("balance-days (잔액 적수)"), max_digits=26, decimal_places=0)
    loan_rate = models.DecimalField(_("loan rate"), max_digits=7, decimal_places=5)
    rate = models.DecimalField(_("rate used"), max_digits=7, decimal_places=5)
    exact = models.DecimalField(_("before rounding"), max_digits=30, decimal_places=8)
    amount = won_field(_("amount"))

    class Meta:
        verbose_name = _("interest subsidy line")
        verbose_name_plural = _("interest subsidy lines")
        constraints = [
            models.UniqueConstraint(fields=["run", "guarantee"], name="subsidy_line_once_per_run"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="subsidy_line_amount_not_negative"),
            models.CheckConstraint(condition=Q(won_days__gte=0), name="subsidy_line_won_days_not_negative"),
            models.CheckConstraint(condition=Q(rate__lte=F("loan_rate")), name="subsidy_line_rate_within_loan_rate"),
        ]
        indexes = [models.Index(fields=["run", "bank"])]

    def __str__(self) -> str:
        return f"{self.run_id} G{self.guarantee_id} {self.amount}"
