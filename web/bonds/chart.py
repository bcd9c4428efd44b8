"""The achievement chart of a metric's payment table (성과보상 기준표), drawn on the server as inline SVG (no script,
no CDN): the table's payment curve (percent of the principal against the achievement rate, from the engine, so the
picture and the payment never disagree), the principal line (100 %), the metric's target and each result recorded
at an evaluation point. The template (``web/bonds/_chart.html``) draws it and lists the same figures as a table for
screen readers and print."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from core.engines import bonds as engine

WIDTH, HEIGHT = 520, 280
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 40  # margins (pixels) around the plot
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    label: str
    achievement: Decimal
    percent: Decimal
    confirmed: bool


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    path: str  # the payment curve, an SVG path
    x_ticks: list[tuple[float, str]]
    y_ticks: list[tuple[float, str]]
    principal_y: float
    target_x: float | None
    dots: list[Dot]
    plot: tuple[int, int, int, int]  # left, top, right, bottom of the plot area


def _xs(table: engine.AchievementTable) -> list[Decimal]:
    """Where to sample the curve: every whole percent, and each threshold with the point just below it (steps)."""
    xs = {Decimal(x) for x in range(0, 101)}
    for step in table.steps:
        xs.add(step.threshold)
        if step.threshold > 0:
            xs.add(step.threshold - Decimal("0.01"))
    return sorted(xs)


def achievement_chart(table: engine.AchievementTable, *, target: Decimal | None,
                      results: list[tuple[str, Decimal, bool]]) -> Chart:
    """``results``: (label, achievement %, confirmed) of each result to mark on the curve."""
    top = max(table.ceiling, HUNDRED, *(step.percent for step in table.steps))
    y_max = (top * Decimal("1.1") / 20).to_integral_value(rounding="ROUND_CEILING") * 20
    right, bottom = WIDTH - RIGHT, HEIGHT - BOTTOM
    span_x, span_y = right - LEFT, bottom - TOP

    def x_of(achievement: Decimal) -> float:
        return round(LEFT + float(min(achievement, HUNDRED) / HUNDRED) * span_x, 1)

    def y_of(percent: Decimal) -> float:
        return round(bottom - float(percent / y_max) * span_y, 1)

    points = [(x_of(x), y_of(table.percent(x))) for x in _xs(table)]
    path = "M" + " L".join(f"{x},{y}" for x, y in points)
    dots = []
    for label, achievement, confirmed in results:
        percent = table.percent(achievement)
        dots.append(Dot(x_of(achievement), y_of(percent), label, achievement, percent, confirmed))
    y_step = y_max / 4
    return Chart(
        width=WIDTH, height=HEIGHT, path=path,
        x_ticks=[(x_of(Decimal(x)), f"{x}%") for x in range(0, 101, 20)],
        y_ticks=[(y_of(y_step * i), f"{y_step * i:.0f}%") for i in range(5)],
        principal_y=y_of(HUNDRED), target_x=None if target is None else x_of(target), dots=dots,
        plot=(LEFT, TOP, right, bottom))


def chart_of(term: Any, rounding: Any, *, target: Decimal | None,
             results: list[tuple[str, Decimal, bool]]) -> Chart | None:
    """The chart of a payment term (``bonds.models.PaymentTerm``), or None for a rate card."""
    if term is None or term.kind != "table":
        return None
    return achievement_chart(term.engine_terms(rounding), target=target, results=results)
