"""The enterprise portal's contests (``/my/contests/``, ``/my/contest-entries/``): the contests a member's enterprise
may enter (with why not, when it may not), entering one through a form, editing the entry while the call is open,
submitting it, withdrawing it with a reason, and following it (its state, the notices it got: advanced, not
advanced, awarded). Its award and the spending reports are ``web.crowdfunding.portal_awards``.

A portal page is for members only (``portal.open``) and reaches only the member's own enterprises' entries (the
contests' selectors narrowed to its memberships): another enterprise's entry is 404, exactly like one that does
not exist. Each action is an ``ActionPage`` that calls one service of ``crowdfunding.services``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, ClassVar

from django import forms
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from crowdfunding import selectors, services
from crowdfunding.access import ACCESS
from crowdfunding.models import Award, AwardTranche, Contest, Entry, EntryNotice, Phase
from enterprises.models import Enterprise, Membership, Province
from enterprises.selectors import enterprises_visible_to
from web.common import menu
from web.common.forms import RequiredReasonForm
from web.common.pages import ActionPage, ObjectPage, Page
from web.common.tables import ListPage

from . import portal_forms as pf
from .portal_links import my_contest_url, my_entry_url
from .portal_tables import MyEntryFilter, MyEntryTable

EState = Entry.State
EDITABLE = (EState.DRAFT, EState.SUBMITTED)  # while the call is open
WITHDRAWABLE = (EState.DRAFT, EState.SUBMITTED)  # until screening ends
# The awards an enterprise is told of: decided (approved, being paid) or settled; a prepared award is the
# managers' draft until another manager approves it.
DECIDED = (Award.State.APPROVED, Award.State.SETTLED)
PANEL_ROWS = 10


def own(queryset: QuerySet[Any], user: Any, field: str = "enterprise") -> QuerySet[Any]:
    """``queryset`` narrowed to the enterprises ``user`` acts for (a judge or a staff user who is also a member sees
    only its own enterprises' things here, as any member does)."""
    return queryset.filter(**{f"{field}__in": Membership.objects.filter(user=user).values("enterprise_id")})


def my_enterprises(user: Any) -> QuerySet[Enterprise]:
    return own(enterprises_visible_to(user), user, "pk").order_by("name", "id")


def my_entries(user: Any) -> QuerySet[Entry]:
    return own(selectors.entries_visible_to(user), user).select_related("contest", "enterprise", "partner")


def my_awards(user: Any) -> QuerySet[Award]:
    """The decided awards of the member's enterprises' entries."""
    return own(selectors.awards_visible_to(user).filter(state__in=DECIDED), user, "entry__enterprise").select_related(
        "contest", "entry__enterprise", "tier")


def my_tranches(user: Any) -> QuerySet[AwardTranche]:
    return selectors.tranches_visible_to(user).filter(award__in=my_awards(user).values("pk")).select_related(
        "award__contest", "award__entry__enterprise")


def call_open(contest: Contest, today: date) -> bool:
    """Whether the contest takes entries ``today`` (what the page offers; the service decides)."""
    return contest.phase == Phase.CALL and contest.call_opens_on <= today <= contest.call_closes_on


def open_calls(user: Any, today: date) -> QuerySet[Contest]:
    """The contests taking entries ``today``, the call closing soonest first."""
    return (selectors.contests_visible_to(user).filter(phase=Phase.CALL, call_opens_on__lte=today,
                                                       call_closes_on__gte=today)
            .select_related("host", "previous_stage").order_by("call_closes_on", "pk"))


@dataclass
class Standing:
    """One of the member's enterprises before a contest: its live entry, or whether it may enter (and why not)."""

    enterprise: Enterprise
    entry: Entry | None
    refusal: Any  # crowdfunding.selectors.Ineligibility | None

    @property
    def eligible(self) -> bool:
        return self.refusal is None


def standings(contest: Contest, enterprises: list[Enterprise], entries: list[Entry]) -> list[Standing]:
    """Each enterprise's standing before ``contest``: its live entry there, or the contest's eligibility rule it
    does not meet (``crowdfunding.selectors.ineligibility``)."""
    live = {e.enterprise_id: e for e in entries if e.contest_id == contest.pk and e.state != EState.WITHDRAWN}
    return [Standing(enterprise, live.get(enterprise.pk),
                     None if enterprise.pk in live else selectors.ineligibility(contest, enterprise))
            for enterprise in enterprises]


@dataclass
class PhaseLine:
    code: str
    label: Any
    starts: date | None
    ends: date | None
    current: bool
    past: bool


def phase_lines(contest: Contest) -> list[PhaseLine]:
    """The contest's phases with their dates, as announced (each phase ends at the end of its day; the next begins
    the day after), the current one marked. A contest without a crowdfunding phase shows none."""
    day = timedelta(days=1)
    final_starts = (contest.funding_ends_on or contest.screening_ends_on) + day
    spans: list[tuple[str, date | None, date | None]] = [
        (Phase.CALL, contest.call_opens_on, contest.call_closes_on),
        (Phase.SCREENING, contest.call_closes_on + day, contest.screening_ends_on),
    ]
    if contest.funding_ends_on is not None:
        spans.append((Phase.FUNDING, contest.screening_ends_on + day, contest.funding_ends_on))
    spans += [(Phase.FINAL, final_starts, contest.final_ends_on),
              (Phase.AWARDS, contest.final_ends_on + day, contest.awards_end_on),
              (Phase.CLOSED, contest.awards_end_on + day, None)]
    order = list(Phase.values)
    now = order.index(contest.phase)
    return [PhaseLine(code, Phase(code).label, starts, ends, code == contest.phase, order.index(code) < now)
            for code, starts, ends in spans]


def eligibility_rules(contest: Contest) -> dict[str, Any]:
    """The contest's eligibility in words: the enterprise kinds, provinces and districts it admits, and the stage
    before (for a later stage of a staged program)."""
    kinds = dict(Enterprise.Kind.choices)
    provinces = dict(Province.choices)
    return {
        "kinds": [kinds.get(kind, kind) for kind in contest.eligible_kinds],
        "provinces": [provinces.get(p, p) for p in contest.eligible_provinces],
        "districts": list(contest.eligible_districts),
        "previous": contest.previous_stage,
    }


class PortalPage(Page):
    """A page of the enterprise portal's contests: for members of an enterprise."""

    access = ACCESS
    area = menu.PORTAL
    section = "contests"


# --- the start page's panel ----------------------------------------------------------------------------------------


def contests_panel(request: HttpRequest) -> dict[str, Any]:
    """The calls open today (whether the member's enterprises may enter them), its entries still in a contest, the
    tranches whose spending it must report, and the money it must return."""
    user, today = request.user, timezone.localdate()
    enterprises = list(my_enterprises(user))
    entries = list(my_entries(user).exclude(state=EState.WITHDRAWN).exclude(contest__phase=Phase.CLOSED)
                   .order_by("-created_at", "-pk")[:PANEL_ROWS])
    calls = list(open_calls(user, today)[:PANEL_ROWS])
    tranches = list(my_tranches(user).filter(state__in=[AwardTranche.State.PAID, AwardTranche.State.SETTLED])
                    .order_by("award__contest__name", "award_id", "number"))
    return {
        "calls": [(contest, standings(contest, enterprises, entries)) for contest in calls],
        "entries": entries,
        "to_report": [t for t in tranches if t.state == AwardTranche.State.PAID],
        "to_return": [t for t in tranches if t.state == AwardTranche.State.SETTLED],
        "can_enter": ACCESS.allows(user, "entry.create"),
    }


# --- contests ------------------------------------------------------------------------------------------------------


class MyContestList(PortalPage):
    """The contests: those whose call is open first, each with the member's enterprises' standing (entered, may
    enter, or the rule it does not meet), then the others in their phase."""

    template_name = "web/crowdfunding/my/contests.html"
    action = "contest.read"
    title = _("Contests")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user, today = self.request.user, self.today
        enterprises = list(my_enterprises(user))
        entries = list(my_entries(user))
        contests = list(selectors.contests_listed(user))
        calls = [c for c in contests if call_open(c, today)]
        live = {e.contest_id: e for e in entries if e.state != EState.WITHDRAWN}
        context.update(
            calls=[(contest, eligibility_rules(contest), standings(contest, enterprises, entries))
                   for contest in calls],
            others=[(c, live.get(c.pk)) for c in contests if c not in calls],
            can_enter=self.access.allows(user, "entry.create"),
        )
        return context


class MyContestPage(PortalPage, ObjectPage):
    """A contest as its entrants see it: what it is, its host and partners, its phases with their dates, who may
    enter, and the member's enterprises' entries in it (or the button to enter)."""

    template_name = "web/crowdfunding/my/contest.html"
    action = "contest.read"
    buttons = ("entry.create",)
    context_object_name = "contest"

    def visible(self) -> QuerySet[Contest]:
        return selectors.contests_visible_to(self.request.user).select_related("host", "previous_stage")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        contest: Contest = self.get_object()  # type: ignore[assignment]
        context = super().get_context_data(**kwargs)
        entries = list(my_entries(self.request.user).filter(contest=contest).order_by("-created_at", "-pk"))
        context.update(
            title=contest.name,
            phases=phase_lines(contest),
            rules=eligibility_rules(contest),
            partners=[p.institution.name for p in selectors.partners_of(contest)],
            standings=standings(contest, list(my_enterprises(self.request.user)), entries),
            entries=entries,
            call_open=call_open(contest, self.today),
        )
        return context


class MyEntryNew(PortalPage, ActionPage):
    """Enter the contest: the entry is saved as a draft, checked against the contest's rules (the call's window,
    the enterprise's eligibility, the target's range); it is submitted from its page."""

    template_name = "web/crowdfunding/my/entry_form.html"
    action = "entry.create"
    title = _("Enter the contest")
    intro = _("The entry is saved as a draft. You can change it until the call closes; submit it from its page when "
              "it is ready. Only submitted entries are screened.")
    submit_label = _("Save the draft")
    form_class = pf.EntryForm
    context_object_name = "contest"
    created: Entry | None = None

    def visible(self) -> QuerySet[Contest]:
        return selectors.contests_visible_to(self.request.user)

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "contest": self.get_object(),
                "enterprises": my_enterprises(self.request.user)}

    def perform(self, form: forms.Form) -> Entry:
        data = form.cleaned_data
        self.created = services.entry_create(
            actor=self.actor, today=self.today, contest_id=self.get_object().pk, enterprise_id=data["enterprise"].pk,
            title=data["title"], summary=data["summary"], use_of_funds=data["use_of_funds"],
            target_amount=data["target_amount"], campaign_type=data["campaign_type"], team=data["team"],
            partner=data["partner"])
        return self.created

    def success_url(self) -> str:
        if self.created is not None:
            return my_entry_url(self.created)
        return my_contest_url(self.get_object())

    def success_message(self, result: Any) -> str:
        return gettext("Your entry was saved as a draft; submit it before the call closes on %(date)s.") % {
            "date": result.contest.call_closes_on.isoformat()}


# --- entries -------------------------------------------------------------------------------------------------------


class MyEntryList(PortalPage, ListPage):
    action = "entry.read"
    title = _("Contest entries")
    intro = _("Your enterprise's entries in contests, the newest first.")
    section = "contest-entries"
    table_class = MyEntryTable
    filterset_class = MyEntryFilter
    export_name = "contest-entries"

    def rows(self) -> QuerySet[Entry]:
        return my_entries(self.request.user)


class MyEntryMixin(PortalPage):
    """An entry of the member's own enterprises (anything else is 404)."""

    section = "contest-entries"
    context_object_name: ClassVar[str] = "entry"

    def visible(self) -> QuerySet[Entry]:
        return my_entries(self.request.user)

    def success_url(self) -> str:
        return my_entry_url(self.get_object())  # type: ignore[attr-defined]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        entry: Entry = self.get_object()  # type: ignore[attr-defined]
        kwargs.setdefault("object", entry.title)  # the way back
        return super().get_context_data(**kwargs)


class MyEntryPage(MyEntryMixin, ObjectPage):
    """The entry: what it proposes, its progress in the contest, the notices it got, its award with the tranches
    (and what the enterprise must report or return), and the member's buttons."""

    template_name = "web/crowdfunding/my/entry.html"
    action = "entry.read"
    buttons = ("entry.update", "entry.submit", "entry.withdraw")

    def visible(self) -> QuerySet[Entry]:
        return super().visible().prefetch_related(
            Prefetch("notices", queryset=EntryNotice.objects.order_by("created_at", "pk")))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        entry: Entry = self.get_object()  # type: ignore[assignment]
        context = super().get_context_data(**kwargs)
        contest, today = entry.contest, self.today
        award = my_awards(self.request.user).filter(entry=entry).prefetch_related("tranches__spending").first()
        editable = entry.state in EDITABLE and call_open(contest, today)
        context.update(
            title=entry.title,
            contest=contest,
            phases=phase_lines(contest),
            notices=list(entry.notices.all()),
            award=award,
            tranches=[(t, sum((item.amount.amount for item in t.spending.all()), 0)) for t in award.tranches.all()]
            if award else [],
            show_edit=editable,
            show_submit=entry.state == EState.DRAFT and call_open(contest, today),
            show_withdraw=(entry.state in WITHDRAWABLE and contest.phase in (Phase.CALL, Phase.SCREENING)
                           and today <= contest.screening_ends_on),
        )
        return context


class MyEntryEdit(MyEntryMixin, ActionPage):
    """Change the entry while the call is open (a draft, or one already submitted)."""

    template_name = "web/crowdfunding/my/entry_form.html"
    action = "entry.update"
    title = _("Change the entry")
    intro = _("You can change the entry until the call closes; a submitted entry stays submitted.")
    submit_label = _("Save the changes")
    form_class = pf.EntryForm

    def initial(self) -> dict[str, Any]:
        return pf.EntryForm.initial_of(self.get_object())  # type: ignore[arg-type]

    def get_form_kwargs(self) -> dict[str, Any]:
        entry: Entry = self.get_object()  # type: ignore[assignment]
        return {**super().get_form_kwargs(), "contest": entry.contest}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        kwargs.setdefault("contest", self.get_object().contest)  # type: ignore[attr-defined]
        return super().get_context_data(**kwargs)

    def perform(self, form: forms.Form) -> Entry:
        data = form.cleaned_data
        return services.entry_update(
            actor=self.actor, today=self.today, entry_id=self.get_object().pk, title=data["title"],
            summary=data["summary"], use_of_funds=data["use_of_funds"], target_amount=data["target_amount"],
            campaign_type=data["campaign_type"], team=data["team"], partner=data["partner"])

    def success_message(self, result: Any) -> str:
        return gettext("The entry was saved.")


class MyEntrySubmit(MyEntryMixin, ActionPage):
    action = "entry.submit"
    title = _("Submit the entry")
    intro = _("The contest's eligibility is checked again today. A submitted entry is screened after the call "
              "closes; you can still change it, or withdraw it, until then.")
    submit_label = _("Submit")
    form_class = forms.Form

    def perform(self, form: forms.Form) -> Entry:
        return services.entry_submit(actor=self.actor, today=self.today, entry_id=self.get_object().pk)

    def success_message(self, result: Any) -> str:
        return gettext("The entry was submitted; it is screened after the call closes on %(date)s.") % {
            "date": result.contest.call_closes_on.isoformat()}


class MyEntryWithdraw(MyEntryMixin, ActionPage):
    action = "entry.withdraw"
    title = _("Withdraw the entry")
    intro = _("A withdrawn entry is not screened or judged. While the call is open your enterprise may enter again "
              "with a new entry.")
    submit_label = _("Withdraw")
    danger = True
    form_class = RequiredReasonForm

    def perform(self, form: forms.Form) -> Entry:
        return services.entry_withdraw(actor=self.actor, today=self.today, entry_id=self.get_object().pk,
                                       reason=form.cleaned_data["reason"])

    def success_message(self, result: Any) -> str:
        return gettext("The entry was withdrawn.")
