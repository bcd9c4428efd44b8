"""Contests (소셜 크라우드펀딩 대회), their phases, partner institutions and the money they put into the joint fund
(공동기금)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.fields import won_field
from enterprises.models import Institution
from ledger.models import Book, Journal


class Phase(models.TextChoices):
    """The phases of a contest, in their one order; a phase never moves backwards."""

    DRAFT = "draft", _("Announced (공고 전)")
    CALL = "call", _("Call for entries (공모)")
    SCREENING = "screening", _("Document screening (서류심사)")
    FUNDING = "funding", _("Crowdfunding (펀딩)")
    FINAL = "final", _("Final (본선)")
    AWARDS = "awards", _("Awards (시상)")
    CLOSED = "closed", _("Closed (종료)")


PHASE_ORDER = tuple(Phase.values)


class Contest(models.Model):
    """A contest run by a host institution with partner institutions, with its own book of accounts (one per contest:
    its joint fund now, its matching pools next). A staged program (Jeonju: year one, two, three) is a chain of
    contests: ``previous_stage`` names the contest whose award winners alone may enter this one."""

    objects: models.Manager[Contest] = models.Manager()

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    host = models.ForeignKey(Institution, verbose_name=_("host institution (주관기관)"), on_delete=models.PROTECT,
                             related_name="+")
    book = models.OneToOneField(Book, on_delete=models.PROTECT, related_name="contest")
    phase = models.CharField(_("phase"), max_length=20, choices=Phase.choices, default=Phase.DRAFT)
    # Eligibility (참가 자격)
    eligible_kinds = models.JSONField(pgettext_lazy("contest", "eligible enterprise kinds"), default=list)
    eligible_provinces = models.JSONField(_("eligible provinces (시/도)"), default=list, blank=True,
                                          help_text=_("Empty: any province."))
    eligible_districts = models.JSONField(_("eligible districts (시/군/구)"), default=list, blank=True,
                                          help_text=_("Empty: any district of the eligible provinces."))
    stage = models.PositiveSmallIntegerField(_("stage (단계)"), default=1, validators=[MinValueValidator(1)])
    previous_stage = models.ForeignKey("self", verbose_name=_("previous stage"), on_delete=models.PROTECT,
                                       null=True, blank=True, related_name="next_stages",
                                       help_text=_("Only enterprises awarded in this contest may enter."))
    # Phase dates: each phase ends at the end of its day; the next one begins the day after.
    call_opens_on = models.DateField(_("call opens on"))
    call_closes_on = models.DateField(_("call closes on"))
    screening_ends_on = models.DateField(_("screening ends on"))
    funding_ends_on = models.DateField(_("funding ends on"), null=True, blank=True,
                                       help_text=_("Empty: the contest has no crowdfunding phase."))
    final_ends_on = models.DateField(_("final ends on"))
    awards_end_on = models.DateField(_("awards end on"))
    target_min = won_field(_("smallest target amount of an entry"), default=0)
    target_max = won_field(_("largest target amount of an entry"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("contest")
        verbose_name_plural = _("contests")
        constraints = [
            models.CheckConstraint(condition=Q(phase__in=PHASE_ORDER), name="contest_phase_known"),
            models.CheckConstraint(condition=Q(call_closes_on__gte=F("call_opens_on")),
                                   name="contest_call_in_order"),
            models.CheckConstraint(condition=Q(screening_ends_on__gt=F("call_closes_on")),
                                   name="contest_screening_after_call"),
            models.CheckConstraint(
                condition=Q(funding_ends_on__isnull=True) | (Q(funding_ends_on__gt=F("screening_ends_on"))
                                                            & Q(final_ends_on__gt=F("funding_ends_on"))),
                name="contest_funding_in_order"),
            models.CheckConstraint(condition=Q(final_ends_on__gt=F("screening_ends_on")),
                                   name="contest_final_after_screening"),
            models.CheckConstraint(condition=Q(awards_end_on__gte=F("final_ends_on")),
                                   name="contest_awards_after_final"),
            models.CheckConstraint(condition=Q(target_min__gte=0) & Q(target_max__gte=F("target_min"))
                                   & Q(target_max__gt=0), name="contest_targets_in_order"),
            models.CheckConstraint(condition=Q(stage__gte=1), name="contest_stage_positive"),
            models.CheckConstraint(condition=Q(stage=1) | Q(previous_stage__isnull=False),
                                   name="contest_later_stage_names_previous"),
        ]

    def __str__(self) -> str:
        return self.name


class ContestPartner(models.Model):
    """A partner institution of a contest (참여기관: public institutions, banks, the social economy centre, a
    broadcaster), with what it pledged to the joint fund."""

    objects: models.Manager[ContestPartner] = models.Manager()

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="partners")
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="+")
    pledged = won_field(_("pledged to the joint fund (약정액)"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("contest partner")
        verbose_name_plural = _("contest partners")
        constraints = [
            models.UniqueConstraint(fields=["contest", "institution"], name="contest_partner_unique"),
            models.CheckConstraint(condition=Q(pledged__gte=0), name="contest_partner_pledged_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.contest} · {self.institution}"


class JointFundContribution(models.Model):
    """Money a partner paid into the contest's joint fund (공동기금 출연)."""

    objects: models.Manager[JointFundContribution] = models.Manager()

    contest = models.ForeignKey(Contest, on_delete=models.PROTECT, related_name="contributions")
    partner = models.ForeignKey(ContestPartner, on_delete=models.PROTECT, related_name="contributions")
    amount = won_field(_("amount"))
    received_on = models.DateField(_("received on"))
    journal = models.OneToOneField(Journal, on_delete=models.PROTECT, related_name="+")
    memo = models.CharField(_("memo"), max_length=300, blank=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=200)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("joint fund contribution")
        verbose_name_plural = _("joint fund contributions")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="joint_fund_contribution_positive"),
            models.UniqueConstraint(fields=["contest", "idempotency_key"], name="joint_fund_contribution_unique_key"),
        ]

    def __str__(self) -> str:
        return f"{self.partner} {self.amount}"


class PhaseChange(models.Model):
    """A phase a contest moved into: by a manager (``changed_by``) or by Celery beat at its date (None)."""

    objects: models.Manager[PhaseChange] = models.Manager()

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="phase_changes")
    from_phase = models.CharField(_("from"), max_length=20, choices=Phase.choices)
    to_phase = models.CharField(_("to"), max_length=20, choices=Phase.choices)
    on_date = models.DateField(pgettext_lazy("phase change", "on"))
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("phase change")
        verbose_name_plural = _("phase changes")
        constraints = [models.UniqueConstraint(fields=["contest", "to_phase"], name="phase_change_once_per_phase")]

    def __str__(self) -> str:
        return f"{self.contest}: {self.from_phase} -> {self.to_phase}"
