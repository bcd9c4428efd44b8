"""Reads over contests: who may enter one, its joint fund (공동기금) by contributor reconciled to its book, and its
entries counted by state. The API, the pages and the contest report read the same figures from here."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, Prefetch, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from enterprises.models import Enterprise, Province

from .. import accounts as chart
from ..models import Award, Contest, ContestPartner, Entry, JointFundContribution
from .visibility import contests_visible_to

ZERO = Decimal(0)


def contests_listed(user: Any) -> QuerySet[Contest]:
    """The contests ``user`` sees (``contests_visible_to``), the latest call first, with what their lists show (the
    host, the partners in the order they joined)."""
    partners = Prefetch("partners", queryset=ContestPartner.objects.select_related("institution")
                        .order_by("created_at", "pk"))
    return (contests_visible_to(user).select_related("host", "previous_stage").prefetch_related(partners)
            .order_by("-call_opens_on", "-pk"))


# --- eligibility (참가 자격) ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ineligibility:
    """Why an enterprise may not enter a contest: a message for a person, and the rule it breaks."""

    message: str
    rule: str


def ineligibility(contest: Contest, enterprise: Enterprise) -> Ineligibility | None:
    """Why ``enterprise`` may not enter ``contest``, or None when it may: its kind must be one of the contest's
    eligible kinds, its province one of the eligible provinces (none named: any), its district one of the eligible
    districts (none named: any); and, in a later stage of a staged program, it must hold an award of the stage
    before (approved or settled)."""
    if enterprise.kind not in contest.eligible_kinds:
        return Ineligibility(
            _("%(kind)s may not enter %(contest)s.") % {"kind": enterprise.get_kind_display(), "contest": contest},
            _("kind %(kind)s is not eligible for this contest") % {"kind": enterprise.kind})
    if contest.eligible_provinces and enterprise.province not in contest.eligible_provinces:
        return Ineligibility(
            _("%(contest)s is open to enterprises of %(provinces)s only.")
            % {"contest": contest,
               "provinces": ", ".join(str(Province(code).label) for code in contest.eligible_provinces)},
            _("province %(province)s is not eligible for this contest") % {"province": enterprise.province})
    if contest.eligible_districts and enterprise.district not in contest.eligible_districts:
        return Ineligibility(
            _("%(contest)s is open to enterprises of %(districts)s only.")
            % {"contest": contest, "districts": ", ".join(contest.eligible_districts)},
            _("district %(district)s is not eligible for this contest") % {"district": enterprise.district})
    previous = contest.previous_stage
    if previous is not None and not Award.objects.filter(
            contest=previous, entry__enterprise=enterprise,
            state__in=[Award.State.APPROVED, Award.State.SETTLED]).exists():
        return Ineligibility(
            _("Only enterprises awarded in %(previous)s may enter %(contest)s.")
            % {"previous": previous, "contest": contest},
            _("needs an award of the previous stage (%(code)s)") % {"code": previous.code})
    return None


# --- the joint fund ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ContributorLine:
    """One partner's side of the joint fund: what it pledged, what it paid in (its contributions' rows), and the
    balance of its contribution account in the contest's book."""

    partner_id: int
    institution_id: int
    name: str
    pledged: Decimal
    paid: Decimal
    ledger: Decimal

    @property
    def outstanding(self) -> Decimal:
        """Pledged and not paid yet (never below zero)."""
        return max(self.pledged - self.paid, ZERO)


@dataclass(frozen=True)
class ContestFund:
    """The joint fund (공동기금): by contributor, and where the money is now. ``reconciled`` when what the
    contributions' rows say was paid in is what the book holds as contributions, and cash + reserved for awards +
    paid out and not settled (advanced) + spent on awards is all of it."""

    contributors: list[ContributorLine]
    pledged: Decimal
    paid: Decimal  # JointFundContribution rows
    contributions: Decimal  # the book's contribution accounts
    cash: Decimal  # not yet reserved for an award
    reserved: Decimal  # approved awards' amounts not paid yet (award:*:reserved)
    advanced: Decimal  # tranches paid and not settled (award:*:advance)
    spent: Decimal  # award money spent as settled (expense:awards)

    @property
    def reconciled(self) -> bool:
        return (self.paid == self.contributions
                and self.cash + self.reserved + self.advanced + self.spent == self.contributions)


def contest_fund(contest: Contest) -> ContestFund:
    """The contest's joint fund by contributor (every partner, in the order they joined), reconciled to its book.
    Three queries."""
    balances = list(contest.book.accounts.values_list("code", "balance"))
    by_code = dict(balances)
    paid_by_partner = dict(JointFundContribution.objects.filter(contest=contest).values("partner_id")
                           .annotate(total=Sum("amount")).values_list("partner_id", "total"))
    lines = [
        ContributorLine(
            partner_id=partner_id, institution_id=institution_id, name=name, pledged=pledged,
            paid=paid_by_partner.get(partner_id) or ZERO,
            ledger=by_code.get(chart.contribution_code(institution_id), ZERO),
        )
        for partner_id, institution_id, name, pledged in ContestPartner.objects.filter(contest=contest)
        .order_by("created_at", "pk").values_list("pk", "institution_id", "institution__name", "pledged")
    ]

    def total(prefix: str, suffix: str = "") -> Decimal:
        return sum((balance for code, balance in balances if code.startswith(prefix) and code.endswith(suffix)),
                   ZERO)

    return ContestFund(
        contributors=lines,
        pledged=sum((line.pledged for line in lines), ZERO),
        paid=sum(paid_by_partner.values(), ZERO),
        contributions=total("contribution:"),
        cash=by_code.get(chart.CASH, ZERO),
        reserved=total("award:", ":reserved"),
        advanced=total("award:", ":advance"),
        spent=by_code.get(chart.AWARD_EXPENSE, ZERO),
    )


def contributions_of(contest: Contest) -> QuerySet[JointFundContribution]:
    """What was paid into the joint fund, in the order it was received."""
    return (JointFundContribution.objects.filter(contest=contest).select_related("partner__institution")
            .order_by("received_on", "pk"))


def partners_of(contest: Contest) -> QuerySet[ContestPartner]:
    """The contest's partners in the order they joined, with what each paid in (``paid``)."""
    return (ContestPartner.objects.filter(contest=contest).select_related("institution")
            .annotate(paid=Coalesce(Sum("contributions__amount"), Value(ZERO),
                                    output_field=DecimalField(max_digits=18, decimal_places=0)))
            .order_by("created_at", "pk"))


# --- entries -------------------------------------------------------------------------------------------------------


def entries_by_phase(contest: Contest) -> dict[str, int]:
    """How many of the contest's entries are in each state (every state, zero included), in the states' order."""
    counts = dict(Entry.objects.filter(contest=contest).values("state").annotate(n=Count("pk"))
                  .values_list("state", "n"))
    return {state: counts.get(state, 0) for state in Entry.State.values}


def live_entry_of(contest: Contest, enterprise_id: int) -> Entry | None:
    """The enterprise's entry in the contest that is not withdrawn (there is one at most), if any."""
    return (Entry.objects.filter(contest=contest, enterprise_id=enterprise_id)
            .filter(~Q(state=Entry.State.WITHDRAWN)).first())
