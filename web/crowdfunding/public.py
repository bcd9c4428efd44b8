"""The public campaign pages, without a login (공개 캠페인 페이지), and pledging (후원하기).

- ``/contests/``: the contests in or after their funding phase; ``/contests/<code>/``: a contest's campaigns, each a
  card with its progress bar (pledged + matched over the target), backers, days left and matched money;
  ``/campaigns/<id>/``: a campaign's story, figures, reward tiers with their stock, and the matching offer while the
  pools last (``crowdfunding.selectors.public.matching_offer``), or why there is none. Only public fields.
- ``/campaigns/<id>/pledge/``: a signed-in backer with a verified email chooses a reward or an amount; the pledge is
  checked (``pledge_checkout``) and the browser goes to the provider's payment page with the order, and return URLs
  that carry the order signed (``signing``: its amount, reward, order id and backer cannot be changed on the way).
- ``/campaigns/<id>/pledge/return/``: where the payment page sends the browser back; calls ``pledge_create`` with
  the page's auth key (all or nothing) or payment key (keep it all) and an idempotency key derived from the order id,
  so a reload shows the same pledge and never pledges twice; a decline shows the provider's message and a way back.

Anyone else is told what to do: a visitor is sent to the login (with a link to sign up), a backer whose address is
not verified to the "check your email" page, any other role is refused (403).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from core.errors import DomainError, NotFound
from crowdfunding.access import ACCESS
from crowdfunding.gateway import gateway
from crowdfunding.models import Campaign, Pledge
from crowdfunding.selectors.campaigns import reward_lines
from crowdfunding.selectors.pledges import matches_of
from crowdfunding.selectors.public import (
    OfferState,
    campaign_card,
    matching_offer,
    public_campaigns,
    public_contests,
)
from crowdfunding.services import pledge_create
from crowdfunding.services.checkout import Checkout, pledge_checkout, pledge_key
from enterprises.models import User
from web.common.access import ACCESS as AREAS
from web.common.errors import status_of
from web.common.forms import WonField

RETURN_SALT = "web.crowdfunding.pledge-return"
RETURN_MAX_AGE = 60 * 60  # an order comes back from the payment page within an hour, or is refused


class PublicPage(TemplateView):
    """A page anyone may open, signed in or not (``campaign.read`` is public in the access table)."""

    title: Any = ""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not ACCESS.allows(request.user, "campaign.read"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    @property
    def today(self) -> Any:
        return timezone.localdate()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.setdefault("title", self.title)
        return context


def _campaign(pk: Any) -> Campaign:
    """A launched campaign (a draft is not public: 404)."""
    found = public_campaigns().filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


class ContestList(PublicPage):
    template_name = "web/crowdfunding/public/contests.html"
    title = _("Social crowdfunding contests")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["contests"] = public_contests()
        return context


class ContestCampaigns(PublicPage):
    template_name = "web/crowdfunding/public/contest.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        contest = public_contests().filter(code=self.kwargs["code"]).first()
        if contest is None:
            raise Http404
        context = super().get_context_data(**kwargs)
        context.update(title=contest.name, contest=contest,
                       cards=[campaign_card(c, self.today) for c in public_campaigns(contest)])
        return context


class CampaignPage(PublicPage):
    template_name = "web/crowdfunding/public/campaign.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        campaign = _campaign(self.kwargs["pk"])
        context = super().get_context_data(**kwargs)
        context.update(title=campaign.title, campaign=campaign, card=campaign_card(campaign, self.today),
                       rewards=reward_lines(campaign), offer=matching_offer(campaign), Offer=OfferState,
                       live=campaign.state == Campaign.State.LIVE)
        return context


# --- pledging ------------------------------------------------------------------------------------------------------


class PledgeForm(forms.Form):
    """A reward (its price is the smallest pledge that claims it) or none (a donation), and the amount."""

    reward = forms.TypedChoiceField(label=_("Reward"), coerce=int, empty_value=None, required=False,
                                    widget=forms.RadioSelect)
    amount = WonField(label=_("Amount"), help_text=_("In won. With a reward, at least its price."))

    def __init__(self, *args: Any, rewards: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.TypedChoiceField, self.fields["reward"])
        if rewards:
            field.choices = [("", gettext("No reward (a donation)"))] + [
                (str(r.id), r.title) for r in rewards]
        else:
            del self.fields["reward"]


def _refusal_page(request: HttpRequest) -> HttpResponse | None:
    """Who may not pledge is told what to do: a visitor signs in (or up), a backer not verified yet verifies its
    address; another role is refused. None: a verified backer."""
    user = request.user
    if not user.is_authenticated:
        messages.info(request, gettext("Sign in to pledge. New here? Sign up as a backer: it takes a minute."))
        return redirect_to_login(request.get_full_path(), reverse("web:login"))
    if not (AREAS.allows(user, "backer.open") and ACCESS.allows(user, "pledge.create")):
        raise PermissionDenied
    if getattr(user, "email_verified_at", None) is None:
        messages.warning(request, gettext("Verify your email address before your first pledge: open the link we "
                                          "sent to it, or ask for a new one below."))
        return HttpResponseRedirect(reverse("web:signup-sent"))
    return None


def _return_token(checkout: Checkout, backer: User) -> str:
    return signing.dumps({"c": checkout.campaign_id, "b": backer.pk, "a": str(checkout.amount), "r": checkout.reward_id,
                          "o": checkout.order_id, "m": checkout.mode, "k": checkout.customer_key}, salt=RETURN_SALT)


class PledgePage(TemplateView):
    """Choose a reward or an amount; POST checks the pledge (``pledge_checkout``) and sends the browser to the
    provider's payment page."""

    template_name = "web/crowdfunding/public/pledge.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.campaign = _campaign(kwargs["pk"])
        refused = _refusal_page(request)
        if refused is not None:
            return refused
        return super().dispatch(request, *args, **kwargs)

    def rewards(self) -> list[Any]:
        return list(reward_lines(self.campaign))

    def get_form(self, data: Any = None) -> PledgeForm:
        initial: dict[str, Any] = {"amount": f"{int(max(Decimal(10_000), self.campaign.min_pledge.amount)):,}"}
        chosen = self.request.GET.get("reward", "")
        for reward in self.rewards():
            if chosen == str(reward.id):
                initial = {"reward": reward.id, "amount": f"{int(reward.price):,}"}
        return PledgeForm(data, rewards=self.rewards(), initial=initial)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        kwargs.setdefault("form", self.get_form())
        context = super().get_context_data(**kwargs)
        context.update(title=gettext("Back %(title)s") % {"title": self.campaign.title}, campaign=self.campaign,
                       rewards=self.rewards(), offer=matching_offer(self.campaign), Offer=OfferState,
                       back_url=reverse("web:campaign", args=[self.campaign.pk]))
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.get_form(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        try:
            checkout = pledge_checkout(campaign_id=self.campaign.pk, actor=cast(User, request.user),
                                       amount=form.cleaned_data["amount"],
                                       reward_id=form.cleaned_data.get("reward"), on_date=timezone.localdate())
        except DomainError as exc:
            for name, rules in exc.fields.items():
                for rule in rules:
                    form.add_error(name if name in form.fields else None, rule)
            if exc.message not in form.non_field_errors():
                form.add_error(None, exc.message)
            return self.render_to_response(self.get_context_data(form=form), status=status_of(exc))
        token = _return_token(checkout, cast(User, request.user))
        back = request.build_absolute_uri(reverse("web:campaign-pledge-return", args=[self.campaign.pk]))
        target = gateway().checkout_url(
            mode=checkout.mode, success_url=f"{back}?t={token}", fail_url=f"{back}?t={token}&failed=1",
            customer_key=checkout.customer_key, amount=checkout.amount if checkout.mode == "payment" else None,
            order_id=checkout.order_id if checkout.mode == "payment" else "", order_name=checkout.order_name)
        return HttpResponseRedirect(target, status=303)


class PledgeReturn(TemplateView):
    """The payment page's way back: the order read from its signed token (anything altered, another backer's or
    another campaign's order: 400), then ``pledge_create`` with the order's idempotency key: the pledge's result, or
    the refusal (a decline at the page: the provider's message) with a way back to the pledge form."""

    template_name = "web/crowdfunding/public/pledge_result.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.campaign = _campaign(kwargs["pk"])
        refused = _refusal_page(request)
        if refused is not None:
            return refused
        return super().dispatch(request, *args, **kwargs)

    def _order(self) -> dict[str, Any] | None:
        try:
            order = signing.loads(self.request.GET.get("t", ""), salt=RETURN_SALT, max_age=RETURN_MAX_AGE)
        except signing.BadSignature:
            return None
        if not isinstance(order, dict) or order.get("c") != self.campaign.pk or order.get("b") != self.request.user.pk:
            return None
        return order

    def _refused(self, status: int, message: str, *, title: Any = None, code: str = "") -> HttpResponse:
        return self.render_to_response(self.get_context_data(
            title=title or gettext("The pledge was not made"), campaign=self.campaign, error=message, code=code,
            retry_url=reverse("web:campaign-pledge", args=[self.campaign.pk])), status=status)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        order = self._order()
        if order is None:
            return self._refused(400, gettext("This link back from the payment page is not valid: it was changed, "
                                              "has expired or is not yours. Nothing was pledged."))
        query = request.GET
        if query.get("failed") or "code" in query:
            return self._refused(402, query.get("message", "")[:300] or gettext("The payment was not made."),
                                 title=gettext("The payment was not made"), code=query.get("code", "")[:60])
        if order["m"] == "billing":
            payment = {"auth_key": query.get("authKey", ""), "customer_key": order["k"]}
            if query.get("customerKey", order["k"]) != order["k"]:
                return self._refused(400, gettext("The payment page answered for another customer."))
        else:
            payment = {"payment_key": query.get("paymentKey", ""), "order_id": order["o"]}
            if query.get("orderId") != order["o"] or query.get("amount") != order["a"]:
                return self._refused(400, gettext("The payment page answered for another order or amount. Nothing "
                                                  "was pledged."))
        try:
            pledge, made = pledge_create(campaign_id=self.campaign.pk, actor=cast(User, request.user),
                                         amount=Decimal(order["a"]), reward_id=order["r"], payment=payment,
                                         idempotency_key=pledge_key(order["o"]), on_date=timezone.localdate())
        except NotFound:
            raise Http404 from None
        except DomainError as exc:
            return self._refused(status_of(exc), exc.message, code=getattr(exc, "provider_code", ""))
        self.campaign.refresh_from_db()
        return self.render_to_response(self.get_context_data(
            title=gettext("Thank you: your pledge is made"), campaign=self.campaign, pledge=pledge, made=made,
            matches=matches_of(pledge), aon=pledge.state == Pledge.State.RESERVED,
            card=campaign_card(self.campaign, timezone.localdate())))

