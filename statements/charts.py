"""Charts for statements: SVG drawn by matplotlib, embedded in the page as a data URI. The chart's text stays text
in NanumGothic, the statement's own font, which WeasyPrint sets like the rest of the page (glyphs drawn as outlines
made the SVG three times larger and slower to draw and to lay out)."""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
from matplotlib.ticker import FuncFormatter

matplotlib.rcParams.update({
    "svg.fonttype": "none",  # text stays text, set by WeasyPrint in the page's embedded font
    "svg.hashsalt": "statements",  # the same data draws the same SVG
    "font.family": ["NanumGothic", "DejaVu Sans"],
    "font.size": 8,
    "axes.spines.top": False,
    "axes.spines.right": False,
})

COLOURS = ["#1f4e79", "#c55a11", "#548235", "#7f6000"]

Series = tuple[str, Sequence[tuple[date, Decimal]]]


def _won_axis(value: float, _position: object) -> str:
    if abs(value) >= 100_000_000:
        return f"₩{value / 100_000_000:,.1f}억"
    if abs(value) >= 10_000:
        return f"₩{value / 10_000:,.0f}만"
    return f"₩{value:,.0f}"


def step_chart(series: Sequence[Series], *, title: str, width_mm: float = 180, height_mm: float = 60) -> str:
    """Balances over time as steps (a balance holds until the next movement). Returns a ``data:image/svg+xml`` URI.
    Amounts are drawn in 만원/억원; the exact figures are in the tables."""
    return _chart(series, title=title, width_mm=width_mm, height_mm=height_mm, steps=True)


def snapshot_chart(series: Sequence[Series], *, title: str, width_mm: float = 180, height_mm: float = 60) -> str:
    """Figures taken on given days (month ends, say) as points joined by lines: what was true on each day, not a
    balance known between them. Returns a ``data:image/svg+xml`` URI."""
    return _chart(series, title=title, width_mm=width_mm, height_mm=height_mm, steps=False)


def _chart(series: Sequence[Series], *, title: str, width_mm: float, height_mm: float, steps: bool) -> str:
    fig, ax = plt.subplots(figsize=(width_mm / 25.4, height_mm / 25.4))
    try:
        for index, (label, points) in enumerate(series):
            if not points:
                continue
            xs: list[Any] = [p[0] for p in points]
            ys = [float(p[1]) for p in points]  # drawing only: the figures printed come from Decimal
            colour = COLOURS[index % len(COLOURS)]
            if steps:
                ax.step(xs, ys, where="post", label=label, color=colour, linewidth=1.4)
            else:
                ax.plot(xs, ys, label=label, color=colour, linewidth=1.4, marker="o", markersize=2.5)
        ax.set_title(title, loc="left", fontsize=9)
        ax.yaxis.set_major_formatter(FuncFormatter(_won_axis))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m"))
        top = max((float(p[1]) for _label, points in series for p in points), default=0.0)
        ax.set_ylim(bottom=0, top=top * 1.12 or 1)
        ax.grid(axis="y", linewidth=0.3, color="#bbbbbb")
        if len(series) > 1:
            ax.legend(loc="upper right" if steps else "best", frameon=False)
        fig.autofmt_xdate(bottom=0.22)
        # fixed margins (in mm, as a fraction of the figure) rather than tight_layout, which draws the figure once
        # more just to measure it: a third of the chart's time
        fig.subplots_adjust(left=17 / width_mm, right=1 - 3 / width_mm, top=1 - 7 / height_mm)
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    finally:
        plt.close(fig)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue().encode()).decode()


def grouped_bar_chart(labels: Sequence[str], series: Sequence[tuple[str, Sequence[Decimal | None]]], *, title: str,
                      width_mm: float = 180, height_mm: float = 70, top: float | None = None) -> str:
    """Scores side by side: for each label (an entry) one bar per series (a panel); a missing score draws no bar.
    Returns a ``data:image/svg+xml`` URI. The exact figures are in the tables."""
    fig, ax = plt.subplots(figsize=(width_mm / 25.4, height_mm / 25.4))
    try:
        count = max(len(series), 1)
        width = 0.8 / count
        positions = list(range(len(labels)))
        highest = 0.0
        for index, (name, values) in enumerate(series):
            xs = [p - 0.4 + width * (index + 0.5) for p in positions]
            ys = [float(v) if v is not None else 0.0 for v in values]  # drawing only
            highest = max([highest, *ys])
            ax.bar(xs, ys, width=width * 0.92, label=name, color=COLOURS[index % len(COLOURS)])
        ax.set_title(title, loc="left", fontsize=9)
        ax.set_xticks(positions)
        ax.set_xticklabels(labels, rotation=35, ha="right", fontsize=6.5)
        ax.set_ylim(bottom=0, top=top if top is not None else (highest * 1.12 or 1))
        ax.grid(axis="y", linewidth=0.3, color="#bbbbbb")
        ax.set_axisbelow(True)
        legend_mm = 38 if len(series) > 1 else 3  # the legend beside the bars, never over them
        if len(series) > 1:
            ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=7)
        fig.subplots_adjust(left=12 / width_mm, right=1 - legend_mm / width_mm, top=1 - 7 / height_mm,
                            bottom=min(0.45, 24 / height_mm))
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    finally:
        plt.close(fig)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue().encode()).decode()


def terms_chart(curve: Sequence[tuple[Decimal, Decimal]], marks: Sequence[tuple[str, Decimal, Decimal]], *,
                title: str, x_label: str, y_label: str, money: bool = False, width_mm: float = 180,
                height_mm: float = 62) -> str:
    """What payment terms pay against what was achieved: the terms as a curve (achievement rate -> percent of the
    principal, or verified units -> won when ``money``), and each result marked on it with its label (중간 평가, 최종
    평가).
    Returns a ``data:image/svg+xml`` URI. The exact figures are in the tables."""
    fig, ax = plt.subplots(figsize=(width_mm / 25.4, height_mm / 25.4))
    try:
        xs = [float(x) for x, _y in curve]  # drawing only: the figures printed come from Decimal
        ys = [float(y) for _x, y in curve]
        ax.plot(xs, ys, color=COLOURS[0], linewidth=1.4, label="지급 기준")
        for index, (label, x, y) in enumerate(marks):
            colour = COLOURS[(index + 1) % len(COLOURS)]
            ax.plot([float(x)], [float(y)], marker="o", markersize=5, color=colour, linestyle="none",
                    label=f"{label} ({float(x):,.2f})")
        ax.set_title(title, loc="left", fontsize=9)
        ax.set_xlabel(x_label)
        ax.set_ylabel(y_label)
        if money:
            ax.yaxis.set_major_formatter(FuncFormatter(_won_axis))
        top = max([*ys, *(float(y) for _l, _x, y in marks)], default=0.0)
        ax.set_ylim(bottom=0, top=top * 1.15 or 1)
        ax.set_xlim(left=0, right=max([*xs, *(float(x) for _l, x, _y in marks)], default=1.0) or 1)
        ax.grid(linewidth=0.3, color="#bbbbbb")
        ax.legend(loc="lower right", frameon=False, fontsize=7)
        fig.subplots_adjust(left=17 / width_mm, right=1 - 4 / width_mm, top=1 - 7 / height_mm,
                            bottom=min(0.4, 12 / height_mm))
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    finally:
        plt.close(fig)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue().encode()).decode()
