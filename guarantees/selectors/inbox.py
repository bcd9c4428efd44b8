"""What waits for a fund manager in the special guarantees (the console's inbox), with four eyes made visible: what
this manager recommended or prepared waits for another, and is listed apart from what is this manager's to act on.

For a reader who acts on nothing (an auditor), the same queues, whoever they wait for, read only; for anyone who is
not staff, nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from enterprises.access import STAFF
from enterprises.roles import has_role

from ..access import ACCESS
from ..models import Claim, GuaranteeApplication, RecourseWriteOff, SubsidyRun

INBOX_LIMIT = 50  # per list: an inbox, not a report (the lists have the rest)

AppState = GuaranteeApplication.State


@dataclass
class GuaranteeInbox:
    """The queues of the special guarantees.

    ``acts``: whether the lists are this person's to act on. For a manager:

    - ``to_recommend``: applications submitted, to recommend or decline (추천 심사);
    - ``to_approve``: applications another manager recommended, to approve or reject;
    - ``recommended_by_me``: applications this manager recommended, waiting for another (four eyes);
    - ``runs_to_approve``: subsidy runs another manager (or the nightly task) prepared, to approve and pay;
    - ``runs_prepared_by_me``: subsidy runs this manager prepared, waiting for another;
    - ``claims_to_prepare``: claims a bank requested, to work out (심사);
    - ``claims_to_approve``: claims another manager prepared, to approve (pay) or reject;
    - ``claims_prepared_by_me``: claims this manager prepared, waiting for another;
    - ``write_offs_to_approve``: write-offs of a 구상채권 another manager asked for;
    - ``write_offs_asked_by_me``: write-offs this manager asked for, waiting for another.

    Applications of an enterprise the manager acts for are left out of what to judge (the service refuses them).
    For a reader, every queue holds what waits for anyone and the ``*_by_me`` lists are empty."""

    acts: bool
    to_recommend: list[GuaranteeApplication] = field(default_factory=list)
    to_approve: list[GuaranteeApplication] = field(default_factory=list)
    recommended_by_me: list[GuaranteeApplication] = field(default_factory=list)
    runs_to_approve: list[SubsidyRun] = field(default_factory=list)
    runs_prepared_by_me: list[SubsidyRun] = field(default_factory=list)
    claims_to_prepare: list[Claim] = field(default_factory=list)
    claims_to_approve: list[Claim] = field(default_factory=list)
    claims_prepared_by_me: list[Claim] = field(default_factory=list)
    write_offs_to_approve: list[RecourseWriteOff] = field(default_factory=list)
    write_offs_asked_by_me: list[RecourseWriteOff] = field(default_factory=list)

    @property
    def count(self) -> int:
        """How many things wait for this person (what waits for another is not counted)."""
        return (len(self.to_recommend) + len(self.to_approve) + len(self.runs_to_approve)
                + len(self.claims_to_prepare) + len(self.claims_to_approve) + len(self.write_offs_to_approve))

    @property
    def waiting_for_others(self) -> int:
        return (len(self.recommended_by_me) + len(self.runs_prepared_by_me) + len(self.claims_prepared_by_me)
                + len(self.write_offs_asked_by_me))


def _first(queryset: QuerySet[Any]) -> list[Any]:
    return list(queryset[:INBOX_LIMIT])


def guarantee_inbox_for(user: Any) -> GuaranteeInbox:
    """The special guarantees' inbox of ``user`` (see ``GuaranteeInbox``); empty for anyone who is not staff.
    Eleven queries at most, however much waits."""
    if not getattr(user, "is_authenticated", False) or not has_role(user, *STAFF):
        return GuaranteeInbox(acts=False)
    applications = GuaranteeApplication.objects.select_related("program", "enterprise", "bank", "recommended_by")
    submitted = applications.filter(state=AppState.SUBMITTED).order_by("submitted_at", "id")
    recommended = applications.filter(state=AppState.RECOMMENDED).order_by("recommended_at", "id")
    runs = (SubsidyRun.objects.filter(state=SubsidyRun.State.PREPARED).select_related("program", "prepared_by")
            .order_by("period_start", "id"))
    claims = Claim.objects.select_related("guarantee__enterprise", "guarantee__program", "guarantee__bank",
                                          "prepared_by")
    requested = claims.filter(state=Claim.State.REQUESTED).order_by("requested_on", "id")
    prepared = claims.filter(state=Claim.State.PREPARED).order_by("prepared_at", "id")
    write_offs = (RecourseWriteOff.objects.filter(state=RecourseWriteOff.State.REQUESTED)
                  .select_related("claim__guarantee__enterprise", "requested_by").order_by("requested_at", "id"))
    if not ACCESS.allows(user, "application.recommend"):  # a reader: every queue, whoever it waits for
        return GuaranteeInbox(
            acts=False, to_recommend=_first(submitted), to_approve=_first(recommended),
            runs_to_approve=_first(runs), claims_to_prepare=_first(requested), claims_to_approve=_first(prepared),
            write_offs_to_approve=_first(write_offs))
    own = Q(enterprise__memberships__user=user)
    return GuaranteeInbox(
        acts=True,
        to_recommend=_first(submitted.exclude(own)),
        to_approve=_first(recommended.exclude(own).exclude(recommended_by=user)),
        recommended_by_me=_first(recommended.filter(recommended_by=user)),
        runs_to_approve=_first(runs.exclude(prepared_by=user)),
        runs_prepared_by_me=_first(runs.filter(prepared_by=user)),
        claims_to_prepare=_first(requested),
        claims_to_approve=_first(prepared.exclude(prepared_by=user)),
        claims_prepared_by_me=_first(prepared.filter(prepared_by=user)),
        write_offs_to_approve=_first(write_offs.exclude(requested_by=user)),
        write_offs_asked_by_me=_first(write_offs.filter(requested_by=user)),
    )
