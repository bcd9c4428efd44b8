"""The funding phase in the console (/console/...): a contest's campaigns with their live totals and its matching
pools (매칭 펀드) on the contest's page; a pool's page (its rule, its funders with what each committed, paid in, had
drawn, got back and has available, and once it settled what it owes back to each, paid or not), opening a pool (the
fields of the rule chosen) and changing it while nothing is drawn, adding a funder, recording a funder's payment (an
idempotent form), settling the pool by hand, recording a return paid to its funder (idempotent), the quadratic
funding preview, the funder's statement; the campaigns' settlement results (캠페인 정산) with settling a closed
campaign by hand, the payout file for the bank (CSV, XLSX) and recording a payout; and the start page's panel of
what waits (campaigns to settle, payouts to record). The nightly funding run settles campaigns and pools too.

Managers act; auditors read (and download the payout file: each download is in the audit trail). Each action is an
``ActionPage`` that calls one service of ``crowdfunding.services``."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django import forms
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError
from crowdfunding import selectors, services
from crowdfunding.access import ACCESS
from crowdfunding.models import (
    Campaign,
    CampaignSettlement,
    Contest,
    MatchingPool,
    PayoutAccount,
    PoolFunder,
    PoolReturn,
    PoolRule,
)
from crowdfunding.selectors import campaign_settlement as settlement_selectors
from crowdfunding.selectors.campaigns import campaigns_visible_to, days_left, progress_percent
from crowdfunding.services import campaign_settlement as settlement_services
from enterprises.login_guard import client_address
from enterprises.selectors import institutions_all
from statements.access import ACCESS as STATEMENTS
from statements.models import Statement
from web.common.errors import status_of
from web.common.format import won
from web.common.pages import ActionPage, ObjectPage

from . import campaign_forms as cf
from .console_forms import ConfirmForm
from .console_links import contest_url


def pool_url(pool: Any) -> str:
    return reverse("web:matching-pool", args=[getattr(pool, "pk", pool)])


def settlements_url(contest: Any) -> str:
    return reverse("web:contest-settlements", args=[getattr(contest, "pk", contest)])


# --- the contest page's funding section ----------------------------------------------------------------------------


def funding_section(user: Any, contest: Contest, today: Any) -> dict[str, Any]:
    """What the contest page shows of its funding phase: its launched campaigns with their live totals (progress,
    days left) and its pools with their totals. Empty for a contest without a funding phase."""
    if contest.funding_ends_on is None:
        return {}
    campaigns = list(campaigns_visible_to(user).filter(contest=contest).select_related("enterprise")
                     .order_by("pk"))
    section: dict[str, Any] = {
        "campaigns": [(c, progress_percent(c), days_left(c, today)) for c in campaigns],
        "totals": {"pledged": sum((c.pledged.amount for c in campaigns), 0),
                   "charged": sum((c.charged.amount for c in campaigns), 0),
                   "matched": sum((c.matched.amount for c in campaigns), 0),
                   "backers": sum(c.backers for c in campaigns)},
    }
    if ACCESS.allows(user, "pool.read"):
        section["pools"] = [selectors.pool_figures(pool) for pool in
                            selectors.pools_visible_to(user).filter(contest=contest).order_by("pk")]
    return section


# --- pools ---------------------------------------------------------------------------------------------------------


class PoolCreate(ActionPage):
    """Open a matching pool of the contest: the fields of the rule chosen are those sent (the page hides the others
    when scripts run)."""

    access, action = ACCESS, "pool.write"
    section = "contests"
    template_name = "web/crowdfunding/console/pool_form.html"
    title = _("Open a matching pool")
    intro = _("A matching pool (매칭 펀드) adds money to the contest's campaigns by its rule. Funders are added on its "
              "page. Its rule can change until the first match is drawn.")
    submit_label = _("Open the pool")
    form_class = cf.PoolForm
    context_object_name = "contest"
    created: MatchingPool | None = None

    def visible(self) -> QuerySet[Contest]:
        return selectors.contests_visible_to(self.request.user)

    def get_form_kwargs(self) -> dict[str, Any]:
        contest: Contest = self.get_object()  # type: ignore[assignment]
        return {**super().get_form_kwargs(),
                "campaigns": campaigns_visible_to(self.request.user).filter(contest=contest).order_by("pk")}

    def initial(self) -> dict[str, Any]:
        return {"rule": PoolRule.MATCH, "unit": 1, "factor": "1"}

    def perform(self, form: forms.Form) -> MatchingPool:
        assert isinstance(form, cf.PoolForm)
        data = form.cleaned_data
        self.created = services.pool_create(
            contest_id=self.get_object().pk, actor=self.actor, name=data["name"], rule=data["rule"],
            campaigns=[c.pk for c in data["campaigns"]], unit=data["unit"], **form.terms())
        return self.created

    def success_url(self) -> str:
        return pool_url(self.created) if self.created is not None else contest_url(self.get_object())

    def success_message(self, result: Any) -> str:
        return gettext("The matching pool %(name)s was opened; add its funders.") % {"name": result.name}


class PoolMixin:
    access = ACCESS
    section = "contests"
    context_object_name = "pool"
    request: Any

    def visible(self) -> QuerySet[MatchingPool]:
        return selectors.pools_visible_to(self.request.user).select_related("contest")

    def success_url(self) -> str:
        return pool_url(self.get_object())  # type: ignore[attr-defined]


class PoolPage(PoolMixin, ObjectPage):
    """A pool: its rule and terms, the campaigns it applies to, and its funders' money reconciled to their accounts
    (committed, paid in, drawn, returned, available), each with its statement."""

    template_name = "web/crowdfunding/console/pool.html"
    action = "pool.read"
    buttons = ("pool.fund", "preview.read", "pool.write", "pool.settle", "pool_return.payout")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        pool: MatchingPool = self.get_object()  # type: ignore[assignment]
        context = super().get_context_data(**kwargs)
        context.update(
            title=pool.name,
            contest=pool.contest,
            figures=selectors.pool_figures(pool),
            campaigns=list(pool.campaigns.order_by("pk")),
            changeable=selectors.pool_changeable(pool),
            settleable=selectors.pool_settleable(pool, self.today),
            returns=selectors.returns_of(pool),
            can_request_statement=STATEMENTS.allows(self.request.user, "statement.request"),
            statement_kind=Statement.Kind.POOL_FUNDER,
        )
        return context


class PoolEdit(PoolMixin, ActionPage):
    """Change a pool's name, rule, fields or campaigns while no match has been drawn from it (``pool_update``)."""

    template_name = "web/crowdfunding/console/pool_form.html"
    action = "pool.write"
    title = _("Change the matching pool")
    intro = _("The rule and its fields can change until the first match is drawn from the pool, and only during the "
              "contest's funding phase.")
    submit_label = _("Save the pool")
    form_class = cf.PoolForm

    def get_form_kwargs(self) -> dict[str, Any]:
        pool: MatchingPool = self.get_object()  # type: ignore[assignment]
        return {**super().get_form_kwargs(),
                "campaigns": campaigns_visible_to(self.request.user).filter(contest=pool.contest_id).order_by("pk")}

    def initial(self) -> dict[str, Any]:
        return cf.PoolForm.initial_of(self.get_object())  # type: ignore[arg-type]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        pool: MatchingPool = self.get_object()  # type: ignore[assignment]
        kwargs.setdefault("contest", pool.contest)
        return super().get_context_data(**kwargs)

    def perform(self, form: forms.Form) -> MatchingPool:
        assert isinstance(form, cf.PoolForm)
        data = form.cleaned_data
        return services.pool_update(
            pool_id=self.get_object().pk, actor=self.actor, name=data["name"], rule=data["rule"],
            campaigns=[c.pk for c in data["campaigns"]], unit=data["unit"], **form.terms())

    def success_message(self, result: Any) -> str:
        return gettext("The matching pool %(name)s was changed.") % {"name": result.name}


class PoolSettle(PoolMixin, ActionPage):
    """Settle the pool by hand (the nightly funding run does it otherwise): what each funder has left is owed back to
    it."""

    template_name = "web/crowdfunding/console/pool_action.html"
    action = "pool.settle"
    title = _("Settle the matching pool")
    intro = _("Once the contest's funding phase is over and every campaign of the pool has settled, what each funder "
              "has left in the pool is owed back to it (반환). This cannot be undone.")
    submit_label = _("Settle the pool")
    danger = True
    form_class = ConfirmForm

    def perform(self, form: forms.Form) -> list[PoolReturn]:
        return settlement_services.pool_settle(pool_id=self.get_object().pk, on_date=self.today, actor=self.actor)

    def success_message(self, result: Any) -> str:
        return gettext("The pool %(name)s settled: %(amount)s is owed back to its funders.") % {
            "name": self.get_object(), "amount": won(sum((r.amount.amount for r in result), 0))}


class PoolReturnPay(ActionPage):
    """The bank sent a settled pool's return to its funder; sending the form twice records it once."""

    access, action = ACCESS, "pool_return.payout"
    section = "contests"
    template_name = "web/crowdfunding/console/pool_return_action.html"
    title = _("Record a return paid")
    intro = _("The bank sent the pool's unspent money back to the funder (반환금 지급) on this day. Sending the form "
              "twice records it once.")
    submit_label = _("Record the return paid")
    form_class = cf.ReturnPayoutForm
    context_object_name = "pool_return"

    def visible(self) -> QuerySet[PoolReturn]:
        return selectors.pool_returns_visible_to(self.request.user).select_related("funder__pool__contest")

    def initial(self) -> dict[str, Any]:
        return {"paid_on": self.today}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        found: PoolReturn = self.get_object()  # type: ignore[assignment]
        kwargs.setdefault("pool", found.funder.pool)
        kwargs.setdefault("funder", found.funder)
        return super().get_context_data(**kwargs)

    def perform(self, form: forms.Form) -> Any:
        data = form.cleaned_data
        return settlement_services.pool_return_pay(return_id=self.get_object().pk, paid_on=data["paid_on"],
                                                   actor=self.actor, idempotency_key=data["idempotency_key"],
                                                   on_date=self.today)

    def success_url(self) -> str:
        return pool_url(self.get_object().funder.pool_id)  # type: ignore[attr-defined]

    def success_message(self, result: Any) -> str:
        paid, _created = result
        return gettext("%(amount)s paid back to %(name)s on %(date)s.") % {
            "amount": won(paid.amount), "name": paid.funder.institution.name, "date": paid.paid_on.isoformat()}


class PoolFunderAdd(PoolMixin, ActionPage):
    template_name = "web/crowdfunding/console/pool_action.html"
    action = "pool.fund"
    title = _("Add a funder")
    intro = _("An institution that puts money into the pool, after those it has. What it committed is a promise; "
              "its money counts once it is recorded as received.")
    submit_label = _("Add the funder")
    form_class = cf.FunderForm

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "institutions": institutions_all().order_by("name")}

    def perform(self, form: forms.Form) -> PoolFunder:
        data = form.cleaned_data
        return services.pool_funder_add(pool_id=self.get_object().pk, institution_id=data["institution"].pk,
                                        committed=data["committed"], actor=self.actor)

    def success_message(self, result: Any) -> str:
        return gettext("%(name)s funds the pool.") % {"name": result.institution.name}


class PoolFund(ActionPage):
    """Money a funder paid into its pool: one journal in the contest's book; sending the form twice records it
    once."""

    access, action = ACCESS, "pool.fund"
    section = "contests"
    template_name = "web/crowdfunding/console/pool_action.html"
    title = _("Record a funder's payment")
    intro = _("Money the funder paid into the pool (매칭 재원 입금), on the day it was received. Sending the form "
              "twice records it once.")
    submit_label = _("Record the payment")
    form_class = cf.FundingForm
    context_object_name = "funder"

    def visible(self) -> QuerySet[PoolFunder]:
        return PoolFunder.objects.filter(pool__in=selectors.pools_visible_to(self.request.user).values("pk")) \
            .select_related("pool__contest", "institution")

    def initial(self) -> dict[str, Any]:
        return {"received_on": self.today}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        funder: PoolFunder = self.get_object()  # type: ignore[assignment]
        kwargs.setdefault("pool", funder.pool)
        return super().get_context_data(**kwargs)

    def perform(self, form: forms.Form) -> Any:
        data = form.cleaned_data
        return services.pool_fund(funder_id=self.get_object().pk, amount=data["amount"],
                                  received_on=data["received_on"], actor=self.actor,
                                  idempotency_key=data["idempotency_key"], today=self.today, memo=data["memo"])

    def success_url(self) -> str:
        return pool_url(self.get_object().pool_id)  # type: ignore[attr-defined]

    def success_message(self, result: Any) -> str:
        return gettext("%(amount)s received from %(name)s on %(date)s.") % {
            "amount": won(result.amount), "name": result.funder.institution.name,
            "date": result.received_on.isoformat()}


class QuadraticPreviewPage(ObjectPage):
    """What each quadratic pool of the contest would give each campaign if it were shared now (it changes
    nothing)."""

    access, action = ACCESS, "preview.read"
    section = "contests"
    template_name = "web/crowdfunding/console/preview.html"
    context_object_name = "contest"

    def visible(self) -> QuerySet[Contest]:
        return selectors.contests_visible_to(self.request.user)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        contest: Contest = self.get_object()  # type: ignore[assignment]
        context = super().get_context_data(**kwargs)
        context.update(title=gettext("Quadratic funding preview: %(name)s") % {"name": contest.name},
                       preview=selectors.quadratic_preview(contest_id=contest.pk, as_of=self.today))
        return context


# --- settlements and payouts ---------------------------------------------------------------------------------------


class SettlementList(ObjectPage):
    """The contest's campaigns after their end: each one's settlement figures (or why it has none yet), the payout
    file for the bank and the payouts recorded."""

    access, action = ACCESS, "settlement.read"
    section = "contests"
    template_name = "web/crowdfunding/console/settlements.html"
    context_object_name = "contest"
    buttons = ("settlement.payout", "payout.download", "payout_account.write", "campaign.settle")

    def visible(self) -> QuerySet[Contest]:
        return selectors.contests_visible_to(self.request.user)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        contest: Contest = self.get_object()  # type: ignore[assignment]
        context = super().get_context_data(**kwargs)
        settlements = list(settlement_selectors.settlements_visible_to(self.request.user)
                           .filter(campaign__contest=contest).select_related("campaign__enterprise")
                           .order_by("campaign_id"))
        waiting = list(campaigns_visible_to(self.request.user).filter(
            contest=contest, state__in=settlement_selectors.CLOSED).select_related("enterprise").order_by("pk"))
        context.update(
            title=gettext("Settlements: %(name)s") % {"name": contest.name},
            settlements=settlements,
            to_settle=[(c, settlement_selectors.waiting_pledges(c.pk)) for c in waiting],
            payout_lines=settlement_selectors.payout_lines(contest.pk),
            accounts=_accounts_of(campaigns_visible_to(self.request.user).filter(contest=contest).exclude(
                state=Campaign.State.DRAFT)),
            totals={name: sum((getattr(s, name).amount for s in settlements), 0)
                    for name in ("charged", "refunded", "platform_fee", "payment_fee", "matched", "top_up",
                                 "quadratic", "net_payout")},
        )
        return context


def _accounts_of(campaigns: QuerySet[Any]) -> list[tuple[Any, PayoutAccount | None]]:
    """The enterprises of these campaigns, each with its payout account (None: not given yet), by name."""
    enterprises = {c.enterprise.pk: c.enterprise for c in campaigns.select_related("enterprise")}
    accounts = settlement_selectors.payout_accounts_of(enterprises)
    return [(e, accounts.get(e.pk)) for e in sorted(enterprises.values(), key=lambda e: (e.name, e.pk))]


class CampaignSettle(ActionPage):
    """Settle a closed campaign by hand (the nightly funding run does it otherwise): its figures and net payout are
    fixed and its money moved."""

    access, action = ACCESS, "campaign.settle"
    section = "contests"
    template_name = "web/crowdfunding/console/campaign_settle.html"
    title = _("Settle the campaign")
    intro = _("Its deadline has passed: what was charged, less refunds and fees, plus the matching, becomes the net "
              "payout owed to the enterprise. Only once no pledge waits for its charge. This cannot be undone.")
    submit_label = _("Settle the campaign")
    danger = True
    form_class = ConfirmForm
    context_object_name = "campaign"

    def visible(self) -> QuerySet[Campaign]:
        return campaigns_visible_to(self.request.user).select_related("contest", "enterprise")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        campaign: Campaign = self.get_object()  # type: ignore[assignment]
        kwargs.setdefault("waiting", settlement_selectors.waiting_pledges(campaign.pk))
        return super().get_context_data(**kwargs)

    def perform(self, form: forms.Form) -> CampaignSettlement:
        return settlement_services.campaign_settle(campaign_id=self.get_object().pk, on_date=self.today,
                                                   actor=self.actor)

    def success_url(self) -> str:
        return settlements_url(self.get_object().contest_id)  # type: ignore[attr-defined]

    def success_message(self, result: Any) -> str:
        return gettext("%(title)s settled: a net payout of %(amount)s.") % {
            "title": self.get_object(), "amount": won(result.net_payout)}


class PayoutFileDownload(ObjectPage):
    """The bank file of the contest's settled campaigns not yet paid out (``?format=csv`` or ``xlsx``); the
    download is in the audit trail."""

    access, action = ACCESS, "payout.download"
    section = "contests"
    context_object_name = "contest"

    def visible(self) -> QuerySet[Contest]:
        return selectors.contests_visible_to(self.request.user)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        contest = self.get_object()
        try:
            export = settlement_services.payout_file(contest_id=contest.pk, kind=request.GET.get("format", "xlsx"),
                                                     actor=self.actor, ip=client_address(request),
                                                     user_agent=request.headers.get("User-Agent", ""))
        except DomainError as exc:
            return render(request, "web/error.html", {"title": gettext("The payout file was not made"),
                                                      "message": exc.message, "back_url": settlements_url(contest)},
                          status=status_of(exc))
        response = HttpResponse(export.body, content_type=export.content_type)
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(export.filename)}"
        return response


class PayoutRecord(ActionPage):
    """The bank paid a settlement's net payout to the enterprise; sending the form twice records it once."""

    access, action = ACCESS, "settlement.payout"
    section = "contests"
    template_name = "web/crowdfunding/console/payout_action.html"
    title = _("Record a payout")
    intro = _("The bank paid the settlement's net payout to the enterprise (정산금 지급) on this day. Sending the form "
              "twice records it once.")
    submit_label = _("Record the payout")
    form_class = cf.PayoutForm
    context_object_name = "settlement"

    def visible(self) -> QuerySet[CampaignSettlement]:
        return settlement_selectors.settlements_visible_to(self.request.user).select_related(
            "campaign__contest", "campaign__enterprise")

    def initial(self) -> dict[str, Any]:
        return {"paid_on": self.today}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        settlement: CampaignSettlement = self.get_object()  # type: ignore[assignment]
        kwargs.setdefault("object", settlement.campaign.contest.name)
        kwargs.setdefault("account", PayoutAccount.objects.filter(
            enterprise_id=settlement.campaign.enterprise_id).first())
        return super().get_context_data(**kwargs)

    def perform(self, form: forms.Form) -> Any:
        data = form.cleaned_data
        return settlement_services.payout_record(settlement_id=self.get_object().pk, paid_on=data["paid_on"],
                                                 actor=self.actor, idempotency_key=data["idempotency_key"],
                                                 on_date=self.today)

    def success_url(self) -> str:
        return settlements_url(self.get_object().campaign.contest_id)  # type: ignore[attr-defined]

    def success_message(self, result: Any) -> str:
        settlement, _created = result
        return gettext("%(amount)s paid out to %(name)s on %(date)s.") % {
            "amount": won(settlement.net_payout), "name": settlement.campaign.enterprise.name,
            "date": settlement.paid_out_on.isoformat()}


class PayoutAccountSet(ActionPage):
    """An enterprise's payout account (정산 계좌), set or changed by a manager (the enterprise's members set it in the
    portal); ``?contest=<id>`` leads back to that contest's settlements."""

    access, action = ACCESS, "payout_account.write"
    section = "contests"
    template_name = "web/crowdfunding/payout_account_form.html"
    title = _("Payout account (정산 계좌)")
    intro = _("The bank account where the enterprise's campaigns' net payouts are paid (its members may set it in "
              "the portal too). Each change is recorded.")
    submit_label = _("Save the payout account")
    form_class = cf.PayoutAccountForm
    context_object_name = "enterprise"

    def visible(self) -> QuerySet[Any]:
        return settlement_selectors.enterprises_of(self.request.user)

    def account(self) -> PayoutAccount | None:
        return settlement_selectors.payout_accounts_of([self.get_object().pk]).get(self.get_object().pk)

    def initial(self) -> dict[str, Any]:
        initial = cf.PayoutAccountForm.initial_of(self.account())
        return initial or {"holder": self.get_object().name}  # type: ignore[attr-defined]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        kwargs.setdefault("account", self.account())
        return super().get_context_data(**kwargs)

    def perform(self, form: forms.Form) -> PayoutAccount:
        data = form.cleaned_data
        return settlement_services.payout_account_set(
            enterprise_id=self.get_object().pk, actor=self.actor, bank=data["bank"],
            account_number=data["account_number"], holder=data["holder"])

    def success_url(self) -> str:
        contest_id = self.request.GET.get("contest", "")
        if contest_id.isascii() and contest_id.isdigit() and (
                selectors.contests_visible_to(self.request.user).filter(pk=int(contest_id)).exists()):
            return settlements_url(int(contest_id))
        return reverse("web:contests")

    def success_message(self, result: Any) -> str:
        return gettext("The payout account of %(name)s was saved: %(account)s.") % {
            "name": result.enterprise.name, "account": f"{result.get_bank_display()} {result.account_number}"}


# --- the start page's panel ----------------------------------------------------------------------------------------

PANEL_ROWS = 10


def funding_panel(request: HttpRequest) -> dict[str, Any]:
    """What waits in the funding phase: campaigns past their deadline, not settled yet (with the pledges still to
    charge), and settlements whose payout is still to be recorded."""
    user = request.user
    closed = list(campaigns_visible_to(user).filter(state__in=settlement_selectors.CLOSED)
                  .annotate(waiting=Count("pledges", filter=Q(pledges__state__in=settlement_selectors.WAITING)))
                  .select_related("contest", "enterprise").order_by("closed_on", "pk")[:PANEL_ROWS])
    payouts = list(settlement_selectors.settlements_visible_to(user)
                   .filter(paid_out_on__isnull=True, net_payout__gt=0)
                   .select_related("campaign__contest", "campaign__enterprise").order_by("settled_on", "pk")
                   [:PANEL_ROWS])
    return {"to_settle": [(c, c.waiting) for c in closed], "payouts": payouts,
            "acts": ACCESS.allows(user, "settlement.payout")}

