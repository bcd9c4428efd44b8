"""Entries (참가 신청): an enterprise's project in a contest, and what it is told when it does not go on."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.fields import won_field
from enterprises.models import Enterprise, Institution

from .contests import Contest


class CampaignType(models.TextChoices):
    REWARD = "reward", _("Reward (리워드형)")
    DONATION = "donation", _("Donation (기부형)")


class RoundKind(models.TextChoices):
    SCREENING = "screening", _("Document screening (서류심사)")
    FINAL = "final", _("Final (본선)")


ENTRY_STATES = ["draft", "submitted", "withdrawn", "advanced", "selected", "not_advanced"]


class Entry(models.Model):
    """An enterprise's project in a contest. Drafted and edited until the call closes, submitted during the call,
    withdrawable until screening ends; a screening advances it (or not) to the funding phase and the final, and the
    final's ranking decides its award."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft (작성 중)")
        SUBMITTED = "submitted", _("Submitted (접수)")
        WITHDRAWN = "withdrawn", _("Withdrawn (철회)")
        ADVANCED = "advanced", _("Passed screening (서류 통과)")
        SELECTED = "selected", _("Selected for an award (수상 선정)")
        NOT_ADVANCED = "not_advanced", _("Not advanced (탈락)")

    objects: models.Manager[Entry] = models.Manager()

    contest = models.ForeignKey(Contest, on_delete=models.PROTECT, related_name="entries")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="contest_entries")
    partner = models.ForeignKey(Institution, verbose_name=_("recommending partner (추천기관)"),
                                on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                help_text=_("The contest partner that recommends or mentors the entry; its staff "
                                            "may not judge it."))
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), max_length=4000)
    use_of_funds = models.TextField(_("what the money is for (자금 사용 계획)"), max_length=4000)
    target_amount = won_field(_("target amount (목표 금액)"))
    campaign_type = models.CharField(_("campaign type"), max_length=10, choices=CampaignType.choices)
    team = models.JSONField(_("team"), default=list, blank=True,
                            help_text=_("The people on the project: a list of {name, role}."))
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.DRAFT)
    eliminated_in = models.CharField(_("not advanced in"), max_length=20, choices=RoundKind.choices, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("contest entry")
        verbose_name_plural = _("contest entries")
        constraints = [
            models.CheckConstraint(condition=Q(target_amount__gt=0), name="entry_target_positive"),
            models.CheckConstraint(condition=Q(state__in=ENTRY_STATES),
                                   name="entry_state_known"),
            models.CheckConstraint(condition=Q(state="draft") | Q(submitted_at__isnull=False)
                                   | Q(state="withdrawn"), name="entry_submitted_has_time"),
            models.CheckConstraint(condition=Q(state="not_advanced", eliminated_in__in=["screening", "final"])
                                   | (~Q(state="not_advanced") & Q(eliminated_in="")),
                                   name="entry_not_advanced_names_round"),
            # One live entry per enterprise per contest; a withdrawn one does not count.
            models.UniqueConstraint(fields=["contest", "enterprise"], condition=~Q(state="withdrawn"),
                                    name="entry_one_live_per_enterprise"),
        ]

    def __str__(self) -> str:
        return self.title


class EntryNotice(models.Model):
    """What an entry's enterprise is told: it advanced, or it did not (and in which round), or its award."""

    class Kind(models.TextChoices):
        ADVANCED = "advanced", _("Advanced")
        NOT_ADVANCED = "not_advanced", _("Not advanced")
        AWARDED = "awarded", _("Awarded")

    objects: models.Manager[EntryNotice] = models.Manager()

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    round_kind = models.CharField(_("round"), max_length=20, choices=RoundKind.choices, blank=True)
    message = models.TextField(_("message"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("entry notice")
        verbose_name_plural = _("entry notices")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.entry}: {self.kind}"
