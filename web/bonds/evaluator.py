"""The evaluators' desk (/evaluator/): the users of an evaluator institution (성과평가기관) verify the outcomes of the
contracts their institution evaluates. The start page lists those contracts and the results another evaluator
recorded that wait for this one's confirmation (four eyes); a contract's page shows its metrics, terms, charts and
results per evaluation point; a result is recorded with its evidence file, confirmed by another evaluator, or
reopened with a reason. Another institution's contract or result is 404; managers never reach these pages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from bonds import selectors, services
from bonds.access import ACCESS
from bonds.models import Contract, EvaluationPoint, Metric, Result
from web.common import menu
from web.common.pages import ActionPage, ObjectPage, Page

from . import forms as f
from .common import outcomes


def evaluator_contract_url(contract: Any) -> str:
    return reverse("web:evaluator-bond", args=[contract.pk])


class EvaluatorHome(Page):
    access, action = ACCESS, "result.record"
    area = menu.EVALUATOR
    template_name = "web/bonds/evaluator/home.html"
    title = _("Outcome evaluation")
    section = "evaluator-bonds"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["contracts"] = list(selectors.contracts_visible_to(self.request.user).select_related("provider")
                                    .order_by("-pk"))
        context["to_confirm"] = list(selectors.results_to_confirm_for(self.request.user))
        return context


class EvaluatorMixin:
    access = ACCESS
    area = menu.EVALUATOR
    section = "evaluator-bonds"
    request: Any

    def contracts(self) -> QuerySet[Contract]:
        return selectors.contracts_visible_to(self.request.user)


class EvaluatorContract(EvaluatorMixin, ObjectPage):
    action = "result.read"
    template_name = "web/bonds/evaluator/contract.html"
    context_object_name = "contract"
    buttons = ("result.record", "result.confirm", "result.reopen")

    def visible(self) -> QuerySet[Contract]:
        return self.contracts().select_related("provider", "evaluator")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        contract: Contract = self.get_object()  # type: ignore[assignment]
        context = super().get_context_data(**kwargs)
        context.update(outcomes(contract), title=contract.name,
                       open=contract.state in (Contract.State.IN_SERVICE, Contract.State.EVALUATING))
        return context


class ResultRecord(EvaluatorMixin, ActionPage):
    action = "result.record"
    template_name = "web/bonds/evaluator/record.html"
    form_class = f.ResultForm
    context_object_name = "contract"
    title = _("Record a result")
    intro = _("The people engaged and those with the outcome at an evaluation point, with the evaluation report as "
              "evidence. Another evaluator of your institution confirms it.")
    submit_label = _("Record the result")

    def visible(self) -> QuerySet[Contract]:
        return self.contracts()

    def get_form(self, data: Mapping[str, Any] | None = None) -> forms.Form:
        contract: Contract = self.get_object()  # type: ignore[assignment]
        metrics = [(m.pk, f"{m.code} · {m.definition}"[:80]) for m in
                   Metric.objects.filter(contract=contract).order_by("position", "pk")]
        points = [(p.pk, f"{p.name} ({p.on_date.isoformat()})") for p in
                  EvaluationPoint.objects.filter(contract=contract).order_by("on_date", "pk")]
        files = self.request.FILES if data is not None else None
        initial = {"metric": self.request.GET.get("metric"), "point": self.request.GET.get("point")}
        return f.ResultForm(data, files, metrics=metrics, points=points, initial=initial)

    def success_url(self) -> str:
        return evaluator_contract_url(self.get_object())

    def perform(self, form: forms.Form) -> Any:
        data = form.cleaned_data
        evidence = [data["evidence"]] if data.get("evidence") else []
        return services.result_record(actor=self.actor, metric_id=data["metric"], point_id=data["point"],
                                      engaged=data["engaged"], with_outcome=data["with_outcome"],
                                      units=data["units"], note=data["note"], evidence=evidence)


class ResultAction(EvaluatorMixin, ActionPage):
    template_name = "web/bonds/evaluator/result_action.html"
    context_object_name = "result"

    def visible(self) -> QuerySet[Result]:
        return Result.objects.filter(metric__contract__in=self.contracts()).select_related(
            "metric__contract", "point", "recorded_by", "confirmed_by")

    def success_url(self) -> str:
        return evaluator_contract_url(self.get_object().metric.contract)  # type: ignore[attr-defined]


class ResultConfirm(ResultAction):
    action = "result.confirm"
    form_class = f.ConfirmForm
    title = _("Confirm the result")
    intro = _("You confirm another evaluator's result (four eyes); the outcome payment is worked out from confirmed "
              "results.")
    submit_label = _("Confirm")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        result: Result = self.get_object()  # type: ignore[assignment]
        context["blocked"] = result.state == Result.State.RECORDED and result.recorded_by_id == self.request.user.pk
        context["blocked_note"] = _("You recorded this result; another evaluator must confirm it.")
        return context

    def perform(self, form: forms.Form) -> Any:
        return services.result_confirm(actor=self.actor, result_id=self.get_object().pk)


class ResultReopen(ResultAction):
    action = "result.reopen"
    form_class = f.ReopenForm
    title = _("Reopen the result")
    intro = _("A disputed confirmed result is reopened with a reason, to be recorded and confirmed again.")
    submit_label = _("Reopen")
    danger = True

    def perform(self, form: forms.Form) -> Any:
        return services.result_reopen(actor=self.actor, result_id=self.get_object().pk,
                                      reason=form.cleaned_data["reason"])
