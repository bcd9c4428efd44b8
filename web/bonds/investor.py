"""The investors' desk (/investor/): a user of an investing institution (투자자) reads its institution's investments
in social impact bonds: per contract its commitment, what was called and paid in, what was distributed, its money
multiple and IRR (XIRR over its dated cash flows), its call lines and distribution lines. Both pages show its
investment statements (사회성과보상사업 투자 명세서, kind ``bond_investor``): those asked for, each ready one to
download, and a button asking for a new one (``web:statement-request``). Another institution's investment is 404,
and so are its statements (the statements' services say whose they are)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from bonds import selectors
from bonds.access import ACCESS
from bonds.models import CapitalCallLine, DistributionLine, Investment
from statements.access import ACCESS as STATEMENTS
from statements.models import Statement
from statements.services import statements_visible_to
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
        user = self.request.user
        investments = list(selectors.investments_visible_to(user).order_by("-contract_id", "pk"))
        figures = selectors.investors_figures(investments)  # one read for every row's flows
        context["rows"] = [{"investment": inv, "figures": figures[inv.pk]} for inv in investments]
        context.update(statement_context(user, investments=investments))
        return context


def statement_context(user: Any, *, investments: list[Investment]) -> dict[str, Any]:
    """The investment statements of ``investments`` that ``user`` may have (the newest first), the kind to ask for,
    and whether ``user`` may ask."""
    statements = (statements_visible_to(user)
                  .filter(kind=Statement.Kind.BOND_INVESTOR, bond_investment__in=[inv.pk for inv in investments])
                  .select_related("bond_investment__contract"))
    return {"statements": list(statements[:50]), "statement_kind": Statement.Kind.BOND_INVESTOR,
            "statement_investments": investments,
            "can_request_statement": bool(investments) and STATEMENTS.allows(user, "statement.request"),
            "can_download_statement": STATEMENTS.allows(user, "statement.download")}


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
        context.update(statement_context(self.request.user, investments=[investment]))
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
