"""Delinquency (연체) and asset soundness classification (자산건전성 분류) of the fund's loans.

The classes, their thresholds in days past due and their allowance rates (대손충당금 적립률) are rows of
``AssetClassRule`` (seeded by a migration with the Korean supervisory rule for corporate loans), so a fund changes
them as data; the classification itself is the kernel's pure engine (``core.engines.classification``).
"""

from __future__ import annotations

from core.engines.classification import Rule, loan_class, split

from .models import AssetClassRule

__all__ = ["DEFAULT_DAYS", "NORMAL", "WRITE_OFF_CLASS", "Rule", "loan_class", "rules", "split"]

DEFAULT_DAYS = 90  # from 90 days past due a loan is non-performing (고정 이하): "in default"
WRITE_OFF_CLASS = "estimated_loss"
NORMAL = "normal"


def rules() -> list[Rule]:
    """The rules, soundest first."""
    return [
        Rule(r.code, r.korean_name, r.min_days_past_due, r.part, r.allowance_rate, r.severity)
        for r in AssetClassRule.objects.order_by("severity")
    ]
