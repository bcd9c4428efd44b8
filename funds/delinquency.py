"""Delinquency (연체) and asset soundness classification (자산건전성 분류).

Thresholds in days past due and the allowance rate (대손충당금 적립률) of each class. The rates are those of the
Korean supervisory rule for corporate loans; a fund may set its own in a later version (they are data here, in
one table, so that change is a data change).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

DEFAULT_DAYS = 90  # from 90 days past due a loan is non-performing (고정 이하): "in default"


@dataclass(frozen=True)
class AssetClass:
    code: str
    korean: str
    allowance_rate: Decimal


NORMAL = AssetClass("normal", "정상", Decimal("0.0085"))
PRECAUTIONARY = AssetClass("precautionary", "요주의", Decimal("0.07"))
SUBSTANDARD = AssetClass("substandard", "고정", Decimal("0.20"))
DOUBTFUL = AssetClass("doubtful", "회수의문", Decimal("0.50"))
ESTIMATED_LOSS = AssetClass("estimated_loss", "추정손실", Decimal("1.00"))

ASSET_CLASSES = (NORMAL, PRECAUTIONARY, SUBSTANDARD, DOUBTFUL, ESTIMATED_LOSS)
BY_CODE = {c.code: c for c in ASSET_CLASSES}
