"""The investors' desk (/investor/): a user of an investing institution (투자자) reads its institution's investments
in social impact bonds: per contract its commitment, what was called and paid in, what was distributed, its money
multiple and IRR (XIRR over its dated cash flows), its call lines and distribution lines. Another institution's
investment is 404."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from bonds import selectors
from bonds.access import ACCESS
from bonds.models import CapitalCallLine, DistributionLine, Investment
from web.common import menu
from web.common.pages import ObjectPage, Page


def investment_url(investment: Any) -> str:
    return reverse("web:investor-investment", args=[investment.pk])


class InvestorHome(Page):
    access, action = ACCESS, "investment.read"
    area = menu.INVESTOR
    template_name = "web/bonds/investor/home.html"
    title = _("My investments")
    section = "investor-investments"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        investments = list(selectors.investments_visible_to(self.request.user).order_by("-contract_id", "pk"))
        context["rows"] = [{"investment": inv, "figures": selectors.investor_figures(inv)} for inv in investments]
        return context


class InvestmentPage(ObjectPage):
    access, action = ACCESS, "investment.read"
    area = menu.INVESTOR
    section = "investor-investments"
    template_name = "web/bonds/investor/investment.html"
    context_object_name = "investment"

    def visible(self) -> QuerySet[Investment]:
        return selectors.investments_visible_to(self.request.user).select_related("contract__provider")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        investment: Investment = self.get_object()  # type: ignore[assignment]
        context = super().get_context_data(**kwargs)
        context.update(
            title=gettext("%(contract)s · %(investor)s") % {"contract": investment.contract.name,
                                                           "investor": investment.investor.name},
            figures=selectors.investor_figures(investment),
            lines=list(CapitalCallLine.objects.filter(investment=investment).select_related("call")
                       .order_by("call__number")),
            distributions=list(DistributionLine.objects.filter(investment=investment).select_related("distribution")
                               .order_by("distribution__number")),
        )
        return context
