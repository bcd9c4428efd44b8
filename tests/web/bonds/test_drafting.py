"""A manager drafts a contract on the console's pages: the new contract, its fields changed, an investor's
commitment, a metric with its payment term (an achievement table typed one row a line, or a rate card) and its
evaluation points. Bad input re-renders the form with the field named and writes nothing; once the contract is
signed its draft pages say so (409) and a forged POST changes nothing; the auditor sees the draft and none of the
forms."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from bonds.models import Contract, EvaluationPoint, Investment, Metric, PaymentStep, PaymentTerm
from enterprises.models import Institution
from ledger.models import Book
from tests.bonds.factories import today
from tests.factories import EnterpriseFactory, InstitutionFactory

pytestmark = pytest.mark.django_db


def _contract_form(bw, **changes) -> dict[str, str]:
    b = bw.bond
    return {"name": "경기도 사회성과보상사업", "outcome_payer": str(b.city.pk), "operator": str(b.operator.pk),
            "provider": str(b.provider.pk), "evaluator": str(b.evaluator_institution.pk),
            "service_starts_on": (today() + timedelta(days=30)).isoformat(),
            "service_ends_on": (today() + timedelta(days=400)).isoformat(), "max_payment": "900,000,000",
            "interim_percent": "20", "distribution_mode": "pro_rata", **changes}


def _errors(response) -> dict[str, list[str]]:
    return {name: list(errors) for name, errors in response.context["form"].errors.items()}


def test_a_manager_creates_a_draft_contract_and_is_its_preparer(bw, client_as):
    response = client_as(bw.manager).post(reverse("web:bond-new"), _contract_form(bw, code="gg-sib-2"))
    contract = Contract.objects.get(code="gg-sib-2")
    assert response.status_code == 303 and response["Location"] == reverse("web:bond", args=[contract.pk])
    assert contract.state == Contract.State.DRAFT and contract.prepared_by == bw.manager
    assert contract.max_payment.amount == 900_000_000 and contract.interim_percent == 20
    assert contract.book.code == "bond-gg-sib-2"


@pytest.mark.parametrize(("changes", "field"), [
    ({"code": "bad code!"}, "code"),
    ({"code": "seoul-sib-1"}, "code"),  # used by the world's contract
    ({"code": "gg-3", "service_ends_on": "2020-01-01"}, "service_ends_on"),
    ({"code": "gg-3", "max_payment": "12.5"}, "max_payment"),
    ({"code": "gg-3", "interim_percent": "120"}, "interim_percent"),
    ({"code": "gg-3", "distribution_mode": "lottery"}, "distribution_mode"),
])
def test_a_bad_new_contract_is_shown_again_with_the_field_named_and_nothing_written(bw, client_as, changes, field):
    contracts, books = Contract.objects.count(), Book.objects.count()
    response = client_as(bw.manager).post(reverse("web:bond-new"), _contract_form(bw, **changes))
    assert response.status_code == 400
    assert field in _errors(response), _errors(response)
    assert Contract.objects.count() == contracts and Book.objects.count() == books


def test_an_institution_of_the_wrong_kind_is_not_a_choice(bw, client_as):
    response = client_as(bw.manager).post(reverse("web:bond-new"), _contract_form(
        bw, code="gg-4", outcome_payer=str(bw.bond.operator.pk), evaluator=str(bw.bond.investors[0].pk)))
    assert response.status_code == 400
    assert {"outcome_payer", "evaluator"} <= set(_errors(response))
    assert not Contract.objects.filter(code="gg-4").exists()


def test_a_manager_changes_a_drafts_fields(bw, client_as):
    provider = EnterpriseFactory(name="새 제공기관")
    response = client_as(bw.manager).post(reverse("web:bond-edit", args=[bw.draft.pk]), _contract_form(
        bw, name="경기도 제1호", provider=str(provider.pk), max_payment="1,200,000,000",
        service_starts_on=bw.draft.service_starts_on.isoformat(),
        service_ends_on=bw.draft.service_ends_on.isoformat()))
    assert response.status_code == 303, _errors(response)
    bw.draft.refresh_from_db()
    assert (bw.draft.name, bw.draft.provider, bw.draft.max_payment.amount) == ("경기도 제1호", provider, 1_200_000_000)


def test_the_edit_form_shows_the_drafts_fields_and_refuses_a_period_out_of_order(bw, client_as):
    client = client_as(bw.manager)
    page = client.get(reverse("web:bond-edit", args=[bw.draft.pk]))
    assert page.status_code == 200
    assert page.context["form"].initial["name"] == bw.draft.name
    response = client.post(reverse("web:bond-edit", args=[bw.draft.pk]), _contract_form(
        bw, name="바뀌지 않음", service_starts_on="2026-06-01", service_ends_on="2026-01-01"))
    assert response.status_code == 400 and "service_ends_on" in _errors(response)
    bw.draft.refresh_from_db()
    assert bw.draft.name != "바뀌지 않음"


def test_a_manager_adds_an_investor_once(bw, client_as):
    investor = InstitutionFactory(kind=Institution.Kind.INVESTOR, name="사회가치연대기금")
    client = client_as(bw.manager)
    path = reverse("web:bond-investment-add", args=[bw.draft.pk])
    bw.draft.refresh_from_db()
    committed = bw.draft.committed.amount
    response = client.post(path, {"investor": investor.pk, "commitment": "100,000,000", "share_class": ""})
    assert response.status_code == 303
    assert Investment.objects.get(contract=bw.draft, investor=investor).commitment.amount == 100_000_000
    bw.draft.refresh_from_db()
    assert bw.draft.committed.amount == committed + 100_000_000
    again = client.post(path, {"investor": investor.pk, "commitment": "5,000,000", "share_class": ""})
    assert again.status_code == 400 and "investor" in _errors(again)
    bad = client.post(path, {"investor": investor.pk, "commitment": "-5", "share_class": "mezzanine"})
    assert bad.status_code == 400 and {"commitment", "share_class"} <= set(_errors(bad))
    assert Investment.objects.filter(contract=bw.draft, investor=investor).count() == 1


def _metric_form(**changes) -> dict[str, str]:
    return {"code": "employed", "definition": "6개월 이상 취업을 유지한 청년", "unit": "명",
            "target_population": "자립준비청년 60명", "targeted_number": "60", "target": "40", "baseline": "",
            "validation_method": "historical", "data_source": "고용보험 자료", **changes}


def test_a_manager_adds_a_metric_and_then_sets_its_achievement_table(bw, client_as):
    client = client_as(bw.manager)
    response = client.post(reverse("web:bond-metric-add", args=[bw.draft.pk]), _metric_form())
    metric = Metric.objects.get(contract=bw.draft, code="employed")
    term_page = reverse("web:bond-metric-term", args=[metric.pk])
    assert response.status_code == 303 and response["Location"] == term_page
    assert metric.baseline is None and metric.target == 40
    assert client.get(term_page).status_code == 200
    response = client.post(term_page, {"kind": "table", "steps": "20:50\n 40 : 100% \n\n60:120", "mode": "linear",
                                       "below": "zero", "principal": "300,000,000", "principal_line": "40",
                                       "cap_percent": "120"})
    assert response.status_code == 303 and response["Location"] == reverse("web:bond", args=[bw.draft.pk])
    term = PaymentTerm.objects.get(metric=metric)
    assert (term.kind, term.mode, term.principal.amount) == ("table", "linear", 300_000_000)
    assert [(int(s.threshold), int(s.percent)) for s in PaymentStep.objects.filter(term=term).order_by("threshold")] \
        == [(20, 50), (40, 100), (60, 120)]
    # The page shows the table again to change it; a rate card replaces it.
    assert client.get(term_page).context["form"].initial["steps"] == "20:50\n40:100\n60:120"
    response = client.post(term_page, {"kind": "rate_card", "price": "1,000,000", "max_units": "30"})
    assert response.status_code == 303
    term.refresh_from_db()
    assert (term.kind, term.price.amount, term.max_units) == ("rate_card", 1_000_000, 30)


@pytest.mark.parametrize(("data", "field", "text"), [
    ({"steps": "42-100"}, "steps", "Line 1"),
    ({"steps": "30:50\nforty:100"}, "steps", "Line 2"),
    ({"steps": "30:50\n42:2000"}, "steps", "Line 2, payment"),  # the service's range, named by its line
    ({"steps": "42:100\n30:50"}, "steps", "increas"),  # the engine: thresholds must increase
    ({"steps": ""}, "steps", "Required"),
    ({"principal": ""}, "principal", "Required"),
    ({"principal_line": "30"}, "principal_line", "100"),  # the table does not pay 100 % at 30 %
    ({"kind": "rate_card", "price": ""}, "price", "Required"),
    ({"kind": "rate_card", "price": "1,000", "max_units": "-1"}, "max_units", ""),
    ({"kind": "lottery"}, "kind", ""),
])
def test_a_bad_payment_term_is_shown_again_with_the_field_and_the_line_named(bw, client_as, data, field, text):
    metric = Metric.objects.filter(contract=bw.draft).order_by("position").first()
    assert metric is not None
    steps = list(PaymentStep.objects.filter(term__metric=metric).values_list("threshold", "percent"))
    form = {"kind": "table", "steps": "42:100", "mode": "stepwise", "below": "zero", "principal": "100,000,000",
            "principal_line": "", "cap_percent": "", **data}
    client = client_as(bw.manager)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # the rules' words are read below
    response = client.post(reverse("web:bond-metric-term", args=[metric.pk]), form)
    assert response.status_code == 400
    errors = _errors(response)
    assert field in errors and text in " ".join(errors[field]), errors
    assert list(PaymentStep.objects.filter(term__metric=metric).values_list("threshold", "percent")) == steps


def test_a_bad_metric_is_shown_again_with_the_field_named(bw, client_as):
    metrics = Metric.objects.count()
    client = client_as(bw.manager)
    path = reverse("web:bond-metric-add", args=[bw.draft.pk])
    for changes, field in (({"target": "150"}, "target"), ({"code": "improved"}, "code"),
                           ({"targeted_number": "-1"}, "targeted_number"), ({"definition": "  "}, "definition")):
        response = client.post(path, _metric_form(**changes))
        assert response.status_code == 400 and field in _errors(response), (changes, _errors(response))
    assert Metric.objects.count() == metrics


def test_a_manager_adds_an_evaluation_point_in_order(bw, client_as):
    client = client_as(bw.manager)
    path = reverse("web:bond-point-add", args=[bw.draft.pk])
    final = EvaluationPoint.objects.get(contract=bw.draft, kind="final")
    on = final.on_date - timedelta(days=3)
    response = client.post(path, {"kind": "interim", "name": "2차 중간 평가", "on_date": on.isoformat()})
    assert response.status_code == 303
    assert EvaluationPoint.objects.filter(contract=bw.draft, name="2차 중간 평가", on_date=on).exists()
    points = EvaluationPoint.objects.count()
    for data, field in (({"kind": "final", "name": "두 번째 최종", "on_date": "2099-01-01"}, "kind"),
                        ({"kind": "interim", "name": "너무 이름", "on_date": "2000-01-01"}, "on_date"),
                        ({"kind": "interim", "name": "", "on_date": on.isoformat()}, "name")):
        response = client.post(path, data)
        assert response.status_code == 400 and field in _errors(response), (data, _errors(response))
    assert EvaluationPoint.objects.count() == points


def test_a_signed_contracts_draft_pages_say_so_and_forged_posts_change_nothing(bw, client_as):
    client = client_as(bw.manager)
    c = bw.contract  # signed and in service
    metric = bw.bond.cost
    assert metric is not None
    pages = {
        reverse("web:bond-edit", args=[c.pk]): _contract_form(bw, name="forged"),
        reverse("web:bond-investment-add", args=[c.pk]): {
            "investor": InstitutionFactory(kind=Institution.Kind.INVESTOR).pk, "commitment": "1,000"},
        reverse("web:bond-metric-add", args=[c.pk]): _metric_form(code="forged"),
        reverse("web:bond-metric-term", args=[metric.pk]): {"kind": "rate_card", "price": "1", "max_units": "1"},
        reverse("web:bond-point-add", args=[c.pk]): {"kind": "interim", "name": "forged",
                                                     "on_date": today().isoformat()},
    }
    counts = (Investment.objects.count(), Metric.objects.count(), EvaluationPoint.objects.count())
    for path, data in pages.items():
        page = client.get(path)
        assert page.status_code == 409 and b"<form method=\"post\"" not in page.content, path
        assert client.post(path, data).status_code == 409, path
        assert client.post(path, {}).status_code == 409, path  # not a form's errors: the contract is signed
    assert (Investment.objects.count(), Metric.objects.count(), EvaluationPoint.objects.count()) == counts
    c.refresh_from_db()
    assert c.name != "forged"
    assert PaymentTerm.objects.get(metric=metric).kind == "table"
    dashboard = client.get(reverse("web:bond", args=[c.pk])).content.decode()
    assert reverse("web:bond-edit", args=[c.pk]) not in dashboard
    assert reverse("web:bond-metric-term", args=[metric.pk]) not in dashboard


def test_a_manager_sees_the_draft_buttons_and_the_auditor_reads_without_them(bw, client_as):
    d = bw.draft
    links = [reverse("web:bond-edit", args=[d.pk]), reverse("web:bond-investment-add", args=[d.pk]),
             reverse("web:bond-metric-add", args=[d.pk]), reverse("web:bond-point-add", args=[d.pk])]
    links += [reverse("web:bond-metric-term", args=[m.pk]) for m in Metric.objects.filter(contract=d)]
    manager_page = client_as(bw.manager).get(reverse("web:bond", args=[d.pk])).content.decode()
    assert all(link in manager_page for link in links)
    assert reverse("web:bond-new") in client_as(bw.manager).get(reverse("web:bonds")).content.decode()
    auditor = client_as(bw.auditor)
    page = auditor.get(reverse("web:bond", args=[d.pk]))
    assert page.status_code == 200
    assert not any(link in page.content.decode() for link in links)
    assert reverse("web:bond-new") not in auditor.get(reverse("web:bonds")).content.decode()
    contracts = Contract.objects.count()
    assert auditor.post(reverse("web:bond-new"), _contract_form(bw, code="audit-1")).status_code == 403
    for link in links:
        assert auditor.post(link, {"name": "forged"}).status_code == 403, link
    assert Contract.objects.count() == contracts
