"""Contests (소셜 크라우드펀딩 대회) in the console: the list, opening a contest, each contest's page (its phases with
their dates and the advance-phase action, its partners and the joint fund by contributor reconciled to the ledger,
its entries by state, its rounds and advance lists, its award table and awards) and the actions on it, each an
``ActionPage`` that calls one service: move the phase on, add a partner, record a contribution to the joint fund,
set the award table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django import forms
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.selectors import audit_events
from crowdfunding import selectors, services
from crowdfunding.access import ACCESS
from crowdfunding.models import PHASE_ORDER, AdvanceList, Contest, Entry, Phase, PhaseChange, Round
from enterprises.models import Enterprise, Province
from enterprises.selectors import institutions_all
from statements.access import ACCESS as STATEMENTS
from statements.kinds import KINDS as STATEMENT_KINDS
from web.common.format import won
from web.common.pages import ActionPage, ObjectPage
from web.common.tables import ListPage

from . import console_forms as f
from .console_filters import ContestFilter
from .console_funding import funding_section
from .console_links import contest_url, entries_url
from .console_tables import ContestTable

OBJECT_TYPE = "crowdfunding.contest"  # the audit trail's label of a contest


class ContestList(ListPage):
    access, action = ACCESS, "contest.read"
    buttons = ("contest.create",)
    title = _("Contests")
    intro = _("Social crowdfunding contests (소셜 크라우드펀딩 대회): their phases, entries, judging and awards from "
              "the partners' joint fund (공동기금).")
    section = "contests"
    template_name = "web/crowdfunding/console/contests.html"
    table_class = ContestTable
    filterset_class = ContestFilter
    export_name = "contests"

    def rows(self) -> QuerySet[Contest]:
        return (selectors.contests_visible_to(self.request.user).select_related("host")
                .annotate(entry_count=Count("entries", filter=~Q(entries__state__in=[Entry.State.DRAFT,
                                                                                    Entry.State.WITHDRAWN]))))


class ContestCreate(ActionPage):
    """Open a contest: its book of accounts is opened with it, in its draft phase (공고 전)."""

    access, action = ACCESS, "contest.create"
    section = "contests"
    title = _("Open a contest")
    intro = _("The contest opens in its draft phase with its own book of accounts (its joint fund). Its phases move "
              "on at their dates (or by a manager); a phase never moves backwards.")
    submit_label = _("Open the contest")
    form_class = f.ContestForm
    created: Contest | None = None

    def get_object(self) -> Any:
        return None  # nothing yet: the form makes the contest

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "institutions": institutions_all().order_by("name"),
                "contests": selectors.contests_visible_to(self.request.user).order_by("-call_opens_on")}

    def initial(self) -> dict[str, Any]:
        return {"eligible_kinds": [], "target_min": "0"}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        kwargs.setdefault("object", gettext("Contests"))
        return super().get_context_data(**kwargs)

    def perform(self, form: forms.Form) -> Any:
        data = form.cleaned_data
        self.created = services.contest_create(
            actor=self.actor, today=self.today, code=data["code"], name=data["name"], host=data["host"],
            eligible_kinds=data["eligible_kinds"], call_opens_on=data["call_opens_on"],
            call_closes_on=data["call_closes_on"], screening_ends_on=data["screening_ends_on"],
            final_ends_on=data["final_ends_on"], awards_end_on=data["awards_end_on"],
            target_max=data["target_max"], funding_ends_on=data["funding_ends_on"],
            target_min=data["target_min"] or 0, eligible_provinces=data["eligible_provinces"],
            eligible_districts=data["eligible_districts"], previous_stage=data["previous_stage"],
            description=data["description"])
        return self.created

    def success_url(self) -> str:
        return contest_url(self.created) if self.created is not None else reverse("web:contests")

    def success_message(self, result: Any) -> str:
        return gettext("Contest %(code)s was opened in its draft phase.") % {"code": result.code}


# --- a contest's page ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PhaseRow:
    """A phase of the contest as its page lists it: its days, whether it is past, current or to come, and when (and
    by whom) the contest moved into it."""

    phase: str
    label: str
    starts_on: date | None
    ends_on: date | None
    status: str  # "past", "current", "next"
    change: PhaseChange | None


def phase_days(contest: Contest) -> dict[str, tuple[date | None, date | None]]:
    """Each phase's first and last day, as the contest's dates say (each phase ends at the end of its day and the
    next begins the day after; the draft ends the day before the call opens; the crowdfunding phase only when the
    contest has one)."""
    day = timedelta(days=1)
    before_final = contest.funding_ends_on or contest.screening_ends_on
    days: dict[str, tuple[date | None, date | None]] = {
        Phase.DRAFT: (None, contest.call_opens_on - day),
        Phase.CALL: (contest.call_opens_on, contest.call_closes_on),
        Phase.SCREENING: (contest.call_closes_on + day, contest.screening_ends_on),
    }
    if contest.funding_ends_on is not None:
        days[Phase.FUNDING] = (contest.screening_ends_on + day, contest.funding_ends_on)
    days[Phase.FINAL] = (before_final + day, contest.final_ends_on)
    days[Phase.AWARDS] = (contest.final_ends_on + day, contest.awards_end_on)
    days[Phase.CLOSED] = (contest.awards_end_on + day, None)
    return days


def phase_rows(contest: Contest, changes: list[PhaseChange]) -> list[PhaseRow]:
    current = PHASE_ORDER.index(contest.phase)
    by_phase = {change.to_phase: change for change in changes}
    rows = []
    for phase, (starts_on, ends_on) in phase_days(contest).items():
        index = PHASE_ORDER.index(phase)
        status = "past" if index < current else "current" if index == current else "next"
        rows.append(PhaseRow(phase=phase, label=str(Phase(phase).label), starts_on=starts_on, ends_on=ends_on,
                             status=status, change=by_phase.get(phase)))
    return rows


def rounds_of(user: Any, contest: Contest) -> list[Round]:
    """The contest's rounds (screening first), each with its panels' and judges' counts and its live advance
    list."""
    rounds: list[Round] = list(selectors.rounds_visible_to(user).filter(contest=contest)
                  .annotate(panel_count=Count("panels", distinct=True),
                            judge_count=Count("panels__judges", distinct=True))
                  .order_by("kind"))
    rounds.sort(key=lambda r: r.kind != "screening")
    lists = {found.round_id: found for found in AdvanceList.objects.filter(round__in=rounds)
             .exclude(state=AdvanceList.State.CANCELLED).select_related("prepared_by", "decided_by")}
    for judged in rounds:
        judged.live_list = lists.get(judged.pk)  # type: ignore[attr-defined]
    return rounds


class ContestMixin:
    access = ACCESS
    section = "contests"
    context_object_name = "contest"
    request: Any

    def visible(self) -> QuerySet[Contest]:
        return selectors.contests_visible_to(self.request.user).select_related("host", "book", "previous_stage")


class ContestPage(ContestMixin, ObjectPage):
    """A contest: its terms and eligibility; its phases with their dates (which one it is in, when each began and who
    moved it); its partners and the joint fund by contributor, reconciled to the contest's book; its entries by
    state; its rounds, their judging and advance lists; its award table and awards; the audit trail."""

    template_name = "web/crowdfunding/console/contest.html"
    action = "contest.read"
    buttons = ("contest.advance", "contest.partner", "contest.contribution", "fund.read", "entry.read",
               "round.read", "round.setup", "advance.read", "award.read", "award.table", "award.prepare",
               "pool.read", "pool.write", "preview.read", "settlement.read")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        contest: Contest = self.get_object()  # type: ignore[assignment]
        context = super().get_context_data(**kwargs)
        user = self.request.user
        changes = list(contest.phase_changes.select_related("changed_by").order_by("changed_at", "pk"))
        counts = selectors.entries_by_phase(contest)
        context.update(
            title=contest.name,
            phases=phase_rows(contest, changes),
            entry_counts=[(state, label, counts.get(state, 0), entries_url(contest, state=state))
                          for state, label in Entry.State.choices],
            entries_link=entries_url(contest),
            rounds=rounds_of(user, contest),
            kinds=[label for value, label in Enterprise.Kind.choices if value in contest.eligible_kinds],
            provinces=[label for value, label in Province.choices if value in contest.eligible_provinces],
            tiers=list(contest.award_tiers.all()),
            events=list(audit_events(object_type=OBJECT_TYPE, object_id=str(contest.pk))[:30]),
            can_request_statement=(STATEMENTS.allows(user, "statement.request") and "contest" in STATEMENT_KINDS),
        )
        if ACCESS.allows(user, "fund.read"):
            context["fund"] = selectors.contest_fund(contest)
            context["contributions"] = list(selectors.contributions_of(contest))
        if ACCESS.allows(user, "award.read"):
            context["awards"] = selectors.award_summary(contest)
        context["funding"] = funding_section(user, contest, self.today)
        return context


class ContestAction(ContestMixin, ActionPage):
    template_name = "web/crowdfunding/console/contest_action.html"

    def success_url(self) -> str:
        return contest_url(self.get_object())


class ContestAdvance(ContestAction):
    action = "contest.advance"
    title = _("Move the contest to its next phase")
    intro = _("Phases move on at their dates by themselves; a manager may move one on earlier. A phase never moves "
              "backwards. Leaving the screening (or the final) needs that round's advance list confirmed.")
    submit_label = _("Move the phase on")
    form_class = f.ContestAdvanceForm

    def get_form(self, data: Any = None) -> forms.Form:
        contest: Contest = self.get_object()  # type: ignore[assignment]
        return f.ContestAdvanceForm(data, contest=contest, **self.get_form_kwargs())

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        contest: Contest = self.get_object()  # type: ignore[assignment]
        context["blocked"] = contest.phase == Phase.CLOSED
        context["phases"] = phase_rows(contest, [])
        return context

    def perform(self, form: forms.Form) -> Any:
        return services.contest_advance(actor=self.actor, today=self.today, contest_id=self.get_object().pk,
                                        to_phase=form.cleaned_data["to_phase"] or None)

    def success_message(self, result: Any) -> str:
        return gettext("The contest is now in its %(phase)s phase.") % {"phase": result.get_phase_display()}


class PartnerAdd(ContestAction):
    action = "contest.partner"
    title = _("Add a partner institution")
    intro = _("A partner institution (참여기관) and what it pledges to the joint fund. The host may be a partner too. "
              "Its staff may not judge the entries it recommends.")
    submit_label = _("Add the partner")
    form_class = f.PartnerForm

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "institutions": institutions_all().order_by("name")}

    def perform(self, form: forms.Form) -> Any:
        data = form.cleaned_data
        return services.contest_partner_add(actor=self.actor, today=self.today, contest_id=self.get_object().pk,
                                            institution=data["institution"], pledged=data["pledged"] or 0)

    def success_message(self, result: Any) -> str:
        partner, created = result
        if created:
            return gettext("%(name)s is a partner of the contest.") % {"name": partner.institution.name}
        return gettext("%(name)s's pledge is now %(amount)s.") % {"name": partner.institution.name,
                                                                  "amount": won(partner.pledged)}


class ContributionRecord(ContestAction):
    action = "contest.contribution"
    title = _("Record a contribution to the joint fund")
    intro = _("Money a partner paid into the joint fund (공동기금 출연): one journal in the contest's book, cash up "
              "and the partner's contribution up. Sending the form twice records it once.")
    submit_label = _("Record the contribution")
    form_class = f.ContributionForm

    def get_form_kwargs(self) -> dict[str, Any]:
        contest: Contest = self.get_object()  # type: ignore[assignment]
        return {**super().get_form_kwargs(), "partners": selectors.partners_of(contest)}

    def initial(self) -> dict[str, Any]:
        return {"received_on": self.today}

    def perform(self, form: forms.Form) -> Any:
        data = form.cleaned_data
        return services.contribution_record(
            actor=self.actor, today=self.today, contest_id=self.get_object().pk, partner_id=data["partner"].pk,
            amount=data["amount"], received_on=data["received_on"], idempotency_key=data["idempotency_key"],
            memo=data["memo"])

    def success_message(self, result: Any) -> str:
        contribution, _created = result
        return gettext("%(amount)s received from %(name)s on %(date)s.") % {
            "amount": won(contribution.amount), "name": contribution.partner.institution.name,
            "date": contribution.received_on.isoformat()}


class AwardTableSet(ContestAction):
    """The award table by final rank: a line per tier (ranks from-to, the smallest and the largest amount; equal
    amounts: a fixed award). Replaced as a whole, while no award is prepared."""

    action = "award.table"
    title = _("Set the award table")
    intro = _("Each tier gives the final ranks from-to an award between the smallest and the largest amount (the same "
              "amount twice: a fixed award). Ranks run from 1 without gaps or overlaps. The table can be changed "
              "until the first award is prepared.")
    submit_label = _("Save the award table")
    form_class = f.AwardTiersFormSet  # type: ignore[assignment]
    template_name = "web/crowdfunding/console/award_table.html"

    def get_form(self, data: Any = None) -> Any:
        contest: Contest = self.get_object()  # type: ignore[assignment]
        initial = [{"name": tier.name, "rank_from": tier.rank_from, "rank_to": tier.rank_to,
                    "amount_min": f"{int(tier.amount_min.amount):,}", "amount_max": f"{int(tier.amount_max.amount):,}"}
                   for tier in contest.award_tiers.all()]
        return f.Composite(tiers=f.AwardTiersFormSet(data, initial=[] if data is not None else initial,
                                                     prefix="tiers"))

    def perform(self, form: Any) -> Any:
        tiers = [{"name": row["name"], "rank_from": row["rank_from"], "rank_to": row["rank_to"],
                  "amount_min": row["amount_min"], "amount_max": row["amount_max"]}
                 for row in form.cleaned_data["tiers"] if row]
        return services.award_table_set(actor=self.actor, today=self.today, contest_id=self.get_object().pk,
                                        tiers=tiers)

    def success_message(self, result: Any) -> str:
        return gettext("The award table has %(n)s tiers.") % {"n": len(result)}
