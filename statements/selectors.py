"""Read-side helpers for the interfaces: which statement is a repayment's receipt."""

from __future__ import annotations

from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery

from funds.models import Repayment

from .models import Statement


def _first_receipt() -> Any:  # a values() subquery
    receipts = Statement.objects.filter(repayment=OuterRef("pk"), kind=Statement.Kind.RECEIPT)
    return receipts.order_by("id").values("pk")[:1]


def with_receipt(repayments: QuerySet[Repayment]) -> QuerySet[Repayment]:
    """Each repayment with ``receipt_id``: its first receipt statement (상환 영수증), or None."""
    return repayments.annotate(receipt_id=Subquery(_first_receipt()))


def receipt_of(repayment: Repayment) -> int | None:
    if hasattr(repayment, "receipt_id"):
        return repayment.receipt_id
    return (Statement.objects.filter(repayment=repayment, kind=Statement.Kind.RECEIPT).order_by("id")
            .values_list("pk", flat=True).first())
