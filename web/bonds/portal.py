"""The enterprise portal's social impact bonds (/my/bonds/): a member of the provider enterprise reads the contracts
its enterprise runs the service for, the service funding it received and the outcomes verified. Another
enterprise's contract is 404."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from bonds import selectors
from bonds.access import ACCESS
from bonds.models import Contract, Disbursement
from web.common import menu
from web.common.pages import ObjectPage, Page

from .common import outcomes


class MyContracts(Page):
    access, action = ACCESS, "contract.read"
    area = menu.PORTAL
    template_name = "web/bonds/my/contracts.html"
    title = _("Social impact bonds")
    section = "bonds"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["contracts"] = list(selectors.contracts_visible_to(self.request.user).select_related("provider")
                                    .order_by("-pk"))
        return context


class MyContract(ObjectPage):
    access, action = ACCESS, "contract.read"
    area = menu.PORTAL
    section = "bonds"
    template_name = "web/bonds/my/contract.html"
    context_object_name = "contract"

    def visible(self) -> QuerySet[Contract]:
        return selectors.contracts_visible_to(self.request.user).select_related("provider", "outcome_payer",
                                                                                "operator", "evaluator")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        contract: Contract = self.get_object()  # type: ignore[assignment]
        context = super().get_context_data(**kwargs)
        context.update(outcomes(contract), title=contract.name,
                       disbursements=list(Disbursement.objects.filter(contract=contract).order_by("number")))
        return context
