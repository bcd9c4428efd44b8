"""A social impact bond drafted on the console's pages, clicked through in a real browser: manager A makes a new
contract (a service period out of order is refused beside its field first), adds an investor's commitment, an
outcome metric and its achievement table (a row typed wrong is refused naming its line first) and the final
evaluation point; the page tells A another manager must sign it. Manager B signs it; after that its draft pages say
it can no longer be changed (409).

Every page on the way is checked with axe-core and saved as a screenshot (.artifacts/screenshots/)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from selenium.webdriver.support.ui import Select

from bonds.models import Contract, EvaluationPoint, Investment, Metric, PaymentStep
from enterprises.models import Institution
from tests.factories import EnterpriseFactory, InstitutionFactory, ManagerFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _date(site, css: str, value) -> None:
    site.driver.execute_script("arguments[0].value = arguments[1];", site.find(css), value.isoformat())


def test_a_manager_drafts_a_contract_with_an_investor_and_a_metric_and_another_signs_it(site):
    today = timezone.localdate()
    manager_a, manager_b = ManagerFactory(), ManagerFactory()
    city = InstitutionFactory(kind=Institution.Kind.MUNICIPALITY, name="성동구청")
    operator = InstitutionFactory(kind=Institution.Kind.INTERMEDIARY, name="성동사회적경제지원센터")
    evaluator = InstitutionFactory(kind=Institution.Kind.EVALUATOR, name="한양대학교 산학협력단")
    investor = InstitutionFactory(kind=Institution.Kind.INVESTOR, name="사회가치연대기금")
    provider = EnterpriseFactory(name="성동 청년자립 협동조합")

    site.login(manager_a)
    site.wait_path("/console/")
    site.open("/console/bonds/")
    site.find("a[href='/console/bonds/new/']").click()
    site.wait_path("/console/bonds/new/")
    site.check("bond-draft-01-new", phone=True)
    site.type("#id_code", "seongdong-sib-1")
    site.type("#id_name", "성동구 자립준비청년 사회성과보상사업")
    Select(site.find("#id_outcome_payer")).select_by_value(str(city.pk))
    Select(site.find("#id_operator")).select_by_value(str(operator.pk))
    Select(site.find("#id_provider")).select_by_value(str(provider.pk))
    Select(site.find("#id_evaluator")).select_by_value(str(evaluator.pk))
    _date(site, "#id_service_starts_on", today - timedelta(days=10))
    _date(site, "#id_service_ends_on", today - timedelta(days=20))  # before the start: refused beside the field
    site.type("#id_max_payment", "300,000,000")
    site.submit()
    site.wait_visible("#id_service_ends_on_error")
    site.check("bond-draft-02-period-refused")
    assert not Contract.objects.exists()
    _date(site, "#id_service_ends_on", today + timedelta(days=300))
    site.submit()
    site.wait_until(lambda d: Contract.objects.exists(), message="contract created")
    contract = Contract.objects.get()
    page = f"/console/bonds/{contract.pk}/"
    site.wait_path(page)
    assert contract.prepared_by == manager_a and contract.state == Contract.State.DRAFT

    site.find(f"a[href='{page}investors/new/']").click()
    site.wait_path(f"{page}investors/new/")
    Select(site.find("#id_investor")).select_by_value(str(investor.pk))
    site.type("#id_commitment", "250,000,000")
    site.check("bond-draft-03-investor")
    site.submit()
    site.wait_path(page)
    assert Investment.objects.get(contract=contract).commitment.amount == 250_000_000

    site.find(f"a[href='{page}metrics/new/']").click()
    site.wait_path(f"{page}metrics/new/")
    site.type("#id_code", "employed")
    site.type("#id_definition", "6개월 이상 취업을 유지한 자립준비청년")
    site.type("#id_unit", "명")
    site.type("#id_target_population", "성동구 자립준비청년 60명")
    site.type("#id_targeted_number", "60")
    site.type("#id_target", "40")
    Select(site.find("#id_validation_method")).select_by_value("historical")
    site.type("#id_data_source", "고용보험 피보험자격 자료")
    site.check("bond-draft-04-metric")
    site.submit()
    site.wait_until(lambda d: Metric.objects.exists(), message="metric created")
    metric = Metric.objects.get()
    metric_path = f"/console/bond-metrics/{metric.pk}/term/"
    site.wait_path(metric_path)
    site.type("#id_steps", "20:50\n40-100")  # the second line has no colon: refused naming the line
    site.type("#id_principal", "250,000,000")
    site.submit()
    site.wait_visible("#id_steps_error")
    assert "2" in site.find("#id_steps_error").text
    site.check("bond-draft-05-term-refused")
    site.type("#id_steps", "20:50\n40:100")
    site.type("#id_principal_line", "40")
    site.submit()
    site.wait_path(page)
    assert [(int(s.threshold), int(s.percent)) for s in PaymentStep.objects.order_by("threshold")] == [(20, 50),
                                                                                                     (40, 100)]
    site.wait_until(lambda d: d.find_elements("css selector", "figure.bond-chart svg path"), message="chart drawn")

    site.find(f"a[href='{page}points/new/']").click()
    site.wait_path(f"{page}points/new/")
    Select(site.find("#id_kind")).select_by_value("final")
    site.type("#id_name", "최종 평가")
    _date(site, "#id_on_date", today + timedelta(days=320))
    site.submit()
    site.wait_path(page)
    assert EvaluationPoint.objects.get(contract=contract).kind == "final"
    assert not site.find_all(f"a[href='{page}sign/']")
    assert site.find(".actions .note").is_displayed()
    site.check("bond-draft-06-complete-a", phone=True)
    site.log_out()

    site.login(manager_b)
    site.wait_path("/console/")
    site.open(page)
    site.find(f"a[href='{page}sign/']").click()
    site.wait_path(f"{page}sign/")
    site.submit()
    site.wait_path(page)
    contract.refresh_from_db()
    assert contract.state == Contract.State.SIGNED and contract.signed_by == manager_b
    assert not site.find_all(f"a[href='{page}edit/']")
    site.check("bond-draft-07-signed")
    site.open(f"{page}edit/")
    assert site.find("p.note").is_displayed() and not site.find_all("form.action-form")
    site.check("bond-draft-08-edit-refused")
