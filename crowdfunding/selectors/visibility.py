"""What each user may see of the contests: the object-level half of ``crowdfunding.access`` (the role table decides
whether a user may read entries at all; these decide which). Anything else is "not found"."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from enterprises.roles import STAFF_READERS, Role, has_role

from ..models import Contest, Entry, PanelJudge, Round, RoundKind

# The entries a round judges: a screening judges every submitted entry; a final, those that passed screening.
_SCREENED = Q(state__in=[Entry.State.SUBMITTED, Entry.State.ADVANCED, Entry.State.SELECTED]) | Q(
    state=Entry.State.NOT_ADVANCED)
_IN_FINAL = Q(state__in=[Entry.State.ADVANCED, Entry.State.SELECTED]) | Q(
    state=Entry.State.NOT_ADVANCED, eliminated_in=RoundKind.FINAL)


def pool_filter(kind: str) -> Q:
    """The entries (of the round's contest) a round of ``kind`` judges."""
    return _SCREENED if kind == RoundKind.SCREENING else _IN_FINAL


def round_pool(judged: Round) -> QuerySet[Entry]:
    """The entries a round judges, in the order they were submitted."""
    return (Entry.objects.filter(contest_id=judged.contest_id).filter(pool_filter(judged.kind))
            .order_by("submitted_at", "pk"))


def contests_visible_to(user: Any) -> QuerySet[Contest]:
    """Every contest, to anyone signed in (their public fields; staff see more)."""
    if not getattr(user, "is_authenticated", False):
        return Contest.objects.none()
    return Contest.objects.all()


def seats_of(user: Any) -> QuerySet[PanelJudge]:
    """The panel seats of a judge (none unless it holds the role)."""
    if not has_role(user, Role.JUDGE):
        return PanelJudge.objects.none()
    return PanelJudge.objects.filter(judge=user)


def entries_visible_to(user: Any) -> QuerySet[Entry]:
    """Staff: every entry. An enterprise member: its enterprises' entries. A judge: the entries of the rounds it sits
    on. Someone who is several of these sees the union."""
    if not getattr(user, "is_authenticated", False):
        return Entry.objects.none()
    if has_role(user, *STAFF_READERS):
        return Entry.objects.all()
    visible = Q(enterprise__memberships__user=user)
    for kind, contest_id in seats_of(user).values_list("round__kind", "round__contest_id").distinct():
        visible |= Q(contest_id=contest_id) & pool_filter(kind)
    return Entry.objects.filter(visible).distinct()


def rounds_visible_to(user: Any) -> QuerySet[Round]:
    """Staff: every round. A judge: the rounds it sits on."""
    if has_role(user, *STAFF_READERS):
        return Round.objects.all()
    return Round.objects.filter(pk__in=seats_of(user).values("round_id"))
