"""Outcomes: the metrics a contract pays for (성과지표), their payment terms (a rate card or an achievement table
with its rows), the evaluation points (중간/최종 평가) and the results the evaluator's users record and confirm (four
eyes), with their evidence files.

A result goes ``recorded`` (an evaluator of the contract's evaluator institution enters it, or corrects it) ->
``confirmed`` (another evaluator of the same institution) -> ``reopened`` (disputed: an evaluator of the institution,
with a reason) -> ``recorded`` again when corrected. Managers never write results.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.engines import bonds as engine
from core.engines.rounding import Rounding
from core.fields import won_field

from .contracts import HUNDRED, Contract, percent_field


class ValidationMethod(models.TextChoices):
    """How outcomes are validated: the INDIGO data standard's codelist (``outcome_validation_method``)."""

    RCT = "rct", _("Randomised control trial (무작위 대조 실험)")
    QUASI_EXPERIMENTAL = "quasi_experimental", _("Quasi-experimental study (준실험 설계)")
    HISTORICAL = "historical", _("Historical comparison (과거 기준 비교)")
    PRE_POST = "pre_post", _("Pre-post analysis (사전·사후 비교)")
    SIMPLE_VERIFICATION = "simple_verification", _("Simple ex-post verification (사후 단순 확인)")
    NOT_AVAILABLE = "not_available", _("Not available (해당 없음)")


# The codelist's values, exactly as INDIGO 4.x writes them (the export reads this).
INDIGO_VALIDATION_METHOD = {
    ValidationMethod.RCT: "Randomised Control Trial",
    ValidationMethod.QUASI_EXPERIMENTAL: "Quasi-experimental study",
    ValidationMethod.HISTORICAL: "Historical comparison",
    ValidationMethod.PRE_POST: "Pre-Post analysis",
    ValidationMethod.SIMPLE_VERIFICATION: "Simple ex-post verification",
    ValidationMethod.NOT_AVAILABLE: "Not available",
}


class Metric(models.Model):
    """An outcome metric (성과지표): what counts as the outcome, for whom, the target and how it is validated."""

    objects: models.Manager[Metric] = models.Manager()

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="metrics")
    code = models.SlugField(_("code"), max_length=50)
    definition = models.TextField(_("outcome definition (성과 정의)"))
    unit = models.CharField(_("unit (단위)"), max_length=100)
    target_population = models.TextField(_("target population (대상자)"))
    targeted_number = models.PositiveIntegerField(_("targeted number of people (목표 참여자 수)"))
    target = percent_field(_("target achievement rate (목표 달성률, %)"))
    baseline = percent_field(_("baseline (기준선, %)"), null=True, blank=True)
    validation_method = models.CharField(_("validation method (검증 방법)"), max_length=30,
                                         choices=ValidationMethod.choices)
    data_source = models.CharField(_("data source (자료원)"), max_length=300)
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("outcome metric")
        verbose_name_plural = _("outcome metrics")
        ordering = ["contract", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "code"], name="bond_metric_code_unique"),
            models.CheckConstraint(condition=Q(validation_method__in=ValidationMethod.values),
                                   name="bond_metric_validation_method"),
            models.CheckConstraint(condition=Q(target__gte=0) & Q(target__lte=HUNDRED), name="bond_metric_target"),
            models.CheckConstraint(condition=Q(baseline__isnull=True) | (Q(baseline__gte=0) & Q(baseline__lte=HUNDRED)),
                                   name="bond_metric_baseline"),
        ]

    def __str__(self) -> str:
        return f"{self.contract}: {self.code}"


class PaymentTerm(models.Model):
    """What a metric's verified outcomes pay (성과보상 기준): a rate card (단가표: a price per outcome unit up to a
    maximum number of units) or an achievement table (성과보상 기준표: its rows in ``steps``, stepwise or linear, a
    principal (원금) the percents apply to, the principal line (원금상환선, the achievement at which it pays 100 %) and
    a cap). ``engine_terms`` builds the engine's dataclass from it. The contract's interim share and budget cap are
    the contract's."""

    objects: models.Manager[PaymentTerm] = models.Manager()

    class Kind(models.TextChoices):
        RATE_CARD = "rate_card", _("Rate card (단가표)")
        TABLE = "table", _("Achievement table (성과보상 기준표)")

    class Mode(models.TextChoices):
        STEPWISE = engine.STEPWISE, _("Stepwise (구간별)")
        LINEAR = engine.LINEAR, _("Linear between thresholds (선형 보간)")

    class Below(models.TextChoices):
        ZERO = engine.BELOW_ZERO, _("Nothing below the lowest threshold")
        LINEAR = engine.BELOW_LINEAR, _("Down to 0 % at 0 % achievement")

    metric = models.OneToOneField(Metric, on_delete=models.PROTECT, related_name="term")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    # An achievement table
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices, default=Mode.LINEAR)
    below = models.CharField(_("below the lowest threshold"), max_length=10, choices=Below.choices,
                             default=Below.ZERO)
    principal = won_field(_("principal (원금)"), default=0)
    principal_line = percent_field(_("principal line (원금상환선, %)"), null=True, blank=True)
    # xgettext:no-python-format (a percent sign, not a placeholder)
    cap_percent = percent_field(_("cap (% of the principal)"), null=True, blank=True)
    # A rate card
    price = won_field(_("price per outcome unit (단가)"), default=0)
    max_units = models.PositiveIntegerField(_("maximum number of units"), default=0)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("payment term")
        verbose_name_plural = _("payment terms")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["rate_card", "table"]), name="bond_term_kind"),
            models.CheckConstraint(condition=Q(mode__in=list(engine.TABLE_MODES)), name="bond_term_mode"),
            models.CheckConstraint(condition=Q(below__in=list(engine.BELOW_MODES)), name="bond_term_below"),
            models.CheckConstraint(condition=~Q(kind="table") | Q(principal__gt=0), name="bond_term_table_principal"),
            models.CheckConstraint(condition=~Q(kind="rate_card") | Q(price__gt=0), name="bond_term_card_price"),
            models.CheckConstraint(condition=Q(principal__gte=0) & Q(price__gte=0), name="bond_term_not_negative"),
            models.CheckConstraint(condition=Q(cap_percent__isnull=True) | Q(cap_percent__gte=0),
                                   name="bond_term_cap_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.metric} ({self.kind})"

    def engine_terms(self, rounding: Rounding) -> engine.AchievementTable | engine.RateCard:
        """The engine's terms (raises ``engine.InvalidTerms`` if they cannot be applied)."""
        if self.kind == self.Kind.RATE_CARD:
            return engine.RateCard(price=self.price.amount, max_units=Decimal(self.max_units), rounding=rounding)
        steps = tuple(engine.Step(threshold=step.threshold, percent=step.percent)
                      for step in sorted(self.steps.all(), key=lambda step: step.threshold))
        return engine.AchievementTable(steps=steps, mode=self.mode, cap=self.cap_percent, below=self.below,
                                       rounding=rounding)


class PaymentStep(models.Model):
    """A row of an achievement table: from ``threshold`` % achievement, ``percent`` % of the principal."""

    objects: models.Manager[PaymentStep] = models.Manager()

    term = models.ForeignKey(PaymentTerm, on_delete=models.CASCADE, related_name="steps")
    threshold = percent_field(_("achievement threshold (%)"))
    # xgettext:no-python-format (a percent sign, not a placeholder)
    percent = percent_field(_("payment (% of the principal)"))

    class Meta:
        verbose_name = _("achievement table row")
        verbose_name_plural = _("achievement table rows")
        ordering = ["term", "threshold"]
        constraints = [
            models.UniqueConstraint(fields=["term", "threshold"], name="bond_step_threshold_unique"),
            models.CheckConstraint(condition=Q(threshold__gte=0) & Q(threshold__lte=HUNDRED) & Q(percent__gte=0),
                                   name="bond_step_in_range"),
        ]

    def __str__(self) -> str:
        return f"{self.threshold} % -> {self.percent} %"


class EvaluationPoint(models.Model):
    """An evaluation point (평가 시점): interim (중간) or final (최종, one per contract)."""

    objects: models.Manager[EvaluationPoint] = models.Manager()

    class Kind(models.TextChoices):
        INTERIM = "interim", _("Interim (중간 평가)")
        FINAL = "final", _("Final (최종 평가)")

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="points")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)
    on_date = models.DateField(_("evaluated on"))

    class Meta:
        verbose_name = _("evaluation point")
        verbose_name_plural = _("evaluation points")
        ordering = ["contract", "on_date", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["interim", "final"]), name="bond_point_kind"),
            models.UniqueConstraint(fields=["contract"], condition=Q(kind="final"), name="bond_point_one_final"),
            models.UniqueConstraint(fields=["contract", "on_date"], name="bond_point_one_per_day"),
        ]

    def __str__(self) -> str:
        return f"{self.contract}: {self.name}"


class Result(models.Model):
    """A metric's result at an evaluation point (성과 측정 결과): the people engaged, those with the outcome, and for
    a rate card the verified outcome units (the people with the outcome unless given)."""

    objects: models.Manager[Result] = models.Manager()

    class State(models.TextChoices):
        RECORDED = "recorded", _("Recorded (입력)")
        CONFIRMED = "confirmed", _("Confirmed (확정)")
        REOPENED = "reopened", _("Reopened (재검토)")

    metric = models.ForeignKey(Metric, on_delete=models.PROTECT, related_name="results")
    point = models.ForeignKey(EvaluationPoint, on_delete=models.PROTECT, related_name="results")
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.RECORDED)
    engaged = models.PositiveIntegerField(_("people engaged (참여자 수)"))
    with_outcome = models.PositiveIntegerField(_("people with the outcome (성과 달성자 수)"))
    units = models.PositiveIntegerField(_("verified outcome units"))
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")
    confirmed_at = models.DateTimeField(null=True, blank=True)
    reopened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    reopened_at = models.DateTimeField(null=True, blank=True)
    reopen_reason = models.TextField(_("reason reopened"), blank=True)

    class Meta:
        verbose_name = _("result")
        verbose_name_plural = _("results")
        ordering = ["point__on_date", "metric__position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["metric", "point"], name="bond_result_one_per_metric_and_point"),
            models.CheckConstraint(condition=Q(state__in=["recorded", "confirmed", "reopened"]),
                                   name="bond_result_state"),
            models.CheckConstraint(condition=Q(with_outcome__lte=F("engaged")), name="bond_result_outcome_within"),
            # Four eyes: whoever recorded the result cannot confirm it.
            models.CheckConstraint(
                condition=Q(confirmed_by__isnull=True) | ~Q(confirmed_by=F("recorded_by")),
                name="bond_result_four_eyes"),
            models.CheckConstraint(condition=~Q(state="confirmed") | Q(confirmed_by__isnull=False),
                                   name="bond_result_confirmed_has_confirmer"),
            models.CheckConstraint(condition=~Q(state="reopened") | ~Q(reopen_reason=""),
                                   name="bond_result_reopened_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.metric} @ {self.point.name}: {self.with_outcome}/{self.engaged}"


class ResultEvidence(models.Model):
    """An evidence file of a result (증빙: the evaluation report, the data extract), kept with its SHA-256."""

    objects: models.Manager[ResultEvidence] = models.Manager()

    result = models.ForeignKey(Result, on_delete=models.PROTECT, related_name="evidence")
    file = models.FileField(_("evidence (증빙)"), upload_to="bonds/evidence/%Y/%m/")
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("result evidence")
        verbose_name_plural = _("result evidence")
        ordering = ["result", "id"]

    def __str__(self) -> str:
        return str(self.file.name)

