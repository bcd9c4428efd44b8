"""What each caller may see of the pledges, and a pledge's matches.

A backer sees its own pledges; staff every pledge; an enterprise's members the pledges to their enterprise's
campaigns (with the backer's display name only). Anything else is "not found"."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet

from enterprises.roles import STAFF_READERS, Role, has_role

from ..models import Match, Pledge


def pledges_visible_to(user: Any) -> QuerySet[Pledge]:
    if not getattr(user, "is_authenticated", False):
        return Pledge.objects.none()
    if has_role(user, *STAFF_READERS):
        return Pledge.objects.all()
    visible = Q(pk__in=[])
    if has_role(user, Role.BACKER):
        visible |= Q(backer=user)
    if has_role(user, Role.ENTERPRISE_MEMBER):
        visible |= Q(campaign__enterprise__memberships__user=user)
    return Pledge.objects.filter(visible).distinct()


@dataclass(frozen=True)
class MatchLine:
    pool: int
    pool_name: str
    funder: str  # the funder institution's name
    amount: Decimal
    state: str


def matches_of(pledge: Pledge) -> list[MatchLine]:
    """The matches drawn for the pledge, from each funder of each pool (returned ones included, with their state)."""
    return [MatchLine(pool=pool, pool_name=pool_name, funder=funder, amount=amount, state=state)
            for pool, pool_name, funder, amount, state in Match.objects.filter(pledge=pledge).order_by("pk")
            .values_list("pool_id", "pool__name", "funder__institution__name", "amount", "state")]
