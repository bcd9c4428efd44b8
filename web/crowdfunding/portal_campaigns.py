"""The enterprise portal's campaigns (``/my/campaigns/``): the member's entry that passed screening gets its campaign
(펀딩 캠페인) through a form; the campaign and its reward tiers (리워드) are edited until launch; launching it is a
confirm step (mode and target are fixed from then on); then the member follows it: the live figures (pledged,
charged, matched by pool, backers, days left, reward stock), its pledges (the backers' display names only, for
delivering the rewards), and after the end its settlement (캠페인 정산) with the settlement statement to download.

A page reaches only the member's own enterprises' campaigns (the campaigns' selector narrowed to its memberships):
another enterprise's campaign is 404, exactly like one that does not exist. Each action calls one service of
``crowdfunding.services``."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, ClassVar

from django import forms
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from crowdfunding import services
from crowdfunding.access import ACCESS
from crowdfunding.models import Campaign, Entry, PayoutAccount, Pledge, RewardTier
from crowdfunding.selectors import campaign_settlement as settlement_selectors
from crowdfunding.selectors import funding_reports
from crowdfunding.selectors.campaigns import campaigns_visible_to, days_left, progress_percent, reward_lines
from crowdfunding.selectors.pledges import pledges_visible_to
from crowdfunding.services import campaign_settlement as settlement_services
from statements import services as statements
from statements.access import ACCESS as STATEMENTS
from statements.models import Statement
from web.common import menu
from web.common.pages import ActionPage, ObjectPage, Page
from web.common.tables import ListPage

from . import campaign_forms as cf
from .portal import my_enterprises, my_entries, own
from .portal_tables import MyPledgeTable

SETTLEMENT_KIND = Statement.Kind.CAMPAIGN_SETTLEMENT


def my_campaigns(user: Any) -> QuerySet[Campaign]:
    """The campaigns of the member's own enterprises (drafts included)."""
    return own(campaigns_visible_to(user), user).select_related("contest", "enterprise", "entry")


def my_campaign_url(campaign: Any) -> str:
    return reverse("web:my-campaign", args=[getattr(campaign, "pk", campaign)])


def funding_days(campaign_or_contest: Any) -> tuple[Any, Any] | None:
    """The funding phase's first and last day, as the contest's dates say."""
    contest = getattr(campaign_or_contest, "contest", campaign_or_contest)
    if contest.funding_ends_on is None:
        return None
    return contest.screening_ends_on + timedelta(days=1), contest.funding_ends_on


class CampaignPortalPage(Page):
    access = ACCESS
    area = menu.PORTAL
    section = "campaigns"


class MyCampaignList(CampaignPortalPage):
    """The member's campaigns with their progress, and its entries that passed screening and may start one."""

    template_name = "web/crowdfunding/my/campaigns.html"
    action = "campaign.read"
    title = _("Campaigns")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        campaigns = list(my_campaigns(self.request.user).order_by("-created_at", "-pk"))
        context.update(
            campaigns=[(c, progress_percent(c), days_left(c, self.today)) for c in campaigns],
            startable=list(my_entries(self.request.user).filter(state=Entry.State.ADVANCED, campaign__isnull=True,
                                                                contest__funding_ends_on__isnull=False)
                           .order_by("-pk")),
            can_create=self.access.allows(self.request.user, "campaign.create"),
            payout_accounts=my_payout_accounts(self.request.user),
            can_set_account=self.access.allows(self.request.user, "payout_account.write"),
        )
        return context


def my_payout_accounts(user: Any) -> list[tuple[Any, PayoutAccount | None]]:
    """Each of the member's enterprises with its payout account (None: not given yet)."""
    enterprises = list(my_enterprises(user))
    accounts = settlement_selectors.payout_accounts_of(e.pk for e in enterprises)
    return [(e, accounts.get(e.pk)) for e in enterprises]


class MyPayoutAccount(CampaignPortalPage, ActionPage):
    """The enterprise's payout account (정산 계좌): where the bank pays its campaigns' net payouts. The payout file
    for the bank says 계좌 미등록 until it is given."""

    action = "payout_account.write"
    title = _("Payout account (정산 계좌)")
    intro = _("The bank account where your campaigns' net payouts are paid. Until it is given, the bank file says "
              "the account is missing and nothing can be paid. Each change is recorded.")
    submit_label = _("Save the payout account")
    form_class = cf.PayoutAccountForm
    template_name = "web/crowdfunding/payout_account_form.html"
    context_object_name = "enterprise"

    def visible(self) -> QuerySet[Any]:
        return my_enterprises(self.request.user)

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
        return reverse("web:my-campaigns")

    def success_message(self, result: Any) -> str:
        return gettext("The payout account of %(name)s was saved: %(account)s.") % {
            "name": result.enterprise.name, "account": f"{result.get_bank_display()} {result.account_number}"}


class MyCampaignNew(CampaignPortalPage, ActionPage):
    """Draft the campaign of an entry that passed screening."""

    template_name = "web/crowdfunding/my/campaign_form.html"
    action = "campaign.create"
    title = _("Start the campaign")
    intro = _("The campaign is saved as a draft: you can change it and add reward tiers until you launch it. Its "
              "dates lie within the contest's funding phase.")
    submit_label = _("Save the draft")
    form_class = cf.CampaignForm
    context_object_name = "entry"
    created: Campaign | None = None

    def visible(self) -> QuerySet[Entry]:
        return my_entries(self.request.user)

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "funding": funding_days(self.get_object())}

    def initial(self) -> dict[str, Any]:
        entry: Entry = self.get_object()  # type: ignore[assignment]
        days = funding_days(entry)
        start = max(days[0], self.today) if days else None
        return {"title": entry.title, "story": entry.summary, "mode": "aon",
                "target": f"{int(entry.target_amount.amount):,}", "min_pledge": "1,000",
                "starts_on": start, "ends_on": days[1] if days else None}

    def perform(self, form: forms.Form) -> Campaign:
        data = form.cleaned_data
        self.created = services.campaign_create(
            entry_id=self.get_object().pk, actor=self.actor, title=data["title"], story=data["story"],
            mode=data["mode"], target=data["target"], min_pledge=data["min_pledge"],
            max_per_backer=data["max_per_backer"], starts_on=data["starts_on"], ends_on=data["ends_on"],
            on_date=self.today)
        return self.created

    def success_url(self) -> str:
        if self.created is not None:
            return my_campaign_url(self.created)
        return reverse("web:my-contest-entry", args=[self.get_object().pk])

    def success_message(self, result: Any) -> str:
        return gettext("The campaign was saved as a draft; launch it when it is ready.")


class MyCampaignMixin(CampaignPortalPage):
    """A campaign of the member's own enterprises (anything else is 404)."""

    context_object_name: ClassVar[str] = "campaign"

    def visible(self) -> QuerySet[Campaign]:
        return my_campaigns(self.request.user)

    def success_url(self) -> str:
        return my_campaign_url(self.get_object())  # type: ignore[attr-defined]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        campaign: Campaign = self.get_object()  # type: ignore[attr-defined]
        kwargs.setdefault("object", campaign.title)  # the way back
        return super().get_context_data(**kwargs)


class MyCampaignPage(MyCampaignMixin, ObjectPage):
    """The campaign: before launch, what it will be with its reward tiers and the buttons to change and launch it;
    once live, its figures; after the end, its settlement and the settlement statement."""

    template_name = "web/crowdfunding/my/campaign.html"
    action = "campaign.read"
    buttons = ("campaign.update", "campaign.launch", "reward.write", "pledge.read", "settlement.read")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        campaign: Campaign = self.get_object()  # type: ignore[assignment]
        context = super().get_context_data(**kwargs)
        user = self.request.user
        draft = campaign.state == Campaign.State.DRAFT
        figures = None if draft else funding_reports.campaign_figures(campaign.pk)
        settlement = (settlement_selectors.settlements_visible_to(user).filter(campaign=campaign).first()
                      if ACCESS.allows(user, "settlement.read") else None)
        context.update(
            title=campaign.title,
            draft=draft,
            rewards=reward_lines(campaign),
            progress=progress_percent(campaign),
            days_left=days_left(campaign, self.today),
            figures=figures,
            settlement=settlement,
            funding=funding_days(campaign),
            statements=list(statements.statements_visible_to(user).filter(kind=SETTLEMENT_KIND, campaign=campaign)
                            [:10]) if settlement is not None else [],
            can_request_statement=settlement is not None and STATEMENTS.allows(user, "statement.request"),
            rewards_allowed=campaign.entry.campaign_type == "reward",
        )
        return context


class MyCampaignEdit(MyCampaignMixin, ActionPage):
    template_name = "web/crowdfunding/my/campaign_form.html"
    action = "campaign.update"
    title = _("Change the campaign")
    intro = _("You can change the campaign until you launch it.")
    submit_label = _("Save the changes")
    form_class = cf.CampaignForm

    def initial(self) -> dict[str, Any]:
        return cf.CampaignForm.initial_of(self.get_object())  # type: ignore[arg-type]

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "funding": funding_days(self.get_object())}

    def perform(self, form: forms.Form) -> Campaign:
        data = form.cleaned_data
        return services.campaign_update(
            campaign_id=self.get_object().pk, actor=self.actor, on_date=self.today, title=data["title"],
            story=data["story"], mode=data["mode"], target=data["target"], min_pledge=data["min_pledge"],
            max_per_backer=data["max_per_backer"], starts_on=data["starts_on"], ends_on=data["ends_on"])

    def success_message(self, result: Any) -> str:
        return gettext("The campaign was saved.")


class MyCampaignLaunch(MyCampaignMixin, ActionPage):
    """The confirm step: what launching fixes (the mode and the target) and when backers may pledge."""

    template_name = "web/crowdfunding/my/campaign_launch.html"
    action = "campaign.launch"
    title = _("Launch the campaign")
    intro = _("Once launched, the payment mode and the target are fixed and can no longer change; backers may pledge "
              "from the first day to the last.")
    submit_label = _("Launch")
    form_class = forms.Form

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        campaign: Campaign = self.get_object()  # type: ignore[assignment]
        kwargs.setdefault("campaign_obj", campaign)
        kwargs.setdefault("rewards", reward_lines(campaign))
        return super().get_context_data(**kwargs)

    def perform(self, form: forms.Form) -> Campaign:
        return services.campaign_launch(campaign_id=self.get_object().pk, actor=self.actor, on_date=self.today)

    def success_message(self, result: Any) -> str:
        return gettext("The campaign is live: backers may pledge from %(date)s.") % {
            "date": result.starts_on.isoformat()}


class MyRewardNew(MyCampaignMixin, ActionPage):
    action = "reward.write"
    title = _("Add a reward tier")
    intro = _("What a pledge of at least the price may claim. A limited stock is never oversold.")
    submit_label = _("Add the reward")
    form_class = cf.RewardForm

    def perform(self, form: forms.Form) -> RewardTier:
        data = form.cleaned_data
        return services.reward_create(campaign_id=self.get_object().pk, actor=self.actor, on_date=self.today,
                                      title=data["title"], description=data["description"], price=data["price"],
                                      stock=data["stock"], position=data["position"] or 0)

    def success_message(self, result: Any) -> str:
        return gettext("The reward %(title)s was added.") % {"title": result.title}


class MyRewardMixin(CampaignPortalPage):
    """A reward tier of one of the member's own enterprises' campaigns (anything else is 404)."""

    context_object_name: ClassVar[str] = "reward"

    def visible(self) -> QuerySet[RewardTier]:
        return RewardTier.objects.filter(campaign__in=my_campaigns(self.request.user).values("pk")).select_related(
            "campaign")

    def success_url(self) -> str:
        return my_campaign_url(self.get_object().campaign_id)  # type: ignore[attr-defined]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        reward: RewardTier = self.get_object()  # type: ignore[attr-defined]
        kwargs.setdefault("object", reward.campaign.title)
        return super().get_context_data(**kwargs)


class MyRewardEdit(MyRewardMixin, ActionPage):
    action = "reward.write"
    title = _("Change the reward tier")
    submit_label = _("Save the changes")
    form_class = cf.RewardForm

    def initial(self) -> dict[str, Any]:
        return cf.RewardForm.initial_of(self.get_object())  # type: ignore[arg-type]

    def perform(self, form: forms.Form) -> RewardTier:
        data = form.cleaned_data
        return services.reward_update(reward_id=self.get_object().pk, actor=self.actor, on_date=self.today,
                                      title=data["title"], description=data["description"], price=data["price"],
                                      stock=data["stock"], position=data["position"] or 0)

    def success_message(self, result: Any) -> str:
        return gettext("The reward %(title)s was saved.") % {"title": result.title}


class MyRewardDelete(MyRewardMixin, ActionPage):
    action = "reward.write"
    title = _("Remove the reward tier")
    intro = _("The reward tier is removed from the draft campaign.")
    submit_label = _("Remove")
    danger = True
    form_class = forms.Form

    def perform(self, form: forms.Form) -> None:
        services.reward_delete(reward_id=self.get_object().pk, actor=self.actor, on_date=self.today)

    def success_message(self, result: Any) -> str:
        return gettext("The reward tier was removed.")


class MyCampaignPledges(CampaignPortalPage, ListPage):
    """The campaign's pledges, for delivering the rewards: the backer's display name only (never an address or a
    card), the amount, the reward, the state."""

    action = "pledge.read"
    title = _("Pledges")
    table_class = MyPledgeTable
    export_name = "campaign-pledges"
    template_name = "web/crowdfunding/my/campaign_pledges.html"

    def campaign(self) -> Campaign:
        if not hasattr(self, "_campaign"):
            found = my_campaigns(self.request.user).filter(pk=self.kwargs["pk"]).first()
            if found is None:
                from django.http import Http404

                raise Http404
            self._campaign = found
        return self._campaign

    def get(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        self.campaign()  # 404 before anything else
        return super().get(request, *args, **kwargs)

    def rows(self) -> QuerySet[Pledge]:
        return (pledges_visible_to(self.request.user).filter(campaign=self.campaign())
                .select_related("backer", "reward"))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["campaign"] = self.campaign()
        context["title"] = gettext("Pledges to %(title)s") % {"title": self.campaign().title}
        return context
