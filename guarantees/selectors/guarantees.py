"""Reads over applications and guarantees: what a user may see of them, what an enterprise owes under guarantees
(the reader registered in ``enterprises.exposure``), a program's guarantees by state, and a guarantee's bank loan as
its bank reported it (the expected schedule, the reported balances)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from core.engines.rounding import Rounding
from core.engines.schedules import DayCount, Method, Schedule, Terms, build_schedule
from enterprises.roles import STAFF_READERS, bank_of, has_role

from ..models import Guarantee, GuaranteeApplication, GuaranteeBalance, GuaranteeProgram
from .claims import recourse_by_enterprise

ZERO = Decimal(0)
_WON = DecimalField(max_digits=18, decimal_places=0)
State = Guarantee.State
# The states in which a guarantee holds part of the program's capacity and counts in its enterprise's exposure:
# approved (the bank may still lend), active, and defaulted until the claim is paid.
EXPOSED = (State.APPROVED, State.ACTIVE, State.DEFAULTED)
# The bank loan's expected schedule: interest actual/365 as Korean banks count it, to the won (the bank's own
# figures may differ by its rounding; the guarantee follows the balances the bank reports, not this schedule).
BANK_DAY_COUNT = DayCount.ACTUAL_365
BANK_ROUNDING = Rounding(1, "floor")


def _staff(user: Any) -> bool:
    return has_role(user, *STAFF_READERS)


def applications_visible_to(user: Any) -> QuerySet[GuaranteeApplication]:
    """Staff see every application; an enterprise member only its own enterprises'. The newest first."""
    qs = (GuaranteeApplication.objects.select_related("program", "enterprise", "bank", "guarantee")
          .order_by("-created_at", "-id"))
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    if _staff(user):
        return qs
    return qs.filter(enterprise__memberships__user=user).distinct()


def guarantees_visible_to(user: Any) -> QuerySet[Guarantee]:
    """Staff see every guarantee; an enterprise member its own enterprises'; a bank officer its own bank's (a user
    who is both sees both). The newest first."""
    qs = Guarantee.objects.select_related("program", "enterprise", "bank").order_by("-id")
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    if _staff(user):
        return qs
    seen = Q(pk__in=Guarantee.objects.filter(enterprise__memberships__user=user).values("pk"))
    bank = bank_of(user)
    if bank is not None:
        seen |= Q(bank_id=bank)
    return qs.filter(seen)


def exposure_by_enterprise(enterprise_ids: Iterable[int]) -> dict[int, Decimal]:
    """What each of ``enterprise_ids`` owes under the special guarantees: the guaranteed amounts of its guarantees
    approved, active or defaulted (a guarantee repaid or cancelled counts nothing), and, once a claim is paid, the
    구상채권 it owes the program (principal and costs outstanding, ``recourse_by_enterprise``). An enterprise that
    owes nothing is left out. Two queries, however many enterprises.

    The reader registered in ``enterprises.exposure`` (``GuaranteesConfig.ready``); the per-firm limit of an
    approval reads it through the registry. Reads only: a limit check holds the enterprise's row lock."""
    ids = set(enterprise_ids)
    if not ids:
        return {}
    rows = (Guarantee.objects.filter(enterprise_id__in=ids, state__in=EXPOSED).order_by().values("enterprise_id")
            .annotate(owed=Sum("guaranteed")).values_list("enterprise_id", "owed"))
    owed = {enterprise_id: Decimal(amount) for enterprise_id, amount in rows if amount}
    for enterprise_id, recourse in recourse_by_enterprise(ids).items():
        owed[enterprise_id] = owed.get(enterprise_id, Decimal(0)) + recourse
    return owed


@dataclass(frozen=True)
class StateFigures:
    """A program's guarantees in one state: how many, what they guarantee now, and the loan amounts approved."""

    state: str
    label: str
    count: int
    guaranteed: Decimal
    approved_amount: Decimal


def guarantees_by_state(program: GuaranteeProgram) -> dict[str, StateFigures]:
    """Every state of a guarantee (in the model's order, zeros included) with the program's guarantees in it. One
    query."""
    rows = {
        state: (count, guaranteed, approved)
        for state, count, guaranteed, approved in Guarantee.objects.filter(program=program).order_by()
        .values("state").annotate(
            count=Count("id"), guaranteed_sum=Coalesce(Sum("guaranteed"), ZERO, output_field=_WON),
            approved_sum=Coalesce(Sum("approved_amount"), ZERO, output_field=_WON))
        .values_list("state", "count", "guaranteed_sum", "approved_sum")
    }
    return {
        state: StateFigures(state, str(label), *(rows.get(state) or (0, ZERO, ZERO)))
        for state, label in State.choices
    }


def expected_schedule(guarantee: Guarantee) -> Schedule | None:
    """The bank loan's schedule as its terms give it (``core.engines.schedules``, the revolving fund's engine):
    from the day it was made, for its term, bullet or grace then equal principal. None before the bank lends."""
    if guarantee.loan_amount is None or guarantee.loan_rate is None or guarantee.start_on is None:
        return None
    return build_schedule(Terms(
        principal=guarantee.loan_amount.amount, annual_rate=guarantee.loan_rate, term_months=guarantee.term_months,
        grace_months=guarantee.grace_months, method=Method(guarantee.repayment_method), day_count=BANK_DAY_COUNT,
        disbursed_on=guarantee.start_on, rounding=BANK_ROUNDING,
    ))


def balances_of(guarantee: Guarantee) -> QuerySet[GuaranteeBalance]:
    """The bank loan's reported balances, in the order they took effect (the day, then the order reported)."""
    return guarantee.balances.order_by("on_date", "id")
