"""Judging: a round per contest phase that is judged (screening, final), its rubric, its panels and their judges,
declared conflicts, scores, and the list of entries that go on (four eyes)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .contests import Contest
from .entries import Entry, RoundKind


class Aggregation(models.TextChoices):
    """How a panel's judges' scores of an entry make the panel's result (``core.engines.judging``)."""

    MEAN = "mean", _("Mean (평균)")
    TRIMMED = "trimmed", _("Trimmed mean: highest and lowest dropped from 5 judges (최고·최저점 제외 평균)")
    ZSCORE = "zscore", _("Z-score normalised per judge (표준점수)")


class Round(models.Model):
    """A judged round of a contest: screening (서류심사) or the final (본선). Open while judges score; closed by a
    manager, which locks the scores and opens the ranking to the judges."""

    class State(models.TextChoices):
        SETUP = "setup", _("Being set up")
        OPEN = "open", _("Scoring (심사 중)")
        CLOSED = "closed", _("Closed (심사 마감)")

    objects: models.Manager[Round] = models.Manager()

    contest = models.ForeignKey(Contest, on_delete=models.PROTECT, related_name="rounds")
    kind = models.CharField(_("round"), max_length=20, choices=RoundKind.choices)
    aggregation = models.CharField(_("aggregation"), max_length=10, choices=Aggregation.choices,
                                   default=Aggregation.TRIMMED)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.SETUP)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+")

    class Meta:
        verbose_name = _("judging round")
        verbose_name_plural = _("judging rounds")
        constraints = [
            models.UniqueConstraint(fields=["contest", "kind"], name="round_one_per_kind"),
            models.CheckConstraint(condition=Q(state="closed", closed_at__isnull=False) | ~Q(state="closed"),
                                   name="round_closed_has_time"),
            models.CheckConstraint(condition=Q(aggregation__in=["mean", "trimmed", "zscore"]),
                                   name="round_aggregation_known"),
        ]

    def __str__(self) -> str:
        return f"{self.contest} · {self.get_kind_display()}"


class Criterion(models.Model):
    """A criterion of a round's rubric (심사 기준): its weight in the total and the highest mark a judge may give."""

    objects: models.Manager[Criterion] = models.Manager()

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="criteria")
    key = models.SlugField(_("key"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    description = models.CharField(_("description"), max_length=500, blank=True)
    weight = models.DecimalField(_("weight"), max_digits=6, decimal_places=2,
                                 validators=[MinValueValidator(Decimal("0.01"))])
    max_score = models.DecimalField(_("maximum score"), max_digits=6, decimal_places=1,
                                    validators=[MinValueValidator(Decimal("0.1"))])
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["round", "key"], name="criterion_key_unique_per_round"),
            models.CheckConstraint(condition=Q(weight__gt=0) & Q(max_score__gt=0), name="criterion_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class Panel(models.Model):
    """A panel of a round (심사위원단): experts or citizens, with its weight in the combined score (70 / 30)."""

    class Kind(models.TextChoices):
        EXPERT = "expert", _("Expert panel (전문가 심사단)")
        CITIZEN = "citizen", _("Citizen panel (시민 심사단)")

    objects: models.Manager[Panel] = models.Manager()

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="panels")
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    weight = models.DecimalField(_("weight (%)"), max_digits=5, decimal_places=2,
                                 validators=[MinValueValidator(Decimal("0.01"))])

    class Meta:
        verbose_name = _("panel")
        verbose_name_plural = _("panels")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(weight__gt=0) & Q(weight__lte=100), name="panel_weight_in_range"),
            models.UniqueConstraint(fields=["round", "name"], name="panel_name_unique_per_round"),
        ]

    def __str__(self) -> str:
        return self.name


class PanelJudge(models.Model):
    """A judge assigned to a panel. A judge sits on one panel of a round at most."""

    objects: models.Manager[PanelJudge] = models.Manager()

    panel = models.ForeignKey(Panel, on_delete=models.CASCADE, related_name="judges")
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="+")  # the panel's, for the constraint
    judge = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="panel_seats")
    assigned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("panel judge")
        verbose_name_plural = _("panel judges")
        constraints = [models.UniqueConstraint(fields=["round", "judge"], name="panel_judge_one_panel_per_round")]

    def __str__(self) -> str:
        return f"{self.panel}: {self.judge}"


class Conflict(models.Model):
    """A conflict of interest a judge declared on an entry (이해충돌 신고, 회피): the judge may not score it, and any
    score it gave does not count."""

    objects: models.Manager[Conflict] = models.Manager()

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="conflicts")
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="conflicts")
    judge = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("reason"), max_length=500)
    declared_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("declared conflict")
        verbose_name_plural = _("declared conflicts")
        constraints = [models.UniqueConstraint(fields=["round", "entry", "judge"], name="conflict_once")]

    def __str__(self) -> str:
        return f"{self.judge} x {self.entry}"


class Score(models.Model):
    """A judge's score of an entry in a round: a mark per criterion (``marks``: criterion key -> mark) and the
    weighted total out of 100 (``core.engines.judging.weighted_total``). Changeable by its judge while the round is
    open; locked when it closes."""

    objects: models.Manager[Score] = models.Manager()

    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="scores")
    panel = models.ForeignKey(Panel, on_delete=models.PROTECT, related_name="scores")
    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="scores")
    judge = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    marks = models.JSONField(_("marks"))
    total = models.DecimalField(_("weighted total"), max_digits=7, decimal_places=4)
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    scored_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [
            models.UniqueConstraint(fields=["round", "entry", "judge"], name="score_once_per_judge_and_entry"),
            models.CheckConstraint(condition=Q(total__gte=0) & Q(total__lte=100), name="score_total_in_range"),
        ]

    def __str__(self) -> str:
        return f"{self.judge} x {self.entry}: {self.total}"


class AdvanceList(models.Model):
    """The entries that go on from a round (진출 명단): prepared by one manager from the ranking (top N or above a
    cut), confirmed by another (four eyes); confirming moves the entries and tells the others."""

    class State(models.TextChoices):
        PREPARED = "prepared", pgettext_lazy("advance list", "Prepared")
        CONFIRMED = "confirmed", _("Confirmed")
        CANCELLED = "cancelled", _("Cancelled")

    objects: models.Manager[AdvanceList] = models.Manager()

    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="advance_lists")
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PREPARED)
    top_n = models.PositiveIntegerField(_("top N"), null=True, blank=True)
    cut = models.DecimalField(_("cut (score)"), max_digits=7, decimal_places=4, null=True, blank=True)
    prepared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    prepared_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("advance list")
        verbose_name_plural = _("advance lists")
        constraints = [
            models.CheckConstraint(condition=Q(top_n__isnull=True) ^ Q(cut__isnull=True),
                                   name="advance_list_top_n_or_cut"),
            models.CheckConstraint(condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("prepared_by")),
                                   name="advance_list_four_eyes"),
            # One live list per round: a confirmed one, or one waiting for confirmation.
            models.UniqueConstraint(fields=["round"], condition=~Q(state="cancelled"),
                                    name="advance_list_one_live_per_round"),
        ]

    def __str__(self) -> str:
        return f"{self.round} ({self.state})"


class AdvanceListLine(models.Model):
    """An entry on an advance list, with its rank and combined score when the list was prepared."""

    objects: models.Manager[AdvanceListLine] = models.Manager()

    advance_list = models.ForeignKey(AdvanceList, on_delete=models.CASCADE, related_name="lines")
    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="+")
    rank = models.PositiveIntegerField(_("rank"), null=True)
    score = models.DecimalField(_("combined score"), max_digits=7, decimal_places=4, null=True)
    advances = models.BooleanField(_("advances"))

    class Meta:
        ordering = ["rank", "id"]
        constraints = [models.UniqueConstraint(fields=["advance_list", "entry"], name="advance_line_once")]

    def __str__(self) -> str:
        return f"{self.entry} #{self.rank}"
