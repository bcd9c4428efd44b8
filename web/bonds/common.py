"""What the bonds pages of every area show the same way: a contract's metrics with their payment terms, charts and
results per evaluation point (``outcomes``), and the links between the pages."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from bonds.models import Contract, EvaluationPoint, Metric, OutcomePayment, Result
from bonds.services.common import rounding
from core.engines import bonds as engine

from .chart import chart_of


def contract_url(contract: Contract) -> str:
    return reverse("web:bond", args=[contract.pk])


def outcomes(contract: Contract) -> dict[str, Any]:
    """The contract's metrics (each with its term, its table's rows, its chart and its results by point), its
    evaluation points (each with its results and its outcome payment, if any)."""
    rule = rounding(contract)
    metrics = list(Metric.objects.filter(contract=contract).select_related("term").prefetch_related("term__steps")
                   .order_by("position", "pk"))
    points = list(EvaluationPoint.objects.filter(contract=contract).order_by("on_date", "pk"))
    results = list(Result.objects.filter(metric__contract=contract)
                   .select_related("metric", "recorded_by", "confirmed_by", "reopened_by").prefetch_related("evidence")
                   .order_by("point__on_date", "metric__position", "pk"))
    payments = {p.point_id: p for p in OutcomePayment.objects.filter(contract=contract)
                .select_related("prepared_by", "approved_by")}
    names = {point.pk: point.name for point in points}
    rows = []
    for metric in metrics:
        term = getattr(metric, "term", None)
        own = [r for r in results if r.metric_id == metric.pk]
        marks = [(names[r.point_id], engine.achievement_rate(r.with_outcome, r.engaged) if r.engaged else
                  engine.ZERO, r.state == Result.State.CONFIRMED) for r in own]
        rows.append({"metric": metric, "term": term, "steps": list(term.steps.all()) if term is not None else [],
                     "chart": chart_of(term, rule, target=metric.target, results=marks), "results": own})
    by_point = [{"point": point, "results": [r for r in results if r.point_id == point.pk],
                 "payment": payments.get(point.pk)} for point in points]
    return {"metrics": rows, "points": by_point,
            "achievement": {r.pk: (engine.achievement_rate(r.with_outcome, r.engaged) if r.engaged else engine.ZERO)
                            for r in results}}
